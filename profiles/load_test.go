package profiles

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// A rule pack with one rule; the rule body is spliced in so that each case
// can break one thing and the error line is predictable (the rule starts on
// line 4).
func packWith(rule string) string {
	return "{\n \"pack\": \"t\",\n \"rules\": [\n" + rule + "\n ]\n}\n"
}

const goodRule = `  {"id": "t:one", "severity": "error", "section": "5.2",
   "check": {"type": "cardinality", "path": "source.name", "min": 1},
   "issueType": "invalid", "httpStatus": 422, "message": "m"}`

func TestParsePackErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		rule      string
		want      string
	}{
		{"syntax", "{\n \"pack\": \"t\",\n \"rules\": [,]\n}", 3, "", "invalid JSON"},
		{"trailing data", packWith(goodRule) + "{}", 9, "", "data after"},
		{"missing pack name", "{\n \"rules\": []\n}", 1, "", "missing property 'pack'"},
		{"unknown top-level field", "{\n \"pack\": \"t\",\n \"rulez\": [],\n \"rules\": []\n}", 1, "", "rulez"},
		{"bad severity", packWith(strings.Replace(goodRule, `"error"`, `"fatalish"`, 1)), 4, "t:one", "/rules/0/severity"},
		{"bad id", packWith(strings.Replace(goodRule, `"t:one"`, `"no colon"`, 1)), 4, "no colon", "/rules/0/id"},
		{"missing message", packWith(strings.Replace(goodRule, `, "message": "m"`, "", 1)), 4, "t:one", "message"},
		{"cardinality without bounds", packWith(strings.Replace(goodRule, `, "min": 1`, "", 1)), 5, "t:one", "/rules/0/check"},
		{"unknown check field", packWith(strings.Replace(goodRule, `"min": 1`, `"minimum": 1`, 1)), 5, "t:one", "minimum"},
		{"unknown builtin", packWith(strings.Replace(goodRule, `{"type": "cardinality", "path": "source.name", "min": 1}`, `{"type": "builtin", "name": "nhs-numbr"}`, 1)), 5, "t:one", `unknown built-in check "nhs-numbr"`},
		{"bad builtin params", packWith(strings.Replace(goodRule, `{"type": "cardinality", "path": "source.name", "min": 1}`, `{"type": "builtin", "name": "uuid", "path": "id", "params": {"form": "braces"}}`, 1)), 5, "t:one", "form is \"braces\""},
		{"unknown builtin param", packWith(strings.Replace(goodRule, `{"type": "cardinality", "path": "source.name", "min": 1}`, `{"type": "builtin", "name": "max-size", "params": {"byte": 3}}`, 1)), 5, "t:one", "unknown field"},
		{"builtin needs a path", packWith(strings.Replace(goodRule, `{"type": "cardinality", "path": "source.name", "min": 1}`, `{"type": "builtin", "name": "nhs-number"}`, 1)), 5, "t:one", "needs a path"},
		{"bad FHIRPath", packWith(strings.Replace(goodRule, `"source.name"`, `"source.name.where("`, 1)), 5, "t:one", "bad FHIRPath"},
		{"bad context FHIRPath", packWith(strings.Replace(goodRule, `"section": "5.2",`, "\"section\": \"5.2\",\n   \"context\": \"entry..resource\",", 1)), 5, "t:one", "bad FHIRPath"},
		{"bad regex", packWith(strings.Replace(goodRule, `{"type": "cardinality", "path": "source.name", "min": 1}`, `{"type": "pattern", "path": "id", "regex": "(["}`, 1)), 5, "t:one", "bad regular expression"},
		{"max below min", packWith(strings.Replace(goodRule, `"min": 1`, `"min": 2, "max": "1"`, 1)), 5, "t:one", "below min"},
		{"duplicate id", packWith(goodRule + ",\n" + goodRule), 7, "t:one", "duplicate rule id"},
		{"bad lifecycle", packWith(strings.Replace(goodRule, `"section": "5.2",`, "\"section\": \"5.2\",\n   \"appliesTo\": {\"lifecycle\": [\"create\"]},", 1)), 5, "t:one", "/rules/0/appliesTo/lifecycle/0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePack("x.json", []byte(tc.src))
			var le LoadErrors
			if !errors.As(err, &le) || len(le) == 0 {
				t.Fatalf("got %v, want LoadErrors", err)
			}
			e := le[0]
			if e.File != "x.json" || e.Line != tc.line || e.Rule != tc.rule || !strings.Contains(e.Error(), tc.want) {
				t.Errorf("got %q (line %d, rule %q); want line %d, rule %q, containing %q", e.Error(), e.Line, e.Rule, tc.line, tc.rule, tc.want)
			}
			if !strings.HasPrefix(e.Error(), "x.json:") {
				t.Errorf("error does not start with file:line: %q", e.Error())
			}
		})
	}
}

