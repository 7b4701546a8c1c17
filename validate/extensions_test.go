package validate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/profiles/structuredef"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate"
)

// extIssues returns the issues of the extension phase (rule
// fhir:extension:...).
func extIssues(res *validate.Result) []validate.Issue {
	var out []validate.Issue
	for _, is := range res.Issues {
		if strings.HasPrefix(is.Rule, "fhir:extension:") {
			out = append(out, is)
		}
	}
	return out
}

func newValidator(t *testing.T, opts validate.Options) *validate.Validator {
	t.Helper()
	opts.NoRules = true
	v, err := validate.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCoreExtensionChecks: a core extension is held to its built-in
// definition: its context, the type of its value, how often it occurs, its
// nested extensions and whether it is a modifier, in both formats.
func TestCoreExtensionChecks(t *testing.T) {
	v := newValidator(t, validate.Options{})
	for _, tc := range []struct {
		name, src string
		rule      string // "" when valid
		path      string
		msg       string
	}{
		{"birthTime on birthDate", `{"resourceType":"Patient","birthDate":"2000-01-01","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"2000-01-01T10:00:00Z"}]}}`,
			"", "", ""},
		{"birthTime on gender: wrong context", `{"resourceType":"Patient","gender":"male","_gender":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"2000-01-01T10:00:00Z"}]}}`,
			"fhir:extension:patient-birthTime:context", "Patient.gender.extension[0]", "allows it on Patient.birthDate"},
		{"birthTime xml on the resource: wrong context", `<Patient xmlns="http://hl7.org/fhir"><extension url="http://hl7.org/fhir/StructureDefinition/patient-birthTime"><valueDateTime value="2000-01-01T10:00:00Z"/></extension></Patient>`,
			"fhir:extension:patient-birthTime:context", "Patient.extension[0]", "is used on Patient"},
		{"birthTime with a string: wrong value type", `{"resourceType":"Patient","birthDate":"2000-01-01","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueString":"ten o'clock"}]}}`,
			"fhir:extension:patient-birthTime:type", "Patient.birthDate.extension[0].valueString", "may only be valueDateTime"},
		{"birthPlace twice: cardinality", `{"resourceType":"Patient","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/birthPlace","valueAddress":{"city":"Leeds"}},{"url":"http://hl7.org/fhir/StructureDefinition/birthPlace","valueAddress":{"city":"York"}}]}`,
			"fhir:extension:birthPlace:cardinality", "Patient.extension[0]", "occurs 2 times"},
		{"nullFlavor (context Any) on a datatype", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor","valueCode":"UNK"}]}}`,
			"", "", ""},
		{"nullFlavor (context Any) on a resource", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor","valueCode":"UNK"}]}`,
			"fhir:extension:iso21090-nullFlavor:context", "Observation.extension[0]", "allows it on Any"},
		{"modifier given as an extension", `{"resourceType":"Device","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/device-implant-status","valueCode":"functional"}]}`,
			"fhir:extension:device-implant-status:modifier", "Device.extension[0]", "must be given as a modifierExtension"},
		{"modifier given as a modifierExtension", `{"resourceType":"Device","modifierExtension":[{"url":"http://hl7.org/fhir/StructureDefinition/device-implant-status","valueCode":"functional"}]}`,
			"", "", ""},
		{"nested extension the definition lacks", `{"resourceType":"DiagnosticReport","status":"final","code":{"text":"x"},"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/hla-genotyping-results-glstring","extension":[{"url":"uri","valueUri":"http://example.com/gl"}]}]}`,
			validate.RuleSubExtension, "DiagnosticReport.extension[0].extension[0]", `nested extension "uri"`},
		{"nested extension with the wrong type", `{"resourceType":"DiagnosticReport","status":"final","code":{"text":"x"},"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/hla-genotyping-results-glstring","extension":[{"url":"text","valueInteger":3}]}]}`,
			"fhir:extension:hla-genotyping-results-glstring:type", "DiagnosticReport.extension[0].extension[0].valueInteger", "may only be valueString"},
		{"nested extension as defined", `{"resourceType":"DiagnosticReport","status":"final","code":{"text":"x"},"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/hla-genotyping-results-glstring","extension":[{"url":"text","valueString":"HLA-A*01:01"}]}]}`,
			"", "", ""},
		{"context through a contentReference", `{"resourceType":"CodeSystem","status":"draft","content":"complete","concept":[{"code":"a","concept":[{"code":"b","modifierExtension":[{"url":"http://hl7.org/fhir/StructureDefinition/codesystem-subsumes","valueCode":"a"}]}]}]}`,
			"", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Validate(tc.name, []byte(tc.src))
			got := extIssues(res)
			if tc.rule == "" {
				if len(got) > 0 || !res.Valid() {
					t.Fatalf("want valid, got %v", res.Issues)
				}
				return
			}
			for _, is := range got {
				if is.Rule == tc.rule && is.Path == tc.path && strings.Contains(is.Message, tc.msg) {
					if is.Severity != validate.SeverityError {
						t.Errorf("severity %s, want error", is.Severity)
					}
					if is.Line == 0 {
						t.Errorf("no line: %v", is)
					}
					return
				}
			}
			t.Fatalf("want %s at %s mentioning %q, got %v", tc.rule, tc.path, tc.msg, res.Issues)
		})
	}
}

