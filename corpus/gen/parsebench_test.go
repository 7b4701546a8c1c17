package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/cputime"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// BenchmarkParse times the tree readers alone on the generated corpus the
// packs benchmark uses (400 payloads, seed 1, a fifth mutated), split by
// format: "xml" and "json" build a fresh tree a message (ParseXML,
// ParseJSON), the "-pooled" runs reuse one tree's memory from message to
// message as the validator does (ParseXMLPooled, ParseJSONPooled).
// cpu-ns/msg is the cost a message, collector included.
func BenchmarkParse(b *testing.B) {
	dir := b.TempDir()
	if err := Generate(dir, 400, 1, 0.2); err != nil {
		b.Fatal(err)
	}
	byFormat := map[string][][]byte{}
	for _, e := range readManifest(b, dir) {
		src, err := os.ReadFile(filepath.Join(dir, e.Path))
		if err != nil {
			b.Fatal(err)
		}
		byFormat[e.Format] = append(byFormat[e.Format], src)
	}
	m := schemas.STU3()
	type parser func([]byte, *schemas.Model) (*tree.Document, func(), error)
	fresh := func(p func([]byte, *schemas.Model) (*tree.Document, error)) parser {
		return func(src []byte, m *schemas.Model) (*tree.Document, func(), error) {
			doc, err := p(src, m)
			return doc, func() {}, err
		}
	}
	run := func(b *testing.B, msgs [][]byte, parse parser) {
		if len(msgs) == 0 {
			b.Skip("no payloads of this format")
		}
		size := 0
		for _, src := range msgs {
			size += len(src)
		}
		b.SetBytes(int64(size))
		b.ReportAllocs()
		meter := cputime.Start()
		for b.Loop() {
			for _, src := range msgs {
				doc, release, _ := parse(src, m)
				if doc == nil || doc.Root == nil {
					b.Fatal("a generated payload did not parse")
				}
				release()
			}
		}
		meter.Report(b, len(msgs))
	}
	b.Run("xml", func(b *testing.B) { run(b, byFormat["xml"], fresh(tree.ParseXML)) })
	b.Run("json", func(b *testing.B) { run(b, byFormat["json"], fresh(tree.ParseJSON)) })
	b.Run("xml-pooled", func(b *testing.B) { run(b, byFormat["xml"], tree.ParseXMLPooled) })
	b.Run("json-pooled", func(b *testing.B) { run(b, byFormat["json"], tree.ParseJSONPooled) })
}
