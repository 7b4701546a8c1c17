package validate_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// issueKey is what a table test expects of an issue.
type issueKey struct {
	rule, path string
	line       int
}

func keys(res *validate.Result) []issueKey {
	var out []issueKey
	for _, is := range res.Issues {
		out = append(out, issueKey{is.Rule, is.Path, is.Line})
	}
	return out
}

func TestValidateTable(t *testing.T) {
	v := validator(t)
	for _, tc := range []struct {
		name  string
		src   string
		valid bool
		want  []issueKey
	}{
		{"minimal patient xml", `<Patient xmlns="http://hl7.org/fhir"><id value="p1"/></Patient>`, true, nil},
		{"minimal patient json", `{"resourceType":"Patient","id":"p1"}`, true, nil},
		{"bad id", `{"resourceType":"Patient","id":"not valid!"}`, false,
			[]issueKey{{"fhir:datatype", "Patient.id", 1}}},
		{"bad gender code", "<Patient xmlns=\"http://hl7.org/fhir\">\n<gender value=\"mail\"/>\n</Patient>", false,
			[]issueKey{{"fhir:binding", "Patient.gender", 2}}},
		{"31 April", "{\"resourceType\":\"Patient\",\n\"birthDate\":\"2019-04-31\"}", false,
			[]issueKey{{"fhir:datatype", "Patient.birthDate", 2}}},
		{"integer out of range", `{"resourceType":"Patient","multipleBirthInteger":3000000000}`, false,
			[]issueKey{{"fhir:datatype", "Patient.multipleBirthInteger", 1}}},
		{"empty element", "<Patient xmlns=\"http://hl7.org/fhir\">\n<name/>\n</Patient>", false,
			[]issueKey{{"fhir:invariant:ele-1", "Patient.name[0]", 2}}},
		{"missing required", "<Subscription xmlns=\"http://hl7.org/fhir\">\n<status value=\"requested\"/>\n</Subscription>", false,
			[]issueKey{{"fhir:cardinality", "Subscription", 1}, {"fhir:cardinality", "Subscription", 1}, {"fhir:cardinality", "Subscription", 1}}},
		{"order", "<Patient xmlns=\"http://hl7.org/fhir\">\n<gender value=\"male\"/>\n<active value=\"true\"/>\n</Patient>", false,
			[]issueKey{{"fhir:element-order", "Patient.active", 3}}},
		{"invariant per-1", `{"resourceType":"Encounter","status":"finished","period":{"start":"2020-01-02","end":"2020-01-01"}}`, false,
			[]issueKey{{"fhir:invariant:per-1", "Encounter.period", 1}}},
		{"duplicate fullUrl", "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[\n{\"fullUrl\":\"urn:uuid:0a0a0a0a-0000-4000-8000-000000000001\",\"resource\":{\"resourceType\":\"Patient\"}},\n{\"fullUrl\":\"urn:uuid:0a0a0a0a-0000-4000-8000-000000000001\",\"resource\":{\"resourceType\":\"Patient\"}}]}", false,
			[]issueKey{{"fhir:invariant:bdl-7", "Bundle.entry[1].fullUrl", 3}}},
		{"reference to wrong type", "{\"resourceType\":\"Bundle\",\"type\":\"message\",\"entry\":[\n{\"fullUrl\":\"urn:uuid:0a0a0a0a-0000-4000-8000-000000000001\",\"resource\":{\"resourceType\":\"MessageHeader\",\"event\":{\"code\":\"x\"},\"timestamp\":\"2020-01-01T00:00:00Z\",\"source\":{\"endpoint\":\"urn:x\"},\n\"enterer\":{\"reference\":\"urn:uuid:0a0a0a0a-0000-4000-8000-000000000002\"}}},\n{\"fullUrl\":\"urn:uuid:0a0a0a0a-0000-4000-8000-000000000002\",\"resource\":{\"resourceType\":\"Patient\"}}]}", false,
			[]issueKey{{"fhir:reference-type", "Bundle.entry[0].resource.enterer.reference", 3}}},
		{"not well formed", "<Patient xmlns=\"http://hl7.org/fhir\">\n<id value=\"x\">\n</Patient>", false, nil},
		{"neither xml nor json", "hello", false, []issueKey{{"fhir:well-formed", "", 1}}},
		{"narrative with script", `<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">hi<script>x()</script></div></text></Patient>`, false,
			[]issueKey{{"fhir:invariant:txt-1", "Patient.text.div", 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Validate(tc.name, []byte(tc.src))
			if res.Valid() != tc.valid {
				t.Fatalf("valid = %v, want %v; issues: %v", res.Valid(), tc.valid, res.Issues)
			}
			if tc.want == nil {
				return
			}
			got := keys(res)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("issues:\n got %v\nwant %v\n(%v)", got, tc.want, res.Issues)
			}
			for _, is := range res.Issues {
				if is.Message == "" || is.Spine == "" || is.Code == "" || is.Severity == "" {
					t.Errorf("incomplete issue %+v", is)
				}
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	v, err := validate.New(validate.Options{MaxSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	res := v.Validate("big", bytes.Repeat([]byte(" "), 101))
	if res.Valid() || len(res.Issues) != 1 || res.Issues[0].Rule != validate.RuleSize {
		t.Errorf("over-size payload: %v", res.Issues)
	}
	r, err := v.ValidateReader("big", strings.NewReader(strings.Repeat(" ", 1<<20)))
	if err != nil || r.Valid() {
		t.Errorf("reader: %v %v", err, r)
	}
}

// endless is a stream that never ends and counts what was read from it.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	e.read += int64(len(p))
	return len(p), nil
}

// TestReaderBounded: a lifted size limit still bounds what ValidateReader
// buffers, and an over-size stream is read only to limit+1 bytes.
func TestReaderBounded(t *testing.T) {
	for _, tc := range []struct {
		maxSize, limit int64
	}{
		{100, 100},
		{-1, validate.MaxReadSize},
	} {
		v, err := validate.New(validate.Options{MaxSize: tc.maxSize, NoRules: true})
		if err != nil {
			t.Fatal(err)
		}
		in := &endless{}
		res, err := v.ValidateReader("stream", in)
		if err != nil {
			t.Fatal(err)
		}
		if res.Valid() || len(res.Issues) != 1 || res.Issues[0].Rule != validate.RuleSize {
			t.Fatalf("MaxSize %d: endless stream: %v", tc.maxSize, res.Issues)
		}
		want := fmt.Sprintf("more than the limit of %d bytes (reading stopped after %d bytes)", tc.limit, tc.limit+1)
		if !strings.Contains(res.Issues[0].Message, want) {
			t.Errorf("MaxSize %d: message %q lacks %q", tc.maxSize, res.Issues[0].Message, want)
		}
		// LimitReader may ask for a little more than it returns, never
		// more than one buffer beyond the limit.
		if in.read > tc.limit+1+512*1024 {
			t.Errorf("MaxSize %d: read %d bytes from an endless stream", tc.maxSize, in.read)
		}
	}
}

func TestSniff(t *testing.T) {
	for in, want := range map[string]string{
		"<x/>": "xml", "\ufeff  <x/>": "xml", "\n {}": "json", "": "", "[1]": "", "abc": "",
	} {
		if got := validate.Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKindAndEventType(t *testing.T) {
	v := validator(t)
	res := v.Validate("", []byte(`{"resourceType":"Bundle","type":"message","entry":[{"fullUrl":"urn:uuid:0a0a0a0a-0000-4000-8000-000000000001","resource":{"resourceType":"MessageHeader","event":{"system":"https://fhir.nhs.uk/STU3/CodeSystem/EventType-1","code":"pds-change-of-gp-1"},"timestamp":"2020-01-01T00:00:00Z","source":{"endpoint":"urn:x"}}}]}`))
	if res.Kind != "event-message" || res.EventType != "pds-change-of-gp-1" || res.Format != "json" || res.ResourceType != "Bundle" {
		t.Errorf("got kind %q event %q format %q type %q", res.Kind, res.EventType, res.Format, res.ResourceType)
	}
	res = v.Validate("", []byte(`<Subscription xmlns="http://hl7.org/fhir"/>`))
	if res.Kind != "subscription" {
		t.Errorf("subscription kind %q", res.Kind)
	}
}

// TestOutcomeShape checks the OperationOutcome against the Spine shape of
// nems.md 4.1, in both forms, and that rendering is stable.
func TestOutcomeShape(t *testing.T) {
	v := validator(t)
	res := v.Validate("bad.xml", []byte("<Patient xmlns=\"http://hl7.org/fhir\">\n<gender value=\"mail\"/>\n</Patient>"))
	o := res.Outcome()

	var j struct {
		ResourceType string
		ID           string
		Meta         struct{ Profile []string }
		Issue        []struct {
			Severity, Code, Diagnostics string
			Details                     struct {
				Coding []struct{ System, Code, Display string }
			}
		}
	}
	if err := json.Unmarshal(o.JSON(), &j); err != nil {
		t.Fatal(err)
	}
	if j.ResourceType != "OperationOutcome" || j.ID == "" || len(j.Meta.Profile) != 1 || len(j.Issue) != 1 {
		t.Fatalf("outcome %s", o.JSON())
	}
	is := j.Issue[0]
	if is.Severity != "error" || is.Code != "code-invalid" || len(is.Details.Coding) != 1 {
		t.Fatalf("issue %+v", is)
	}
	c := is.Details.Coding[0]
	if c.System != validate.SpineSystem || c.Code != "INVALID_CODE_VALUE" || c.Display != "Invalid code value" {
		t.Errorf("coding %+v", c)
	}
	if !strings.HasPrefix(is.Diagnostics, "2:1: Patient.gender: code \"mail\"") || !strings.HasSuffix(is.Diagnostics, "[fhir:binding]") {
		t.Errorf("diagnostics %q", is.Diagnostics)
	}

	var x struct {
		XMLName xml.Name
		ID      struct {
			Value string `xml:"value,attr"`
		} `xml:"id"`
		Issue []struct {
			Details struct {
				Coding struct {
					Code struct {
						Value string `xml:"value,attr"`
					} `xml:"code"`
				} `xml:"coding"`
			} `xml:"details"`
		} `xml:"issue"`
	}
	if err := xml.Unmarshal(o.XML(), &x); err != nil {
		t.Fatal(err)
	}
	if x.XMLName.Space != "http://hl7.org/fhir" || x.ID.Value != j.ID || len(x.Issue) != 1 || x.Issue[0].Details.Coding.Code.Value != "INVALID_CODE_VALUE" {
		t.Errorf("XML outcome %s", o.XML())
	}
	if !bytes.Equal(o.XML(), res.Outcome().XML()) {
		t.Error("rendering the same result twice differs")
	}

	ok := v.Validate("good.xml", []byte(`<Patient xmlns="http://hl7.org/fhir"/>`)).Outcome()
	if len(ok.Issues) != 1 || ok.Issues[0].Severity != validate.SeverityInformation || ok.Issues[0].Spine != "" {
		t.Errorf("outcome of a valid payload: %+v", ok.Issues)
	}
}

// TestConcurrentValidation shares one Validator between goroutines; run
// with -race.
func TestConcurrentValidation(t *testing.T) {
	v := validator(t)
	inputs := []string{
		`<Patient xmlns="http://hl7.org/fhir"><gender value="mail"/></Patient>`,
		`{"resourceType":"Encounter","status":"finished","period":{"start":"2020-01-02","end":"2020-01-01"}}`,
		`{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.50,"unit":"kg"}}`,
	}
	want := make([]string, len(inputs))
	for i, in := range inputs {
		want[i] = fmt.Sprint(keys(v.Validate("", []byte(in))))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				k := (g + i) % len(inputs)
				if got := fmt.Sprint(keys(v.Validate("", []byte(inputs[k])))); got != want[k] {
					t.Errorf("goroutine %d: input %d gave %s, want %s", g, k, got, want[k])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// TestOutcomeOddCharacters: text XML cannot carry (a control character,
// bytes that are not UTF-8) reaches both forms of the OperationOutcome as
// U+FFFD, and the two forms read back to the same diagnostics.
func TestOutcomeOddCharacters(t *testing.T) {
	o := &validate.Outcome{ID: "x", Issues: []validate.OutcomeIssue{{Severity: validate.SeverityError, Code: "value",
		Diagnostics: "a\x01b\xffc\td"}}}
	var j struct {
		Issue []struct{ Diagnostics string }
	}
	if err := json.Unmarshal(o.JSON(), &j); err != nil || len(j.Issue) != 1 {
		t.Fatalf("JSON %v:\n%s", err, o.JSON())
	}
	var x struct {
		Issue []struct {
			Diagnostics struct {
				Value string `xml:"value,attr"`
			} `xml:"diagnostics"`
		} `xml:"issue"`
	}
	if err := xml.Unmarshal(o.XML(), &x); err != nil || len(x.Issue) != 1 {
		t.Fatalf("XML %v:\n%s", err, o.XML())
	}
	const want = "a\uFFFDb\uFFFDc\td"
	if j.Issue[0].Diagnostics != want || x.Issue[0].Diagnostics.Value != want {
		t.Errorf("diagnostics JSON %q, XML %q, want %q", j.Issue[0].Diagnostics, x.Issue[0].Diagnostics.Value, want)
	}
}

// TestOutcomeUnwritable: an outcome the writers refuse (a narrative that
// is not an XHTML div) is answered by one that says so, in both forms,
// never by nothing.
func TestOutcomeUnwritable(t *testing.T) {
	o := &validate.Outcome{ID: "x", Narrative: "<p>not a div",
		Issues: []validate.OutcomeIssue{{Severity: validate.SeverityError, Code: "value", Diagnostics: "d"}}}
	for form, out := range map[string][]byte{"xml": o.XML(), "json": o.JSON()} {
		s := string(out)
		if !strings.Contains(s, "OperationOutcome") || !strings.Contains(s, "fatal") || !strings.Contains(s, "exception") ||
			!strings.Contains(s, "the OperationOutcome could not be written") {
			t.Errorf("%s:\n%s", form, s)
		}
	}
}
