package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/nemsfhir/nemsfhir/validate"
)

// SARIF writes one SARIF 2.1.0 log with a single run of the tool driver
// "nemsfhir", for code-scanning dashboards (GitHub, Azure DevOps, ...).
// Each issue is a result with the payload as artifact location, a region
// with its line and column when known, and the FHIR path as a logical
// location; properties carry the FHIR issue type and the Spine code.
//
// Results are streamed. JSON members may come in any order, so the run's
// "results" array is written first and "tool" (whose driver lists the rules
// met, with their help text) after it, once every rule is known.
//
// An input that could not be read has no result to carry it: it is a
// toolExecutionNotification of level error in the run's invocation, whose
// executionSuccessful is then false, so that a dashboard does not show the
// run as clean. A note about the run (WriteRunNotes: codes that could not
// be checked offline) is a toolExecutionNotification too, of the note's
// level ("note" for information) with the note's rule as descriptor id and
// no location; it leaves executionSuccessful as it is, since the run did
// what it was asked.
type SARIF struct {
	w       *bufio.Writer
	version string
	rules   []sarifRule
	index   map[string]int
	n       int
	buf     bytes.Buffer
	enc     *json.Encoder // into buf, without HTML escapes: messages quote <elements>
	notes   spool         // toolExecutionNotifications, comma-separated
	// ruleHelp describes the NEMS rules, from their packs.
	ruleHelp func(id string) (RuleHelp, bool)
	nNotes   int // notifications of inputs not read
	nRun     int // notifications of notes about the run
}

// SARIFInformationURI is the tool's home, the repository of the module.
const SARIFInformationURI = "https://github.com/nemsfhir/nemsfhir"

// SARIFSchemaURI is the $schema a SARIF 2.1.0 log names.
const SARIFSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

