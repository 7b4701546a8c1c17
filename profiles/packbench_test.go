package profiles

import (
	"io/fs"
	"os"
	"path"
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

// BenchmarkCheckPerPack times RuleSet.Check on the NEMS examples with each
// built-in pack alone, and with all of them ("all"), to show what each
// pack costs a message: one iteration checks every example once, parsed
// outside the timer.
func BenchmarkCheckPerPack(b *testing.B) {
	files := sharedtest.Glob(b, "corpus/nems-examples/*.xml")
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
			continue
		}
		in := Input{Size: int64(len(src)), Now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		if strings.HasPrefix(filepath.Base(f), "subscription-") {
			in.Interaction = issue.SubscriptionCreate
		}
		msgs = append(msgs, payload{doc.Root, in})
	}
	run := func(b *testing.B, rs *RuleSet) {
		b.ReportAllocs()
		m := cputime.Start()
		for b.Loop() {
			for _, m := range msgs {
				rs.Check(m.root, m.in)
			}
		}
		m.Report(b, len(msgs))
	}
	names, err := fs.Glob(embeddedPacks, "packs/*.json")
	if err != nil || len(names) == 0 {
		b.Fatalf("no built-in packs: %v", err)
	}
	for _, n := range names {
		src, err := embeddedPacks.ReadFile(n)
		if err != nil {
			b.Fatal(err)
		}
		p, err := parsePack("profiles/"+n, src, false)
		if err != nil {
			b.Fatal(err)
		}
		rs, err := NewRuleSet(p)
		if err != nil {
			b.Fatalf("%s alone: %v", n, err)
		}
		b.Run(strings.TrimSuffix(path.Base(n), ".json"), func(b *testing.B) { run(b, rs) })
	}
	all, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("all", func(b *testing.B) { run(b, all) })
}
