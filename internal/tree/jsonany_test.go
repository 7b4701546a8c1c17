package tree

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
)

// decodeStd is what DecodeJSON must agree with: encoding/json into an any
// with UseNumber, refusing trailing data.
func decodeStd(src []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(src))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err == nil {
		return nil, &json.SyntaxError{}
	}
	return v, nil
}

func TestDecodeJSONAgreesWithEncodingJSON(t *testing.T) {
	files := sharedtest.Optional("fhir/stu3/examples/json/*.json")
	inputs := [][]byte{
		[]byte(`{"a":[1,-2.50e3,true,false,null,"x\u00e9\ud83d\ude00\n"],"b":{},"c":[]}`),
		[]byte(` "top" `), []byte(`12`), []byte(`[]`),
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, src)
	}
	if len(files) == 0 {
		t.Log("official examples not available (keep ../shared beside the repository): hand-made inputs only")
	}
	for i, src := range inputs {
		got, err := DecodeJSON(src)
		if err != nil {
			t.Errorf("input %d: %v", i, err)
			continue
		}
		want, err := decodeStd(src)
		if err != nil {
			t.Fatalf("input %d: encoding/json: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("input %d: DecodeJSON and encoding/json differ", i)
		}
	}
	for _, bad := range []string{`{"a":1,"a":2}`, `{"a":1`, `[1,]`, "\"\xff\"", `{} {}`} {
		if _, err := DecodeJSON([]byte(bad)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// FuzzDecodeJSON checks that whatever DecodeJSON accepts, encoding/json
// decodes to the same values (after a byte order mark, which only
// DecodeJSON allows).
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"resourceType":"Patient","name":[{"given":["A","B"]}],"active":true,"x":1.50}`))
	f.Add([]byte(`["\u00e9\ud83d\ude00", null, -0, 1e5]`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		got, err := DecodeJSON(src)
		if err != nil {
			return
		}
		want, err := decodeStd(bytes.TrimPrefix(src, []byte{0xEF, 0xBB, 0xBF}))
		if err != nil {
			t.Fatalf("DecodeJSON accepts %q, encoding/json refuses it: %v", src, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: DecodeJSON %#v, encoding/json %#v", src, got, want)
		}
	})
}
