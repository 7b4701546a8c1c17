package validate_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/schema"
)

// ruleDecimalRange is the model phase's warning on a decimal with more
// digits than most systems hold.
const ruleDecimalRange = "fhir:decimal-range"

// auditTally counts, over one corpus, what the schema audit found.
type auditTally struct {
	payloads, schemaIssues, matched, decimals, listed int
}

// TestSchemaAuditAddsNothing is why the schema phase is an audit, off by
// default: over every corpus the project has, each problem the schema
// phase finds (run on every payload here, not only on those the model
// phases pass as Validate does) is one the model phases already report as
// an error at the same place: the same line, or a path equal to, inside or
// around the schema problem's element. The one known difference is a
// decimal of more digits than libxml2 holds (24), a schema error where the
// model phases warn (fhir:decimal-range): FHIR decimals have no such limit.
// Payloads listed in testdata/schema-audit-known.tsv are the exceptions
// found so far, each with its reason. The XML half needs -tags libxml2.
func TestSchemaAuditAddsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every corpus through two validators")
	}
	known := readKnownList(t, "testdata/schema-audit-known.tsv")
	v, err := validate.New(validate.Options{MaxSize: -1, Now: func() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	audit := func(name string, files []string, src func(string) ([]byte, error)) {
		var tl auditTally
		for _, f := range files {
			data, err := src(f)
			if err != nil {
				t.Fatal(err)
			}
			tl.payloads++
			res := v.Validate(f, data)
			for _, s := range validate.SchemaAudit(data) {
				tl.schemaIssues++
				switch {
				case matchedByModel(res.Issues, s, res.Format):
					tl.matched++
				case decimalDigits(res.Issues, s):
					tl.decimals++
				case known[auditKey(f)] != "":
					tl.listed++
				default:
					t.Errorf("%s: schema issue no model phase reports: %s", f, s)
				}
			}
		}
		t.Logf("%s: %d payloads, %d schema issues: %d matched by a model error, %d decimals past 24 digits, %d listed", name, tl.payloads, tl.schemaIssues, tl.matched, tl.decimals, tl.listed)
		if tl.payloads == 0 {
			t.Errorf("%s: no payloads", name)
		}
	}
	if !schema.XSDBuiltIn {
		t.Log("no XSD check in this build: only JSON payloads are audited (run with -tags libxml2 for XML)")
	}

	// Official STU3 examples and NEMS examples, as they are and mutated.
	official := sharedtest.Glob(t, "fhir/stu3/examples/xml/*.xml")
	audit("official STU3 XML", official, os.ReadFile)
	audit("official STU3 JSON", sharedtest.Glob(t, "fhir/stu3/examples/json/*.json"), os.ReadFile)
	nemsExamples := sharedtest.Optional("corpus/nems-examples/*.xml")
	nemsExamples = append(nemsExamples, sharedtest.Optional("corpus/nems-examples/*.json")...)
	audit("NEMS examples", nemsExamples, os.ReadFile)

	mutants := map[string][]byte{}
	var mutantNames []string
	for _, f := range append(official, nemsExamples...) {
		if !strings.HasSuffix(f, ".xml") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := tree.ParseXML(data, schemas.STU3())
		if err != nil || doc.Root == nil {
			continue
		}
		for i, mu := range mutate(data, doc.Root) {
			name := f + "#" + mu.op + "-" + itoa(i)
			mutants[name] = mu.src
			mutantNames = append(mutantNames, name)
		}
	}
	audit("mutants", mutantNames, func(n string) ([]byte, error) { return mutants[n], nil })

	// The golden corpus of the rule packs.
	var golden []string
	for _, dir := range []string{"../corpus/rules/valid", "../corpus/rules/invalid"} {
		for _, ext := range []string{"*.xml", "*.json"} {
			m, _ := filepath.Glob(filepath.Join(dir, ext))
			golden = append(golden, m...)
		}
	}
	audit("golden corpus", golden, os.ReadFile)

	// A small generated corpus, valid and mutated event messages and
	// subscriptions in both formats.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Log("no go command: generated corpus not audited")
		return
	}
	out := t.TempDir()
	cmd := exec.Command(goTool, "run", "../corpus/gen", "-n", "120", "-seed", "7", "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("corpus/gen: %v\n%s", err, msg)
	}
	var gen []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".json")) {
			gen = append(gen, p)
		}
		return nil
	})
	audit("generated corpus", gen, os.ReadFile)
}

