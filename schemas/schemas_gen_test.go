package schemas_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/schemas/gen/jsonschemagen"
	"github.com/nemsfhir/nemsfhir/schemas/gen/xsdgen"
)

// The committed schemas are what the generators make from the committed
// model, byte for byte; the model itself is checked against the package by
// TestGeneratorReproducesCommittedModel.
func TestGeneratorsReproduceCommittedSchemas(t *testing.T) {
	m := schemas.STU3()
	for _, tc := range []struct {
		file      string
		committed []byte
		write     func(*bytes.Buffer) error
	}{
		{"stu3/fhir.xsd", schemas.STU3XSD(), func(b *bytes.Buffer) error { return xsdgen.Write(b, m) }},
		{"stu3/" + schemas.STU3XHTMLXSDName, schemas.STU3XHTMLXSD(), func(b *bytes.Buffer) error { return xsdgen.WriteXHTML(b) }},
	} {
		var got bytes.Buffer
		if err := tc.write(&got); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		// Twice, to catch map-order nondeterminism within one process too.
		var again bytes.Buffer
		if err := tc.write(&again); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if !bytes.Equal(got.Bytes(), again.Bytes()) {
			t.Errorf("%s: two generations differ", tc.file)
		}
		if !bytes.Equal(got.Bytes(), tc.committed) {
			gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(tc.committed), "\n")
			for i := 0; i < len(gl) && i < len(wl); i++ {
				if gl[i] != wl[i] {
					t.Fatalf("%s differs from a fresh generation at line %d (run go generate ./schemas):\n got %.200s\nwant %.200s", tc.file, i+1, gl[i], wl[i])
				}
			}
			t.Fatalf("%s differs from a fresh generation: %d lines vs %d (run go generate ./schemas)", tc.file, len(gl), len(wl))
		}
	}
}

// The committed JSON Schema folder holds exactly the documents the generator
// makes, byte for byte.
func TestGeneratorReproducesCommittedJSONSchemas(t *testing.T) {
	m := schemas.STU3()
	got, err := jsonschemagen.Files(m)
	if err != nil {
		t.Fatal(err)
	}
	again, err := jsonschemagen.Files(m)
	if err != nil {
		t.Fatal(err)
	}
	committed := schemas.STU3JSONSchemas()
	names := map[string]bool{}
	for i, f := range got {
		names[f.Name] = true
		if again[i].Name != f.Name || !bytes.Equal(again[i].Data, f.Data) {
			t.Errorf("%s: two generations differ", f.Name)
		}
		want, err := fs.ReadFile(committed, f.Name)
		if err != nil {
			t.Errorf("%s: not committed (run go generate ./schemas): %v", f.Name, err)
			continue
		}
		if !bytes.Equal(f.Data, want) {
			gl, wl := strings.Split(string(f.Data), "\n"), strings.Split(string(want), "\n")
			for i := 0; i < len(gl) && i < len(wl); i++ {
				if gl[i] != wl[i] {
					t.Errorf("stu3/jsonschema/%s differs from a fresh generation at line %d (run go generate ./schemas):\n got %.200s\nwant %.200s", f.Name, i+1, gl[i], wl[i])
					break
				}
			}
			if len(gl) != len(wl) {
				t.Errorf("stu3/jsonschema/%s differs from a fresh generation: %d lines vs %d (run go generate ./schemas)", f.Name, len(gl), len(wl))
			}
		}
	}
	entries, err := fs.ReadDir(committed, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !names[e.Name()] {
			t.Errorf("stu3/jsonschema/%s is committed but no longer generated", e.Name())
		}
	}
	if got[0].Name != jsonschemagen.SharedFile || jsonschemagen.SharedFile != schemas.STU3JSONSchemaRoot {
		t.Errorf("first document %s, shared %s, embedded root %s: want all the same", got[0].Name, jsonschemagen.SharedFile, schemas.STU3JSONSchemaRoot)
	}
}

// jsonDefs reads the $defs of one committed JSON Schema document.
func jsonDefs(t *testing.T, name string) map[string]json.RawMessage {
	t.Helper()
	raw, err := fs.ReadFile(schemas.STU3JSONSchemas(), name)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema string                     `json:"$schema"`
		Defs   map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if doc.Schema != jsonschemagen.Draft {
		t.Errorf("%s: $schema = %q", name, doc.Schema)
	}
	return doc.Defs
}

