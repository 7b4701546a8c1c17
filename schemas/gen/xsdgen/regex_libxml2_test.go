//go:build libxml2

package xsdgen

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/lestrrat-go/libxml2"
	"github.com/lestrrat-go/libxml2/xsd"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// The translation means the same thing: libxml2, reading the XSD pattern,
// and Go, reading the source regex anchored, agree on sample values. The
// samples cover every primitive regex of the model.
func TestPatternSemantics(t *testing.T) {
	samples := map[string][]string{
		"date":        {"2017", "2017-01", "2017-01-31", "-2017", "17", "2017-13", "2017-1-1", "2017-01-32", ""},
		"dateTime":    {"2017", "2017-01-31T10:00:00Z", "2017-01-31T10:00:00.123+14:00", "2017-01-31T10:00:00+15:00", "2017-01-31T10:00", "0000", "2017-01-31T10:00:60Z", "2017-01-31 10:00:00Z"},
		"instant":     {"2017-01-31T10:00:00Z", "2017-01-31T10:00:00", "2017-01-31"},
		"time":        {"10:00:00", "23:59:59.5", "24:00:00", "10:00"},
		"decimal":     {"0", "-0.5", "01", "1.", ".5", "12.50", "1e3"},
		"integer":     {"0", "-1", "01", "+1", "2147483648"},
		"positiveInt": {"1", "0", "10", "01"},
		"unsignedInt": {"0", "10", "00", "-1"},
		"id":          {"abc-1.2", "a_b", strings.Repeat("a", 64), strings.Repeat("a", 65), ""},
		"code":        {"rest-hook", "a b", "a  b", " a", "a\tb", ""},
		"oid":         {"urn:oid:1.2.3", "urn:oid:01.2", "1.2.3"},
		"uuid":        {"urn:uuid:c757873d-ec9a-4326-a141-556f43239520", "urn:uuid:C757873D-EC9A-4326-A141-556F43239520"},
	}
	m := schemas.STU3()
	for name, values := range samples {
		p := m.Type(name).Primitive
		if p.Regex == "" {
			t.Fatalf("%s has no regex", name)
		}
		pat, err := Pattern(p.Regex)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		goRE := regexp.MustCompile(`^(?:` + p.Regex + `)$`)
		// A bare xs:string restriction, so that only the pattern decides.
		s, err := xsd.Parse([]byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="v"><xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="` + attr(pat) + `"/></xs:restriction></xs:simpleType></xs:element>
</xs:schema>`))
		if err != nil {
			t.Fatalf("%s: libxml2 rejects pattern %q: %v", name, pat, err)
		}
		for _, v := range values {
			doc, err := libxml2.ParseString(`<v>` + xmlText(v) + `</v>`)
			if err != nil {
				t.Fatal(err)
			}
			xsdOK := s.Validate(doc) == nil
			doc.Free()
			if goOK := goRE.MatchString(v); xsdOK != goOK {
				t.Errorf("%s %q: Go regex says %v, XSD pattern %q says %v", name, v, goOK, pat, xsdOK)
			}
		}
		s.Free()
	}
}

func xmlText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<', '&', '\t', '\n', '\r':
			fmt.Fprintf(&b, "&#x%X;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
