package report

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		name    string
		json    bool
		results []*validate.Result
		root    string   // resource type at the root
		entries int      // Bundle entries (0 for a bare OperationOutcome)
		want    []string // in the output, in this order
	}{
		{"xml none", false, nil, "Bundle", 0, []string{`<type value="collection"/>`}},
		{"json none", true, nil, "Bundle", 0, []string{`"type": "collection"`}},
		{"xml one", false, []*validate.Result{resBad}, "OperationOutcome", 0, []string{
			`<profile value="https://fhir.nhs.uk/STU3/StructureDefinition/Spine-OperationOutcome-1"/>`,
			`<status value="generated"/>`,
			`<p>Validation of <code>dir/gp &lt;1&gt;.xml</code>: invalid, 2 issues.</p>`,
			`<code value="INVALID_RESOURCE"/>`,
			`<diagnostics value="12:5: Bundle.entry[0].resource.source: missing element &lt;source&gt;: expected 1..1 [fhir:cardinality]"/>`,
			`<severity value="warning"/>`}},
		{"xml several", false, []*validate.Result{resValid, resBad, resNoPlace}, "Bundle", 3, []string{
			`<type value="collection"/>`, "sub.json</code>: valid.", "gp &lt;1&gt;.xml", "big.xml</code>: invalid, 1 issue."}},
		{"json one", true, []*validate.Result{resValid}, "OperationOutcome", 0, []string{
			`"div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Validation of <code>sub.json</code>: valid.</p></div>"`,
			`"severity": "information"`, `"diagnostics": "No issues found"`}},
		{"json several", true, []*validate.Result{resValid, resBad, resNoPlace}, "Bundle", 3, []string{
			`"resourceType": "Bundle"`, `"fullUrl": "urn:uuid:`, `"code": "INVALID_RESOURCE"`, "big.xml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			render(t, NewOutcome(&b, tc.json), tc.results...)
			out := b.String()
			rest := out
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("%q missing (or out of order) in\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			var root string
			var entries int
			if tc.json {
				var v struct {
					ResourceType string            `json:"resourceType"`
					Entry        []json.RawMessage `json:"entry"`
				}
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("not JSON: %v\n%s", err, out)
				}
				root, entries = v.ResourceType, len(v.Entry)
			} else {
				var v struct {
					XMLName xml.Name
					Entry   []struct {
						FullURL struct {
							Value string `xml:"value,attr"`
						} `xml:"fullUrl"`
					} `xml:"entry"`
				}
				if err := xml.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("not XML: %v\n%s", err, out)
				}
				if v.XMLName.Space != "http://hl7.org/fhir" {
					t.Errorf("namespace %q", v.XMLName.Space)
				}
				root, entries = v.XMLName.Local, len(v.Entry)
				seen := map[string]bool{}
				for _, e := range v.Entry {
					if !strings.HasPrefix(e.FullURL.Value, "urn:uuid:") || seen[e.FullURL.Value] {
						t.Errorf("fullUrl %q: want a unique urn:uuid", e.FullURL.Value)
					}
					seen[e.FullURL.Value] = true
				}
			}
			if root != tc.root || entries != tc.entries {
				t.Errorf("root %s with %d entries, want %s with %d", root, entries, tc.root, tc.entries)
			}
		})
	}
}