// NewSARIF returns a SARIF reporter naming the given nemsfhir version.
func NewSARIF(w io.Writer, version string) *SARIF {
	s := &SARIF{w: bufio.NewWriter(w), version: version, index: map[string]int{}}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	fmt.Fprintf(s.w, "{\n  \"$schema\": %q,\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [", SARIFSchemaURI)
	return s
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	// ByteOffset and ByteLength locate the token of the issue in the file,
	// when it is known (a ByteLength of 0 leaves both out).
	ByteOffset *int `json:"byteOffset,omitempty"`
	ByteLength int  `json:"byteLength,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region *sarifRegion `json:"region,omitempty"`
	} `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifMessage    `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties map[string]any  `json:"properties,omitempty"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	ShortDescription     sarifMessage `json:"shortDescription"`
	FullDescription      sarifMessage `json:"fullDescription"`
	Help                 sarifMessage `json:"help"`
	HelpURI              string       `json:"helpUri,omitempty"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
	Properties map[string]any `json:"properties,omitempty"`
}

// sarifLevel maps FHIR severities onto SARIF levels.
func sarifLevel(s validate.Severity) string {
	switch s {
	case validate.SeverityFatal, validate.SeverityError:
		return "error"
	case validate.SeverityWarning:
		return "warning"
	}
	return "note"
}

// artifactURI turns a path into a URI reference: relative paths stay
// relative (so that dashboards resolve them against the checkout), absolute
// ones become file URIs, and standard input gets a name of its own.
func artifactURI(p string) string {
	if p == "-" || p == "" {
		return "stdin"
	}
	slash := filepath.ToSlash(p)
	if filepath.IsAbs(p) {
		if !strings.HasPrefix(slash, "/") {
			slash = "/" + slash // a Windows drive
		}
		return (&url.URL{Scheme: "file", Path: slash}).String()
	}
	return (&url.URL{Path: slash}).String()
}

// Write implements Reporter.
func (s *SARIF) Write(r *validate.Result) error {
	for _, is := range r.Issues {
		idx := s.rule(is)
		res := sarifResult{RuleID: ruleID(is), RuleIndex: idx, Level: sarifLevel(is.Severity), Message: sarifMessage{is.Message}}
		var loc sarifLocation
		loc.PhysicalLocation.ArtifactLocation.URI = artifactURI(r.Source)
		if is.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: is.Line, StartColumn: max(is.Column, 0)}
			if is.Length > 0 {
				off := is.Offset
				loc.PhysicalLocation.Region.ByteOffset, loc.PhysicalLocation.Region.ByteLength = &off, is.Length
			}
		}
		if is.Path != "" {
			loc.LogicalLocations = []sarifLogical{{FullyQualifiedName: is.Path, Kind: "element"}}
		}
		res.Locations = []sarifLocation{loc}
		res.Properties = map[string]any{"fhirIssueType": is.Code, "severity": string(is.Severity)}
		if is.Spine != "" {
			res.Properties["spineCode"] = string(is.Spine)
		}
		s.buf.Reset()
		if err := s.enc.Encode(res); err != nil {
			return err
		}
		if s.n > 0 {
			s.w.WriteByte(',')
		}
		s.n++
		s.w.WriteString("\n        ")
		s.w.Write(bytes.TrimRight(s.buf.Bytes(), "\n"))
	}
	if s.w.Buffered() > 32<<10 {
		return s.w.Flush()
	}
	return nil
}

type sarifNotification struct {
	Level      string          `json:"level"`
	Message    sarifMessage    `json:"message"`
	Locations  []sarifLocation `json:"locations,omitempty"`
	Descriptor struct {
		ID string `json:"id"`
	} `json:"descriptor"`
}

// SARIFUnreadable is the descriptor id of the notification that records an
// input that could not be read.
const SARIFUnreadable = "nemsfhir:unreadable"

// WriteInputError implements InputErrorWriter.
func (s *SARIF) WriteInputError(source string, err error) error {
	n := sarifNotification{Level: "error", Message: sarifMessage{source + ": " + inputErrorText(err)}}
	var loc sarifLocation
	loc.PhysicalLocation.ArtifactLocation.URI = artifactURI(source)
	n.Locations = []sarifLocation{loc}
	n.Descriptor.ID = SARIFUnreadable
	s.nNotes++
	return s.notify(n)
}

// WriteRunNotes implements RunNoteWriter.
func (s *SARIF) WriteRunNotes(notes []validate.Issue) error {
	for _, is := range notes {
		n := sarifNotification{Level: sarifLevel(is.Severity), Message: sarifMessage{is.Message}}
		n.Descriptor.ID = ruleID(is)
		s.nRun++
		if err := s.notify(n); err != nil {
			return err
		}
	}
	return nil
}

// notify adds a notification to the invocation's list, after those
// already there.
func (s *SARIF) notify(n sarifNotification) error {
	s.buf.Reset()
	if err := s.enc.Encode(n); err != nil {
		return err
	}
	sep := "\n            "
	if s.nNotes+s.nRun > 1 {
		sep = "," + sep
	}
	return s.notes.write(sep + string(bytes.TrimRight(s.buf.Bytes(), "\n")))
}

// ruleID never leaves a result without a rule: an issue from a phase that
// names none is filed under its FHIR issue type.
func ruleID(is validate.Issue) string {
	if is.Rule != "" {
		return is.Rule
	}
	return "fhir:" + is.Code
}

func (s *SARIF) rule(is validate.Issue) int {
	id := ruleID(is)
	if i, ok := s.index[id]; ok {
		return i
	}
	short, full, help, uri := ruleHelp(id)
	if s.ruleHelp != nil {
		if h, ok := s.ruleHelp(id); ok {
			short, full, help, uri = h.Short, h.Full, h.Help, h.URI
		}
	}
	if is.Spine != "" {
		status := is.Spine.Status()
		spine := fmt.Sprintf(" NEMS answers with the Spine ErrorOrWarning code %s (%s)", is.Spine, is.Spine.Display())
		if status > 0 {
			spine += fmt.Sprintf(", HTTP %d", status)
		}
		full += spine + "."
		if !strings.Contains(help, string(is.Spine)) {
			help += spine + "."
		}
	}
	r := sarifRule{ID: id, ShortDescription: sarifMessage{short}, FullDescription: sarifMessage{full}, Help: sarifMessage{help}, HelpURI: uri}
	r.DefaultConfiguration.Level = sarifLevel(is.Severity)
	if is.Spine != "" {
		r.Properties = map[string]any{"spineCode": string(is.Spine)}
	}
	s.index[id] = len(s.rules)
	s.rules = append(s.rules, r)
	return len(s.rules) - 1
}

// ruleHelp describes the rules of the base FHIR phases; a NEMS pack rule
// gets a generic description, replaced by its pack's when Options.RuleHelp
// knows it.
func ruleHelp(id string) (short, full, help, uri string) {
	short, help, uri = baseRuleHelp(id)
	return short, help, help, uri
}

func baseRuleHelp(id string) (short, help, uri string) {
	const stu3 = "http://hl7.org/fhir/STU3/"
	switch {
	case id == validate.RuleWellFormed:
		return "Payload is well-formed XML or JSON", "The payload must parse as XML or JSON before anything else can be checked.", stu3 + "formats.html"
	case id == validate.RuleStructure:
		return "Payload is a FHIR resource", "The root must be a known STU3 resource in the FHIR namespace (XML) or with a resourceType (JSON).", stu3 + "formats.html"
	case id == validate.RuleSize:
		return "Payload within the size limit", "NEMS refuses bodies over 3 MB before reading them.", ""
	case id == validate.RuleCardinality:
		return "Element cardinality", "Each element must occur as often as its definition allows (min..max).", stu3 + "conformance-rules.html#cardinality"
	case id == validate.RuleDatatype:
		return "Element datatype", "A value must match its FHIR datatype: the primitive's regular expression and JSON type, or the complex type's elements.", stu3 + "datatypes.html"
	case id == validate.RuleBinding:
		return "Required terminology binding", "A coded element bound with strength required must take a code of its value set.", stu3 + "terminologies.html#required"
	case id == validate.RuleFixed:
		return "Fixed value", "The element must carry the value its definition fixes.", stu3 + "elementdefinition-definitions.html#ElementDefinition.fixed_x_"
	case id == validate.RuleOrder:
		return "Element order", "In XML, elements must come in the order of their definition.", stu3 + "xml.html"
	case id == validate.RuleContained:
		return "Contained resources", "Contained resources must be referenced and must not contain others.", stu3 + "references.html#contained"
	case id == validate.RuleSchema:
		return "Schema", "The payload must pass the STU3 XML Schema (XML) or JSON Schema (JSON).", stu3 + "downloads.html"
	case id == validate.RuleReference || id == validate.RuleReferenceType:
		return "References resolve", "A reference inside a Bundle must resolve to an entry of a type the element allows.", stu3 + "references.html"
	case strings.HasPrefix(id, "fhir:invariant:"):
		key := strings.TrimPrefix(id, "fhir:invariant:")
		return "STU3 constraint " + key, "The FHIR STU3 constraint " + key + " of the element's definition must hold; the result message quotes its text.", stu3 + "conformance-rules.html#constraints"
	case strings.HasPrefix(id, "fhir:"):
		return "FHIR STU3 rule " + strings.TrimPrefix(id, "fhir:"), "A rule of the base FHIR STU3 specification.", stu3
	}
	return "NEMS rule " + id, "A rule of the NEMS implementation guide (rule packs of nemsfhir); the result message says what was found and what NEMS expects. 'nemsfhir profiles explain " + id + "' describes it.", SARIFInformationURI + "#what-is-checked"
}

// Flush implements Reporter: it closes the results and writes the tool.
func (s *SARIF) Flush() error {
	s.w.WriteString("\n      ],\n      \"tool\": {\n        \"driver\": ")
	driver := struct {
		Name           string      `json:"name"`
		Version        string      `json:"version"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}{"nemsfhir", s.version, SARIFInformationURI, s.rules}
	if driver.Rules == nil {
		driver.Rules = []sarifRule{}
	}
	s.buf.Reset()
	s.enc.SetIndent("        ", "  ")
	if err := s.enc.Encode(driver); err != nil {
		return err
	}
	s.w.Write(bytes.TrimRight(s.buf.Bytes(), "\n"))
	defer s.notes.close()
	fmt.Fprintf(s.w, "\n      },\n      \"invocations\": [\n        {\n          \"executionSuccessful\": %t,\n          \"toolExecutionNotifications\": [", s.nNotes == 0)
	if err := s.notes.copyTo(s.w); err != nil {
		return err
	}
	if s.nNotes+s.nRun > 0 {
		s.w.WriteString("\n          ")
	}
	s.w.WriteString("]\n        }\n      ]\n    }\n  ]\n}\n")
	return s.w.Flush()
}
