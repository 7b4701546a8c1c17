// Package schema is the schema phase of nemsfhir: it checks a FHIR STU3
// payload against the XML Schema or the JSON Schema that package schemas
// generates from the STU3 model.
//
// Schemas are compiled on first use, as far as the payloads need them, and
// shared by all goroutines; ValidateXML and ValidateJSON are safe for
// concurrent use. A payload compiles only the parts for the resource types
// it holds: a NEMS event message costs about 6 ms of XSD or 30 ms of JSON
// Schema compilation the first time, rather than 45 ms or a second for the
// whole schemas. Call Warm when starting up to compile in the background
// the XSD that NEMS payloads need, or Compile to compile the whole XSD up
// front.
//
//	for _, p := range schema.ValidateXML(payload) {
//		fmt.Println(p)
//	}
//
// XML is validated with libxml2 as it is parsed, without building a tree
// (the XSD is compiled through github.com/lestrrat-go/libxml2), in builds
// with the tag libxml2 only, which need cgo and the libxml2 headers
// (libxml2-dev). Without the tag the package is pure Go: XSDBuiltIn is
// false and ValidateXML answers that the check is not built in. Its schema
// errors carry neither line numbers nor paths here: Problem.Location
// names the element (and attribute) the message is about, the line and
// column are filled in only when that element can be told apart in the
// document (the only one of its name, or the only one carrying the quoted
// value), and at most 32 problems are reported per document. JSON is
// validated with github.com/santhosh-tekuri/jsonschema/v6, and each
// problem has the JSON pointer of the offending value with its line and
// column.
package schema

import (
	"errors"
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Rule is the rule id of the problems the schema phase finds.
const Rule = "fhir:schema"

// Problem is one way a payload breaks the schema: an [issue.Issue] of rule
// Rule (error, structure, INVALID_RESOURCE) with the place the validator
// gives, and the Location it names. Line and Column are 1-based and 0 when
// unknown; Offset is the byte offset of the place in the document when
// Line is known. Path, the FHIR path, is left to the caller, who has the
// element tree to find it from Location.
type Problem struct {
	issue.Issue
	// Location is a JSON pointer ("/entry/0/resource/status") for JSON,
	// and for XML the name of the element the message is about, with
	// "/@name" for an attribute ("birthDate/@value"), when the message
	// names one. Empty when unknown.
	Location string
}

// problem returns the problem saying msg about loc.
func problem(msg, loc string) Problem {
	return Problem{Issue: issue.Issue{
		Severity: issue.SeverityError, Code: issue.TypeStructure, Spine: issue.SpineInvalidResource, Rule: Rule, Message: msg,
	}, Location: loc}
}

func withLine(p Problem, line int) Problem {
	p.Line = line
	return p
}

// String renders the problem as "line:col: location: message", leaving out
// what is unknown.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		b.WriteString(strconv.Itoa(p.Line))
		if p.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(p.Column))
		}
		b.WriteString(": ")
	}
	if p.Location != "" {
		b.WriteString(p.Location)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Compile compiles the whole XSD and the part of the JSON Schema every
// JSON payload needs, if they are not compiled yet, and returns the first
// compilation error. Without it, each payload compiles on demand only what
// it needs: the XSD for the resource types it holds (recompiled as new
// types arrive, up to a few times, and then whole), the JSON Schema of each
// resource type the first time one is met. Compile suits a long run over
// payloads of many kinds; a single payload is checked sooner without it.
func Compile() error {
	if err := compileXML(); err != nil {
		return err
	}
	_, err := jsonSchema()
	return err
}

// nemsResourceTypes are the resource types NEMS payloads hold: the event
// message Bundle and what its entries carry across the event types, the
// Subscription, and the OperationOutcome NEMS answers with.
var nemsResourceTypes = []string{
	"Bundle", "CareTeam", "Communication", "Condition", "DiagnosticReport", "Encounter",
	"EpisodeOfCare", "Flag", "HealthcareService", "Immunization", "Location", "MessageHeader",
	"Observation", "OperationOutcome", "Organization", "Patient", "Practitioner",
	"PractitionerRole", "Procedure", "Provenance", "RelatedPerson", "Specimen", "Subscription",
}

// Warm starts compiling, in the background, the XSD for the resource types
// NEMS payloads hold, and returns at once; call it when starting up, before
// the first payload arrives; without the XSD check built in it does
// nothing. The work (about 10 ms) is done in libxml2,
// which runs beside the caller's Go code even with GOMAXPROCS=1 when a
// second core is free, since a cgo call gives up its P. An XML payload
// that arrives before it is done waits for it rather than repeating it;
// one holding other resource types still compiles what it needs. Calling
// Warm again does no more work.
//
// The JSON Schema is not warmed: its compilation is Go code, which would
// compete with the caller's start-up, and measured no faster overall.
func Warm() { warmXML() }

// ErrNoXSD says that the XSD check of XML payloads is not in this build.
var ErrNoXSD = errors.New("the XML Schema (XSD) check is not built in: rebuild with -tags libxml2 (needs cgo and libxml2-dev)")
