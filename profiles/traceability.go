package profiles

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
)

// TraceabilityTSV is the traceability matrix: every rule-bearing row of the
// NEMS implementation guide (2.15.0) with the rules that enforce it, or why none
// does. Its format is described at the top of the file.
//
//go:embed traceability.tsv
var TraceabilityTSV []byte

// Statuses of a traceability row.
const (
	TraceEnforced       = "enforced"
	TraceRequestLevel   = "request-level"
	TraceNotEnforceable = "not-enforceable"
	TraceInformative    = "informative"
	TraceNotYet         = "not-yet"
	TraceBeyondGuide    = "beyond-guide"
)

// TraceStatuses lists the statuses in the order listings use.
var TraceStatuses = []string{TraceEnforced, TraceRequestLevel, TraceBeyondGuide, TraceNotEnforceable, TraceInformative, TraceNotYet}

// TraceRow is one row of the traceability matrix.
type TraceRow struct {
	// ID is "5.2.row7", "6.8.b5", "5.10.p1", "6.1.row4.b", "1.5.row1-3"
	// or "beyond.NAME" for a rule that goes beyond the guide.
	ID string
	// Section is the digest section ("5.2", or "6" for the text under a
	// chapter heading), or "beyond".
	Section string
	// Kind is "row" (table row), "b" (bullet), "p" (paragraph) or
	// "beyond"; First and Last the range covered (equal for one).
	Kind        string
	First, Last int
	Status      string
	Rules       []string
	Summary     string
	Note        string
	Line        int // line in traceability.tsv
}

var traceID = regexp.MustCompile(`^(\d+(?:\.\d+)?)\.(row|b|p)(\d+)(?:-(\d+))?(?:\.[a-z])?$|^beyond\.[a-z0-9-]+$`)

// ParseTraceability reads a matrix in the format of traceability.tsv and
// checks its form: five fields a line, known statuses, well-formed ids,
// rules where the status needs them and a note where it needs one. It
// does not look the rule ids up (see RuleSet.CheckTraceability).
func ParseTraceability(src []byte) ([]TraceRow, error) {
	var rows []TraceRow
	var errs []string
	seen := map[string]int{}
	for i, line := range strings.Split(string(src), "\n") {
		n := i + 1
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Sprintf("traceability.tsv:%d: %s", n, fmt.Sprintf(format, args...)))
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			bad("%d tab-separated fields, want 5 (id, status, rules, summary, note)", len(f))
			continue
		}
		r := TraceRow{ID: f[0], Status: f[1], Summary: f[3], Note: f[4], Line: n}
		if r.Note == "-" {
			r.Note = ""
		}
		if f[2] != "-" {
			r.Rules = strings.Fields(f[2])
		}
		m := traceID.FindStringSubmatch(r.ID)
		switch {
		case m == nil:
			bad("id %q is not S.rowN, S.bN, S.pN (optionally -M and .a) or beyond.NAME", r.ID)
			continue
		case m[1] == "":
			r.Section, r.Kind = "beyond", "beyond"
		default:
			r.Section, r.Kind = m[1], m[2]
			r.First, _ = strconv.Atoi(m[3])
			r.Last = r.First
			if m[4] != "" {
				r.Last, _ = strconv.Atoi(m[4])
			}
			if r.First < 1 || r.Last < r.First {
				bad("id %q: bad range", r.ID)
			}
		}
		if j, dup := seen[r.ID]; dup {
			bad("id %q already on line %d", r.ID, j)
		}
		seen[r.ID] = n
		if strings.TrimSpace(r.Summary) == "" || r.Summary == "-" {
			bad("%s: no summary", r.ID)
		}
		switch r.Status {
		case TraceEnforced, TraceRequestLevel:
			if len(r.Rules) == 0 {
				bad("%s: status %s names no rule", r.ID, r.Status)
			}
		case TraceNotEnforceable, TraceNotYet, TraceBeyondGuide:
			if r.Note == "" {
				bad("%s: status %s needs a note saying why", r.ID, r.Status)
			}
		case TraceInformative:
			if len(r.Rules) > 0 {
				bad("%s: an informative row names rules; make it enforced", r.ID)
			}
		default:
			bad("%s: unknown status %q; known: %s", r.ID, r.Status, strings.Join(TraceStatuses, ", "))
		}
		if (r.Kind == "beyond") != (r.Status == TraceBeyondGuide) {
			bad("%s: beyond.* ids and the beyond-guide status go together", r.ID)
		}
		if r.Status == TraceRequestLevel {
			for _, id := range r.Rules {
				if !IsRequestRule(id) {
					bad("%s: request-level row names %s, which is not a request: or jwt: rule", r.ID, id)
				}
			}
		}
		rows = append(rows, r)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return rows, nil
}

