//go:build libxml2

package schema

import (
	"testing"
)

func FuzzValidateXML(f *testing.F) {
	f.Add([]byte(patientXML))
	f.Add([]byte(`<Bundle xmlns="http://hl7.org/fhir"><type value="x"/></Bundle>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Patient xmlns="http://hl7.org/fhir"><id value="&a;"/></Patient>`))
	f.Add([]byte(`<a`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkPositions(t, doc, ValidateXML(doc))
	})
}
