package sharedtest

import (
	"os"
	"strings"
	"testing"
)

// GuideChangeOfGP is the NEMS guide's Change of GP example with the four
// faults the validator finds in it mended (an entry fullUrl without
// urn:uuid:, no MessageHeader.source.name, no Patient.meta.versionId, and
// the NHS number verification status coded in a CareConnect system URL
// without /CodeSystem/, outside the value set its extension binds
// required), for the tests that inject it into the local NEMS. Patient
// 9912003888 moves to practice B86056. The test skips when the reference
// data is absent, and fails when the example no longer reads as expected.
func GuideChangeOfGP(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, "corpus/nems-examples/PDS-Change-Of-GP-ems-example.xml"))
	if err != nil {
		tb.Fatal(err)
	}
	s := string(b)
	for _, fix := range [][2]string{
		{`<fullUrl value="3cfdf880-`, `<fullUrl value="urn:uuid:3cfdf880-`},
		{"<source>", `<source><name value="SPINE"/>`},
		{"<Patient>\n\t\t\t\t<id value=\"dffd2ca0-dc21-11e7-9296-cec278b6b50a\"/>\n\t\t\t\t<meta>",
			"<Patient>\n\t\t\t\t<id value=\"dffd2ca0-dc21-11e7-9296-cec278b6b50a\"/>\n\t\t\t\t<meta><versionId value=\"2\"/>"},
		{"https://fhir.hl7.org.uk/STU3/CareConnect-NHSNumberVerificationStatus-1", "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1"},
	} {
		if !strings.Contains(s, fix[0]) {
			tb.Fatalf("the guide's Change of GP example changed: %q not found", fix[0])
		}
		s = strings.Replace(s, fix[0], fix[1], 1)
	}
	return []byte(s)
}
