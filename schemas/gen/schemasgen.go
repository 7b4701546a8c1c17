package main

import (
	"bytes"
	"fmt"
	"path/filepath"

	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/schemas/gen/jsonschemagen"
	"github.com/nemsfhir/nemsfhir/schemas/gen/xsdgen"
)

// writeSchemas writes the XML Schema (with the XHTML schema it imports,
// beside it) and the JSON Schema generated from the model file just
// written. An empty path skips that schema.
func writeSchemas(model []byte, xsdPath, jsonPath string) error {
	m, err := schemas.Load(model)
	if err != nil {
		return fmt.Errorf("reloading the model: %v", err)
	}
	if xsdPath != "" {
		var main, xhtml bytes.Buffer
		if err := xsdgen.Write(&main, m); err != nil {
			return fmt.Errorf("XML Schema: %v", err)
		}
		if err := xsdgen.WriteXHTML(&xhtml); err != nil {
			return err
		}
		if err := writeAtomic(xsdPath, main.Bytes()); err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(filepath.Dir(xsdPath), xsdgen.XHTMLFile), xhtml.Bytes()); err != nil {
			return err
		}
	}
	if jsonPath != "" {
		var js bytes.Buffer
		if err := jsonschemagen.Write(&js, m); err != nil {
			return fmt.Errorf("JSON Schema: %v", err)
		}
		if err := writeAtomic(jsonPath, js.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