// matchedByModel reports whether the model phases report s as an error at
// the same place: the same line, or a path equal to s's, inside it or
// around it (a missing required child is reported on the child, the
// schema on its parent). libxml2 names the element of a problem but not
// where it is, so for XML the schema issue's line and path are a guess
// (the element when only one of that name occurs, else the first of that
// name): there the same place is an element of the name libxml2 gives, or
// of a name it says it expected there, that a model error is on or names
// (an element out of order is reported by the model phases on the one that
// had to come first, by libxml2 on the one that came too early).
func matchedByModel(issues []validate.Issue, s validate.Issue, format string) bool {
	names := map[string]bool{}
	if format == "xml" {
		if s.Path != "" {
			names[lastName(s.Path)] = true
		}
		if _, exp, ok := strings.Cut(s.Message, "Expected is "); ok {
			for _, f := range strings.FieldsFunc(exp, func(r rune) bool { return strings.ContainsRune("(), .", r) }) {
				names[f] = true
			}
		}
	}
	for _, m := range issues {
		if m.Rule == validate.RuleSchema || !m.Severity.IsError() {
			continue
		}
		if s.Line != 0 && m.Line == s.Line {
			return true
		}
		if s.Path != "" && m.Path != "" && (m.Path == s.Path || pathWithin(m.Path, s.Path) || pathWithin(s.Path, m.Path)) {
			return true
		}
		if names[lastName(m.Path)] {
			return true
		}
		for n := range names {
			if strings.Contains(m.Message, `"`+n+`"`) {
				return true
			}
		}
	}
	return false
}

// lastName is the element name at the end of a path, without its index.
func lastName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	name, _, _ := strings.Cut(path, "[")
	return name
}

// pathWithin reports whether path is a descendant of (or an index of)
// outer.
func pathWithin(path, outer string) bool {
	return strings.HasPrefix(path, outer) && len(path) > len(outer) && (path[len(outer)] == '.' || path[len(outer)] == '[')
}

// decimalDigits reports the known difference: libxml2 refuses a decimal of
// more than 24 digits, which the model phases only warn about.
func decimalDigits(issues []validate.Issue, s validate.Issue) bool {
	for _, m := range issues {
		if m.Rule == ruleDecimalRange && m.Line == s.Line && strings.Contains(s.Message, "decimal") {
			return true
		}
	}
	return false
}

// auditKey names a payload in schema-audit-known.tsv: its base name, with
// the mutation for a mutant.
func auditKey(f string) string { return filepath.Base(f) }

// TestSchemaAuditDecimalDigits pins the documented difference: an XML
// decimal of more than 24 digits is valid with a fhir:decimal-range
// warning by default, and an error of the schema audit in builds with the
// XSD check (libxml2 holds at most 24 digits of an xsd:decimal).
func TestSchemaAuditDecimalDigits(t *testing.T) {
	src := []byte("<Patient xmlns=\"http://hl7.org/fhir\">\n<extension url=\"http://example.org/x\">\n" +
		"  <valueDecimal value=\"1.000000000000000000000000001\"/>\n</extension>\n</Patient>")
	res := validator(t).Validate("decimal.xml", src)
	if !res.Valid() || !hasIssue(res, validate.RuleDecimalRange, validate.SeverityWarning, 3) {
		t.Fatalf("default: want valid with a %s warning on line 3, got %v", validate.RuleDecimalRange, res.Issues)
	}
	audit, err := validate.New(validate.Options{MaxSize: -1, NoRules: true, Schema: true})
	if err != nil {
		t.Fatal(err)
	}
	res = audit.Validate("decimal.xml", src)
	switch {
	case schema.XSDBuiltIn && (res.Valid() || !hasIssue(res, validate.RuleSchema, validate.SeverityError, 3)):
		t.Errorf("--schema with the XSD check: want a schema error on line 3, got %v", res.Issues)
	case !schema.XSDBuiltIn && !res.Valid():
		t.Errorf("--schema without the XSD check: want valid, got %v", res.Issues)
	}
}

func hasIssue(res *validate.Result, rule string, sev validate.Severity, line int) bool {
	for _, is := range res.Issues {
		if is.Rule == rule && is.Severity == sev && is.Line == line {
			return true
		}
	}
	return false
}
