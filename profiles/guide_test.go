package profiles

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
)

// Every rule names the guide pages it comes from: its section resolves to
// at least one page, and 'profiles explain' cites no document outside the
// repository.
func TestGuideSourceOfEveryRule(t *testing.T) {
	rs, err := LoadPacks()
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, r := range rs.Rules() {
		ids = append(ids, r.ID)
		if GuideSource(r.Section) == "" {
			t.Errorf("%s: section %q names no page of the NEMS guide", r.ID, r.Section)
		}
	}
	for _, c := range criteria.Rules() {
		ids = append(ids, c.ID)
	}
	for _, id := range ids {
		ex, ok := rs.Explain(id)
		if !ok {
			t.Fatalf("%s not explained", id)
		}
		f := ex.Format()
		if strings.Contains(f, "spec/nems.md") || !strings.Contains(f, "NEMS guide:  ") {
			t.Errorf("explain %s cites no guide page or a file outside the repository:\n%s", id, f)
		}
	}
}

func TestGuideSource(t *testing.T) {
	for in, want := range map[string]string{
		"6.7":           `"Vaccinations" event message page`,
		"5.12 G22; 5.5": `"Generic Event Message Requirements" page: the Patient (CareConnect-Patient-1)`,
		"5.12 G22":      `"Generic Event Message Requirements" page`,
		"6.9-6.11":      `"Blood Spot Test Outcome" event message page; "Newborn Hearing" event message page; "NIPE Outcome" event message page`,
		"6.6; 6.7":      `"Professional Contacts" event message page; "Vaccinations" event message page`,
		"99.1":          "",
	} {
		if got := GuideSource(in); got != want {
			t.Errorf("GuideSource(%q) = %q, want %q", in, got, want)
		}
	}
}
