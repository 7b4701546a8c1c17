package corpus_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
	"github.com/nemsfhir/nemsfhir/profiles"
	"github.com/nemsfhir/nemsfhir/validate"
)

var update = flag.Bool("update", false, "rewrite the golden files of corpus/rules from the validator's results")

// goldenNow is the validator's clock for the golden corpus, so that date
// rules (birth before the message, ages) give the same answer every day.
var goldenNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// golden is what a golden file holds: the verdict and, for every issue, the
// fields a reviewer checks. Messages are left out on purpose: rewording one
// must not churn hundreds of files.
type golden struct {
	Valid     bool          `json:"valid"`
	Kind      string        `json:"kind"`
	EventType string        `json:"eventType,omitempty"`
	Lifecycle string        `json:"lifecycle,omitempty"`
	Issues    []goldenIssue `json:"issues"`
}

type goldenIssue struct {
	Rule      string `json:"rule"`
	Severity  string `json:"severity"`
	SpineCode string `json:"spineCode,omitempty"`
	Path      string `json:"path"`
	Line      int    `json:"line"`
}

func toGolden(r *validate.Result) golden {
	g := golden{Valid: r.Valid(), Kind: r.Kind, EventType: r.EventType, Lifecycle: r.Lifecycle, Issues: []goldenIssue{}}
	for _, is := range r.Issues {
		g.Issues = append(g.Issues, goldenIssue{Rule: is.Rule, Severity: string(is.Severity), SpineCode: string(is.Spine), Path: is.Path, Line: is.Line})
	}
	sort.Slice(g.Issues, func(i, j int) bool {
		a, b := g.Issues[i], g.Issues[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Severity < b.Severity
	})
	return g
}

// indexRow is one line of rules/INDEX.tsv.
type indexRow struct {
	target string
	also   map[string]bool
}

// readTSV returns the rows of a tab-separated file, without comments.
func readTSV(t *testing.T, path string, fields int) [][]string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for i, line := range strings.Split(strings.TrimRight(string(src), "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != fields {
			t.Fatalf("%s:%d: %d fields, want %d", path, i+1, len(f), fields)
		}
		rows = append(rows, f)
	}
	return rows
}

// xmlOnlyRules are rules that cannot fire on JSON: the JSON twin of a
// payload expects the same rules as its XML original, less these.
var xmlOnlyRules = map[string]bool{"nems:G04": true, "fhir:element-order": true, "fhir:schema": true}

// TestGolden runs every payload of corpus/rules through the validator and
// compares the result with the payload's golden file (-update rewrites
// them). Valid payloads must give no warning or error; each invalid payload
// must raise the rule INDEX.tsv says it targets and exactly the other rules
// listed there; and every rule of the default packs and of the criteria
// grammar must be the target of some payload or be listed in EXCEPTIONS.tsv.
func TestGolden(t *testing.T) {
	v, err := validate.New(validate.Options{Now: func() time.Time { return goldenNow }})
	if err != nil {
		t.Fatal(err)
	}
	index := map[string]indexRow{}
	for _, f := range readTSV(t, "rules/INDEX.tsv", 4) {
		row := indexRow{target: f[1], also: map[string]bool{}}
		if f[2] != "-" {
			for _, r := range strings.Fields(f[2]) {
				row.also[r] = true
			}
		}
		index[f[0]] = row
	}
	exceptions := map[string]string{}
	for _, f := range readTSV(t, "rules/EXCEPTIONS.tsv", 2) {
		exceptions[f[0]] = f[1]
	}

	covered := map[string]bool{}
	payloads := map[string]bool{}
	for _, dir := range []string{"rules/valid", "rules/invalid"} {
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := f.Name()
			if strings.HasSuffix(name, ".golden.json") || !(strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".json")) {
				continue
			}
			path := filepath.Join(dir, name)
			payloads[path+".golden.json"] = true
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res := v.Validate(name, src)
			got := toGolden(res)
			checkGolden(t, path, got)
			if dir == "rules/valid" {
				for _, is := range res.Issues {
					if is.Severity.AtLeast(validate.SeverityWarning) {
						t.Errorf("%s: valid payload has %v", path, is)
					}
				}
				continue
			}
			stem := strings.TrimSuffix(name, filepath.Ext(name))
			row, ok := index[stem]
			if !ok {
				t.Errorf("%s: not in rules/INDEX.tsv", path)
				continue
			}
			fired := map[string]bool{}
			for _, is := range got.Issues {
				fired[is.Rule] = true
			}
			if !fired[row.target] {
				t.Errorf("%s: does not raise its target rule %s; it raises %v", path, row.target, keys(fired))
				continue
			}
			covered[row.target] = true
			want := map[string]bool{row.target: true}
			for r := range row.also {
				if !(strings.HasSuffix(name, ".json") && xmlOnlyRules[r]) {
					want[r] = true
				}
			}
			if extra, missing := diff(fired, want); len(extra)+len(missing) > 0 {
				t.Errorf("%s (target %s): raises %v not listed in INDEX.tsv, and does not raise %v listed there", path, row.target, extra, missing)
			}
		}
	}

	// Golden files whose payload is gone.
	for _, dir := range []string{"rules/valid", "rules/invalid"} {
		list, _ := filepath.Glob(filepath.Join(dir, "*.golden.json"))
		for _, g := range list {
			if !payloads[g] {
				if *update {
					os.Remove(g)
					continue
				}
				t.Errorf("%s: golden file without a payload", g)
			}
		}
	}

	// Coverage of the default packs and of the criteria grammar.
	rs, err := profiles.Default()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range rs.Rules() {
		known[r.ID] = true
	}
	for _, r := range criteria.Rules() {
		known[r.ID] = true
	}
	for id := range known {
		_, isException := exceptions[id]
		switch {
		case covered[id] && isException:
			t.Errorf("%s is broken by a payload but still listed in EXCEPTIONS.tsv", id)
		case !covered[id] && !isException:
			t.Errorf("%s: no payload in corpus/rules breaks it and EXCEPTIONS.tsv does not say why", id)
		}
	}
	for id := range exceptions {
		if !known[id] {
			t.Errorf("EXCEPTIONS.tsv lists %s, which is not a rule of the default packs", id)
		}
	}
	for _, row := range index {
		if !known[row.target] {
			t.Errorf("INDEX.tsv targets %s, which is not a rule of the default packs", row.target)
		}
	}
}

// checkGolden compares got with path's golden file, or writes it under
// -update.
func checkGolden(t *testing.T, path string, got golden) {
	t.Helper()
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	gpath := path + ".golden.json"
	if *update {
		if err := os.WriteFile(gpath, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(gpath)
	if err != nil {
		t.Errorf("%s: no golden file (run go test ./corpus -run TestGolden -update and review the diff)", path)
		return
	}
	if !bytes.Equal(want, out) {
		t.Errorf("%s: result differs from %s:\n got: %s\nwant: %s", path, gpath, out, want)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// diff returns what got has beyond want, and what want has that got lacks.
func diff(got, want map[string]bool) (extra, missing []string) {
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	return extra, missing
}
