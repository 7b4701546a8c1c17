package profiles

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// unjudgedPack has rules whose evaluation gives no verdict on any
// payload: an evaluation error (single() of two items), in the check and
// in the context, and an unsupported function.
const unjudgedPack = `{"pack": "t", "rules": [
 {"id": "t:error-rule", "severity": "error", "section": "5.2",
  "check": {"type": "expression", "expression": "(1 | 2).single().exists()"},
  "issueType": "invalid", "spineCode": "INVALID_NHS_NUMBER", "httpStatus": 422, "message": "m"},
 {"id": "t:info-rule", "severity": "information", "section": "5.2",
  "check": {"type": "cardinality", "path": "(1 | 2).single()", "min": 1},
  "issueType": "invalid", "httpStatus": 422, "message": "m"},
 {"id": "t:context-rule", "severity": "error", "section": "5.2",
  "context": "entry.where((1 | 2).single() = 1)",
  "check": {"type": "cardinality", "path": "resource", "min": 1},
  "issueType": "invalid", "httpStatus": 422, "message": "m"},
 {"id": "t:terminology", "severity": "warning", "section": "5.2",
  "check": {"type": "expression", "expression": "type.memberOf('http://example.org/vs')"},
  "issueType": "invalid", "httpStatus": 422, "message": "m"},
 {"id": "t:walk", "severity": "error", "section": "5.2",
  "check": {"type": "expression", "expression": "descendants().count() > 0"},
  "issueType": "invalid", "httpStatus": 422, "message": "m"}
]}`

// TestUnjudgedRulesAreReported: a rule whose evaluation fails, reaches an
// unsupported function or runs out of budget gets a finding that names it
// and says why, an error for an error rule and a warning otherwise; it
// used to pass in silence.
func TestUnjudgedRulesAreReported(t *testing.T) {
	p, err := ParsePack("t.json", []byte(unjudgedPack))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := NewRuleSet(p)
	if err != nil {
		t.Fatal(err)
	}
	msg := parseMsg(t, "", "")
	type want struct {
		severity       issue.Severity
		issueType, why string
	}
	check := func(wants map[string]want) {
		t.Helper()
		got := map[string][]issue.Issue{}
		for _, f := range rs.Check(msg, Input{}) {
			got[f.Rule] = append(got[f.Rule], f)
		}
		for id, w := range wants {
			fs := got[id]
			if len(fs) != 1 {
				t.Errorf("%s: %d findings %v, want one not-evaluated", id, len(fs), fs)
				continue
			}
			f := fs[0]
			if f.Severity != w.severity || f.Code != w.issueType || f.Spine != "INVALID_RESOURCE" ||
				!strings.Contains(f.Message, "rule "+id+" was not evaluated: "+w.why) || f.Path != "Bundle" || f.Line == 0 {
				t.Errorf("%s: %+v, want %s %s %q on Bundle", id, f, w.severity, w.issueType, w.why)
			}
		}
		if len(got) != len(wants) {
			t.Errorf("findings for %d rules, want %d: %v", len(got), len(wants), got)
		}
	}
	failed := want{"error", "processing", "its evaluation failed: single() found 2 items"}
	check(map[string]want{
		"t:error-rule":   failed,
		"t:info-rule":    {"warning", "processing", failed.why},
		"t:context-rule": failed,
		"t:terminology":  {"warning", "not-supported", "it reached memberOf()"},
	})
	// The same rules with a budget too small for a walk of the payload.
	rs.maxSteps = 20
	check(map[string]want{
		"t:error-rule":   failed,
		"t:info-rule":    {"warning", "processing", failed.why},
		"t:context-rule": failed,
		"t:terminology":  {"warning", "not-supported", "it reached memberOf()"},
		"t:walk":         {"error", "too-costly", "its evaluation needed more than the 20 steps"},
	})
}
