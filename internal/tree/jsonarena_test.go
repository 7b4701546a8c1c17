package tree

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// JSON trees read with pooled memory (ParseJSONScratch) match those of
// ParseJSON, document after document, whatever the sizes and errors of the
// documents before, and a release leaves nothing of the tree in the pool.
func TestParseJSONScratchReuse(t *testing.T) {
	m := schemas.STU3()
	docs := []string{
		`{"resourceType":"Bundle","type":"message","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p","name":[{"given":["A","B"]}]}}]}`,
		`{"resourceType":"Patient","id":"p","unknown":1,"active":"yes"}`,
		strings.Repeat(`{"a":`, 1200),
		`{"resourceType":"Patient","name":[{"given":["A"]`,
		`{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x &amp; y \u00e9</p></div>"},"_active":{"extension":[{"url":"http://example.org/x","valueString":"v"}]}}`,
		`[]`,
	}
	files := sharedtest.Optional("fhir/stu3/examples/json/*.json")
	for _, f := range files[:min(len(files), 12)] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	order := slices.Concat(docs, docs)
	slices.Reverse(docs)
	order = append(order, docs...)
	for i, src := range order {
		want := dump(ParseJSON([]byte(src), m))
		buf := []byte(src)
		doc, release, err := ParseJSONScratch(buf, m)
		if got := dump(doc, err); got != want {
			t.Errorf("document %d: scratch tree differs:\n%s\nwant:\n%s", i, got, want)
		}
		release()
		release() // harmless
		// The next plain parse may take the same reader: it must copy its
		// strings again rather than share the caller's bytes.
		buf2 := []byte(src)
		plain, _ := ParseJSON(buf2, m)
		before := dump(plain, nil)
		for j := range buf2 {
			buf2[j] = ' '
		}
		if after := dump(plain, nil); after != before {
			t.Fatalf("document %d: a ParseJSON tree changed with the bytes it was read from", i)
		}
	}
}

// Trees read with ParseJSONPooled match those of ParseJSON, document after
// document; neither shares memory with the bytes it was read from, and the
// strings taken from a pooled tree stay as they were after release, when
// its nodes are reused.
func TestParseJSONPooledReuse(t *testing.T) {
	m := schemas.STU3()
	docs := []string{
		`{"resourceType":"Bundle","type":"message","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p","active":true,"multipleBirthInteger":2,"name":[{"given":["A","B\u00e9"]}]}}]}`,
		`{"resourceType":"Patient","id":"p","unknown":1,"active":"yes"}`,
		strings.Repeat(`{"a":`, 1200),
		`{"resourceType":"Patient","name":[{"given":["A"]`,
		`{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x &amp; y \u00e9</p></div>"},"_active":{"extension":[{"url":"http://example.org/x","valueString":"` + strings.Repeat("long ", 1000) + `"}]}}`,
		`[]`,
	}
	files := sharedtest.Optional("fhir/stu3/examples/json/*.json")
	for _, f := range files[:min(len(files), 12)] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	order := slices.Concat(docs, docs)
	slices.Reverse(docs)
	order = append(order, docs...)
	type kept struct{ strs, want []string }
	var all []kept
	scribble := func(b []byte) {
		for i := range b {
			b[i] = 'x'
		}
	}
	for i, src := range order {
		plainSrc := []byte(src)
		plain, perr := ParseJSON(plainSrc, m)
		want := dump(plain, perr)
		scribble(plainSrc)
		if got := dump(plain, perr); got != want {
			t.Fatalf("document %d: a ParseJSON tree changed with the bytes it was read from", i)
		}
		buf := []byte(src)
		doc, release, err := ParseJSONPooled(buf, m)
		if got := dump(doc, err); got != want {
			t.Errorf("document %d: pooled tree differs:\n%s\nwant:\n%s", i, got, want)
		}
		var k kept
		if doc.Root != nil {
			doc.Root.Walk(func(n *Node) bool {
				k.strs = append(k.strs, n.Name, n.Value)
				return true
			})
		}
		k.want = slices.Clone(k.strs)
		for j := range k.want {
			k.want[j] = strings.Clone(k.want[j])
		}
		all = append(all, k)
		scribble(buf)
		release()
		release() // harmless
	}
	for i, k := range all {
		if !slices.Equal(k.strs, k.want) {
			t.Errorf("document %d: strings taken from a pooled tree changed after release and later parses", i)
		}
	}
}