// IsRequestRule reports whether id names a rule of the request checker
// (validate/request) or of its JWT checks, which this package cannot look
// up; their own tests check the ids the matrix names.
func IsRequestRule(id string) bool {
	return strings.HasPrefix(id, "request:") || strings.HasPrefix(id, "jwt:")
}

var (
	traceOnce sync.Once
	traceRows []TraceRow
	traceErr  error
)

// Traceability returns the embedded traceability matrix.
func Traceability() ([]TraceRow, error) {
	traceOnce.Do(func() { traceRows, traceErr = ParseTraceability(TraceabilityTSV) })
	return traceRows, traceErr
}

// CheckTraceability checks the matrix against the rule set: every rule id
// it names (other than request and JWT rules) is a rule of the set or of
// the criteria grammar, and every rule of the set's packs and of the
// criteria grammar is named by a row. It returns one line per problem.
func (rs *RuleSet) CheckTraceability(rows []TraceRow) []string {
	var out []string
	named := map[string]bool{}
	for _, r := range rows {
		for _, id := range r.Rules {
			named[id] = true
			if IsRequestRule(id) {
				continue
			}
			if _, ok := rs.Explain(id); !ok {
				out = append(out, fmt.Sprintf("traceability.tsv:%d: %s names %s, which is no rule of the packs or the criteria grammar", r.Line, r.ID, id))
			}
		}
	}
	for _, r := range rs.allRules() {
		if !named[r.ID] {
			out = append(out, fmt.Sprintf("rule %s (%s:%d) is named by no row of traceability.tsv", r.ID, r.File, r.Line))
		}
	}
	for _, r := range criteria.Rules() {
		if !named[r.ID] {
			out = append(out, fmt.Sprintf("criteria rule %s is named by no row of traceability.tsv", r.ID))
		}
	}
	return out
}

// TraceRowsFor returns the rows of the matrix that name rule id.
func TraceRowsFor(id string) []TraceRow {
	rows, _ := Traceability()
	var out []TraceRow
	for _, r := range rows {
		for _, x := range r.Rules {
			if x == id {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// SectionCoverage counts the rows of one section by status.
type SectionCoverage struct {
	Section string
	Rows    int
	Counts  map[string]int
}

// TraceCoverage counts rows per section and status, sections in the
// digest's order, "beyond" last.
func TraceCoverage(rows []TraceRow) []SectionCoverage {
	by := map[string]*SectionCoverage{}
	for _, r := range rows {
		c := by[r.Section]
		if c == nil {
			c = &SectionCoverage{Section: r.Section, Counts: map[string]int{}}
			by[r.Section] = c
		}
		c.Rows++
		c.Counts[r.Status]++
	}
	out := make([]SectionCoverage, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return sectionLess(out[i].Section, out[j].Section) })
	return out
}

func sectionLess(a, b string) bool {
	if a == "beyond" || b == "beyond" {
		return b == "beyond" && a != "beyond"
	}
	pa, pb := strings.SplitN(a, ".", 2), strings.SplitN(b, ".", 2)
	for i := 0; i < 2; i++ {
		// A chapter ("6") sorts before its sections ("6.0").
		if i >= len(pa) || i >= len(pb) {
			return len(pa) < len(pb)
		}
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return false
}