func TestJSONSchemaShape(t *testing.T) {
	m := schemas.STU3()
	for _, r := range m.ResourceNames() {
		if m.Type(r).Abstract {
			continue
		}
		if defs := jsonDefs(t, jsonschemagen.TypeFile(r)); defs[r] == nil {
			t.Errorf("%s: no definition for resource %s", jsonschemagen.TypeFile(r), r)
		}
	}
	shared := jsonDefs(t, jsonschemagen.SharedFile)
	for _, name := range []string{"Resource", "Element", "Identifier", "dateTime", "list:Extension"} {
		if shared[name] == nil {
			t.Errorf("%s: no definition %s", jsonschemagen.SharedFile, name)
		}
	}
	// The resource slot names no resource definition, so that compiling one
	// resource's document does not compile all of them.
	if strings.Contains(string(shared["Resource"]), "$ref") || !strings.Contains(string(shared["Resource"]), jsonschemagen.ResourceKeyword) {
		t.Errorf("Resource = %s, want a slot marked %s without references", shared["Resource"], jsonschemagen.ResourceKeyword)
	}
	doc := struct{ Defs map[string]json.RawMessage }{jsonDefs(t, "Subscription.schema.json")}
	var sub struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		AllOf      []json.RawMessage          `json:"allOf"`
	}
	if err := json.Unmarshal(doc.Defs["Subscription.channel"], &sub); err != nil {
		t.Fatal(err)
	}
	// channel.type is a required primitive: required through an anyOf
	// with its "_type" sibling, not through "required".
	if len(sub.AllOf) == 0 || sub.Properties["_type"] == nil || sub.Properties["type"] == nil {
		t.Errorf("Subscription.channel: type not required with its sibling: %s", doc.Defs["Subscription.channel"])
	}
	var bundle struct {
		Properties map[string]map[string]any `json:"properties"`
	}
	bundleDefs := jsonDefs(t, "Bundle.schema.json")
	if err := json.Unmarshal(bundleDefs["Bundle"], &bundle); err != nil {
		t.Fatal(err)
	}
	// Bundle.entry (0..*) is a shared array definition of Bundle.entry.
	e := bundle.Properties["entry"]
	if e["$ref"] != "#/$defs/list:Bundle.entry" {
		t.Fatalf("Bundle.entry = %v", e)
	}
	var list map[string]any
	if err := json.Unmarshal(bundleDefs["list:Bundle.entry"], &list); err != nil {
		t.Fatal(err)
	}
	if list["type"] != "array" || list["minItems"] != float64(1) {
		t.Errorf("list:Bundle.entry = %v, want a non-empty array", list)
	}
}

func TestXSDShape(t *testing.T) {
	if schemas.STU3XHTMLXSDName != xsdgen.XHTMLFile {
		t.Errorf("the XSD imports %s, but STU3XHTMLXSDName says %s", xsdgen.XHTMLFile, schemas.STU3XHTMLXSDName)
	}
	x := string(schemas.STU3XSD())
	for _, want := range []string{
		`targetNamespace="http://hl7.org/fhir"`,
		`<xs:import namespace="http://www.w3.org/1999/xhtml" schemaLocation="` + schemas.STU3XHTMLXSDName + `"/>`,
		`<xs:complexType name="ResourceContainer">`,
		`<xs:element name="Bundle" type="Bundle"/>`,
		`<xs:element ref="xhtml:div"/>`,
		`<xs:attribute name="url" type="uri.value" use="required"/>`,
		`<xs:element name="resource" type="ResourceContainer" minOccurs="0"/>`,
		`<xs:complexType name="Bundle.entry.request">`,
		`<xs:element name="valueQuantity" type="Quantity"/>`,
		`<xs:element name="item" type="Questionnaire.item" minOccurs="0" maxOccurs="unbounded"/>`,
	} {
		if !strings.Contains(x, want) {
			t.Errorf("XSD lacks %s", want)
		}
	}
	for _, abstract := range []string{"Resource", "DomainResource", "Element", "BackboneElement"} {
		if strings.Contains(x, `<xs:complexType name="`+abstract+`">`) {
			t.Errorf("XSD defines the abstract type %s", abstract)
		}
	}
}
