package transform_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

// Convert a stream of payloads to JSON with two workers; the results come
// in input order, each with its output or the reason it was not converted.
func ExampleConvertAll() {
	payload := func(name, src string) inputs.Input {
		return inputs.Input{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(src)), nil }}
	}
	in := []inputs.Input{
		payload("a.xml", `<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>`),
		payload("b.xml", `<Patient xmlns="http://hl7.org/fhir"><colour value="red"/></Patient>`),
		payload("c.json", `{"resourceType":"Patient"}`),
	}
	err := transform.ConvertAll(context.Background(), slices.Values(in), transform.BatchOptions{To: transform.JSON, Workers: 2}, func(r transform.BatchResult) error {
		switch {
		case r.ReadErr != nil:
			fmt.Println(r.Input.Name, "not read:", r.ReadErr)
		case r.Err != nil:
			fmt.Println(r.Input.Name, "not converted:", r.Err)
		default:
			fmt.Println(r.Input.Name, string(r.Output))
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// a.xml {"resourceType":"Patient","active":true}
	// b.xml not converted: 1:38: Patient.colour: unknown element <colour> in Patient
	// c.json not converted: already in the target format; nothing to convert
}
