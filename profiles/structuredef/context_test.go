package structuredef

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// extensionSD is a simple extension definition with a string value.
func extensionSD(url, contextType string, context ...string) string {
	return fmt.Sprintf(`{
  "resourceType": "StructureDefinition",
  "url": %q,
  "name": %q,
  "status": "draft",
  "kind": "complex-type",
  "abstract": false,
  "contextType": %q,
  "context": ["%s"],
  "type": "Extension",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
  "derivation": "constraint",
  "differential": {"element": [
    {"path": "Extension", "max": "1"},
    {"path": "Extension.url", "fixedUri": %q},
    {"path": "Extension.value[x]", "type": [{"code": "string"}]}
  ]}
}
`, url, filepath.Base(url), contextType, strings.Join(context, `", "`), url)
}

const (
	extAny     = "http://example.org/fhir/StructureDefinition/any"
	extName    = "http://example.org/fhir/StructureDefinition/on-name"
	extGiven   = "http://example.org/fhir/StructureDefinition/on-given"
	extAddress = "http://example.org/fhir/StructureDefinition/on-address"
)

func contextRegistry(t *testing.T) *Registry {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"any.json":     extensionSD(extAny, "datatype", "Any"),
		"name.json":    extensionSD(extName, "resource", "Patient.name"),
		"given.json":   extensionSD(extGiven, "resource", "Patient.name.given"),
		"address.json": extensionSD(extAddress, "resource", "Patient.address"),
	})
	r, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return r
}

func ext(url string) string { return `{"url": "` + url + `", "valueString": "x"}` }

// contextFindings checks src in JSON and in its XML form and returns the
// context findings of each form.
func contextFindings(t *testing.T, r *Registry, src string) map[string][]issue.Issue {
	t.Helper()
	x, _, err := transform.JSONToXML([]byte(src), transform.Options{})
	if err != nil {
		t.Fatalf("JSON to XML: %v\n%s", err, src)
	}
	out := map[string][]issue.Issue{}
	for form, b := range map[string][]byte{"p.json": []byte(src), "p.xml": x} {
		for _, f := range r.Check(parse(t, form, b), nil) {
			if strings.HasSuffix(f.Rule, ":"+KindContext) {
				out[form] = append(out[form], f)
			}
		}
		if _, ok := out[form]; !ok {
			out[form] = nil
		}
	}
	return out
}

// TestExtensionContextAny: context Any (ISO 21090's ANY, contextType
// datatype, as iso21090-nullFlavor, -preferred and -verification have it)
// admits the extension on any datatype and not on a resource.
func TestExtensionContextAny(t *testing.T) {
	r := contextRegistry(t)
	for _, tc := range []struct {
		name, src, want string
	}{
		{"on a HumanName", `{"resourceType": "Patient", "name": [{"extension": [` + ext(extAny) + `], "family": "F"}]}`, ""},
		{"on a primitive", `{"resourceType": "Patient", "gender": "male", "_gender": {"extension": [` + ext(extAny) + `]}}`, ""},
		{"on a resource", `{"resourceType": "Patient", "extension": [` + ext(extAny) + `], "gender": "male"}`, "Patient.extension[0]"},
	} {
		for form, fs := range contextFindings(t, r, tc.src) {
			if tc.want == "" && len(fs) != 0 || tc.want != "" && (len(fs) != 1 || fs[0].Path != tc.want) {
				t.Errorf("%s %s: want a context finding at %q, got:", tc.name, form, tc.want)
				dump(t, fs)
			}
		}
	}
}

// TestExtensionContextInDefinedValue: an extension inside the value an
// ElementDefinition gives (fixed[x], pattern[x], example.value[x]) is
// judged where it will stand, on the element being defined, not on
// ElementDefinition.fixed[x].
func TestExtensionContextInDefinedValue(t *testing.T) {
	r := contextRegistry(t)
	sd := func(path, value string) string {
		return `{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/p", "name": "P",
 "status": "draft", "kind": "resource", "abstract": false, "type": "Patient",
 "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
 "differential": {"element": [{"path": "` + path + `", ` + value + `}]}}`
	}
	const in = "StructureDefinition.differential.element[0]."
	for _, tc := range []struct {
		name, src, want string
	}{
		{"fixed value of Patient.name", sd("Patient.name", `"fixedHumanName": {"extension": [`+ext(extName)+`], "family": "F"}`), ""},
		{"pattern of Patient.name", sd("Patient.name", `"patternHumanName": {"extension": [`+ext(extName)+`], "family": "F"}`), ""},
		{"example of Patient.name", sd("Patient.name", `"example": [{"label": "e", "valueHumanName": {"extension": [`+ext(extName)+`], "family": "F"}}]`), ""},
		{"given inside the fixed name", sd("Patient.name", `"fixedHumanName": {"given": ["G"], "_given": [{"extension": [`+ext(extGiven)+`]}]}`), ""},
		{"fixed value of Patient.address", sd("Patient.address", `"fixedAddress": {"extension": [`+ext(extName)+`], "city": "C"}`),
			in + "fixedAddress.extension[0]"},
		{"allowed on Patient.address, used in the name", sd("Patient.name", `"fixedHumanName": {"extension": [`+ext(extAddress)+`], "family": "F"}`),
			in + "fixedHumanName.extension[0]"},
	} {
		for form, fs := range contextFindings(t, r, tc.src) {
			if tc.want == "" && len(fs) != 0 || tc.want != "" && (len(fs) != 1 || fs[0].Path != tc.want) {
				t.Errorf("%s %s: want a context finding at %q, got:", tc.name, form, tc.want)
				dump(t, fs)
			}
			if len(fs) == 1 && !strings.Contains(fs[0].Message, "Patient.") {
				t.Errorf("%s %s: the message does not name the element being defined: %s", tc.name, form, fs[0].Message)
			}
		}
	}
}
