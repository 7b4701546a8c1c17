package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/bridge"
	"github.com/nemsfhir/nemsfhir/internal/cputime"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/profiles"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// BenchmarkPacks times the NEMS rule packs alone (RuleSet.Check) on a
// generated corpus, the one the 25 µs target is set on: 400
// payloads of the default mix (seed 1, a fifth mutated), XML and JSON,
// parsed outside the timer. One sub-benchmark per built-in pack and one
// for all of them ("all"); ns/msg is the cost a message.
func BenchmarkPacks(b *testing.B) {
	dir := b.TempDir()
	if err := Generate(dir, 400, 1, 0.2); err != nil {
		b.Fatal(err)
	}
	type payload struct {
		root *tree.Node
		in   bridge.Input
	}
	var msgs []payload
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range readManifest(b, dir) {
		src, err := os.ReadFile(filepath.Join(dir, e.Path))
		if err != nil {
			b.Fatal(err)
		}
		parse, format := tree.ParseXML, "xml"
		if e.Format == "json" {
			parse, format = tree.ParseJSON, "json"
		}
		doc, _ := parse(src, schemas.STU3())
		if doc == nil || doc.Root == nil {
			b.Fatalf("%s: not parsed", e.Path)
		}
		msgs = append(msgs, payload{doc.Root, bridge.Input{Format: format, Size: int64(len(src)), Now: clock}})
	}
	ctx := context.Background()
	run := func(b *testing.B, rs *profiles.RuleSet) {
		b.ReportAllocs()
		m := cputime.Start()
		for b.Loop() {
			for _, m := range msgs {
				bridge.CheckRules(ctx, rs, m.root, m.in)
			}
		}
		m.Report(b, len(msgs))
	}
	files, err := filepath.Glob("../../profiles/packs/*.json")
	if err != nil || len(files) == 0 {
		b.Fatalf("no built-in packs beside the generator: %v", err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		p, err := profiles.ParsePack(f, src)
		if err != nil {
			b.Fatal(err)
		}
		rs, err := profiles.NewRuleSet(p)
		if err != nil {
			b.Fatalf("%s alone: %v", f, err)
		}
		b.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(b *testing.B) { run(b, rs) })
	}
	all, err := profiles.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("all", func(b *testing.B) { run(b, all) })
}
