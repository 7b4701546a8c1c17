package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/schemas/gen/jsonschemagen"
	"github.com/nemsfhir/nemsfhir/schemas/gen/xsdgen"
)

// writeSchemas writes the XML Schema (with the XHTML schema it imports,
// beside it) and the JSON Schema documents (the shared one at jsonPath, one
// per resource type beside it) generated from the model file just written.
// An empty path skips that schema.
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
		files, err := jsonschemagen.Files(m)
		if err != nil {
			return fmt.Errorf("JSON Schema: %v", err)
		}
		// The shared document goes to jsonPath, each resource's beside it.
		dir := filepath.Dir(jsonPath)
		written := map[string]bool{}
		for _, f := range files {
			path := filepath.Join(dir, f.Name)
			if f.Name == jsonschemagen.SharedFile {
				path = jsonPath
			}
			if err := writeAtomic(path, f.Data); err != nil {
				return err
			}
			written[filepath.Base(path)] = true
		}
		// A resource type the model no longer has leaves no stale document.
		old, err := filepath.Glob(filepath.Join(dir, "*.schema.json"))
		if err != nil {
			return err
		}
		for _, o := range old {
			if !written[filepath.Base(o)] {
				if err := os.Remove(o); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
