package validate_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
)

var (
	fuzzOnce      sync.Once
	fuzzValidator *validate.Validator
	fuzzErr       error
)

// FuzzValidate runs the whole validator, every phase on, over arbitrary
// bytes: no panic, a result for every input, and every issue complete and
// placed. The OperationOutcome of the result must render in both formats.
// Seeds are the project's examples and, when the reference data is beside
// the repository, the NEMS examples in XML and in JSON.
func FuzzValidate(f *testing.F) {
	var files []string
	for _, g := range []string{"../corpus/examples/*", "../corpus/invalid/*"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	files = append(files, sharedtest.Optional("corpus/nems-examples/*.xml")...)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		f.Add(b)
		if js, _, err := transform.XMLToJSON(b, transform.Options{}); err == nil && filepath.Ext(p) == ".xml" {
			f.Add(js)
		}
	}
	f.Add([]byte(`<Bundle xmlns="http://hl7.org/fhir"><type value="message"/></Bundle>`))
	f.Add([]byte(`{"resourceType":"Subscription","criteria":"/Bundle?type=message","channel":{"type":"message"}}`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		fuzzOnce.Do(func() { fuzzValidator, fuzzErr = validate.New(validate.Options{}) })
		if fuzzErr != nil {
			t.Fatal(fuzzErr)
		}
		res := fuzzValidator.Validate("fuzz", src)
		if res == nil {
			t.Fatal("nil result")
		}
		for _, is := range res.Issues {
			if is.Severity == "" || is.Rule == "" || is.Message == "" || is.Line < 0 || is.Column < 0 {
				t.Fatalf("incomplete issue %+v", is)
			}
		}
		out := res.Outcome()
		_ = out.XML()
		_ = out.JSON()
	})
}