func TestDefaultPacks(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Packs()) != 6 {
		t.Errorf("packs: %d", len(rs.Packs()))
	}
	seen := map[string]bool{}
	for _, r := range rs.Rules() {
		if seen[r.ID] {
			t.Errorf("duplicate %s", r.ID)
		}
		seen[r.ID] = true
		if r.Section == "" || r.Message == "" || r.HTTPStatus == 0 || r.Summary == "" {
			t.Errorf("%s: incomplete rule", r.ID)
		}
		if !strings.HasPrefix(r.ID, "nems:") {
			t.Errorf("%s: default rule ids start with nems:", r.ID)
		}
	}
	for i := 1; i <= 25; i++ {
		id := "nems:G" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		if !seen[id] {
			t.Errorf("generic rule %s missing", id)
		}
	}
	ex, ok := rs.Explain("nems:G12")
	if !ok || ex.Section == "" || ex.Example == "" || !strings.Contains(ex.Format(), `NEMS guide:  "Generic Event Message Requirements" page`) || strings.Contains(ex.Format(), "spec/nems.md") {
		t.Errorf("Explain(nems:G12) = %+v", ex)
	}
	if _, ok := rs.Explain("criteria:event-unknown"); !ok {
		t.Error("criteria rules are explained too")
	}
	if _, ok := rs.Explain("nems:nope"); ok {
		t.Error("unknown id explained")
	}
}

