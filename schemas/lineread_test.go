package schemas

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
)

// TestLineDecoderMatchesEncodingJSON decodes every line of the embedded
// model and terminology both ways: the hand-written reader must give what
// encoding/json gives, field for field.
func TestLineDecoderMatchesEncodingJSON(t *testing.T) {
	n, want := 0, 0
	for name, data := range map[string][]byte{"model.jsonl": modelSTU3, "terminology.jsonl": terminologySTU3} {
		lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
		want += len(lines) - 1
		for i, line := range lines[1:] { // the header is still read by encoding/json
			where := name + ":" + strconv.Itoa(i+2)
			switch {
			case bytes.HasPrefix(line, typePrefix):
				var want, got Type
				if err := json.Unmarshal(line, &want); err != nil {
					t.Fatalf("%s: encoding/json: %v", where, err)
				}
				if err := readType(line, true, &got); err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if !reflect.DeepEqual(&got, &want) {
					t.Errorf("%s: type %s decodes differently", where, want.Name)
				}
			case bytes.HasPrefix(line, valueSetPrefix) && name == "model.jsonl":
				var want ValueSet
				if err := json.Unmarshal(line, &want); err != nil {
					t.Fatalf("%s: encoding/json: %v", where, err)
				}
				got, err := readValueSet(line, true)
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if !reflect.DeepEqual(got, &want) {
					t.Errorf("%s: value set %s decodes differently", where, want.URL)
				}
			case bytes.HasPrefix(line, valueSetPrefix):
				var want, got termValueSet
				if err := json.Unmarshal(line, &want); err != nil {
					t.Fatalf("%s: encoding/json: %v", where, err)
				}
				if err := readTermValueSet(line, true, &got); err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: value set %s decodes differently", where, want.URL)
				}
			case bytes.HasPrefix(line, codeSystemPrefix):
				var want CodeSystem
				if err := json.Unmarshal(line, &want); err != nil {
					t.Fatalf("%s: encoding/json: %v", where, err)
				}
				got, err := readCodeSystem(line, true)
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if !reflect.DeepEqual(got, &want) {
					t.Errorf("%s: code system %s decodes differently", where, want.URL)
				}
			default:
				t.Fatalf("%s: a line of no known kind", where)
			}
			n++
		}
	}
	if n == 0 || n != want {
		t.Errorf("compared %d lines of %d", n, want)
	}
}

// TestLineReaderEdgeCases holds the cases the embedded files do not: each
// must decode as encoding/json decodes it, or fail where it fails.
func TestLineReaderEdgeCases(t *testing.T) {
	good := []string{
		`{"type":"T","elements":[]}`,
		`{"type":"T","elements":null,"constraints":[null]}`,
		`{"type":"T\u00e9\"x","unknown":{"a":[1,2.5e3,true,null,"s"]},"abstract":true}`,
		` { "type" : "T" , "primitive" : { "maxLength" : 7 , "json" : "string" } } `,
		`{"elements":[{"path":"T","min":0,"max":"*","fixed":{"type":"Uri","value":{"a":[1]}},"types":[{"code":"x","profiles":[]}]}]}`,
		"{\"type\":\"bad \xff utf8\"}",
	}
	for _, line := range good {
		var want, got Type
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatalf("%s: encoding/json: %v", line, err)
		}
		if err := readType([]byte(line), false, &got); err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		if !reflect.DeepEqual(&got, &want) {
			t.Errorf("%s: got %+v, want %+v", line, got, want)
		}
	}
	bad := []string{
		``, `{`, `{"type":"T"`, `{"type":T}`, `{"type":"T"}x`, `{"elements":[{"min":1.5}]}`,
		`{"type":"T",}`, `{"abstract":tru}`, "{\"type\":\"a\x01b\"}", `{"elements":[1]}`, `[]`,
	}
	for _, line := range bad {
		var want Type
		if json.Unmarshal([]byte(line), &want) == nil {
			t.Fatalf("%s: encoding/json accepts it; the case is wrong", line)
		}
		var got Type
		if err := readType([]byte(line), false, &got); err == nil {
			t.Errorf("%s: accepted; encoding/json refuses it", line)
		}
	}
}

// TestHeaderCountsAreOnlyHints loads files whose headers claim far more
// entries than they hold: the counts size the indexes, and must not make
// a corrupt header allocate without bound or lose entries.
func TestHeaderCountsAreOnlyHints(t *testing.T) {
	m, err := Load([]byte(`{"model":"x","types":1099511627776,"valueSets":-5}` + "\n" +
		`{"type":"A","kind":"resource","elements":[{"path":"A","min":0,"max":"*"}]}` + "\n" +
		`{"type":"B","kind":"complex-type","elements":[{"path":"B","min":0,"max":"1"}]}` + "\n" +
		`{"valueSet":"http://x/vs","complete":true}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Type("A") == nil || m.Type("B") == nil || m.ValueSet("http://x/vs") == nil || !m.IsResource("A") {
		t.Errorf("entries lost: types %v", m.TypeNames())
	}
	term, err := LoadTerminology([]byte(`{"terminology":"x","valueSets":1,"codeSystems":1099511627776}` + "\n" +
		`{"valueSet":"http://x/a","complete":true}` + "\n" + `{"valueSet":"http://x/b","complete":false}` + "\n" +
		`{"codeSystem":"http://x/cs","concepts":[["c","C"]]}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if term.ValueSet("http://x/a") == nil || term.ValueSet("http://x/b") == nil || term.CodeSystem("http://x/cs") == nil {
		t.Errorf("entries lost: %v %v", term.ValueSetURLs(), term.CodeSystemURLs())
	}
}
