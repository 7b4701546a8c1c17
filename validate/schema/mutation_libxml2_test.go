//go:build libxml2

package schema

import (
	"path/filepath"
	"testing"
)

// xmlMutations are defects that both the official and the generated XSD
// must reject, on examples both accept.
var xmlMutations = []mutation{
	{"fhir/stu3/examples/xml/observation-example.xml", "unknown element",
		`<status value="final"/>`, `<status value="final"/><colour value="red"/>`},
	{"fhir/stu3/examples/xml/observation-example.xml", "wrong order",
		`<status value="final"/>`, ``}, // put back after effectiveDateTime below
	{"fhir/stu3/examples/xml/observation-example.xml", "missing required element (Observation.status)",
		`<status value="final"/>`, ``},
	{"fhir/stu3/examples/xml/observation-example.xml", "bad dateTime",
		`<effectiveDateTime value="2016-03-28"/>`, `<effectiveDateTime value="2016-03-28T25:00:00Z"/>`},
	{"fhir/stu3/examples/xml/observation-example.xml", "choice given twice",
		`<effectiveDateTime value="2016-03-28"/>`, `<effectiveDateTime value="2016-03-28"/><effectivePeriod><start value="2016-03-28"/></effectivePeriod>`},
	{"fhir/stu3/examples/xml/messageheader-example.xml", "missing required element (MessageHeader.timestamp)",
		`<timestamp value="2012-01-04T09:10:14Z"/>`, ``},
	{"fhir/stu3/examples/xml/messageheader-example.xml", "bad instant",
		`<timestamp value="2012-01-04T09:10:14Z"/>`, `<timestamp value="2012-01-04 09:10"/>`},
	{"fhir/stu3/examples/xml/patient-example.xml", "bad date",
		`<birthDate value="1974-12-25">`, `<birthDate value="1974-13-25">`},
	{"fhir/stu3/examples/xml/patient-example.xml", "unknown attribute",
		`<gender value="male"/>`, `<gender value="male" colour="red"/>`},
	{"fhir/stu3/examples/xml/subscription-example.xml", "code outside its required value set",
		`<type value="rest-hook"/>`, `<type value="ftp"/>`},
	{"fhir/stu3/examples/xml/bundle-example.xml", "missing required element (Bundle.type)",
		`<type value="searchset"/>`, ``},
	{"corpus/nems-examples/blood-spot-test-outcome-1-delete.xml", "unknown element inside an entry's resource",
		`<status value="entered-in-error"/>`, `<status value="entered-in-error"/><colour value="red"/>`},
	{"corpus/nems-examples/blood-spot-test-outcome-1-delete.xml", "empty value attribute",
		`<status value="entered-in-error"/>`, `<status value=""/>`},
}

func TestXMLMutationsRejectedByBothXSDs(t *testing.T) {
	dir := sharedDir(t)
	for _, m := range xmlMutations {
		t.Run(filepath.Base(m.file)+"/"+m.name, func(t *testing.T) {
			doc := string(mustRead(t, filepath.Join(dir, m.file)))
			if ps := officialProblems(t, []byte(doc)); ps != nil {
				t.Fatalf("official XSD rejects the unmutated example: %v", ps)
			}
			if ps := ValidateXML([]byte(doc)); ps != nil {
				t.Fatalf("generated XSD rejects the unmutated example: %v", ps)
			}
			bad := []byte(applyMutation(t, doc, m))
			if officialProblems(t, bad) == nil {
				t.Errorf("official XSD accepts the mutation")
			}
			ps := ValidateXML(bad)
			if ps == nil {
				t.Errorf("generated XSD accepts the mutation")
			}
			for _, p := range ps {
				t.Log(p)
			}
		})
	}
}
