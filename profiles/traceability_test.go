package profiles

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestTraceabilityForm: the embedded matrix parses, every row has rules or
// a reason, and every rule it names exists while every pack rule is named.
func TestTraceabilityForm(t *testing.T) {
	rows, err := Traceability()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rs.CheckTraceability(rows) {
		t.Error(p)
	}
	var notYet []string
	for _, r := range rows {
		if r.Status == TraceNotYet {
			notYet = append(notYet, r.ID)
		}
	}
	t.Logf("%d rows; not yet enforced: %d %v", len(rows), len(notYet), notYet)
}

// TestTraceabilityCoversDigest: every table row, top-level bullet and
// paragraph of the digest's sections 1.4-1.8, 2-5 and 6.0-7.3 (and the text
// under those chapter headings) is covered by a row of the matrix, and no
// row points past the end of its section.
func TestTraceabilityCoversDigest(t *testing.T) {
	path := sharedtest.Path(t, "spec/nems.md")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("spec digest not available (%v); the coverage of its rows is not checked", err)
	}
	rows, err := Traceability()
	if err != nil {
		t.Fatal(err)
	}
	digest := digestItems(src)
	what := map[string]string{"row": "table rows", "b": "bullets", "p": "paragraphs"}
	covered := map[string]map[string]bool{}
	for _, r := range rows {
		if r.Kind == "beyond" {
			continue
		}
		n, ok := digest[r.Section]
		if !ok {
			t.Errorf("%s: section %s is not a section of the digest in scope", r.ID, r.Section)
			continue
		}
		if max := n[r.Kind]; r.Last > max {
			t.Errorf("%s: section %s has %d %s", r.ID, r.Section, max, what[r.Kind])
		}
		if covered[r.Section] == nil {
			covered[r.Section] = map[string]bool{}
		}
		for i := r.First; i <= r.Last; i++ {
			covered[r.Section][fmt.Sprintf("%s%d", r.Kind, i)] = true
		}
	}
	total := 0
	for sec, n := range digest {
		for kind, max := range n {
			total += max
			for i := 1; i <= max; i++ {
				if !covered[sec][fmt.Sprintf("%s%d", kind, i)] {
					t.Errorf("digest %s: %s %d is in no row of traceability.tsv", sec, what[kind][:len(what[kind])-1], i)
				}
			}
		}
	}
	if total < 400 {
		t.Errorf("only %d table rows, bullets and paragraphs found in %s: has the digest's layout changed?", total, path)
	}
}

var inScope = regexp.MustCompile(`^(1\.[4-8]|[2-7]|[2-5]\.\d+|6\.\d+|7\.[1-3])$`)

// digestItems counts, per section in scope, the data rows of its tables
// (numbered across the section), its top-level bullets and its paragraphs
// (runs of lines that are none of those, outside code blocks).
func digestItems(src []byte) map[string]map[string]int {
	out := map[string]map[string]int{}
	sec, inTable, inCode, inPara := "", false, false, false
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "### "):
			sec, inTable, inPara = strings.Fields(line)[1], false, false
			continue
		case strings.HasPrefix(line, "## "):
			sec, inTable, inPara = strings.TrimSuffix(strings.Fields(line)[1], "."), false, false
			continue
		}
		if !inScope.MatchString(sec) {
			continue
		}
		c := out[sec]
		if c == nil {
			c = map[string]int{"row": 0, "b": 0, "p": 0}
			out[sec] = c
		}
		switch {
		case strings.HasPrefix(line, "```"):
			inCode, inTable, inPara = !inCode, false, false
		case inCode:
		case strings.HasPrefix(line, "| ---") || strings.HasPrefix(line, "|---"):
			inTable, inPara = true, false
		case strings.HasPrefix(line, "|"):
			if inTable {
				c["row"]++
			}
			inPara = false
		case strings.HasPrefix(line, "- "):
			c["b"]++
			inTable, inPara = false, false
		case line == "" || strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "---"):
			inTable, inPara = false, false
		default:
			if !inPara {
				c["p"]++
			}
			inTable, inPara = false, true
		}
	}
	return out
}

// TestTraceabilityParseErrors: a malformed matrix is refused with the line
// and the problem.
func TestTraceabilityParseErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"5.2.row1\tenforced\t-\tx\t-", "names no rule"},
		{"5.2.row1\tnot-enforceable\t-\tx\t-", "needs a note"},
		{"5.2.row1\tnot-yet\t-\tx\t-", "needs a note"},
		{"5.2.row1\tinformative\tnems:G01\tx\t-", "names rules"},
		{"5.2.row1\tdone\tnems:G01\tx\t-", `unknown status "done"`},
		{"5.2.line1\tenforced\tnems:G01\tx\t-", "is not S.rowN"},
		{"5.2.p0\tinformative\t-\tx\t-", "bad range"},
		{"5.2.row3-1\tenforced\tnems:G01\tx\t-", "bad range"},
		{"5.2.row1\tenforced\tnems:G01\tx", "4 tab-separated fields"},
		{"5.2.row1\trequest-level\tnems:G25\tx\t-", "not a request: or jwt: rule"},
		{"beyond.x\tenforced\tnems:G01\tx\t-", "go together"},
		{"5.2.row1\tenforced\tnems:G01\tx\t-\n5.2.row1\tenforced\tnems:G01\tx\t-", "already on line 1"},
	} {
		_, err := ParseTraceability([]byte(tc.line))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "traceability.tsv:") {
			t.Errorf("%q: error %v, want one with %q", tc.line, err, tc.want)
		}
	}
}

// TestTraceabilityUnknownRule: rows naming rules that do not exist, and
// pack rules that no row names, are reported.
func TestTraceabilityUnknownRule(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ParseTraceability([]byte("5.2.row1\tenforced\tnems:G99 criteria:no-such request:whatever\tx\t-"))
	if err != nil {
		t.Fatal(err)
	}
	probs := strings.Join(rs.CheckTraceability(rows), "\n")
	for _, want := range []string{"names nems:G99", "names criteria:no-such", "rule nems:G12 ", "is named by no row"} {
		if !strings.Contains(probs, want) {
			t.Errorf("problems lack %q:\n%s", want, probs)
		}
	}
	if strings.Contains(probs, "request:whatever") {
		t.Error("request rules are checked by validate/request, not here")
	}
}

// TestExplainShowsGuideRows: explain prints the matrix rows of a rule, with
// the choice recorded for an ambiguity of the guide.
func TestExplainShowsGuideRows(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		"nems:6.10:aabr-count":               "choice: AABR",
		"criteria:organization-missing":      "choice: a generic subscription without Organization.identifier",
		"nems:6.0:responsible-external":      "6.0.b3",
		"nems:G22:birth-before-message":      "beyond.birth-before-message",
		"criteria:gp-registration-rule-type": "choice: GPRegistration",
	} {
		ex, ok := rs.Explain(id)
		if !ok {
			t.Errorf("%s: no such rule", id)
			continue
		}
		if out := ex.Format(); !strings.Contains(out, "guide rows:") || !strings.Contains(out, want) {
			t.Errorf("explain %s lacks %q:\n%s", id, want, out)
		}
	}
}
