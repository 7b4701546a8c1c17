// Command gen writes a synthetic corpus of NEMS payloads: event messages of
// every supported event type (nems.md section 6) in each life-cycle their
// event allows, and explicit and generic subscriptions (section 7), valid
// ones built to the letter of sections 5 to 7 and invalid ones made from a
// valid one by exactly one known mutation. Event messages are written in
// XML, as NEMS publishes them, and also in JSON, marked by a ".json-variant"
// in the name since NEMS itself never sends events as JSON; subscriptions
// come in both formats.
//
//	go run ./corpus/gen -n 1000 -o /tmp/corpus [-seed 1] [-invalid 0.2]
//
// Next to the payloads it writes manifest.jsonl, one line per file: path,
// kind, eventType, lifecycle, format, expectedValid and, for an invalid one,
// the mutation and the rule ids it must raise. The same seed gives the same
// bytes.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Entry is one line of manifest.jsonl.
type Entry struct {
	Path          string   `json:"path"`
	Kind          string   `json:"kind"`
	EventType     string   `json:"eventType,omitempty"`
	Lifecycle     string   `json:"lifecycle,omitempty"`
	Format        string   `json:"format"`
	ExpectedValid bool     `json:"expectedValid"`
	Mutation      string   `json:"mutation,omitempty"`
	ExpectedRules []string `json:"expectedRules,omitempty"`
}

func main() {
	n := flag.Int("n", 100, "number of payloads to write")
	out := flag.String("o", "", "output folder (created if needed)")
	seed := flag.Uint64("seed", 1, "seed of the random choices")
	invalid := flag.Float64("invalid", 0.2, "share of invalid payloads, 0 to 1")
	flag.Parse()
	if *out == "" || *n < 0 || *invalid < 0 || *invalid > 1 {
		fmt.Fprintln(os.Stderr, "usage: gen -n N -o DIR [-seed S] [-invalid FRACTION]")
		os.Exit(2)
	}
	if err := Generate(*out, *n, *seed, *invalid); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// Generate writes n payloads and their manifest into dir. Files are spread
// over subfolders of 1000 so that no folder grows too large.
func Generate(dir string, n int, seed uint64, invalidShare float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	mf, err := os.Create(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		return err
	}
	defer mf.Close()
	mw := bufio.NewWriter(mf)
	enc := json.NewEncoder(mw)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	plans := allPlans()
	for i := 0; i < n; i++ {
		p := plans[i%len(plans)]
		g := newGen(rng, i)
		var mut *mutation
		if rng.Float64() < invalidShare {
			muts := p.mutations()
			mut = &muts[rng.IntN(len(muts))]
		}
		body, err := p.build(g, mut)
		if err != nil {
			return fmt.Errorf("%s: %v", p.name(), err)
		}
		sub := fmt.Sprintf("%03d", i/1000)
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
		state := "valid"
		if mut != nil {
			state = "invalid-" + mut.name
		}
		name := fmt.Sprintf("%06d-%s-%s.%s", i, p.name(), state, p.ext())
		rel := filepath.ToSlash(filepath.Join(sub, name))
		if err := os.WriteFile(filepath.Join(dir, sub, name), body, 0o644); err != nil {
			return err
		}
		e := Entry{Path: rel, Kind: p.kind, EventType: p.event, Lifecycle: p.lifecycle, Format: p.format, ExpectedValid: mut == nil}
		if mut != nil {
			e.Mutation, e.ExpectedRules = mut.name, mut.rules
		}
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	if err := mw.Flush(); err != nil {
		return err
	}
	return mf.Close()
}
