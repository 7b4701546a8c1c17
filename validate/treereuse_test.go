package validate

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/cputime"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// reuseCorpus gathers payloads for the tree reuse tests: the repository's
// own (examples, invalid, the golden rule corpus in both formats) and,
// when the reference data is there, the NEMS examples and a share of the
// official STU3 examples in both formats.
func reuseCorpus(t *testing.T) (names []string, payloads [][]byte) {
	t.Helper()
	var files []string
	for _, pattern := range []string{
		"../corpus/examples/*", "../corpus/invalid/*",
		"../corpus/rules/valid/*.xml", "../corpus/rules/valid/*.json",
		"../corpus/rules/invalid/*.xml", "../corpus/rules/invalid/*.json",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if filepath.Ext(f) == ".json" && filepath.Ext(f[:len(f)-5]) == ".golden" {
				continue
			}
			files = append(files, f)
		}
	}
	if len(files) < 100 {
		t.Fatalf("only %d payloads in the repository's corpus", len(files))
	}
	files = append(files, sharedtest.Optional("corpus/nems-examples/*.xml")...)
	for _, pattern := range []string{"fhir/stu3/examples/xml/*.xml", "fhir/stu3/examples/json/*.json"} {
		all := sharedtest.Optional(pattern)
		for i := 0; i < len(all); i += 25 { // every 25th: a few hundred, all kinds
			files = append(files, all[i])
		}
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		names, payloads = append(names, f), append(payloads, src)
	}
	// Hostile and odd payloads: broken halfway, too deep, not FHIR.
	odd := map[string]string{
		"cut-xml":   `<Bundle xmlns="http://hl7.org/fhir"><type value="message"/><entry><resource><Patient><name><given value="A"/>`,
		"cut-json":  `{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"Patient","name":[{"given":["A"]`,
		"deep-xml":  `<Patient xmlns="http://hl7.org/fhir">` + strings.Repeat("<extension url=\"http://x\">", 1100),
		"deep-json": `{"resourceType":"Patient","extension":` + strings.Repeat(`[{"url":"http://x","extension":`, 1100),
		"neither":   `hello`,
	}
	for _, k := range slices.Sorted(maps.Keys(odd)) {
		names, payloads = append(names, k), append(payloads, []byte(odd[k]))
	}
	return names, payloads
}

// TestReleasedTreesAreNotKept proves that a validation keeps nothing of
// the tree it parsed, whose memory goes back to the reader when Validate
// returns: results made with pooled trees equal those made with a fresh
// tree for each payload, (1) when each released tree is overwritten at
// once (tree.PoisonReleased), so that a result, or a validator's state,
// still pointing into it reads the poison, and (2) when the memory is
// reused for payloads in another order, so that state kept from one
// payload meets a different tree at the same addresses.
func TestReleasedTreesAreNotKept(t *testing.T) {
	names, payloads := reuseCorpus(t)
	clock := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	sets := map[string]Options{
		"default": {Now: func() time.Time { return clock }},
		"schema":  {Now: func() time.Time { return clock }, Schema: true},
		"base":    {Now: func() time.Time { return clock }, NoRules: true, MaxSize: -1},
	}
	if ig := sharedtest.Optional("fhir/nhs/STU3-FHIR-Assets/StructureDefinitions"); len(ig) == 1 {
		sets["ig"] = Options{Now: func() time.Time { return clock }, IG: ig,
			Profiles: []string{"https://fhir.nhs.uk/STU3/StructureDefinition/EMS-Subscription-1"}}
	}
	for _, name := range slices.Sorted(maps.Keys(sets)) {
		t.Run(name, func(t *testing.T) {
			v, err := New(sets[name])
			if err != nil {
				t.Fatal(err)
			}
			// One validator, switched from fresh trees to pooled ones:
			// what it caches between payloads is then the same for both.
			v.freshTrees = true
			want := make([]*Result, len(payloads))
			for i, src := range payloads {
				want[i] = comparable(v.Validate(names[i], src))
			}
			v.freshTrees = false
			pooled := v
			check := func(pass string, i int) {
				got := comparable(pooled.Validate(names[i], payloads[i]))
				if !reflect.DeepEqual(got, want[i]) {
					t.Errorf("%s, %s: the result differs from that of a fresh tree:\n got %s\nwant %s",
						pass, names[i], resultText(got), resultText(want[i]))
				}
			}
			func() {
				defer tree.PoisonReleased(tree.PoisonReleased(true))
				for i := range payloads {
					check("poisoned", i)
				}
			}()
			// The results of the poisoned pass are read again now, after
			// later payloads: a string of one pointing into a tree would
			// have been overwritten.
			for i := len(payloads) - 1; i >= 0; i-- {
				check("reused, backwards", i)
			}
			for i := range payloads {
				check("reused, interleaved", (i*7919)%len(payloads))
			}
		})
	}
}

// comparable returns res without what differs from run to run.
func comparable(res *Result) *Result {
	c := *res
	c.Elapsed = 0
	return &c
}

func resultText(r *Result) string {
	s := fmt.Sprintf("%s %s %s %s %s", r.Format, r.ResourceType, r.Kind, r.EventType, r.Lifecycle)
	for _, is := range r.Issues {
		s += "\n\t" + is.String()
	}
	return s
}

// TestPooledTreeStringsOutliveTheSource checks that what a result says
// does not change when the caller reuses the payload's bytes, as a server
// reading bodies into pooled buffers may: the tree's strings are copies.
// The event type of a message is the text of an element, as written.
func TestPooledTreeStringsOutliveTheSource(t *testing.T) {
	v, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	srcs := []string{
		`<Patient xmlns="http://hl7.org/fhir"><gender value="robot"/><birthDate value="not-a-date"/></Patient>`,
		`{"resourceType":"Patient","gender":"robot","birthDate":"not-a-date"}`,
	}
	for _, f := range []string{"../corpus/examples/pds-change-of-gp.xml", "../corpus/rules/valid/vaccinations-1-update.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	for _, src := range srcs {
		buf := []byte(src)
		res := v.Validate("p", buf)
		before := resultText(res)
		if len(res.Issues) == 0 && res.EventType == "" {
			t.Fatalf("%.40s: neither an issue nor an event type to check", src)
		}
		for i := range buf {
			buf[i] = 'x'
		}
		v.Validate("other", []byte(src)) // reuses the released tree
		if after := resultText(res); after != before {
			t.Errorf("the result changed with the payload's bytes:\n%s\nthen\n%s", before, after)
		}
	}
}

// BenchmarkTreeReuse validates the NEMS examples with the default options,
// parsing each into a fresh tree ("fresh", as before pooling) or into the
// pooled tree the validator now uses ("pooled"). cpu-ns/msg is the CPU
// time a message, collector included.
func BenchmarkTreeReuse(b *testing.B) {
	files := sharedtest.Glob(b, "corpus/nems-examples/*.xml")
	var payloads [][]byte
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		payloads = append(payloads, src)
	}
	for _, fresh := range []bool{true, false} {
		name := "pooled"
		if fresh {
			name = "fresh"
		}
		b.Run(name, func(b *testing.B) {
			v, err := New(Options{})
			if err != nil {
				b.Fatal(err)
			}
			v.freshTrees = fresh
			b.ReportAllocs()
			meter := cputime.Start()
			for b.Loop() {
				for _, src := range payloads {
					v.Validate("", src)
				}
			}
			meter.Report(b, len(payloads))
		})
	}
}
