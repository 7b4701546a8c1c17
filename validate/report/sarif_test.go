package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID   string `json:"id"`
					Help struct {
						Text string `json:"text"`
					} `json:"help"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
	} `json:"runs"`
}

func TestSARIF(t *testing.T) {
	dup := &validate.Result{Source: "/abs/path/x y.xml", Issues: []validate.Issue{resBad.Issues[0]}}
	for _, tc := range []struct {
		name    string
		results []*validate.Result
		// per result: rule id, rule index, level, uri, line (0: no region)
		want  [][5]any
		rules []string
	}{
		{"none", []*validate.Result{resValid}, nil, nil},
		{"mixed", []*validate.Result{resValid, resBad, resNoPlace, dup}, [][5]any{
			{"fhir:cardinality", 0, "error", "dir/gp%20%3C1%3E.xml", 12},
			{"G23", 1, "warning", "dir/gp%20%3C1%3E.xml", 40},
			{"fhir:size", 2, "error", "big.xml", 0},
			{"fhir:cardinality", 0, "error", "file:///abs/path/x%20y.xml", 12},
		}, []string{"fhir:cardinality", "G23", "fhir:size"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			render(t, NewSARIF(&b, "9.9.9"), tc.results...)
			var log sarifLog
			if err := json.Unmarshal([]byte(b.String()), &log); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, b.String())
			}
			if log.Version != "2.1.0" || len(log.Runs) != 1 {
				t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
			}
			run := log.Runs[0]
			if run.Tool.Driver.Name != "nemsfhir" || run.Tool.Driver.Version != "9.9.9" {
				t.Errorf("driver %+v", run.Tool.Driver)
			}
			if len(run.Results) != len(tc.want) {
				t.Fatalf("%d results, want %d", len(run.Results), len(tc.want))
			}
			for i, w := range tc.want {
				r := run.Results[i]
				loc := r.Locations[0].PhysicalLocation
				line := 0
				if loc.Region != nil {
					line = loc.Region.StartLine
				}
				got := [5]any{r.RuleID, r.RuleIndex, r.Level, loc.ArtifactLocation.URI, line}
				if got != w {
					t.Errorf("result %d: %v, want %v", i, got, w)
				}
			}
			if len(run.Tool.Driver.Rules) != len(tc.rules) {
				t.Fatalf("%d rules, want %d", len(run.Tool.Driver.Rules), len(tc.rules))
			}
			for i, id := range tc.rules {
				r := run.Tool.Driver.Rules[i]
				if r.ID != id || r.Help.Text == "" {
					t.Errorf("rule %d: %q with help %q, want %q with help", i, r.ID, r.Help.Text, id)
				}
			}
			if len(tc.rules) > 0 && !strings.Contains(run.Tool.Driver.Rules[0].Help.Text, "INVALID_RESOURCE") {
				t.Errorf("help of %s does not name the Spine code: %q", tc.rules[0], run.Tool.Driver.Rules[0].Help.Text)
			}
		})
	}
}