// TestUnknownExtensionPolicy: an extension without a definition is an
// error by default, as with the reference validator, a warning or an
// information issue under the relaxed policies, and information in an
// allowed domain whatever the policy.
func TestUnknownExtensionPolicy(t *testing.T) {
	const src = `{"resourceType":"Patient","extension":[{"url":"https://ext.supplier.example.com/fhir/colour","valueString":"blue","extension":[]}],"active":true}`
	const nested = `{"resourceType":"Patient","extension":[{"url":"https://ext.supplier.example.com/fhir/outer","extension":[{"url":"https://ext.supplier.example.com/fhir/inner","valueString":"x"}]}]}`
	for _, tc := range []struct {
		name    string
		opts    validate.Options
		sev     validate.Severity
		valid   bool
		message string
	}{
		{"default", validate.Options{}, validate.SeverityError, false, "not allowed here"},
		{"error", validate.Options{UnknownExtensions: validate.UnknownExtensionsError}, validate.SeverityError, false, "not allowed here"},
		{"warning", validate.Options{UnknownExtensions: validate.UnknownExtensionsWarning}, validate.SeverityWarning, true, "not checked"},
		{"ignore", validate.Options{UnknownExtensions: validate.UnknownExtensionsIgnore}, validate.SeverityInformation, true, "accepted without being checked"},
		{"domain", validate.Options{ExtensionDomains: []string{"https://ext.supplier.example.com/"}}, validate.SeverityInformation, true, "domain https://ext.supplier.example.com/ is allowed"},
		{"other domain", validate.Options{ExtensionDomains: []string{"https://elsewhere.example.net/"}}, validate.SeverityError, false, "not allowed here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newValidator(t, tc.opts)
			for _, payload := range []string{src, nested} {
				res := v.Validate(tc.name, []byte(strings.Replace(payload, `,"extension":[]`, "", 1)))
				got := extIssues(res)
				if len(got) != 1 {
					t.Fatalf("want one issue (the outer extension only), got %v", res.Issues)
				}
				is := got[0]
				if is.Rule != validate.RuleUnknownExtension || is.Severity != tc.sev || is.Path != "Patient.extension[0]" || !strings.Contains(is.Message, tc.message) {
					t.Errorf("got %v, want %s %s at Patient.extension[0] saying %q", is, validate.RuleUnknownExtension, tc.sev, tc.message)
				}
				if res.Valid() != tc.valid {
					t.Errorf("valid = %v, want %v", res.Valid(), tc.valid)
				}
			}
		})
	}
	t.Run("bad policy", func(t *testing.T) {
		if _, err := validate.New(validate.Options{UnknownExtensions: "lenient"}); err == nil || !strings.Contains(err.Error(), "lenient") {
			t.Errorf("got %v, want an error naming the policy", err)
		}
		if _, err := validate.New(validate.Options{ExtensionDomains: []string{"supplier.example.com"}}); err == nil {
			t.Error("a domain that is not an absolute URL prefix was accepted")
		}
	})
}

// TestUnknownExtensionKinds: the message says why a URL is unknown: an
// http://hl7.org/fhir/StructureDefinition/ URL that is no STU3 core
// extension, a relative URL outside a complex extension; the example URLs
// the reference validator accepts unresolved are information only.
func TestUnknownExtensionKinds(t *testing.T) {
	v := newValidator(t, validate.Options{})
	for _, tc := range []struct {
		url, msg string
		sev      validate.Severity
	}{
		{"http://hl7.org/fhir/StructureDefinition/patient-birthTimeZone", "not one of the STU3 core extensions", validate.SeverityError},
		{"deathNotificationStatus", "not absolute", validate.SeverityError},
		{"http://example.org/fhir/StructureDefinition/x", "as the reference validator accepts them", validate.SeverityInformation},
	} {
		res := v.Validate(tc.url, []byte(`{"resourceType":"Patient","extension":[{"url":"`+tc.url+`","valueString":"x"}]}`))
		got := extIssues(res)
		if len(got) != 1 || got[0].Severity != tc.sev || !strings.Contains(got[0].Message, tc.msg) {
			t.Errorf("%s: got %v, want one %s issue saying %q", tc.url, res.Issues, tc.sev, tc.msg)
		}
	}
}

