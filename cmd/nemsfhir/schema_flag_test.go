package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/schema"
)

// TestSchemaAuditFlag: the schema phase runs only with --schema (or
// --xsd). An XML decimal of 25 digits is valid with a warning by default
// and, with --schema, a schema error where the XSD check is built in
// (libxml2 holds 24 digits). --no-schema, the old switch, is still taken
// and hidden from the help.
func TestSchemaAuditFlag(t *testing.T) {
	f := filepath.Join(t.TempDir(), "decimal.xml")
	src := "<Patient xmlns=\"http://hl7.org/fhir\">\n<extension url=\"http://example.org/x\">\n" +
		"  <valueDecimal value=\"1.000000000000000000000000001\"/>\n</extension>\n</Patient>\n"
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("validate", "--no-excerpt", "--kind", "resource", f)
	if code != exitOK || !strings.Contains(out, "fhir:decimal-range") || strings.Contains(out, "fhir:schema") {
		t.Errorf("default: exit %d, %q %q; want valid with a decimal-range warning", code, out, errOut)
	}
	code, out, errOut = runCLI("validate", "--no-excerpt", "--kind", "resource", "--schema", f)
	switch {
	case schema.XSDBuiltIn && (code != exitInvalid || !strings.Contains(out, "fhir:schema")):
		t.Errorf("--schema with the XSD check: exit %d, %q %q; want a schema error", code, out, errOut)
	case !schema.XSDBuiltIn && code != exitOK:
		t.Errorf("--schema without the XSD check: exit %d, %q %q; want valid", code, out, errOut)
	}
	if code, out, errOut := runCLI("validate", "--no-schema", "../../corpus/examples/subscription-explicit.xml"); code != exitOK {
		t.Errorf("--no-schema: exit %d, %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI("validate", "--schema", "--no-schema", f); code != exitUsage || !strings.Contains(errOut, "--schema and --no-schema together") {
		t.Errorf("--schema --no-schema: exit %d, %q", code, errOut)
	}
	_, help, _ := runCLI("validate", "--help")
	if !strings.Contains(help, "--schema") || strings.Contains(help, "--no-schema") {
		t.Errorf("validate --help should name --schema and not --no-schema:\n%s", help)
	}
}
