package schema

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// These tests need no shared reference data.

const patientXML = `<Patient xmlns="http://hl7.org/fhir">
  <id value="p1"/>
  <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Jane <b>Doe</b></p></div></text>
  <extension url="http://example.org/x"><valueString value="y"/></extension>
  <identifier><system value="https://fhir.nhs.uk/Id/nhs-number"/><value value="9434765919"/></identifier>
  <name><family value="Doe"/><given value="Jane"/><given value="Ann"/></name>
  <gender value="female"/>
  <birthDate value="1980-02-29"/>
</Patient>`

const patientJSON = `{
  "resourceType": "Patient",
  "id": "p1",
  "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Jane Doe</div>"},
  "extension": [{"url": "http://example.org/x", "valueString": "y"}],
  "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
  "name": [{"family": "Doe", "given": ["Jane", null], "_given": [null, {"extension": [{"url": "http://example.org/y", "valueBoolean": true}]}]}],
  "gender": "female",
  "birthDate": "1980-02-29"
}`

func TestCompile(t *testing.T) {
	if err := Compile(); err != nil {
		t.Fatal(err)
	}
}

// The XML halves of these tests need the XSD check (build tag libxml2);
// xml_nolibxml2_test.go checks what a build without it answers.

func TestValidPatient(t *testing.T) {
	if ps := ValidateXML([]byte(patientXML)); XSDBuiltIn && ps != nil {
		t.Errorf("XML: %v", ps)
	}
	if ps := ValidateJSON([]byte(patientJSON)); ps != nil {
		t.Errorf("JSON: %v", ps)
	}
}

func TestInvalidPatient(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, location string
		line                     int // 0 where the element is ambiguous
	}{
		{"unknown element", `<gender value="female"/>`, `<sex value="female"/>`, "sex", 7},
		{"bad code", `<gender value="female"/>`, `<gender value="f"/>`, "gender/@value", 7},
		{"invalid date", `<birthDate value="1980-02-29"/>`, `<birthDate value="1981-02-29"/>`, "birthDate/@value", 8},
		{"extension without url", `<extension url="http://example.org/x">`, `<extension>`, "extension", 4},
		{"boolean written as 1 (FHIR allows only true and false)", `</identifier>`, `</identifier><active value="1"/>`, "active/@value", 5},
		{"div outside XHTML", `<div xmlns="http://www.w3.org/1999/xhtml">`, `<div>`, "div", 3},
		{"one of two given names", `<given value="Ann"/>`, `<given value="Ann" colour="red"/>`, "given/@colour", 6},
		{"value shared by two elements", `<given value="Ann"/>`, `<given value="Jane" colour="red"/><given value="Jane" colour="blue"/>`, "given/@colour", 0},
	} {
		if !XSDBuiltIn {
			break
		}
		ps := ValidateXML([]byte(strings.Replace(patientXML, tc.from, tc.to, 1)))
		if len(ps) == 0 {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if ps[0].Location != tc.location || ps[0].Line != tc.line {
			t.Errorf("%s: first problem %q at line %d, want %q at line %d (%v)", tc.name, ps[0].Location, ps[0].Line, tc.location, tc.line, ps)
		}
	}
	for _, tc := range []struct {
		name, from, to, location string
		line                     int
	}{
		{"unknown property", `"gender": "female",`, `"sex": "female",`, "/sex", 8},
		{"bad code pattern", `"gender": "female",`, `"gender": "fe male  x",`, "/gender", 8},
		{"array for a single value", `"birthDate": "1980-02-29"`, `"birthDate": ["1980-02-29"]`, "/birthDate", 9},
		{"single value for an array", `"identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}]`, `"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}`, "/identifier", 6},
		{"empty array", `"extension": [{"url": "http://example.org/x", "valueString": "y"}]`, `"extension": []`, "/extension", 5},
		{"extension without url", `{"url": "http://example.org/x", "valueString": "y"}`, `{"valueString": "y"}`, "/extension/0", 5},
		{"extension with two values", `"valueString": "y"}`, `"valueString": "y", "valueBoolean": true}`, "/extension/0", 5},
	} {
		doc := strings.Replace(patientJSON, tc.from, tc.to, 1)
		if doc == patientJSON {
			t.Fatalf("%s: mutation did not apply", tc.name)
		}
		ps := ValidateJSON([]byte(doc))
		if len(ps) == 0 {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if ps[0].Location != tc.location || ps[0].Line != tc.line {
			t.Errorf("%s: first problem %q at line %d, want %q at line %d (%v)", tc.name, ps[0].Location, ps[0].Line, tc.location, tc.line, ps)
		}
	}
}

func TestNotWellFormed(t *testing.T) {
	if XSDBuiltIn {
		ps := ValidateXML([]byte("<Patient xmlns=\"http://hl7.org/fhir\">\n<id value=\"x\"></Patient>"))
		if len(ps) != 1 || !strings.HasPrefix(ps[0].Message, "not well-formed XML: ") || ps[0].Line != 2 {
			t.Errorf("XML: %v", ps)
		}
		if ps := ValidateXML(nil); len(ps) != 1 || !strings.Contains(ps[0].Message, "empty") {
			t.Errorf("empty XML: %v", ps)
		}
	}
	ps := ValidateJSON([]byte("{\n  \"resourceType\": \"Patient\",\n  \"id\": }"))
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "not valid JSON") || ps[0].Line != 3 {
		t.Errorf("JSON: %v", ps)
	}
}

