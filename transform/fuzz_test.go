package transform

import (
	"bytes"
	"os"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
)

// addNEMSSeeds adds the NEMS examples (XML, or their JSON forms) as seeds
// when the reference data is present.
func addNEMSSeeds(f *testing.F, asJSON bool) {
	files := sharedtest.Optional("corpus/nems-examples/*.xml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		if asJSON {
			if b, _, err = XMLToJSON(b, Options{}); err != nil {
				continue
			}
		}
		f.Add(b)
	}
}

// Fuzz targets: no input may panic, and whatever converts must convert
// back, to the same result (the converter's output is always valid input).

var fuzzXMLSeeds = []string{
	`<Patient xmlns="http://hl7.org/fhir"><id value="p"/><name><given value="A"/><given id="x"><extension url="u"><valueString value="v"/></extension></given></name></Patient>`,
	`<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="t"/></code><valueQuantity><value value="1.50"/></valueQuantity></Observation>`,
	`<Bundle xmlns="http://hl7.org/fhir"><type value="message"/><entry><resource><MessageHeader><event><code value="x"/></event></MessageHeader></resource></entry></Bundle>`,
	`<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>a &amp; b<br/></p></div></text><!-- c --></Patient>`,
	`<!DOCTYPE x [<!ENTITY e "y">]><Patient xmlns="http://hl7.org/fhir"/>`,
}

var fuzzJSONSeeds = []string{
	`{"resourceType":"Patient","id":"p","name":[{"given":["A",null],"_given":[null,{"id":"x"}]}]}`,
	`{"resourceType":"Observation","status":"final","code":{"text":"t"},"valueQuantity":{"value":1.50e3}}`,
	`{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"MessageHeader","event":{"code":"x"}}}]}`,
	`{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">\u00e9</div>"}}`,
	`{"resourceType":"Patient","active":true,"active":false}`,
}

func FuzzXMLToJSON(f *testing.F) {
	for _, s := range fuzzXMLSeeds {
		f.Add([]byte(s))
	}
	addNEMSSeeds(f, false)
	f.Fuzz(func(t *testing.T, src []byte) {
		j, _, err := XMLToJSON(src, Options{})
		if err != nil {
			return
		}
		x, _, err := JSONToXML(j, Options{})
		if err != nil {
			t.Fatalf("JSON output does not convert back: %v\n%s", err, j)
		}
		j2, _, err := XMLToJSON(x, Options{})
		if err != nil {
			t.Fatalf("XML written from JSON does not read: %v\n%s", err, x)
		}
		if !bytes.Equal(j, j2) {
			t.Fatalf("round trip differs:\n%s\n%s", j, j2)
		}
	})
}

func FuzzJSONToXML(f *testing.F) {
	for _, s := range fuzzJSONSeeds {
		f.Add([]byte(s))
	}
	addNEMSSeeds(f, true)
	f.Fuzz(func(t *testing.T, src []byte) {
		x, _, err := JSONToXML(src, Options{})
		if err != nil {
			return
		}
		j, _, err := XMLToJSON(x, Options{})
		if err != nil {
			t.Fatalf("XML output does not convert back: %v\n%s", err, x)
		}
		x2, _, err := JSONToXML(j, Options{})
		if err != nil {
			t.Fatalf("JSON written from XML does not read: %v\n%s", err, j)
		}
		if !bytes.Equal(x, x2) {
			t.Fatalf("round trip differs:\n%s\n%s", x, x2)
		}
	})
}
