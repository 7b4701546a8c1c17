package validate_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
)

// bothForms returns a JSON payload and its XML form, so that a test runs
// through both parsers.
func bothForms(t *testing.T, js string) map[string][]byte {
	t.Helper()
	x, _, err := transform.JSONToXML([]byte(js), transform.Options{})
	if err != nil {
		t.Fatalf("JSON to XML: %v\n%s", err, js)
	}
	return map[string][]byte{"json": []byte(js), "xml": x}
}

// ruleAt lists the issues as "rule path", sorted.
func rulesAt(res *validate.Result) []string {
	var out []string
	for _, is := range res.Issues {
		out = append(out, is.Rule+" "+is.Path)
	}
	slices.Sort(out)
	return out
}

// document is a document Bundle whose Composition refers to subject, with
// a Patient entry at urn:uuid:...-0p.
func document(subject string) string {
	return `{"resourceType":"Bundle","type":"document",
 "identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000d0"},
 "meta":{"lastUpdated":"2020-01-01T10:00:00Z"},
 "entry":[
  {"fullUrl":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000c0","resource":{"resourceType":"Composition","status":"final",
   "type":{"text":"note"},"subject":{"reference":"` + subject + `"},"date":"2020-01-01","author":[{"display":"A. Author"}],"title":"Note"}},
  {"fullUrl":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000a0","resource":{"resourceType":"Patient","gender":"female"}}]}`
}

// message carries doc in a message Bundle whose MessageHeader focuses on
// focus; the message has a Patient of its own at urn:uuid:...-0e0.
func message(doc, focus string) string {
	return `{"resourceType":"Bundle","type":"message","entry":[
 {"fullUrl":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000e1","resource":{"resourceType":"MessageHeader",
  "event":{"system":"http://example.org/events","code":"doc"},"timestamp":"2020-01-01T10:00:00Z",
  "source":{"endpoint":"urn:example:source"},"focus":[{"reference":"` + focus + `"}]}},
 {"fullUrl":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000e2","resource":` + doc + `},
 {"fullUrl":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000e0","resource":{"resourceType":"Patient","gender":"male"}}]}`
}

// TestNestedBundleScope: a document carried in a message resolves its
// references among its own entries: they are not reported against the
// message, a reference to an entry of the message only is reported in the
// document, and the message cannot reach into the document.
func TestNestedBundleScope(t *testing.T) {
	v := validator(t)
	const inDoc, inMsg = "urn:uuid:0a0a0a0a-0000-4000-8000-0000000000a0", "urn:uuid:0a0a0a0a-0000-4000-8000-0000000000e0"
	const docURL = "urn:uuid:0a0a0a0a-0000-4000-8000-0000000000e2"
	for _, tc := range []struct {
		name string
		src  string
		want []string
	}{
		{"document in a message", message(document(inDoc), docURL), nil},
		{"document refers to the message", message(document(inMsg), docURL),
			[]string{"fhir:reference Bundle.entry[1].resource.entry[0].resource.subject.reference"}},
		{"message refers into the document", message(document(inDoc), inDoc),
			[]string{"fhir:reference Bundle.entry[0].resource.focus[0].reference"}},
	} {
		for form, src := range bothForms(t, tc.src) {
			t.Run(tc.name+" "+form, func(t *testing.T) {
				res := v.Validate(tc.name+"."+form, src)
				if got := rulesAt(res); !slices.Equal(got, tc.want) {
					t.Errorf("issues %q, want %q\n%v", got, tc.want, res.Issues)
				}
			})
		}
	}
}

