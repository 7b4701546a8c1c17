package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/cputime"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// BenchmarkCheckNEMSExamples times RuleSet.Check alone: each official
// example is parsed once, outside the timer, and one iteration checks every
// example once. It reports the cost per message.
func BenchmarkCheckNEMSExamples(b *testing.B) {
	files := sharedtest.Glob(b, "corpus/nems-examples/*.xml")
	rs, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	type payload struct {
		root *tree.Node
		in   Input
	}
	var msgs []payload
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		doc, _ := tree.ParseXML(src, schemas.STU3())
		if doc == nil || doc.Root == nil {
			continue // the few payloads outside the FHIR namespace
		}
		in := Input{Size: int64(len(src)), Now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		if strings.HasPrefix(filepath.Base(f), "subscription-") {
			in.Interaction = issue.SubscriptionCreate
		}
		msgs = append(msgs, payload{doc.Root, in})
	}
	b.ReportAllocs()
	m := cputime.Start()
	for b.Loop() {
		for _, m := range msgs {
			rs.Check(m.root, m.in)
		}
	}
	m.Report(b, len(msgs))
}
