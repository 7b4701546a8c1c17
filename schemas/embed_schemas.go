package schemas

import (
	"embed"
	"io/fs"
)

// The schemas generated from the model by ./gen, beside it in stu3/.
var (
	//go:embed stu3/fhir.xsd
	xsdSTU3 []byte
	//go:embed stu3/fhir-xhtml.xsd
	xhtmlXSDSTU3 []byte
	//go:embed stu3/jsonschema/*.schema.json
	jsonSchemaSTU3 embed.FS
)

// STU3XSD returns the XML Schema for FHIR STU3 generated from the model: one
// document in the namespace http://hl7.org/fhir that imports the XHTML
// schema of STU3XHTMLXSD from the file STU3XHTMLXSDName beside it. Callers
// must not modify the returned slice.
func STU3XSD() []byte { return xsdSTU3 }

// STU3XHTMLXSDName is the file name under which STU3XSD imports the XHTML
// schema.
const STU3XHTMLXSDName = "fhir-xhtml.xsd"

// STU3XHTMLXSD returns the small XHTML schema that declares the narrative's
// div, imported by STU3XSD. Callers must not modify the returned slice.
func STU3XHTMLXSD() []byte { return xhtmlXSDSTU3 }

// STU3JSONSchemaRoot is the name, in STU3JSONSchemas, of the document whose
// root accepts any one resource and which holds the definitions shared by
// all resource types.
const STU3JSONSchemaRoot = "fhir.schema.json"

// STU3JSONSchemas returns the JSON Schema (draft 2020-12) for FHIR STU3
// resources generated from the model, as a folder of documents: the shared
// one, STU3JSONSchemaRoot, and one "<Type>.schema.json" per resource type,
// which refer to each other by relative URL. A resource slot (a Bundle
// entry's resource, contained, ...) carries the keyword
// "x-nemsfhir-resource", which says that it is to be checked against the
// document of the resource type it holds (see package validate/schema).
func STU3JSONSchemas() fs.FS {
	sub, err := fs.Sub(jsonSchemaSTU3, "stu3/jsonschema")
	if err != nil {
		panic(err) // a constant, valid path
	}
	return sub
}
