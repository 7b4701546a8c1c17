package schemas

import _ "embed"

// The schemas generated from the model by ./gen, beside it in stu3/.
var (
	//go:embed stu3/fhir.xsd
	xsdSTU3 []byte
	//go:embed stu3/fhir-xhtml.xsd
	xhtmlXSDSTU3 []byte
	//go:embed stu3/fhir.schema.json
	jsonSchemaSTU3 []byte
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

// STU3JSONSchema returns the JSON Schema (draft 2020-12) for FHIR STU3
// resources generated from the model; its root accepts any one resource.
// Callers must not modify the returned slice.
func STU3JSONSchema() []byte { return jsonSchemaSTU3 }
