package nhsid

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
)

// sharedDir locates the read-only reference data, which sits next to the
// repository as ../shared (see ARCHITECTURE.md), or skips the test.
func sharedDir(t *testing.T) string {
	t.Helper()
	return filepath.Dir(filepath.Dir(sharedtest.Path(t, "corpus/nems-examples")))
}

// identifierRE finds <system value="S"/> followed by <value value="V"/>, the
// shape of every Identifier in the NEMS example messages.
var identifierRE = regexp.MustCompile(`<system value="([^"]+)"\s*/>\s*<value value="([^"]*)"\s*/>`)

// asidAddressRE finds ASIDs written as MessageHeader.source.endpoint values.
var asidAddressRE = regexp.MustCompile(regexp.QuoteMeta(ASIDAddressPrefix) + `([^"<]*)`)

// TestCorpusIdentifiers checks every NHS number, ODS code and ASID in the
// official NEMS examples against the verdicts of MANIFEST.md: only the two
// NHS numbers the manifest names as failing modulus 11 may fail.
func TestCorpusIdentifiers(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "corpus", "nems-examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) == 0 {
		t.Skipf("NEMS example corpus not found at %s (reference data absent in this checkout)", dir)
	}
	knownBad := map[string]bool{"1112223330": true, "6101231234": true}
	seen := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		for _, m := range identifierRE.FindAllStringSubmatch(string(data), -1) {
			system, value := m[1], m[2]
			var err error
			switch system {
			case SystemNHSNumber:
				err = CheckNHSNumber(value)
				if knownBad[value] {
					if err == nil {
						t.Errorf("%s: NHS number %s passed, MANIFEST says it fails modulus 11", name, value)
					}
					err = nil
				}
			case SystemODSOrganisation:
				err = CheckODSOrganisationCode(value)
			case SystemODSSite:
				err = CheckODSSiteCode(value)
			default:
				continue
			}
			seen[system]++
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		for _, m := range asidAddressRE.FindAllStringSubmatch(string(data), -1) {
			seen["asid"]++
			if err := CheckASID(m[1]); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	if seen[SystemNHSNumber] == 0 || seen[SystemODSOrganisation] == 0 || seen["asid"] == 0 {
		t.Errorf("corpus scan found too little to be meaningful: %v", seen)
	}
	t.Logf("identifiers checked: %v", seen)
}

// TestCorpusCriteriaNHSNumbers checks the NHS numbers in the criteria
// examples, which use the Spine system http://fhir.nhs.net/Id/nhs-number.
func TestCorpusCriteriaNHSNumbers(t *testing.T) {
	path := filepath.Join(sharedDir(t), "corpus", "nems-examples", "subscription-criteria-examples.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("criteria examples not found at %s (reference data absent in this checkout)", path)
	}
	n := 0
	for _, part := range strings.FieldsFunc(string(data), func(r rune) bool { return r == '&' || r == '\n' }) {
		v, ok := strings.CutPrefix(part, "Patient.identifier=")
		if !ok {
			continue
		}
		system, number, ok := SplitToken(v)
		if !ok || system != SystemNHSNumberSpine {
			t.Errorf("criteria identifier %q: system %q, want %q", v, system, SystemNHSNumberSpine)
		}
		if err := CheckNHSNumber(number); err != nil {
			t.Error(err)
		}
		n++
	}
	if n == 0 {
		t.Error("no Patient.identifier found in the criteria examples")
	}
}
