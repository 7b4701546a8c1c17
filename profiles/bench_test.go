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

// benchMessage is a payload parsed once, outside the timer, with the input
// the rule packs see for it.
type benchMessage struct {
	root *tree.Node
	in   Input
}

// nemsExampleMessages parses the official NEMS examples for the pack
// benchmarks (the few payloads outside the FHIR namespace are left out).
func nemsExampleMessages(b *testing.B) []benchMessage {
	var msgs []benchMessage
	for _, f := range sharedtest.Glob(b, "corpus/nems-examples/*.xml") {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		doc, _ := tree.ParseXML(src, schemas.STU3())
		if doc == nil || doc.Root == nil {
			continue
		}
		in := Input{Size: int64(len(src)), Now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		if strings.HasPrefix(filepath.Base(f), "subscription-") {
			in.Interaction = issue.SubscriptionCreate
		}
		msgs = append(msgs, benchMessage{doc.Root, in})
	}
	return msgs
}

// checkEach times rs on msgs, one iteration checking every message once,
// and reports the cost per message.
func checkEach(b *testing.B, rs *RuleSet, msgs []benchMessage) {
	b.ReportAllocs()
	m := cputime.Start()
	for b.Loop() {
		for _, m := range msgs {
			rs.Check(m.root, m.in)
		}
	}
	m.Report(b, len(msgs))
}

// BenchmarkCheckNEMSExamples times RuleSet.Check alone with every built-in
// pack on the official NEMS examples (BenchmarkCheckPerPack has the same
// run as its "all" case, beside each pack alone).
func BenchmarkCheckNEMSExamples(b *testing.B) {
	rs, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	checkEach(b, rs, nemsExampleMessages(b))
}
