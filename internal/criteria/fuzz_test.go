package criteria

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// FuzzParse checks that Parse never panics and that every finding is
// complete and points inside the string it was given.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		explicit,
		generic,
		generic + "&tag=site123&serviceType=CHO&Patient.age=gt5&Patient.age=lt19&GPRegistration=RegisteredOnly",
		"/Bundle?type=message&Organization.identifier=X2458&MessageHeader.event=pds-birth-notification-1&MessageHeader.event=pds-person-death-1",
		strings.Replace(explicit, "|", "%7C", 1),
		"/Bundle?type=message&amp;tag=%zz&&_format=json&x:y=1&tag=é\xff",
		" /Bundle?",
		"",
		"%",
		"?&=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, fs := Parse(s)
		if c == nil {
			t.Fatal("nil Criteria")
		}
		errors := false
		for i, x := range fs {
			if _, ok := rulesByID[x.Rule]; !ok {
				t.Fatalf("finding with unknown rule %q", x.Rule)
			}
			if x.Message == "" || !x.Severity.Valid() || x.Line != 1 || x.Column < 1 {
				t.Fatalf("incomplete finding %+v", x)
			}
			if x.Offset < 0 || x.Length < 0 || x.Offset+x.Length > len(s) {
				t.Fatalf("finding %+v outside the %d-byte string", x, len(s))
			}
			if x.Column != utf8.RuneCountInString(s[:x.Offset])+1 {
				t.Fatalf("finding %+v: column does not match offset", x)
			}
			if i > 0 && fs[i-1].Offset > x.Offset {
				t.Fatalf("findings out of order at %d", i)
			}
			errors = errors || x.Severity == issue.SeverityError
			_ = x.Excerpt(s)
		}
		if errors != fs.HasErrors() {
			t.Fatal("HasErrors disagrees with the findings")
		}
		for _, comp := range c.Components {
			if comp.Offset < 0 || comp.Offset+comp.Length > len(s) || comp.ValueOffset < comp.Offset || comp.ValueOffset > comp.Offset+comp.Length {
				t.Fatalf("component %+v outside the string", comp)
			}
		}
		if !fs.HasErrors() {
			// Whatever passes must be a complete subscription.
			if c.Kind == KindUnknown || len(c.Events) == 0 || c.Type != "message" || c.Path != "/Bundle" {
				t.Fatalf("no errors but incomplete criteria %+v", c)
			}
			if c.Kind == KindExplicit {
				if check, ok := nhsCheckDigit(c.NHSNumber); !ok || int(c.NHSNumber[9]-'0') != check {
					t.Fatalf("no errors but invalid NHS number %q", c.NHSNumber)
				}
			}
		}
	})
}