func TestUserPack(t *testing.T) {
	rs, err := LoadPacks("testdata/packs")
	if err != nil {
		t.Fatal(err)
	}
	if _, off := rs.Disabled("nems:G12"); !off {
		t.Error("G12 not disabled")
	}
	r, _ := rs.Rule("nems:G19")
	if r.Severity != "warning" || r.Pack != "user-example" {
		t.Errorf("G19 not overridden: %+v", r)
	}
	msg := parseMsg(t, `<meta><versionId value="12345678"/></meta>`, `<source><endpoint value="urn:nhs:addressing:asid:1"/></source>`)
	got := ruleCounts(rs.Check(msg, Input{}))
	all := " " + strings.Join(got, " ") + " "
	if !strings.Contains(all, " local:source-endpoint-asid ") || !strings.Contains(all, " nems:G19 ") || strings.Contains(all, " nems:G12 ") {
		t.Errorf("got %v; want local:source-endpoint-asid and nems:G19, and no nems:G12", got)
	}
	// A pack that redefines a rule without override, or disables an unknown
	// id, is refused with the place.
	for _, src := range []string{
		packWith(strings.Replace(goodRule, `"t:one"`, `"nems:G12"`, 1)),
		"{\n \"pack\": \"t\",\n \"disable\": [\"nems:G99\"],\n \"rules\": []\n}",
	} {
		p, err := ParsePack("u.json", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		def, _ := Default()
		if _, err := def.With(p); err == nil || !strings.Contains(err.Error(), "u.json:") {
			t.Errorf("With: %v", err)
		}
	}
}

// parseMsg builds a minimal pds-record-change-1 message; meta and source
// are spliced into the MessageHeader.
func parseMsg(t *testing.T, meta, source string) *tree.Node {
	t.Helper()
	src := `<Bundle xmlns="http://hl7.org/fhir"><type value="message"/>
<entry><fullUrl value="urn:uuid:3cfdf880-13e9-4f6b-8299-53e96ef5ec02"/><resource><MessageHeader><id value="3cfdf880-13e9-4f6b-8299-53e96ef5ec02"/>` + meta + `
<event><system value="https://fhir.nhs.uk/STU3/CodeSystem/EventType-1"/><code value="pds-record-change-1"/><display value="PDS Record Change"/></event>
<timestamp value="2020-01-01T10:00:00+00:00"/>` + source + `<responsible><reference value="https://directory.spineservices.nhs.uk/STU3/Organization/X26"/></responsible>
<focus><reference value="urn:uuid:4cfdf880-13e9-4f6b-8299-53e96ef5ec02"/></focus></MessageHeader></resource></entry>
</Bundle>`
	doc, err := tree.ParseXML([]byte(src), schemas.STU3())
	if doc == nil || doc.Root == nil {
		t.Fatal(err)
	}
	return doc.Root
}

func TestDetectKind(t *testing.T) {
	msg := parseMsg(t, "", "")
	if k, ev, lc := DetectKind(msg); k != KindEventMessage || ev != "pds-record-change-1" || lc != "" {
		t.Errorf("DetectKind = %s %s %s", k, ev, lc)
	}
	doc, _ := tree.ParseXML([]byte(`<Patient xmlns="http://hl7.org/fhir"/>`), schemas.STU3())
	if k, _, _ := DetectKind(doc.Root); k != KindResource {
		t.Errorf("Patient kind %s", k)
	}
}

func TestCheckConcurrent(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	msg := parseMsg(t, "", "")
	want := strings.Join(ruleCounts(rs.Check(msg, Input{})), " ")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if got := strings.Join(ruleCounts(rs.Check(msg, Input{})), " "); got != want {
					t.Errorf("concurrent result differs: %s", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestTransportAndAgeRules(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	msg := parseMsg(t, "", "")
	got := strings.Join(ruleCounts(rs.Check(msg, Input{Size: 4 << 20, ContentType: "application/fhir+json"})), " ")
	for _, id := range []string{"nems:G24", "nems:G25"} {
		if !strings.Contains(got, id) {
			t.Errorf("%s not reported: %s", id, got)
		}
	}
	if ageInYears(mustDay("2010-05-20"), mustDay("2020-05-19")) != 9 || ageInYears(mustDay("2010-05-20"), mustDay("2020-05-20")) != 10 {
		t.Error("age arithmetic")
	}
	if c, ok := compareDates("2020-01-13", "2019-12-08T15:30:00+00:00"); !ok || c <= 0 {
		t.Error("date comparison across precisions")
	}
}

func mustDay(s string) (d time.Time) {
	d, _ = parseDay(s)
	return
}

// A path that cannot exist in the STU3 model is refused when the pack is
// loaded, at its line and column in the file, rather than selecting nothing
// at every run.
func TestParsePackRefusesPathsThatCannotExist(t *testing.T) {
	rule := func(appliesTo, context, check string) string {
		return `  {"id": "t:one", "severity": "error", "section": "5.2",` + "\n" +
			`   "appliesTo": ` + appliesTo + `,` + context + "\n" +
			`   "check": ` + check + `,` + "\n" +
			`   "issueType": "invalid", "httpStatus": 422, "message": "m"}`
	}
	patient := `{"resourceType": "Patient"}`
	cases := []struct {
		name, src string
		line, col int
		want      string
	}{
		// Line 6 is `   "check": {"type": "cardinality", "path": "name.given1", ...`:
		// the expression starts at column 46, given1 at 51.
		{"path", packWith(rule(patient, "", `{"type": "cardinality", "path": "name.given1", "min": 1}`)), 6, 51, "'given1'"},
		{"expression", packWith(rule(patient, "", `{"type": "expression", "expression": "name.exists() and gender.exists() and birthdate.exists()"}`)), 6, 89, "'birthdate'"},
		{"context", packWith(rule(patient, ` "context": "contact.nmae",`, `{"type": "cardinality", "path": "family", "min": 1}`)), 5, 66, "an element of Patient.contact"},
		// The path runs on what the context selects: HumanName here.
		{"path after context", packWith(rule(patient, ` "context": "name",`, `{"type": "cardinality", "path": "given1", "min": 1}`)), 6, 46, "an element of HumanName"},
		// An event message is a Bundle.
		{"event message root", packWith(rule(`{"kind": ["event-message"]}`, "", `{"type": "cardinality", "path": "entry.resorce", "min": 1}`)), 6, 52, "an element of Bundle.entry"},
		{"choice named with its type", packWith(rule(`{"resourceType": "Observation"}`, "", `{"type": "cardinality", "path": "valueQuantity", "min": 1}`)), 6, 46, "value.ofType(Quantity)"},
		// An escape in the JSON string before the problem moves the
		// column in the file, not in the expression.
		{"escaped", packWith(rule(patient, "", `{"type": "expression", "expression": "name.where(family = '\u00e9\"').given1.exists()"}`)), 6, 83, "'given1'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePack("x.json", []byte(tc.src))
			var le LoadErrors
			if !errors.As(err, &le) || len(le) != 1 {
				t.Fatalf("got %v, want one LoadError", err)
			}
			e := le[0]
			if e.File != "x.json" || e.Line != tc.line || e.Column != tc.col || e.Rule != "t:one" || !strings.Contains(e.Msg, tc.want) || !strings.Contains(e.Msg, "STU3 model") {
				t.Errorf("got %q at %d:%d; want %d:%d, rule t:one, saying %q", e.Error(), e.Line, e.Column, tc.line, tc.col, tc.want)
			}
			if !strings.HasPrefix(e.Error(), fmt.Sprintf("x.json:%d:%d: ", tc.line, tc.col)) {
				t.Errorf("error does not start with file:line:col: %q", e.Error())
			}
		})
	}
	// The same rules with paths that exist load.
	for _, src := range []string{
		packWith(rule(patient, "", `{"type": "cardinality", "path": "name.given", "min": 1}`)),
		packWith(rule(patient, ` "context": "name",`, `{"type": "cardinality", "path": "given", "min": 1}`)),
		packWith(rule(`{"kind": ["event-message"]}`, "", `{"type": "cardinality", "path": "entry.resource", "min": 1}`)),
		packWith(rule(`{"resourceType": "Observation"}`, "", `{"type": "cardinality", "path": "value.ofType(Quantity)", "min": 1}`)),
		// Where the type is not known statically, nothing is judged.
		packWith(rule(`{"kind": ["resource"]}`, "", `{"type": "cardinality", "path": "anything.at.all", "min": 1}`)),
	} {
		if _, err := ParsePack("x.json", []byte(src)); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}