// TestIGDefinitionWins: an extension defined by a loaded IG is judged by
// that definition only, not also by the built-in one.
func TestIGDefinitionWins(t *testing.T) {
	dir := t.TempDir()
	def := `{"resourceType":"StructureDefinition","url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-Test-Colour-1","name":"Extension-Test-Colour-1","status":"draft","kind":"complex-type","abstract":false,"contextType":"resource","context":["Patient"],"type":"Extension","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Extension","derivation":"constraint",
"differential":{"element":[{"id":"Extension","path":"Extension","max":"1"},{"id":"Extension.url","path":"Extension.url","fixedUri":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-Test-Colour-1"},{"id":"Extension.value[x]","path":"Extension.value[x]","min":1,"type":[{"code":"string"}]}]}}`
	if err := os.WriteFile(filepath.Join(dir, "colour.json"), []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	v := newValidator(t, validate.Options{IG: []string{dir}})
	res := v.Validate("ig", []byte(`{"resourceType":"Patient","extension":[{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-Test-Colour-1","valueString":"blue"}]}`))
	if !res.Valid() || len(res.Issues) > 0 {
		t.Errorf("want valid without issues, got %v", res.Issues)
	}
	res = v.Validate("ig", []byte(`{"resourceType":"Patient","extension":[{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-Test-Colour-1","valueInteger":3}]}`))
	if res.Valid() {
		t.Errorf("a wrong value type passed: %v", res.Issues)
	}
	for _, is := range res.Issues {
		if is.Rule == validate.RuleUnknownExtension {
			t.Errorf("an IG extension reported unknown: %v", is)
		}
	}
}

// TestNEMSExtensionsBuiltIn: the NHS and CareConnect extensions of the
// conformant NEMS examples are built in and accepted there; the value sets
// they bind are built in too, so their codes are judged.
func TestNEMSExtensionsBuiltIn(t *testing.T) {
	// PDS-Record-Change.xml (minor in MANIFEST.md) writes the CareConnect
	// system without /CodeSystem/ (nems:5.11:careconnect-codesystem-url),
	// which takes its coding out of the value set the extension binds
	// required: the one extension issue expected.
	expected := map[string]string{
		"PDS-Record-Change.xml": "fhir:extension:Extension-CareConnect-NHSNumberVerificationStatus-1:binding",
	}
	dir := requireShared(t, "corpus/nems-examples")
	v, err := validate.New(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, name := range []string{"blood-spot-test-outcome-1-delete.xml", "newborn-hearing-1-delete.xml", "nipe-outcome-1-delete.xml", "vaccinations-1-new.xml", "PDS-Record-Change.xml"} {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		res := v.Validate(name, src)
		met := false
		for _, is := range extIssues(res) {
			if is.Rule == expected[name] && !met {
				met = true
				continue
			}
			t.Errorf("%s: %v", name, is)
		}
		if expected[name] != "" && !met {
			t.Errorf("%s: no %s issue", name, expected[name])
		}
		doc, err := tree.ParseXML(src, schemas.STU3())
		if err != nil {
			t.Fatal(err)
		}
		doc.Root.Walk(func(n *tree.Node) bool {
			if n.Type == "Extension" && (n.Parent == nil || n.Parent.Type != "Extension") {
				if u := n.Child("url"); u != nil {
					seen[u.Value] = true
				}
			}
			return true
		})
	}
	for u := range seen {
		if structuredef.BuiltinSource(u) == "" {
			t.Errorf("extension %s of a NEMS example is not built in", u)
		}
	}
	for _, want := range []string{
		"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-RoutingDemographics-1",
		"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-MessageEventType-1",
		"https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1",
	} {
		if !seen[want] {
			t.Errorf("the examples no longer use %s: the test checks less than it says", want)
		}
	}
	if got := structuredef.BuiltinSource("https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RegistrationDetails-1"); got != "careconnect" {
		t.Errorf("Extension-CareConnect-RegistrationDetails-1: source %q, want careconnect", got)
	}
}
