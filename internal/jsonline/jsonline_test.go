package jsonline

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestReaderReadsAsEncodingJSON reads values of every kind and compares
// them with what encoding/json makes of the same text.
func TestReaderReadsAsEncodingJSON(t *testing.T) {
	line := []byte(` {"s":"plain","e":"tab\tand \u00e9 and \"quote\"","n":-12,"b":true,"f":false,"z":null,` +
		`"a":["x","y"],"empty":[],"raw":{"k":[1,2.5e3,{"q":null}]},"skip":[{"a":{"b":[]}},"s",1,true,null]} `)
	var want struct {
		S, E, Z string
		N       int
		B, F    bool
		A       []string
		Empty   []string
		Raw     json.RawMessage
	}
	if err := json.Unmarshal(line, &want); err != nil {
		t.Fatal(err)
	}
	got := want
	got.S, got.E, got.Z, got.N, got.B, got.F, got.A, got.Empty, got.Raw = "", "", "x", 1, false, true, nil, nil, nil
	for _, alias := range []bool{false, true} {
		r := New(line, alias)
		r.Object(func(k string) {
			switch k {
			case "s":
				got.S = r.Str()
			case "e":
				got.E = r.Str()
			case "z":
				got.Z = r.Str()
			case "n":
				got.N = r.Int()
			case "b":
				got.B = r.Bool()
			case "f":
				got.F = r.Bool()
			case "a":
				got.A = r.Strs()
			case "empty":
				got.Empty = r.Strs()
			case "raw":
				got.Raw = r.Raw()
			default:
				r.Skip()
			}
		})
		if err := r.Done(); err != nil {
			t.Fatalf("alias %v: %v", alias, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("alias %v: got %+v, want %+v", alias, got, want)
		}
	}
}

// TestReaderReadsNumbers reads the forms of JSON numbers an integer may
// take and refuses a fraction, as encoding/json does for an int.
func TestReaderReadsNumbers(t *testing.T) {
	for _, text := range []string{`0`, `-0`, `7`, `-12`, `1234567`, `1.5`, `1e2`, `-0.0E+1`} {
		var want int
		wantErr := json.Unmarshal([]byte(text), &want) != nil
		r := New([]byte(text), false)
		got := r.Int()
		err := r.Done()
		if (err != nil) != wantErr || err == nil && got != want {
			t.Errorf("%s: got %d, %v; encoding/json %d, error %v", text, got, err, want, wantErr)
		}
		r = New([]byte(`[`+text+`,"x"]`), false)
		r.Array(r.Skip)
		if err := r.Done(); err != nil {
			t.Errorf("[%s,\"x\"]: skip: %v", text, err)
		}
	}
}

// TestReaderRefusesMalformedJSON checks that what encoding/json refuses
// is an error, never a partial value taken for whole.
func TestReaderRefusesMalformedJSON(t *testing.T) {
	for _, text := range []string{``, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":[1,]}`, `{"a":tru}`, `{"a":"x` + "\x01" + `"}`, `{"a":1} x`, `{"a":"unterminated}`,
		`{"a":01}`, `{"a":+1}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":--1}`, `{"a":1-2}`, `{"a":-}`} {
		var v any
		if json.Unmarshal([]byte(text), &v) == nil {
			t.Fatalf("%q: encoding/json accepts it; the case is wrong", text)
		}
		r := New([]byte(text), false)
		r.Object(func(string) { r.Skip() })
		if r.Done() == nil {
			t.Errorf("%q: accepted", text)
		}
	}
}
