package criteria

import (
	"bufio"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
)

// corpusDir returns the shared NEMS example folder, or skips the test when
// the reference data is not next to the repository (a fresh clone).
func corpusDir(t *testing.T) string {
	t.Helper()
	return sharedtest.Path(t, "corpus/nems-examples")
}

// TestCorpusCriteriaExamples judges each line of
// subscription-criteria-examples.txt. Its format: '#' comment lines, then
// tab-separated expected-verdict (valid|invalid), kind (explicit|generic|
// none), source page, criteria.
func TestCorpusCriteriaExamples(t *testing.T) {
	path := filepath.Join(corpusDir(t), "subscription-criteria-examples.txt")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kinds := map[string]Kind{"explicit": KindExplicit, "generic": KindGeneric, "none": KindUnknown}
	sc := bufio.NewScanner(f)
	lines := 0
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			t.Fatalf("%s:%d: %d tab-separated columns, want 4", path, n, len(cols))
		}
		verdict, kindName, source, criteria := cols[0], cols[1], cols[2], cols[3]
		kind, ok := kinds[kindName]
		if !ok || (verdict != "valid" && verdict != "invalid") {
			t.Fatalf("%s:%d: unexpected verdict %q or kind %q", path, n, verdict, kindName)
		}
		lines++
		c, fs := Parse(criteria)
		if got := fs.HasErrors(); got != (verdict == "invalid") {
			t.Errorf("%s:%d (%s): HasErrors = %v, file says %s", path, n, source, got, verdict)
		}
		if verdict == "valid" && len(fs) > 0 {
			t.Errorf("%s:%d: a valid guide example should give no findings at all, got %v", path, n, fs)
		}
		if c.Kind != kind {
			t.Errorf("%s:%d: Kind = %v, file says %s", path, n, c.Kind, kindName)
		}
		for _, f := range fs {
			t.Logf("%s:%d: %s", filepath.Base(path), n, f)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if lines != 5 {
		t.Errorf("read %d criteria lines; MANIFEST.md says 5 (4 valid, 1 invalid)", lines)
	}
}

// subscription holds the one element of a Subscription these tests need.
// The tag has no namespace, so it also matches the read example, whose
// root lacks xmlns.
type subscription struct {
	XMLName  xml.Name `xml:"Subscription"`
	Criteria struct {
		Value string `xml:"value,attr"`
	} `xml:"criteria"`
}

// TestCorpusSubscriptions checks the criteria inside the guide's
// Subscription examples against the verdicts of MANIFEST.md section 2.
func TestCorpusSubscriptions(t *testing.T) {
	dir := corpusDir(t)
	cases := []struct {
		file   string
		kind   Kind
		events []string
		rules  []string // exact rule ids MANIFEST's findings translate to
	}{
		{"subscription-create-explicit.xml", KindExplicit, []string{"pds-change-of-address-1"}, nil},
		{"subscription-create-generic.xml", KindGeneric, []string{"pds-change-of-address-1"}, nil},
		{
			// "criteria has Organization.identifier without
			// subscriptionRuleType, four events, and unknown event code
			// pds-person-death-1"
			"subscription-read-response.xml", KindUnknown,
			[]string{"pds-birth-notification-1", "pds-change-of-address-1", "pds-change-of-gp-1", "pds-person-death-1"},
			[]string{RuleRuleTypeMissing, RuleEventCardinality, RuleEventUnknown},
		},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var s subscription
			if err := xml.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
			if s.Criteria.Value == "" {
				t.Fatal("no criteria value found")
			}
			c, fs := Parse(s.Criteria.Value)
			for _, f := range fs {
				t.Logf("%s\n%s", f, f.Excerpt(s.Criteria.Value))
			}
			want := slices.Clone(tc.rules)
			slices.Sort(want)
			if got := ruleIDs(fs); !slices.Equal(got, want) {
				t.Errorf("rules %v, want %v", got, want)
			}
			if c.Kind != tc.kind || !slices.Equal(c.Events, tc.events) {
				t.Errorf("Kind %v Events %v, want %v %v", c.Kind, c.Events, tc.kind, tc.events)
			}
			if unknown := fs.ByRule(RuleEventUnknown); len(unknown) == 1 {
				f := unknown[0]
				if got := s.Criteria.Value[f.Offset : f.Offset+f.Length]; got != "pds-person-death-1" {
					t.Errorf("event-unknown points at %q", got)
				}
			}
		})
	}
	// The explicit example's details, which MANIFEST spells out.
	data, err := os.ReadFile(filepath.Join(dir, "subscription-create-explicit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var s subscription
	if err := xml.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	c, _ := Parse(s.Criteria.Value)
	if c.ServiceType != "UHV" || c.NHSNumber != "9434765919" || c.NHSNumberSystem != NHSNumberSystem {
		t.Errorf("explicit example parsed as %+v", c)
	}
}
