package tree

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// Fuzz targets for the two readers. Whatever the bytes: no panic, a
// failure is an ErrorList of placed errors, the tree stays within MaxDepth,
// and a tree read without error can be written in both formats.

// fuzzTreeSeeds adds the NEMS examples from the shared reference data, when
// it is beside the repository, and a few small payloads of the given
// format ("xml" or "json").
func fuzzTreeSeeds(f *testing.F, format string, extra ...string) {
	for _, s := range extra {
		f.Add([]byte(s))
	}
	files := sharedtest.Optional("corpus/nems-examples/*.xml")
	if format != "xml" {
		files = sharedtest.Optional("fhir/stu3/examples/json/message*.json")
	}
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
}

func checkFuzzedDocument(t *testing.T, doc *Document, err error) {
	t.Helper()
	if err != nil {
		var el ErrorList
		if !errors.As(err, &el) || len(el) == 0 {
			t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
		}
		for _, e := range el {
			if e.Line < 0 || e.Column < 0 || e.Message == "" {
				t.Fatalf("badly placed error %+v", e)
			}
		}
	}
	if doc == nil || doc.Root == nil {
		if err == nil {
			t.Fatal("no document and no error")
		}
		return
	}
	if d := treeDepth(doc.Root); d > MaxDepth+1 {
		t.Fatalf("tree %d levels deep, above MaxDepth %d", d, MaxDepth)
	}
	if err != nil {
		return
	}
	if _, werr := WriteJSON(doc.Root, false); werr != nil {
		t.Fatalf("accepted tree cannot be written as JSON: %v", werr)
	}
	if _, werr := WriteXML(doc.Root, false); werr != nil {
		t.Fatalf("accepted tree cannot be written as XML: %v", werr)
	}
}

func treeDepth(n *Node) int {
	d := 0
	for _, c := range n.Children {
		d = max(d, treeDepth(c))
	}
	return d + 1
}

func FuzzParseXML(f *testing.F) {
	fuzzTreeSeeds(f, "xml",
		`<Patient xmlns="http://hl7.org/fhir"><id value="p"/><active value="true"/></Patient>`,
		`<?xml version="1.0" encoding="UTF-16"?><Patient xmlns="http://hl7.org/fhir"/>`,
		`<!DOCTYPE Patient [<!ENTITY e SYSTEM "file:///etc/passwd">]><Patient xmlns="http://hl7.org/fhir"><id value="&e;"/></Patient>`,
		"\xef\xbb\xbf<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"a\x00b\"/></Patient>",
		`<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>&#x1F600;&lt;</p></div></text></Patient>`,
		strings.Repeat("<a>", 1200),
	)
	m := schemas.STU3()
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, err := ParseXML(src, m)
		checkFuzzedDocument(t, doc, err)
		checkPooledDocument(t, src, dump(doc, err), ParseXMLPooled)
	})
}

func FuzzParseJSON(f *testing.F) {
	fuzzTreeSeeds(f, "json",
		`{"resourceType":"Patient","id":"p","active":true,"_active":{"id":"x"}}`,
		`{"resourceType":"Patient","id":"p","id":"q"}`,
		`{"resourceType":"Observation","status":"final","code":{"text":"t"},"valueQuantity":{"value":1e999999}}`,
		`{"resourceType":"Observation","valueInteger":123456789012345678901234567890}`,
		"{\"resourceType\":\"Patient\",\"id\":\"\xff\xfe\"}",
		`{"resourceType":"Patient","name":[{"given":["A",null],"_given":[null,{"id":"x"}]}]}`,
		strings.Repeat("[", 1200),
	)
	m := schemas.STU3()
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, err := ParseJSON(src, m)
		checkFuzzedDocument(t, doc, err)
		checkPooledDocument(t, src, dump(doc, err), ParseJSONPooled)
	})
}

// checkPooledDocument checks that the pooled reader reads src as the plain
// one did (want is the plain tree's dump), twice, so that the second read
// reuses the memory of the first.
func checkPooledDocument(t *testing.T, src []byte, want string, parse func([]byte, *schemas.Model) (*Document, func(), error)) {
	for range 2 {
		doc, release, err := parse(src, schemas.STU3())
		got := dump(doc, err)
		release()
		if got != want {
			t.Fatalf("the pooled tree differs from the plain one:\n%s\nwant:\n%s", got, want)
		}
	}
}
