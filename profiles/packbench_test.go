package profiles

import (
	"io/fs"
	"path"
	"strings"
	"testing"
)

// BenchmarkCheckPerPack times RuleSet.Check on the NEMS examples with each
// built-in pack alone, and with all of them ("all"), to show what each
// pack costs a message: one iteration checks every example once, parsed
// outside the timer.
func BenchmarkCheckPerPack(b *testing.B) {
	msgs := nemsExampleMessages(b)
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
		b.Run(strings.TrimSuffix(path.Base(n), ".json"), func(b *testing.B) { checkEach(b, rs, msgs) })
	}
	all, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("all", func(b *testing.B) { checkEach(b, all, msgs) })
}
