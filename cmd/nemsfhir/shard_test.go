package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// shardCorpus writes n small valid payloads over nested folders and
// returns the folder and the paths below it.
func shardCorpus(t *testing.T, n int) (string, []string) {
	t.Helper()
	sub, err := os.ReadFile("../../corpus/examples/subscription-generic.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var rels []string
	folders := []string{"", "events/", "events/gp/", "subscriptions/", "z/deep/er/"}
	for i := 0; i < n; i++ {
		rel := fmt.Sprintf("%sp%03d.json", folders[i%len(folders)], i)
		writeRel(t, dir, rel, sub)
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	return dir, rels
}

func writeRel(t *testing.T, dir, rel string, b []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// shardPaths runs validate -o json over dir with the given --shard (none
// when empty) and returns the paths reported, relative to dir.
func shardPaths(t *testing.T, dir, part string) []string {
	t.Helper()
	args := []string{"validate", "-o", "json", "-j", "2"}
	if part != "" {
		args = append(args, "--shard", part)
	}
	code, out, errOut := runCLI(append(args, dir)...)
	if code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	if part != "" && !strings.Contains(errOut, "--shard "+part+": ") {
		t.Errorf("%v: stderr does not say what the shard took: %q", args, errOut)
	}
	var rels []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var rec struct {
			Path string `json:"path"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		rel, err := filepath.Rel(dir, rec.Path)
		if err != nil {
			t.Fatal(err)
		}
		rels = append(rels, filepath.ToSlash(rel))
	}
	return rels
}

// The N shards of a folder are disjoint and together hold every file, for
// N from 1 to 5, and the split is even enough to be worth having.
func TestShardPartitionsTheInputs(t *testing.T) {
	dir, all := shardCorpus(t, 60)
	if got := shardPaths(t, dir, ""); strings.Join(got, " ") != strings.Join(all, " ") {
		t.Fatalf("unsharded run: %v, want %v", got, all)
	}
	for n := 1; n <= 5; n++ {
		owner := map[string]int{}
		for k := 1; k <= n; k++ {
			got := shardPaths(t, dir, fmt.Sprintf("%d/%d", k, n))
			for _, p := range got {
				if prev, dup := owner[p]; dup {
					t.Errorf("N=%d: %s is in shards %d and %d", n, p, prev, k)
				}
				owner[p] = k
			}
			// 60 files over at most 5 shards: an empty or a hoarding
			// shard would mean the hash does not spread paths.
			if n > 1 && (len(got) == 0 || len(got) > 60*2/n) {
				t.Errorf("N=%d: shard %d has %d of 60 files", n, k, len(got))
			}
		}
		for _, p := range all {
			if owner[p] == 0 {
				t.Errorf("N=%d: %s is in no shard", n, p)
			}
		}
		if len(owner) != len(all) {
			t.Errorf("N=%d: the shards hold %d files, the folder %d", n, len(owner), len(all))
		}
	}
}

// Adding a file moves no other file: each shard keeps what it had, and
// the new file is in exactly one shard.
func TestShardStableWhenAFileIsAdded(t *testing.T) {
	dir, _ := shardCorpus(t, 30)
	const n = 4
	before := map[int][]string{}
	for k := 1; k <= n; k++ {
		before[k] = shardPaths(t, dir, fmt.Sprintf("%d/%d", k, n))
	}
	sub, _ := os.ReadFile(filepath.Join(dir, "p000.json"))
	const added = "events/gp/added-later.json"
	writeRel(t, dir, added, sub)
	holders := 0
	for k := 1; k <= n; k++ {
		after := shardPaths(t, dir, fmt.Sprintf("%d/%d", k, n))
		var without []string
		for _, p := range after {
			if p == added {
				holders++
				continue
			}
			without = append(without, p)
		}
		if strings.Join(without, " ") != strings.Join(before[k], " ") {
			t.Errorf("shard %d/%d changed when %s was added:\nbefore %v\nafter  %v", k, n, added, before[k], after)
		}
	}
	if holders != 1 {
		t.Errorf("%s is in %d shards, want 1", added, holders)
	}
}

// The split goes by the path below the folder named, so runners that name
// it differently (absolute, with ./ or a trailing slash) agree.
func TestShardIgnoresHowTheFolderIsNamed(t *testing.T) {
	dir, _ := shardCorpus(t, 20)
	want := shardPaths(t, dir, "2/3")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, dir)
	if err != nil {
		t.Skipf("no relative path from %s to %s: %v", wd, dir, err)
	}
	for _, form := range []string{"./" + rel + "/", rel + "/./"} {
		_, out, errOut := runCLI("validate", "-o", "json", "--shard", "2/3", form)
		var got []string
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			var rec struct {
				Path string `json:"path"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatal(err)
			}
			r, _ := filepath.Rel(rel, rec.Path)
			got = append(got, filepath.ToSlash(r))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("folder named %q: shard 2/3 is %v; named absolute, %v (%s)", form, got, want, errOut)
		}
	}
}

// The hash is the documented one, so other tools can tell which runner
// checks a file: the first 8 bytes of the SHA-256 of the cleaned,
// slash-separated path, big-endian, modulo N, plus one. The expected
// shards come from sha256sum: printf 'events/a.xml' | sha256sum starts
// 518e174cf8c5758b, which is 0 mod 7 (shard 1) and 3 mod 4 (shard 4).
func TestShardOfIsTheDocumentedHash(t *testing.T) {
	for _, tc := range []struct {
		path    string
		n, want int
	}{
		{"events/a.xml", 7, 1}, {"events/a.xml", 4, 4}, {"events/a.xml", 1, 1},
		{"./events//a.xml", 7, 1}, {"events/x/../a.xml", 4, 4},
	} {
		if got := shardOf(tc.path, tc.n); got != tc.want {
			t.Errorf("shardOf(%q, %d) = %d, want %d", tc.path, tc.n, got, tc.want)
		}
	}
}

func TestShardUsageErrors(t *testing.T) {
	dir, _ := shardCorpus(t, 3)
	for _, cmd := range [][]string{{"validate"}, {"convert", "--to", "xml"}} {
		for _, bad := range []string{"3", "0/3", "4/3", "1/0", "-1/2", "+1/2", "1/2/3", " 1/2", "a/b", "1/99999999", "1.5/2"} {
			args := append(append([]string{}, cmd...), "--shard="+bad, dir)
			code, _, errOut := runCLI(args...)
			if code != exitUsage || !strings.Contains(errOut, `bad --shard "`+bad+`"`) || !strings.Contains(errOut, "e.g. --shard 2/4") {
				t.Errorf("%v: exit %d, %q; want exit 2 naming the value, with the hint", args, code, errOut)
			}
		}
		args := append(append([]string{}, cmd...), "--shard", "1/2", "-")
		if code, _, errOut := runCLI(args...); code != exitUsage || !strings.Contains(errOut, "standard input") {
			t.Errorf("%v: exit %d, %q; want a usage error about standard input", args, code, errOut)
		}
	}
}

// A PATH that cannot be read is reported by every shard, so that no runner
// passes over it.
func TestShardEveryRunnerReportsAMissingPath(t *testing.T) {
	dir, _ := shardCorpus(t, 4)
	missing := filepath.Join(dir, "no-such-folder")
	for k := 1; k <= 3; k++ {
		code, _, errOut := runCLI("validate", "-q", "--shard", fmt.Sprintf("%d/3", k), dir, missing)
		if code != exitUsage || !strings.Contains(errOut, missing) {
			t.Errorf("shard %d/3: exit %d, %q; want exit 2 naming %s", k, code, errOut, missing)
		}
	}
}

// convert --shard: the outputs of the shards are disjoint and together
// those of an unsharded run.
func TestConvertShard(t *testing.T) {
	src, _ := shardCorpus(t, 25)
	list := func(part string) []string {
		out := t.TempDir()
		args := []string{"convert", "--to", "xml", "-o", out}
		if part != "" {
			args = append(args, "--shard", part)
		}
		if code, _, errOut := runCLI(append(args, src)...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var files []string
		filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				r, _ := filepath.Rel(out, p)
				files = append(files, filepath.ToSlash(r))
			}
			return nil
		})
		return files
	}
	all := list("")
	if len(all) != 25 {
		t.Fatalf("unsharded convert wrote %d files, want 25", len(all))
	}
	seen := map[string]string{}
	for k := 1; k <= 3; k++ {
		part := fmt.Sprintf("%d/3", k)
		for _, f := range list(part) {
			if prev, dup := seen[f]; dup {
				t.Errorf("%s written by shards %s and %s", f, prev, part)
			}
			seen[f] = part
		}
	}
	for _, f := range all {
		if seen[f] == "" {
			t.Errorf("%s written by no shard", f)
		}
	}
}

