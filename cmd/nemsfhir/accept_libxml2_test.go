//go:build libxml2

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lestrrat-go/libxml2/parser"
	"github.com/lestrrat-go/libxml2/xsd"
)

// binaryTags are the build tags of the binary the acceptance tests run.
const binaryTags = "libxml2"

// checkJUnitSchema validates a JUnit report against testdata/junit.xsd.
func checkJUnitSchema(t *testing.T, out string) {
	t.Helper()
	schema, err := xsd.ParseFromFile(filepath.Join("testdata", "junit.xsd"))
	if err != nil {
		t.Fatalf("compiling junit.xsd: %v", err)
	}
	defer schema.Free()
	doc, err := parser.New(parser.XMLParseNoNet).ParseString(out)
	if err != nil {
		t.Fatalf("JUnit output is not XML: %v\n%s", err, out)
	}
	defer doc.Free()
	if err := schema.Validate(doc); err != nil {
		msgs := []string{err.Error()}
		if ve, ok := err.(xsd.SchemaValidationError); ok {
			for _, e := range ve.Errors() {
				msgs = append(msgs, e.Error())
			}
		}
		t.Fatalf("JUnit output fails junit.xsd: %s\n%s", strings.Join(msgs, "\n"), out)
	}
}
