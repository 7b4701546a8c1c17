package fhirpath_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// The official suites as conformance tests. Every applicable test must give
// the expected outputs, except the ones listed below with their reason:
// STU3-suite expectations that the R4 suite reverses (the later suite is the
// specification as corrected) and the tests that wait for UCUM unit
// conversion. A listed test that starts passing fails the run, so the lists
// stay honest.

// suiteSTU3 and suiteR4 are the two suites, relative to the suites folder.
const (
	suiteSTU3 = "stu3/tests-fhir-r3.xml"
	suiteR4   = "r4/tests-fhir-r4.xml"
)

// reversedByR4 lists the STU3-suite tests whose expectation the R4 suite
// reverses, with the reason; the engine follows the R4 suite.
var reversedByR4 = map[string]string{}

// pendingUCUM lists the tests that need UCUM unit conversion (comparing
// quantities in different units, calendar durations against UCUM ones),
// which the engine gains once the ucum package is wired in.
var pendingUCUM = map[string]string{}

// laterFunctions are the functions the FHIRPath of the STU3 era (N1) does
// not have; a test that calls one is not applicable to an STU3 engine.
var laterFunctions = []string{
	"aggregate", "comparable", "convertsToBoolean", "convertsToDate", "convertsToDateTime",
	"convertsToDecimal", "convertsToInteger", "convertsToQuantity", "convertsToString",
	"convertsToTime", "decode", "defineVariable", "encode", "escape", "getValue",
	"hasValue", "highBoundary", "htmlChecks", "join", "lowBoundary", "precision",
	"sort", "split", "toDate", "toTime", "trim", "unescape", "coalesce",
	"hasTemplateIdOf", "extension", "elementDefinition", "slice", "checkModifiers",
	"round", "sqrt", "abs", "ceiling", "floor", "exp", "ln", "log", "power", "truncate",
	"isInteger", "isString", "isBoolean", "isDecimal", "isDateTime", "isTime", "isQuantity",
	"toQuantity", "type", "matchesFull", "toChars", "conformsTo", "memberOf", "subsumes", "subsumedBy", "resolve",
}

// caseResult is the outcome of one suite test.
type caseResult struct {
	name, expr string
	pass       bool
	detail     string
}

// notApplicable returns why a test does not apply to an STU3 engine, or "".
func notApplicable(tc suiteTest, input *tree.Node) string {
	switch {
	case tc.Version != "":
		return "FHIRPath " + tc.Version
	case tc.InputFile != "" && input == nil:
		return "input " + tc.InputFile + " is not STU3"
	case tc.Mode != "" || tc.Expression.Mode != "":
		return "mode " + tc.Mode + tc.Expression.Mode
	case tc.CheckOrdered != "":
		return "ordered-function checks"
	}
	known := fhirpath.Functions()
	for _, f := range laterFunctions {
		if slices.Contains(known, f) {
			continue // the engine has it: tested
		}
		if regexp.MustCompile(`\.`+f+`\(`).MatchString(tc.Expression.Text) || strings.HasPrefix(tc.Expression.Text, f+"(") {
			return f + "() is later than STU3"
		}
	}
	return ""
}

// runSuiteTest evaluates one test and compares the outcome with what the
// suite expects.
func runSuiteTest(tc suiteTest, input *tree.Node) (bool, string) {
	src := tc.Expression.Text
	expr, err := fhirpath.Compile(src)
	if tc.Expression.Invalid != "" {
		if err != nil {
			return true, ""
		}
	} else if err != nil {
		return false, "compile: " + err.Error()
	}
	var node fhirpath.Node
	if input != nil {
		node = treepath.Of(input)
	}
	env := &fhirpath.Env{Resource: node, Resolver: treepath.NewResolver(input), MaxSteps: treepath.Budget(input)}
	res, err := expr.Evaluate(context.Background(), node, env)
	if tc.Expression.Invalid != "" {
		if err != nil {
			return true, ""
		}
		return false, "no error, got " + render(res.Collection)
	}
	if err != nil {
		return false, "evaluate: " + err.Error()
	}
	if len(res.Unsupported) > 0 {
		return false, fmt.Sprintf("unsupported %v", res.Unsupported)
	}
	got := res.Collection
	if tc.Predicate == "true" {
		got = fhirpath.Collection{fhirpath.ValueItem(fhirpath.Boolean(len(got) > 0))}
	}
	want := make([]string, len(tc.Outputs))
	for i, o := range tc.Outputs {
		want[i] = o.Type + ": " + normalValue(o.Type, strings.TrimSpace(o.Value))
	}
	have := make([]string, len(got))
	for i, it := range got {
		have[i] = typed(it)
	}
	if tc.Ordered == "false" {
		sort.Strings(want)
		sort.Strings(have)
	}
	if !slices.Equal(want, have) {
		return false, fmt.Sprintf("got %v, want %v", have, want)
	}
	return true, ""
}