// TestDocumentBundleRules: a Bundle of type document has a Composition as
// its first entry, an identifier with a system and a value (bdl-9) and a
// date (Bundle.meta.lastUpdated), and every resource its Composition refers to
// is in the Bundle, even when named by an absolute URL.
func TestDocumentBundleRules(t *testing.T) {
	v := validator(t)
	ok := document("urn:uuid:0a0a0a0a-0000-4000-8000-0000000000a0")
	for _, tc := range []struct {
		name string
		src  string
		want []string
	}{
		{"valid", ok, nil},
		{"patient first", strings.Replace(strings.Replace(ok, `"resourceType":"Composition"`, `"resourceType":"Xomposition"`, 1),
			`{"fullUrl":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000c0","resource":{"resourceType":"Xomposition","status":"final",
   "type":{"text":"note"},"subject":{"reference":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000a0"},"date":"2020-01-01","author":[{"display":"A. Author"}],"title":"Note"}},`, "", 1),
			[]string{"fhir:document Bundle.entry[0].resource"}},
		{"no identifier", strings.Replace(ok, `"identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000d0"},`, "", 1),
			[]string{"fhir:invariant:bdl-9 Bundle"}},
		{"identifier without value", strings.Replace(ok, `,"value":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000d0"`, "", 1),
			[]string{"fhir:invariant:bdl-9 Bundle"}},
		{"no date", strings.Replace(ok, `"meta":{"lastUpdated":"2020-01-01T10:00:00Z"},`, "", 1),
			[]string{"fhir:document Bundle"}},
		{"no entries", `{"resourceType":"Bundle","type":"document","identifier":{"system":"urn:example:docs","value":"d1"},"meta":{"lastUpdated":"2020-01-01T10:00:00Z"}}`,
			[]string{"fhir:document Bundle"}},
		{"composition refers outside", strings.Replace(ok, `"subject":{"reference":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000a0"}`,
			`"subject":{"reference":"https://example.org/fhir/Patient/elsewhere"}`, 1),
			[]string{"fhir:reference Bundle.entry[0].resource.subject.reference"}},
		{"supporting resource refers to the server", strings.Replace(ok, `"resourceType":"Patient","gender":"female"`,
			`"resourceType":"Patient","gender":"female","managingOrganization":{"reference":"Organization/elsewhere"}`, 1), nil},
		{"supporting resource dangling urn", strings.Replace(ok, `"resourceType":"Patient","gender":"female"`,
			`"resourceType":"Patient","gender":"female","managingOrganization":{"reference":"urn:uuid:0a0a0a0a-0000-4000-8000-0000000000ff"}`, 1),
			[]string{"fhir:reference Bundle.entry[1].resource.managingOrganization.reference"}},
	} {
		for form, src := range bothForms(t, tc.src) {
			t.Run(tc.name+" "+form, func(t *testing.T) {
				res := v.Validate(tc.name+"."+form, src)
				if got := rulesAt(res); !slices.Equal(got, tc.want) {
					t.Errorf("issues %q, want %q\n%v", got, tc.want, res.Issues)
				}
				for _, is := range res.Issues {
					if is.Line == 0 || is.Message == "" {
						t.Errorf("issue without place or message: %+v", is)
					}
				}
			})
		}
	}
}

// TestContainedScope: "#id" names a contained resource of the reference's
// own container only, in a Bundle entry as at the root (ref-1).
func TestContainedScope(t *testing.T) {
	v := validator(t)
	entry := func(n int, body string) string {
		return fmt.Sprintf(`{"fullUrl":"urn:uuid:0a0a0a0a-0000-4000-8000-00000000010%d","resource":{"resourceType":"Patient",%s}}`, n, body)
	}
	src := `{"resourceType":"Bundle","type":"collection","entry":[` +
		entry(0, `"contained":[{"resourceType":"Organization","id":"o1","name":"O"}],"managingOrganization":{"reference":"#o1"}`) + `,` +
		entry(1, `"managingOrganization":{"reference":"#o1"}`) + `]}`
	for form, b := range bothForms(t, src) {
		res := v.Validate("contained."+form, b)
		want := []string{"fhir:invariant:ref-1 Bundle.entry[1].resource.managingOrganization"}
		if got := rulesAt(res); !slices.Equal(got, want) {
			t.Errorf("%s: issues %q, want %q\n%v", form, got, want, res.Issues)
		}
	}
}

// TestContainedReferenceType: a "#id" reference must name a contained
// resource of a type the element allows, whether it is held by the
// container or by a sibling contained resource, at the root or in a
// Bundle entry.
func TestContainedReferenceType(t *testing.T) {
	v := validator(t)
	const patient = `{"resourceType":"Patient","contained":[{"resourceType":"Practitioner","id":"p1","active":true},
 {"resourceType":"Patient","id":"p2","managingOrganization":{"reference":"#p1"}}],
 "managingOrganization":{"reference":"#p1"},"generalPractitioner":[{"reference":"#p1"}],"link":[{"other":{"reference":"#p2"},"type":"seealso"}]}`
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"at the root", patient, []string{
			"fhir:reference-type Patient.contained[1].managingOrganization.reference",
			"fhir:reference-type Patient.managingOrganization.reference"}},
		{"in a Bundle entry", `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:0a0a0a0a-0000-4000-8000-000000000201","resource":` + patient + `}]}`, []string{
			"fhir:reference-type Bundle.entry[0].resource.contained[1].managingOrganization.reference",
			"fhir:reference-type Bundle.entry[0].resource.managingOrganization.reference"}},
	} {
		for form, src := range bothForms(t, tc.src) {
			t.Run(tc.name+" "+form, func(t *testing.T) {
				res := v.Validate(tc.name+"."+form, src)
				if got := rulesAt(res); !slices.Equal(got, tc.want) {
					t.Errorf("issues %q, want %q\n%v", got, tc.want, res.Issues)
				}
			})
		}
	}
}
