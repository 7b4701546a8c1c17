package report

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

func TestJSON(t *testing.T) {
	for _, tc := range []struct {
		name    string
		results []*validate.Result
		want    string
	}{
		{"none", nil, ""},
		{"valid", []*validate.Result{resValid}, `{"path":"sub.json","format":"json","valid":true,"kind":"subscription","issues":[]}` + "\n"},
		{"invalid", []*validate.Result{resBad}, `{"path":"dir/gp <1>.xml","format":"xml","valid":false,"kind":"event-message","eventType":"pds-change-of-gp-1","issues":[` +
			`{"severity":"error","code":"required","spineCode":"INVALID_RESOURCE","rule":"fhir:cardinality","expression":"Bundle.entry[0].resource.source","line":12,"column":5,"message":"missing element <source>: expected 1..1"},` +
			`{"severity":"warning","code":"business-rule","spineCode":"","rule":"G23","expression":"Bundle.entry[3].resource.identifier[0].system","line":40,"column":9,"message":"ODS system \"x\" & not the usual one"}]}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			render(t, NewJSON(&b), tc.results...)
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}
