//go:build libxml2

package schema

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lestrrat-go/libxml2/parser"
	"github.com/lestrrat-go/libxml2/xsd"
)

var (
	officialOnce sync.Once
	officialXSD  *xsd.Schema
	officialErr  error
)

func official(t testing.TB) *xsd.Schema {
	t.Helper()
	dir := sharedDir(t)
	libxmlOnce.Do(initLibxml2)
	officialOnce.Do(func() {
		officialXSD, officialErr = xsd.ParseFromFile(filepath.Join(dir, "fhir", "stu3", "xsd", "fhir-single.xsd"))
	})
	if officialErr != nil {
		t.Fatalf("compiling the official fhir-single.xsd: %v", officialErr)
	}
	return officialXSD
}

// officialProblems validates doc with the official XSD; nil when valid.
func officialProblems(t testing.TB, doc []byte) []string {
	t.Helper()
	s := official(t)
	d, err := xmlParser.Parse(doc)
	if err != nil {
		return []string{"not well-formed: " + err.Error()}
	}
	defer d.Free()
	err = s.Validate(d)
	if err == nil {
		return nil
	}
	var out []string
	if verr, ok := err.(xsd.SchemaValidationError); ok {
		for _, e := range verr.Errors() {
			out = append(out, e.Error())
		}
	}
	if len(out) == 0 {
		out = []string{err.Error()}
	}
	return out
}

func TestXSDAgreesWithOfficialXSD(t *testing.T) {
	var files []string
	files = append(files, glob(t, "fhir/stu3/examples/xml/*.xml")...)
	files = append(files, glob(t, "corpus/nems-examples/*.xml")...)
	disagree := readList(t, "testdata/xsd-disagreements.txt")
	bothReject := readList(t, "testdata/xsd-both-reject.txt")

	agreed, rejected := 0, 0
	for _, f := range files {
		name := filepath.Base(f)
		doc := mustRead(t, f)
		theirs := officialProblems(t, doc)
		ours := ValidateXML(doc)
		switch {
		case (len(theirs) == 0) != (len(ours) == 0):
			if _, ok := disagree[name]; ok {
				delete(disagree, name)
				continue
			}
			t.Errorf("%s: official XSD valid=%v, generated XSD valid=%v\n  official: %s\n  generated: %v",
				name, len(theirs) == 0, len(ours) == 0, strings.Join(theirs, "\n            "), ours)
		default:
			agreed++
			if _, ok := disagree[name]; ok {
				t.Errorf("%s: listed in testdata/xsd-disagreements.txt but both XSDs agree now: remove it", name)
				delete(disagree, name)
			}
			if len(ours) > 0 {
				rejected++
				if _, ok := bothReject[name]; !ok {
					t.Errorf("%s: rejected by both XSDs but not listed in testdata/xsd-both-reject.txt:\n  official: %s\n  generated: %v",
						name, strings.Join(theirs, "\n            "), ours)
				}
				delete(bothReject, name)
			}
		}
	}
	for name := range disagree {
		t.Errorf("%s: listed in testdata/xsd-disagreements.txt but not among the examples", name)
	}
	for name := range bothReject {
		t.Errorf("%s: listed in testdata/xsd-both-reject.txt but not rejected by both XSDs", name)
	}
	t.Logf("%d files: same verdict on %d (%d rejected by both)", len(files), agreed, rejected)
}

// The two generated schemas judge the same content alike: each official
// example pair (the same resource in XML and in JSON) gets one verdict.
func TestXMLAndJSONSchemasAgreeOnExamplePairs(t *testing.T) {
	files := glob(t, "fhir/stu3/examples/xml/*.xml")
	dir := filepath.Join(sharedDir(t), "fhir", "stu3", "examples", "json")
	pairs := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		jsonFile := filepath.Join(dir, name+".json")
		js, err := os.ReadFile(jsonFile)
		if err != nil {
			continue
		}
		pairs++
		x, j := ValidateXML(mustRead(t, f)), ValidateJSON(js)
		if (len(x) == 0) != (len(j) == 0) {
			t.Errorf("%s: XML valid=%v (%v), JSON valid=%v (%v)", name, len(x) == 0, x, len(j) == 0, j)
		}
	}
	t.Logf("%d example pairs", pairs)
}

// xmlParser reads documents into a tree for the official XSD (ValidateXML
// streams them instead), with no network and no error printing.
var xmlParser = parser.New(parser.XMLParseNoNet, parser.XMLParseNoError, parser.XMLParseNoWarning)
