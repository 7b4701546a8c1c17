package structuredef

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// TestBuiltinDecodeMatchesEncodingJSON decodes every embedded extension
// definition both ways: the hand-written decoder must give what
// json.Unmarshal (with the UnmarshalJSON methods) gives, field for field.
func TestBuiltinDecodeMatchesEncodingJSON(t *testing.T) {
	lines := bytes.Split(bytes.TrimSpace(schemas.STU3Extensions()), []byte("\n"))[1:]
	if len(lines) < 500 {
		t.Fatalf("%d definitions; the embedded file holds more", len(lines))
	}
	values := 0
	for i, line := range lines {
		var want, got structureDefinition
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatalf("line %d: encoding/json: %v", i+2, err)
		}
		if err := decodeBuiltin(line, &got); err != nil {
			t.Fatalf("line %d: %v", i+2, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("line %d (%s) decodes differently", i+2, want.URL)
		}
		if want.Snapshot != nil {
			for _, e := range want.Snapshot.Element {
				if e.Fixed != nil || e.Pattern != nil || e.MinValue != nil || e.MaxValue != nil {
					values++
				}
			}
		}
	}
	if values == 0 {
		t.Error("no element with a fixed, pattern, minValue or maxValue: the comparison missed them")
	}
}

// TestBuiltinDecodeEdgeCases holds the forms the embedded file does not
// use today; each decodes as json.Unmarshal decodes it, or fails where it
// fails (and the loader then decodes the line the usual way).
func TestBuiltinDecodeEdgeCases(t *testing.T) {
	good := []string{
		`{"url":"u","context":["Element, Resource",null,{"type":"element","expression":"Patient"},{"expression":5},3]}`,
		`{"url":"u","contextType":"resource","context":[{"type":"element","expression":"Observation"}]}`,
		`{"url":"u","snapshot":{"element":[null,{"path":"Extension","min":0,"base":{"path":"Extension","min":null,"max":"*"},"fixedDecimal":1.0,"patternCodeableConcept":{"coding":[{"code":"x"}]},"minValueInteger":-2,"maxValueQuantity":{"value":3}}]},"differential":null}`,
		`{"url":"u","snapshot":{"element":[{"type":[{"code":"Reference","profile":["a","b"],"targetProfile":"c"},{"code":"uri","profile":null}],"binding":{"strength":"required","valueSetReference":{"reference":"http://x"}},"slicing":{"discriminator":[{"type":"value","path":"url"}],"rules":"open","ordered":true},"constraint":[],"fixed":1,"unknown":{"a":[true]}}]}}`,
		`{"url":"\u0075rl-with-escape","abstract":true,"snapshot":{"element":[]}}`,
	}
	for _, line := range good {
		var want, got structureDefinition
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatalf("%s: encoding/json: %v", line, err)
		}
		if err := decodeBuiltin([]byte(line), &got); err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", line, got, want)
		}
	}
	bad := []string{`{"url":"u"`, `{"url":5}`, `{"context":"Patient"}`, `{"snapshot":{"element":[{"min":1.5}]}}`, `{"snapshot":{"element":[{"fixedUri":}]}}`}
	for _, line := range bad {
		var want structureDefinition
		if json.Unmarshal([]byte(line), &want) == nil {
			t.Fatalf("%s: encoding/json accepts it; the case is wrong", line)
		}
		var got structureDefinition
		if decodeBuiltin([]byte(line), &got) == nil {
			t.Errorf("%s: accepted; encoding/json refuses it", line)
		}
	}
}

// TestBuiltinIndexMatchesScan loads the built-in definitions by the
// generated index and by scanning the file: the same definitions, lines,
// line numbers and sources.
func TestBuiltinIndexMatchesScan(t *testing.T) {
	if _, ok := schemas.STU3ExtensionLines(); !ok {
		t.Fatal("the generated index does not fit the embedded extension definitions: run go generate ./schemas")
	}
	byIndex, srcIndex, err := loadBuiltinIndexed()
	if err != nil {
		t.Fatal(err)
	}
	byScan, srcScan, err := loadBuiltin(schemas.STU3Extensions())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(byIndex.lazy.lines, byScan.lazy.lines) || !reflect.DeepEqual(byIndex.lazy.lineNo, byScan.lazy.lineNo) {
		t.Error("the definitions by the index differ from those by scanning")
	}
	if !reflect.DeepEqual(srcIndex, srcScan) {
		t.Error("the sources by the index differ from those by scanning")
	}
	if len(srcIndex) < 500 {
		t.Errorf("%d definitions", len(srcIndex))
	}
}
