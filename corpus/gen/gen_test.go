package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// TestCorpusMatchesManifest generates a small corpus (two rounds of every
// plan, a third of them mutated) and checks each verdict against the
// manifest: at the base FHIR level with the rule packs off, where an invalid
// payload must raise its expected fhir:* rules, and with the packs on, where
// it must raise every expected rule.
func TestCorpusMatchesManifest(t *testing.T) {
	dir := t.TempDir()
	n := 2 * len(allPlans()) * 3
	if testing.Short() {
		n = len(allPlans()) * 2
	}
	if err := Generate(dir, n, 7, 0.35); err != nil {
		t.Fatal(err)
	}
	base, err := validate.New(validate.Options{NoRules: true})
	if err != nil {
		t.Fatal(err)
	}
	full, err := validate.New(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	entries := readManifest(t, dir)
	if len(entries) != n {
		t.Fatalf("manifest has %d lines, want %d", len(entries), n)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Kind+" "+e.EventType+" "+e.Lifecycle+" "+e.Format] = true
		body, err := os.ReadFile(filepath.Join(dir, e.Path))
		if err != nil {
			t.Fatal(err)
		}
		for _, level := range []struct {
			name     string
			v        *validate.Validator
			baseOnly bool
		}{{"base", base, true}, {"full", full, false}} {
			r := level.v.Validate(e.Path, body)
			if r.Kind != e.Kind || r.EventType != e.EventType {
				t.Errorf("%s: read as %s %s, manifest says %s %s", e.Path, r.Kind, r.EventType, e.Kind, e.EventType)
			}
			if r.Valid() != e.ExpectedValid {
				t.Errorf("%s (%s): valid=%v, manifest says %v; issues: %v", e.Path, level.name, r.Valid(), e.ExpectedValid, r.Issues)
				continue
			}
			if e.ExpectedValid && !level.baseOnly && len(r.Issues) > 0 {
				t.Errorf("%s: a valid payload should raise nothing, not even a warning; got %v", e.Path, r.Issues)
			}
			got := map[string]bool{}
			for _, is := range r.Issues {
				got[is.Rule] = true
			}
			for _, rule := range e.ExpectedRules {
				if level.baseOnly && !isBaseRule(rule) {
					continue
				}
				if !got[rule] {
					t.Errorf("%s (%s): mutation %s should raise %s; got %v", e.Path, level.name, e.Mutation, rule, r.Issues)
				}
			}
		}
	}
	// Every event type in every life-cycle it allows, and both kinds of
	// subscription, in both formats.
	for _, p := range allPlans() {
		if !seen[p.kind+" "+p.event+" "+p.lifecycle+" "+p.format] {
			t.Errorf("no %s in the corpus", p.name())
		}
	}
}

func isBaseRule(id string) bool { return len(id) > 5 && id[:5] == "fhir:" }

func readManifest(t testing.TB, dir string) []Entry {
	f, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// TestDeterministic checks that a seed gives the same bytes.
func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if err := Generate(d, 40, 11, 0.3); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range append(readManifest(t, a), Entry{Path: "manifest.jsonl"}) {
		x, _ := os.ReadFile(filepath.Join(a, e.Path))
		y, _ := os.ReadFile(filepath.Join(b, e.Path))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", e.Path)
		}
	}
}
