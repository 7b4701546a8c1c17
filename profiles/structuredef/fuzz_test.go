package structuredef

import (
	"os"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// FuzzLoadSource feeds one file's bytes (JSON or XML, any resource) to the
// loader, builds the snapshots of whatever StructureDefinitions it holds
// and checks a Patient against each profile. Load problems must come back
// as FileErrors; nothing may panic or loop (a profile deriving from itself,
// say).
func FuzzLoadSource(f *testing.F) {
	if b, err := os.ReadFile("testdata/TestPatient-Derived.json"); err == nil {
		f.Add(b)
	}
	seeds := sharedtest.Optional("fhir/nhs/CareConnect-STU3-Core-IG/StructureDefinition-CareConnect-Patient-1.*")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"resourceType":"StructureDefinition","url":"u","type":"Patient","baseDefinition":"u","derivation":"constraint","differential":{"element":[{"path":"Patient.name","min":1}]}}`))
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"ValueSet","url":"v","compose":{"include":[{"system":"s","concept":[{"code":"c"}]}]}}}]}`))
	f.Add([]byte(`<StructureDefinition xmlns="http://hl7.org/fhir"><url value="x"/><type value="Patient"/><differential><element><path value="Patient.name.family"/><max value="0"/></element></differential></StructureDefinition>`))
	m := schemas.STU3()
	patient, _ := tree.ParseJSON([]byte(`{"resourceType":"Patient","id":"p","meta":{"profile":["u"]},"name":[{"family":"F","given":["G"]}],"gender":"female","birthDate":"2000-01-01"}`), m)
	f.Fuzz(func(t *testing.T, src []byte) {
		l := &loader{reg: newRegistry(m), lim: defaultLimits}
		l.source(origin{file: "fuzz"}, src)
		l.reg.compile(&l.errs)
		for _, e := range l.errs {
			if e.File == "" || e.Err == nil {
				t.Fatalf("incomplete load error %+v", e)
			}
		}
		if patient == nil || patient.Root == nil {
			return
		}
		var urls []string
		for u := range l.reg.profiles {
			urls = append(urls, u)
		}
		_ = l.reg.Check(patient.Root, urls)
	})
}
