package validate_test

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// TestFatalParseErrorStopsLaterPhases checks that a payload the parser
// could not read to its end reports the parser's verdict alone, the fatal
// error first: the later phases would otherwise report everything the
// truncated tree lacks.
func TestFatalParseErrorStopsLaterPhases(t *testing.T) {
	v, err := validate.New(validate.Options{MaxSize: -1}) // NEMS rules on: they complain most of a cut message
	if err != nil {
		t.Fatal(err)
	}
	const header = `<MessageHeader><id value="h"/>
<event><system value="https://fhir.nhs.uk/STU3/CodeSystem/EventType-1"/><code value="PDS006"/></event>
<timestamp value="2020-01-01T00:00:00+00:00"/>
<source><endpoint value="urn:x"/></source>
<responsible><reference value="urn:uuid:0a0a0a0a-0000-4000-8000-000000000009"/></responsible>
<focus><reference value="urn:uuid:0a0a0a0a-0000-4000-8000-000000000002"/></focus>
</MessageHeader>`
	bundle := "<Bundle xmlns=\"http://hl7.org/fhir\">\n<type value=\"message\"/>\n<entry><fullUrl value=\"urn:uuid:0a0a0a0a-0000-4000-8000-000000000001\"/><resource>" +
		header + "</resource></entry>\n<entry><fullUrl value=\"urn:uuid:0a0a0a0a-0000-4000-8000-000000000002\"/><resource><Patient><birthDate value=\"19"
	jsonBundle := "{\"resourceType\":\"Bundle\",\"type\":\"message\",\"entry\":[\n{\"fullUrl\":\"urn:uuid:0a0a0a0a-0000-4000-8000-000000000001\",\"resource\":{\"resourceType\":\"MessageHeader\",\"event\":{\"code\":\"PDS006\"},\n\"timestamp\":\"2020-01-01T00:00:00+00:00\",\"source\":{\"endpoint\":\"urn:x\"},\"focus\":{\"reference\":\"urn:uuid:0a0a0a0a-0000-4000-8000-000000000002\"}}},\n{\"fullUrl\":\"urn:uuid:0a0a0a0a-0000-4000-8000-000000000002\",\"resource\":{\"resourceType\":\"Patient\",\"birthDate\":\"19"
	deep := "<Patient xmlns=\"http://hl7.org/fhir\">\n<unknownThing value=\"x\"/>\n" + strings.Repeat("<extension url=\"http://example.org/x\">", 1200)
	for _, tc := range []struct {
		name, src string
		firstRule string
	}{
		{"xml truncated", bundle, validate.RuleWellFormed},
		{"json truncated", jsonBundle, validate.RuleWellFormed},
		// The parser stops at its depth limit: not a well-formedness error,
		// but the tree is just as cut short.
		{"xml too deep", deep, validate.RuleStructure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Validate(tc.name, []byte(tc.src))
			if len(res.Issues) == 0 {
				t.Fatal("no issues")
			}
			for _, is := range res.Issues {
				if is.Rule != validate.RuleWellFormed && is.Rule != validate.RuleStructure {
					t.Errorf("issue of a later phase: %s", is)
				}
			}
			first := res.Issues[0]
			if first.Severity != validate.SeverityFatal || first.Rule != tc.firstRule || first.Line == 0 ||
				(tc.firstRule == validate.RuleStructure && !strings.Contains(first.Message, "nest too deeply: more than 1000 levels")) {
				t.Errorf("first issue %s, want the fatal parse error", first)
			}
		})
	}
}

// TestFatalIssuesSortFirst checks that a fatal parse error comes before the
// parser's element errors from earlier lines.
func TestFatalIssuesSortFirst(t *testing.T) {
	v := validator(t)
	src := "<Patient xmlns=\"http://hl7.org/fhir\">\n<unknownThing value=\"x\"/>\n<active value=\"true\">\n</Patient>"
	res := v.Validate("cut", []byte(src))
	if len(res.Issues) != 2 {
		t.Fatalf("want the unknown element and the fatal error, got %v", res.Issues)
	}
	if res.Issues[0].Severity != validate.SeverityFatal || res.Issues[0].Line != 4 {
		t.Errorf("first issue %s, want the fatal error of line 4", res.Issues[0])
	}
	if res.Issues[1].Rule != validate.RuleStructure || res.Issues[1].Line != 2 {
		t.Errorf("second issue %s, want the unknown element of line 2", res.Issues[1])
	}
}
