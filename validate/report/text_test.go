package report

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name    string
		color   bool
		results []*validate.Result
		want    string
	}{
		{"none", false, nil, "0 files checked: 0 valid, 0 invalid; 0 errors, 0 warnings\n"},
		{"valid", false, []*validate.Result{resValid}, "1 file checked: 1 valid, 0 invalid; 0 errors, 0 warnings\n"},
		{"mixed", false, []*validate.Result{resValid, resBad, resNoPlace}, "" +
			"dir/gp <1>.xml:12:5: error fhir:cardinality [INVALID_RESOURCE] Bundle.entry[0].resource.source: missing element <source>: expected 1..1\n" +
			"dir/gp <1>.xml:40:9: warning G23 Bundle.entry[3].resource.identifier[0].system: ODS system \"x\" & not the usual one\n" +
			"big.xml: fatal fhir:size [INVALID_RESOURCE]: payload over 3145728 bytes\n" +
			"3 files checked: 1 valid, 2 invalid; 2 errors, 1 warning\n"},
		{"color", true, []*validate.Result{resNoPlace}, "" +
			"\x1b[1mbig.xml\x1b[0m: \x1b[31mfatal\x1b[0m fhir:size [INVALID_RESOURCE]: payload over 3145728 bytes\n" +
			"\x1b[31m1 file checked: 0 valid, 1 invalid; 1 error, 0 warnings\x1b[0m\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			render(t, NewText(&b, tc.color), tc.results...)
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}

func TestTallyTable(t *testing.T) {
	var tl Tally
	for _, r := range []*validate.Result{resValid, resBad, resBad, resNoPlace} {
		tl.Add(r)
	}
	var b strings.Builder
	tl.WriteTable(&b)
	want := "" +
		"rule              severity      issues\n" +
		"G23               warning            2\n" +
		"fhir:cardinality  error              2\n" +
		"fhir:size         fatal              1\n" +
		"total             fatal              1\n" +
		"total             error              2\n" +
		"total             warning            2\n" +
		"total             information        0\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
