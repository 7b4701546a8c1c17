package report

import (
	"encoding/json"
	"errors"
	"fmt"
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

// Inputs that could not be read are notifications of the run's
// invocation, which then did not succeed; without them it did.
func TestSARIFUnreadable(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		var b strings.Builder
		s := NewSARIF(&b, "v")
		for i := 0; i < n; i++ {
			if err := s.WriteInputError(fmt.Sprintf("gone-%d.xml", i), errors.New("no such file or directory")); err != nil {
				t.Fatal(err)
			}
			if err := s.Write(resBad); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		var log struct {
			Runs []struct {
				Invocations []struct {
					ExecutionSuccessful *bool `json:"executionSuccessful"`
					Notes               []struct {
						Message struct{ Text string }
					} `json:"toolExecutionNotifications"`
				}
			}
		}
		if err := json.Unmarshal([]byte(b.String()), &log); err != nil {
			t.Fatalf("%d unreadable: %v\n%s", n, err, b.String())
		}
		inv := log.Runs[0].Invocations
		if len(inv) != 1 || inv[0].ExecutionSuccessful == nil || *inv[0].ExecutionSuccessful != (n == 0) || len(inv[0].Notes) != n {
			t.Fatalf("%d unreadable: %+v", n, inv)
		}
		for i, note := range inv[0].Notes {
			if want := fmt.Sprintf("gone-%d.xml: not read: no such file or directory", i); note.Message.Text != want {
				t.Errorf("note %d: %q, want %q", i, note.Message.Text, want)
			}
		}
	}
}

// An issue whose bytes are known gives them to the SARIF region, so that
// viewers can highlight the token; one at byte 0 keeps its offset.
func TestSARIFByteRegion(t *testing.T) {
	res := &validate.Result{Source: "a.xml", Issues: []validate.Issue{
		{Severity: validate.SeverityError, Rule: "fhir:cardinality", Line: 2, Column: 3, Offset: 40, Length: 22, Message: "m"},
		{Severity: validate.SeverityError, Rule: "fhir:well-formed", Line: 1, Column: 1, Offset: 0, Length: 9, Message: "m"},
		{Severity: validate.SeverityError, Rule: "fhir:structure", Line: 3, Column: 1, Message: "m"},
	}}
	var b strings.Builder
	render(t, NewSARIF(&b, "9.9.9"), res)
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						Region map[string]int `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(b.String()), &log); err != nil {
		t.Fatal(err)
	}
	want := []map[string]int{
		{"startLine": 2, "startColumn": 3, "byteOffset": 40, "byteLength": 22},
		{"startLine": 1, "startColumn": 1, "byteOffset": 0, "byteLength": 9},
		{"startLine": 3, "startColumn": 1},
	}
	rs := log.Runs[0].Results
	if len(rs) != len(want) {
		t.Fatalf("%d results", len(rs))
	}
	for i, w := range want {
		if got := rs[i].Locations[0].PhysicalLocation.Region; fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("result %d: region %v, want %v", i, got, w)
		}
	}
}