// The compiled schemas are shared: run validations side by side (go test
// -race makes this meaningful).
func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if ps := ValidateXML([]byte(patientXML)); XSDBuiltIn && ps != nil {
					errs <- fmt.Sprint("XML: ", ps)
					return
				}
				if ps := ValidateJSON([]byte(patientJSON)); ps != nil {
					errs <- fmt.Sprint("JSON: ", ps)
					return
				}
				if ps := ValidateXML([]byte(strings.Replace(patientXML, "gender", "sex", 2))); len(ps) == 0 {
					// Without the XSD check built in, ValidateXML answers
					// that it cannot judge: never an empty list either.
					errs <- "XML: bad document accepted"
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{problem("m", ""), "m"},
		{problem("m", "/a"), "/a: m"},
		{Problem{Issue: issue.Issue{Message: "m", Line: 3, Column: 7}, Location: "/a"}, "3:7: /a: m"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}

// Payloads compile only the resource types they hold; every type's
// document must compile all the same.
func TestCompileEveryResourceType(t *testing.T) {
	if err := newJSONSchemas().compileAll(); err != nil {
		t.Fatal(err)
	}
}

// A choice element is checked through its property names: at most one
// name, and one at least where the element is required.
func TestJSONChoiceElements(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want, location string
		line                      int
	}{
		{"required choice missing", `{"resourceType": "Communication", "status": "completed",
  "payload": [{"id": "x"}]}`, "missing required element Communication.payload.content[x]", "/payload/0", 2},
		{"required choice given", `{"resourceType": "Communication", "status": "completed",
  "payload": [{"contentString": "x"}]}`, "", "", 0},
		{"required choice given by its extensions", `{"resourceType": "Communication", "status": "completed",
  "payload": [{"_contentString": {"extension": [{"url": "http://example.org/x", "valueBoolean": true}]}}]}`, "", "", 0},
		{"required choice twice", `{"resourceType": "Communication", "status": "completed",
  "payload": [{"contentString": "x", "contentReference": {"reference": "Patient/1"}}]}`, "Communication.payload.content[x] is given under more than one name", "/payload/0", 2},
		{"value and the other's extensions", `{"resourceType": "Basic", "code": {"text": "x"},
  "extension": [{"url": "http://example.org/x", "valueString": "y", "_valueBoolean": {"id": "b"}}]}`, "Extension.value[x] is given under more than one name", "/extension/0", 2},
		{"value with its own extensions", `{"resourceType": "Basic", "code": {"text": "x"},
  "extension": [{"url": "http://example.org/x", "valueString": "y", "_valueString": {"id": "b"}}]}`, "", "", 0},
	} {
		ps := ValidateJSON([]byte(tc.doc))
		if tc.want == "" {
			if ps != nil {
				t.Errorf("%s: %v", tc.name, ps)
			}
			continue
		}
		if len(ps) != 1 || ps[0].Message != tc.want || ps[0].Location != tc.location || ps[0].Line != tc.line {
			t.Errorf("%s: %v, want one problem %q at %s, line %d", tc.name, ps, tc.want, tc.location, tc.line)
		}
	}
}

// Warm runs beside validations that need what it compiles.
func TestWarm(t *testing.T) {
	Warm()
	Warm()
	if ps := ValidateXML([]byte(patientXML)); XSDBuiltIn && ps != nil {
		t.Errorf("XML: %v", ps)
	}
	if ps := ValidateJSON([]byte(patientJSON)); ps != nil {
		t.Errorf("JSON: %v", ps)
	}
}

// Data types have documents beside the resources' own, but a resource slot
// holding one is an unknown resourceType and nothing more.
func TestDataTypeIsNoResource(t *testing.T) {
	ps := ValidateJSON([]byte(`{"resourceType": "Bundle", "type": "collection",
  "entry": [{"resource": {"resourceType": "Dosage", "text": "x"}}]}`))
	if len(ps) != 1 || ps[0].Location != "/entry/0/resource/resourceType" || !strings.Contains(ps[0].Message, `unknown resourceType "Dosage"`) {
		t.Errorf("%v", ps)
	}
}
