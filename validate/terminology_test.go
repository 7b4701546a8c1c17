package validate_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// issuesOf returns the issues of a result with the given rule.
func issuesOf(res *validate.Result, rule string) []validate.Issue {
	var out []validate.Issue
	for _, is := range res.Issues {
		if is.Rule == rule {
			out = append(out, is)
		}
	}
	return out
}

func newTermValidator(t *testing.T, ig ...string) *validate.Validator {
	t.Helper()
	v, err := validate.New(validate.Options{NoRules: true, NoSchema: true, IG: ig})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Each binding strength, with a code in its value set and one outside it:
// required is an error (as before), extensible a warning, preferred
// information, example nothing; only required makes the payload invalid.
func TestBindingStrengths(t *testing.T) {
	v := newTermValidator(t)
	for _, tc := range []struct {
		name, payload string
		sev           validate.Severity // "" for no binding issue
	}{
		{"required in", `{"resourceType":"Patient","gender":"female"}`, ""},
		{"required out", `{"resourceType":"Patient","gender":"woman"}`, validate.SeverityError},
		{"extensible in", `{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://hl7.org/fhir/v3/MaritalStatus","code":"M"}]}}`, ""},
		{"extensible in, second coding", `{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"https://example.nhs.uk/marital","code":"wed"},{"system":"http://hl7.org/fhir/v3/NullFlavor","code":"UNK"}]}}`, ""},
		{"extensible out", `{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://hl7.org/fhir/administrative-gender","code":"male"}]}}`, validate.SeverityWarning},
		{"extensible out, other system", `{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"https://example.nhs.uk/marital","code":"wed"}]}}`, validate.SeverityWarning},
		{"extensible, text only", `{"resourceType":"Patient","maritalStatus":{"text":"married"}}`, ""},
		{"preferred in", `{"resourceType":"Appointment","status":"proposed","participant":[{"status":"accepted","actor":{"display":"x"}}],"appointmentType":{"coding":[{"system":"http://hl7.org/fhir/v2/0276","code":"ROUTINE"}]}}`, ""},
		{"preferred out", `{"resourceType":"Appointment","status":"proposed","participant":[{"status":"accepted","actor":{"display":"x"}}],"appointmentType":{"coding":[{"system":"https://example.nhs.uk/appointment-type","code":"gp"}]}}`, validate.SeverityInformation},
		{"example in", `{"resourceType":"AdverseEvent","seriousness":{"coding":[{"system":"http://hl7.org/fhir/adverse-event-seriousness","code":"Mild"}]}}`, ""},
		{"example out", `{"resourceType":"AdverseEvent","seriousness":{"coding":[{"system":"https://example.nhs.uk/seriousness","code":"grave"}]}}`, ""},
	} {
		res := v.Validate(tc.name, []byte(tc.payload))
		got := issuesOf(res, validate.RuleBinding)
		switch {
		case tc.sev == "" && len(got) > 0:
			t.Errorf("%s: unexpected %v", tc.name, got)
		case tc.sev != "" && (len(got) != 1 || got[0].Severity != tc.sev):
			t.Errorf("%s: want one %s binding issue, got %v", tc.name, tc.sev, got)
		}
		if want := tc.sev != validate.SeverityError; res.Valid() != want {
			t.Errorf("%s: valid = %v, want %v: %v", tc.name, res.Valid(), want, res.Issues)
		}
	}
}

// A display that is not the code system's is a warning that names the
// right one; case and spacing do not count; a code the code system does
// not define is an error.
func TestDisplayAndCodeSystem(t *testing.T) {
	v := newTermValidator(t)
	coding := func(code, display string) []byte {
		return []byte(`{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://hl7.org/fhir/v3/MaritalStatus","code":"` + code + `","display":"` + display + `"}]}}`)
	}
	res := v.Validate("wrong display", coding("M", "Wed"))
	d := issuesOf(res, validate.RuleDisplay)
	if len(d) != 1 || d[0].Severity != validate.SeverityWarning || !strings.Contains(d[0].Message, `should be "Married"`) ||
		d[0].Path != "Patient.maritalStatus.coding[0].display" {
		t.Errorf("wrong display: %v", d)
	}
	if !res.Valid() {
		t.Errorf("a wrong display made the payload invalid: %v", res.Issues)
	}
	if res := v.Validate("same display", coding("M", "  married ")); len(issuesOf(res, validate.RuleDisplay)) > 0 {
		t.Errorf("display differing only in case and spaces: %v", res.Issues)
	}
	res = v.Validate("unknown code", coding("Z", "Zombie"))
	c := issuesOf(res, validate.RuleCodeSystem)
	if len(c) != 1 || c[0].Severity != validate.SeverityError || !strings.Contains(c[0].Message, `"Z"`) {
		t.Errorf("unknown code: %v", c)
	}
	// Anywhere a Coding is, bound or not (meta.tag has no binding).
	res = v.Validate("tag", []byte(`{"resourceType":"Patient","meta":{"tag":[{"system":"http://hl7.org/fhir/v3/MaritalStatus","code":"S","display":"Single person"}]}}`))
	if d := issuesOf(res, validate.RuleDisplay); len(d) != 1 || !strings.Contains(d[0].Message, `"Never Married"`) {
		t.Errorf("display in meta.tag: %v", res.Issues)
	}
}

// Codes of a system held nowhere (SNOMED CT here) are not judged, and the
// run says so once per system however many payloads carry them.
func TestUncheckedSystemReportedOncePerRun(t *testing.T) {
	v := newTermValidator(t)
	if got := v.UncheckedTerminology(); len(got) != 0 {
		t.Fatalf("before any payload: %v", got)
	}
	p := []byte(`{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://snomed.info/sct","code":"87915002","display":"Married"}]},
	 "meta":{"tag":[{"system":"http://snomed.info/sct","code":"1","display":"anything"}]}}`)
	for i := 0; i < 3; i++ {
		res := v.Validate("snomed", p)
		for _, is := range res.Issues {
			if is.Rule == validate.RuleDisplay || is.Rule == validate.RuleCodeSystem {
				t.Errorf("a SNOMED CT code was judged offline: %v", is)
			}
		}
		// The extensible marital-status binding cannot say SNOMED CT is
		// wrong for sure: a warning, as the reference gives.
		if b := issuesOf(res, validate.RuleBinding); len(b) != 1 || b[0].Severity != validate.SeverityWarning {
			t.Errorf("binding: %v", b)
		}
	}
	got := v.UncheckedTerminology()
	if len(got) != 1 {
		t.Fatalf("want one issue for SNOMED CT, got %v", got)
	}
	is := got[0]
	if is.Severity != validate.SeverityInformation || is.Rule != validate.RuleTerminologyOffline ||
		!strings.Contains(is.Message, "http://snomed.info/sct (SNOMED CT) in 3 payloads not checked") {
		t.Errorf("unexpected issue: %v", is)
	}
	v.Validate("loinc", []byte(`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]}}`))
	if got := v.UncheckedTerminology(); len(got) != 2 || !strings.Contains(got[0].Message, "LOINC") {
		t.Errorf("after a LOINC code: %v", got)
	}
}

// A CodeSystem and ValueSet loaded with IG take part: codes of the system
// are judged (unknown code, display, nested concepts) and it is not
// reported as unchecked.
func TestIGCodeSystem(t *testing.T) {
	v := newTermValidator(t, "testdata/terminology-ig")
	p := func(code, display string) []byte {
		return []byte(`{"resourceType":"Patient","meta":{"tag":[{"system":"https://example.nhs.uk/CodeSystem/event-colour","code":"` + code + `","display":"` + display + `"}]}}`)
	}
	if res := v.Validate("nested", p("amber-dark", "Dark amber")); len(res.Issues) != 0 {
		t.Errorf("a nested concept with its display: %v", res.Issues)
	}
	res := v.Validate("display", p("red", "Crimson"))
	if d := issuesOf(res, validate.RuleDisplay); len(d) != 1 || !strings.Contains(d[0].Message, `should be "Red"`) {
		t.Errorf("display from the IG code system: %v", res.Issues)
	}
	res = v.Validate("unknown", p("green", "Green"))
	if c := issuesOf(res, validate.RuleCodeSystem); len(c) != 1 || res.Valid() {
		t.Errorf("unknown code of the IG code system: %v", res.Issues)
	}
	if got := v.UncheckedTerminology(); len(got) != 0 {
		t.Errorf("the IG code system is reported unchecked: %v", got)
	}
	// Without the IG the same system cannot be checked, and the run says so.
	plain := newTermValidator(t)
	if res := plain.Validate("unknown", p("green", "Green")); !res.Valid() || len(issuesOf(res, validate.RuleCodeSystem)) > 0 {
		t.Errorf("judged without the IG: %v", res.Issues)
	}
	if got := plain.UncheckedTerminology(); len(got) != 1 || !strings.Contains(got[0].Message, "event-colour") {
		t.Errorf("unchecked without the IG: %v", got)
	}
}

// A bound value set that cannot be expanded offline (encounter-reason is a
// filter on SNOMED CT) leaves a code of a held system unjudged: no binding
// issue, and the run names the value set once, with the reason.
func TestUnexpandableValueSetReportedOncePerRun(t *testing.T) {
	v := newTermValidator(t)
	p := []byte(`{"resourceType":"Encounter","status":"finished","reason":[{"coding":[{"system":"http://hl7.org/fhir/v3/MaritalStatus","code":"M"}]}]}`)
	for i := 0; i < 2; i++ {
		if res := v.Validate("reason", p); len(issuesOf(res, validate.RuleBinding)) > 0 {
			t.Errorf("judged against a value set not expandable offline: %v", res.Issues)
		}
	}
	got := v.UncheckedTerminology()
	if len(got) != 1 || !strings.Contains(got[0].Message, "value set http://hl7.org/fhir/ValueSet/encounter-reason in 2 payloads not checked") ||
		!strings.Contains(got[0].Message, "filter on code system http://snomed.info/sct") {
		t.Errorf("unexpected: %v", got)
	}
}

// The systems a Validator remembers are bounded, whatever the payloads
// name; the rest are still counted and said.
func TestUncheckedSystemsBounded(t *testing.T) {
	v := newTermValidator(t)
	var b strings.Builder
	b.WriteString(`{"resourceType":"Patient","meta":{"tag":[`)
	for i := 0; i < 600; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"system":"https://example.org/cs/` + strconv.Itoa(i) + `","code":"x"}`)
	}
	b.WriteString(`]}}`)
	v.Validate("many", []byte(b.String()))
	got := v.UncheckedTerminology()
	if len(got) != 513 || !strings.Contains(got[512].Message, "88 more code systems or value sets") {
		t.Errorf("%d issues, last %v", len(got), got[len(got)-1])
	}
}