// The README's merge commands, run on the reports of three shards, give
// one JUnit file and one SARIF log that hold every file and every result
// of an unsharded run.
const (
	readmeMergeJUnit = `{ echo '<?xml version="1.0" encoding="UTF-8"?>'; echo '<testsuites name="nemsfhir">'
  sed -n '/^  <testsuite /,/^  <\/testsuite>/p' junit-*.xml; echo '</testsuites>'; } > junit.xml`
	readmeMergeSARIF = `jq -s '{"$schema": .[0]["$schema"], version: .[0].version, runs: [.[].runs[]]}' sarif-*.sarif > nemsfhir.sarif`
)

func TestShardReportsMerge(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh: the README's merge commands cannot be run")
	}
	dir, _ := shardCorpus(t, 12)
	// Invalid files too, so that failures and results are merged as well.
	bad, err := os.ReadFile("../../corpus/examples/pds-change-of-gp-routing-name-mismatch.xml")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		writeRel(t, dir, fmt.Sprintf("bad/b%d.xml", i), bad)
	}
	out := t.TempDir()
	for k := 1; k <= 3; k++ {
		for _, f := range []struct{ format, name string }{{"junit", "junit-%d.xml"}, {"sarif", "sarif-%d.sarif"}} {
			_, rep, errOut := runCLI("validate", "-o", f.format, "--shard", fmt.Sprintf("%d/3", k), dir)
			if !strings.Contains(errOut, "--shard") {
				t.Fatalf("shard %d: %s", k, errOut)
			}
			if err := os.WriteFile(filepath.Join(out, fmt.Sprintf(f.name, k)), []byte(rep), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	run := func(script string) {
		cmd := exec.Command(sh, "-c", script)
		cmd.Dir = out
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", script, err, b)
		}
	}

	run(readmeMergeJUnit)
	b, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var suites junitSuitesDoc
	if err := xml.Unmarshal(b, &suites); err != nil {
		t.Fatalf("merged JUnit is not XML: %v\n%s", err, b)
	}
	cases, failures := 0, 0
	for _, s := range suites.Suites {
		cases += len(s.Cases)
		for _, c := range s.Cases {
			if c.Failure != nil {
				failures++
			}
		}
	}
	if len(suites.Suites) != 3 || cases != 18 || failures != 6 {
		t.Errorf("merged JUnit: %d testsuites, %d testcases, %d failures; want 3, 18, 6", len(suites.Suites), cases, failures)
	}

	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("no jq: the README's SARIF merge command is not checked")
	}
	run(readmeMergeSARIF)
	b, err = os.ReadFile(filepath.Join(out, "nemsfhir.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatalf("merged SARIF is not JSON: %v", err)
	}
	results := 0
	for _, r := range log.Runs {
		results += len(r.Results)
	}
	_, whole, _ := runCLI("validate", "-o", "sarif", dir)
	var unsharded struct {
		Runs []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(whole), &unsharded); err != nil || len(unsharded.Runs) != 1 {
		t.Fatalf("unsharded SARIF: %v, %d runs", err, len(unsharded.Runs))
	}
	want := len(unsharded.Runs[0].Results)
	if log.Version != "2.1.0" || log.Schema == "" || len(log.Runs) != 3 || results != want || want < 6 {
		t.Errorf("merged SARIF: version %q, schema %q, %d runs, %d results; want 2.1.0, 3 runs, %d results", log.Version, log.Schema, len(log.Runs), results, want)
	}
}

type junitSuitesDoc struct {
	Suites []struct {
		Cases []struct {
			Failure *struct{} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}