// typed renders an item as "type: value", decimals by value.
func typed(it fhirpath.Item) string {
	t := it.TypeName()
	v, ok := it.Value()
	if !ok {
		return t + ": (no value)"
	}
	return t + ": " + normalValue(t, v.String())
}

// normalValue puts a value in one form for comparison: temporal values
// without their literal '@' (and 'T' for times), decimals by value.
func normalValue(typ, v string) string {
	switch typ {
	case "date", "dateTime", "instant":
		return strings.TrimPrefix(v, "@")
	case "time":
		return strings.TrimPrefix(strings.TrimPrefix(v, "@"), "T")
	case "decimal":
		if d, ok := fhirpath.ParseDecimal(v); ok {
			return d.Rat().RatString()
		}
	}
	return v
}

func render(c fhirpath.Collection) string {
	parts := make([]string, len(c))
	for i, it := range c {
		parts[i] = typed(it)
	}
	return fmt.Sprint(parts)
}

// suiteCounts is what a run of one suite found.
type suiteCounts struct {
	pass, reversed, pending, other, notApplicable int
}

func TestOfficialSuites(t *testing.T) {
	dir := sharedtest.Path(t, "fhir/fhirpath-tests")
	m := schemas.STU3()
	seen := map[string]bool{}
	for _, suite := range []string{suiteSTU3, suiteR4} {
		prefix := strings.SplitN(suite, "/", 2)[0] + ":"
		sf := loadSuite(t, dir, suite)
		inputs := map[string]*tree.Node{}
		var n suiteCounts
		var failures []string
		// Tests are known by name where the name is unique in the suite
		// (the R4 suite), and by group and expression otherwise (the STU3
		// suite names few).
		names := map[string]int{}
		for _, g := range sf.Groups {
			for _, tc := range g.Tests {
				names[tc.Name]++
			}
		}
		for _, g := range sf.Groups {
			for _, tc := range g.Tests {
				key := prefix + tc.Name
				if names[tc.Name] > 1 || tc.Name == "" {
					key = prefix + g.Name + " " + strings.TrimSpace(tc.Expression.Text)
				}
				input, ok := inputs[tc.InputFile]
				if !ok && tc.InputFile != "" {
					input = parseInput(filepath.Join(dir, filepath.Dir(suite), "input", tc.InputFile), m)
					inputs[tc.InputFile] = input
				}
				if why := notApplicable(tc, input); why != "" {
					n.notApplicable++
					continue
				}
				pass, detail := runSuiteTest(tc, input)
				reason, reversed := reversedByR4[key]
				if !reversed {
					reason, reversed = "", false
				}
				why, pending := pendingUCUM[key]
				seen[key] = true
				switch {
				case pass && (reversed || pending):
					t.Errorf("%s passes but is listed (%s%s): take it off the list", key, reason, why)
					n.pass++
				case pass:
					n.pass++
				case reversed:
					n.reversed++
				case pending:
					n.pending++
				default:
					n.other++
					failures = append(failures, fmt.Sprintf("%s [%s] %s: %s", key, g.Name, tc.Expression.Text, detail))
				}
			}
		}
		for _, f := range failures {
			t.Error(f)
		}
		t.Logf("%s: %d applicable (%d not): %d pass, %d reversed by R4, %d pending UCUM, %d other",
			suite, n.pass+n.reversed+n.pending+n.other, n.notApplicable, n.pass, n.reversed, n.pending, n.other)
	}
	for _, list := range []map[string]string{reversedByR4, pendingUCUM} {
		for key := range list {
			if !seen[key] {
				t.Errorf("%s is listed but no applicable test has that name", key)
			}
		}
	}
}
