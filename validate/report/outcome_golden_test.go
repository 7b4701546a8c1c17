package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

var update = flag.Bool("update", false, "rewrite testdata/outcome from the current OperationOutcome writer")

// resOdd carries the characters an escaper can get wrong: quotes of both
// kinds, markup, tab, line ends, and text beyond ASCII.
var resOdd = &validate.Result{Source: "odd\t'name'.json", Format: "json", Kind: "unknown",
	Issues: []validate.Issue{{Severity: validate.SeverityError, Code: "value", Spine: validate.SpineCode("INVALID_VALUE"), Rule: "fhir:primitive",
		Path: "Patient.name[0].family", Line: 3, Column: 14, Message: "value \"O'Brien <&> Zoë\"\tis not\r\nallowed: 日本"}}}

// outcomeOutputs renders, under a file name each, everything that writes
// an OperationOutcome: Result.Outcome in both forms, and the outcome
// reporter for one payload and for several (a Bundle), in both forms.
func outcomeOutputs(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	for name, r := range map[string]*validate.Result{"valid": resValid, "bad": resBad, "noplace": resNoPlace, "odd": resOdd} {
		out[name+".xml"] = r.Outcome().XML()
		out[name+".json"] = r.Outcome().JSON()
		for _, asJSON := range []bool{false, true} {
			var b bytes.Buffer
			render(t, NewOutcome(&b, asJSON), r)
			out[name+".report"+ext(asJSON)] = b.Bytes()
		}
	}
	for _, asJSON := range []bool{false, true} {
		var b bytes.Buffer
		render(t, NewOutcome(&b, asJSON), resValid, resBad, resNoPlace, resOdd)
		out["bundle.report"+ext(asJSON)] = b.Bytes()
	}
	return out
}

func ext(asJSON bool) string {
	if asJSON {
		return ".json"
	}
	return ".xml"
}

// TestOutcomeGolden: the OperationOutcomes read back to the same content
// as the goldens, which were written by the writer this one replaced
// (fmt and encoding/json): same elements, attributes and values, whatever
// the escaping and white space.
func TestOutcomeGolden(t *testing.T) {
	dir := filepath.Join("testdata", "outcome")
	outs := outcomeOutputs(t)
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range outs {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	for name, got := range outs {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		var gerr, werr error
		if strings.HasSuffix(name, ".json") {
			gerr, werr = json.Unmarshal(got, &g), json.Unmarshal(want, &w)
		} else {
			g, gerr = xmlReadBack(got)
			w, werr = xmlReadBack(want)
		}
		if gerr != nil || werr != nil {
			t.Fatalf("%s: does not read back: %v / golden %v\n%s", name, gerr, werr, got)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: reads back differently from the golden\n got: %v\nwant: %v\n%s", name, g, w, got)
		}
	}
}

// xmlReadBack lists the elements of an XML document in order, each with its
// namespace, name and sorted attributes, and its text with the white space
// that indentation adds trimmed away.
func xmlReadBack(b []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var out []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var attrs []string
			for _, a := range t.Attr {
				attrs = append(attrs, a.Name.Space+" "+a.Name.Local+"="+a.Value)
			}
			sort.Strings(attrs)
			out = append(out, "<"+t.Name.Space+" "+t.Name.Local+" "+strings.Join(attrs, " | "))
		case xml.EndElement:
			out = append(out, "</"+t.Name.Local)
		case xml.CharData:
			if s := strings.TrimSpace(string(t)); s != "" {
				out = append(out, "text "+s)
			}
		case xml.ProcInst, xml.Comment, xml.Directive:
			return nil, &xml.SyntaxError{Msg: "unexpected markup in an OperationOutcome"}
		}
	}
}

var (
	fhirOnce sync.Once
	fhirV    *validate.Validator
	fhirErr  error
)

// TestOutcomeIsValidFHIR: every OperationOutcome the project writes, and
// the Bundles of them, pass the project's own validator (STU3 model, XSD
// or JSON Schema, invariants).
func TestOutcomeIsValidFHIR(t *testing.T) {
	fhirOnce.Do(func() { fhirV, fhirErr = validate.New(validate.Options{NoRules: true}) })
	if fhirErr != nil {
		t.Fatal(fhirErr)
	}
	for name, b := range outcomeOutputs(t) {
		res := fhirV.Validate(name, b)
		if !res.Valid() || res.ResourceType == "" {
			t.Errorf("%s is not valid FHIR STU3: %v\n%s", name, res.Issues, b)
		}
	}
}
