package schemas_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/schemas/gen/modelgen"
)

// packagePath is the official STU3 package in the reference data.
const packagePath = "fhir/stu3/definitions/package-3.0.2/hl7.fhir.r3.examples-3.0.2.tgz"

func openPackage(t *testing.T) *os.File {
	t.Helper()
	path := os.Getenv("NEMSFHIR_STU3_PACKAGE")
	if path == "" {
		path = sharedtest.Path(t, packagePath)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("STU3 package: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// packageStructures reads the raw StructureDefinitions of the package, for
// facts checked against the package itself rather than the model.
var (
	structuresOnce sync.Once
	structures     map[string]map[string]any
)

func packageStructures(t *testing.T) map[string]map[string]any {
	t.Helper()
	f := openPackage(t)
	structuresOnce.Do(func() {
		structures = map[string]map[string]any{}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			base := filepath.Base(h.Name)
			if !strings.HasPrefix(base, "StructureDefinition-") {
				continue
			}
			var sd map[string]any
			if err := json.NewDecoder(tr).Decode(&sd); err != nil {
				t.Fatalf("%s: %v", h.Name, err)
			}
			structures[sd["id"].(string)] = sd
		}
	})
	return structures
}

func TestGeneratorReproducesCommittedModel(t *testing.T) {
	f := openPackage(t)
	pkg, err := modelgen.ReadPackage(f)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := modelgen.Write(&got, pkg, filepath.Base(packagePath)); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("stu3/model.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("model differs from a fresh generation at line %d (run go generate ./schemas):\n got %.200s\nwant %.200s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("model differs from a fresh generation: %d lines vs %d (run go generate ./schemas)", len(gl), len(wl))
	}
}

func TestResourceCountMatchesPackage(t *testing.T) {
	sds := packageStructures(t)
	want := 0
	for _, sd := range sds {
		if sd["kind"] == "resource" && sd["derivation"] != "constraint" {
			want++
		}
	}
	got := len(schemas.STU3().ResourceNames())
	if got != want {
		t.Errorf("model has %d resource types, package has %d resource StructureDefinitions", got, want)
	}
	if want < 100 {
		t.Errorf("suspiciously few resources in the package: %d", want)
	}
}

func TestElementFacts(t *testing.T) {
	m := schemas.STU3()
	for _, tc := range []struct {
		path, card, types string
	}{
		{"MessageHeader.event", "1..1", "Coding"},
		{"Bundle.entry", "0..*", "BackboneElement"},
		{"Bundle.entry.resource", "0..1", "Resource"},
		{"Patient.name", "0..*", "HumanName"},
		{"Patient.name.given", "0..*", "string"},
		{"Subscription.channel.type", "1..1", "code"},
		{"Questionnaire.item.item", "0..*", ""},
		{"Observation.valueQuantity.value", "0..1", "decimal"},
		{"Extension.url", "1..1", "uri"},
	} {
		e, err := m.Element(tc.path)
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if got := e.Cardinality(); got != tc.card {
			t.Errorf("%s: cardinality %s, want %s", tc.path, got, tc.card)
		}
		if got := strings.Join(e.TypeCodes(), "|"); got != tc.types {
			t.Errorf("%s: types %q, want %q", tc.path, got, tc.types)
		}
	}
	if e, _ := m.Element("Questionnaire.item.item"); e.ContentReference != "#Questionnaire.item" {
		t.Errorf("Questionnaire.item.item contentReference = %q", e.ContentReference)
	}
	if e, _ := m.Element("Extension.url"); e.Representation != "xmlAttr" {
		t.Errorf("Extension.url representation = %q, want xmlAttr", e.Representation)
	}
	if e, _ := m.Element("Narrative.div"); e.Types[0].Code != "xhtml" || e.Min != 1 {
		t.Errorf("Narrative.div = %s %v, want 1..1 xhtml", e.Cardinality(), e.TypeCodes())
	}
	if _, err := m.Element("Patient.nonsense"); err == nil {
		t.Error("Patient.nonsense resolved")
	}
}

func TestObservationValueChoicesMatchPackage(t *testing.T) {
	sds := packageStructures(t)
	var want []string
	for _, el := range sds["Observation"]["snapshot"].(map[string]any)["element"].([]any) {
		el := el.(map[string]any)
		if el["path"] != "Observation.value[x]" {
			continue
		}
		for _, ty := range el["type"].([]any) {
			code := ty.(map[string]any)["code"].(string)
			want = append(want, "value"+strings.ToUpper(code[:1])+code[1:])
		}
	}
	e, err := schemas.STU3().Element("Observation.value[x]")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range e.Choices {
		got = append(got, c.Name)
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("Observation.value[x] expands to %v, package lists %v", got, want)
	}
	// Every expansion resolves as a member name under Observation.
	m := schemas.STU3()
	obs := m.Type("Observation").Root()
	for _, c := range e.Choices {
		mem, ok := m.Child(obs, "Observation", c.Name)
		if !ok || mem.Element != e || mem.Type != c.Type {
			t.Errorf("Child(Observation, %s) = %+v, %v", c.Name, mem, ok)
		}
	}
}

func TestSubscriptionChannelTypeBinding(t *testing.T) {
	m := schemas.STU3()
	e, err := m.Element("Subscription.channel.type")
	if err != nil {
		t.Fatal(err)
	}
	if e.Binding == nil || e.Binding.Strength != "required" {
		t.Fatalf("binding = %+v, want required", e.Binding)
	}
	vs := m.ValueSet(e.Binding.ValueSet)
	if vs == nil || !vs.Complete {
		t.Fatalf("value set %s: %+v", e.Binding.ValueSet, vs)
	}
	var got []string
	for _, c := range vs.Codes {
		got = append(got, c.Code)
	}
	want := []string{"email", "message", "rest-hook", "sms", "websocket"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("codes %v, want %v", got, want)
	}
	if !vs.Contains("http://hl7.org/fhir/subscription-channel-type", "rest-hook") || vs.Contains("http://hl7.org/fhir/subscription-channel-type", "ftp") {
		t.Error("Contains disagrees with the codes")
	}
}

func TestPatientElementOrderMatchesPackage(t *testing.T) {
	sds := packageStructures(t)
	var want []string
	for _, el := range sds["Patient"]["snapshot"].(map[string]any)["element"].([]any) {
		want = append(want, el.(map[string]any)["path"].(string))
	}
	var got []string
	for _, e := range schemas.STU3().Type("Patient").Elements {
		got = append(got, e.Path)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Patient elements:\n got %v\nwant %v", got, want)
	}
}

func TestPrimitives(t *testing.T) {
	m := schemas.STU3()
	for _, tc := range []struct{ name, json, regexPart string }{
		{"boolean", "boolean", ""},
		{"decimal", "number", `(\.[0-9]+)?`},
		{"integer", "number", `-?([0]|([1-9][0-9]*))`},
		{"dateTime", "string", "14:00"},
		{"id", "string", "{1,64}"},
		{"string", "string", ""},
		{"xhtml", "string", ""},
	} {
		ty := m.Type(tc.name)
		if ty == nil || ty.Primitive == nil {
			t.Errorf("%s: not a primitive type", tc.name)
			continue
		}
		if ty.Primitive.JSON != tc.json {
			t.Errorf("%s: JSON %q, want %q", tc.name, ty.Primitive.JSON, tc.json)
		}
		if !strings.Contains(ty.Primitive.Regex, tc.regexPart) {
			t.Errorf("%s: regex %q lacks %q", tc.name, ty.Primitive.Regex, tc.regexPart)
		}
	}
	if got := m.Type("string").Primitive.MaxLength; got != 1048576 {
		t.Errorf("string maxLength %d", got)
	}
	// A primitive's children are id, extension and value.
	var names []string
	for _, c := range m.Children(m.Type("date").Root(), "date") {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "id,extension,value" {
		t.Errorf("date children %v", names)
	}
}

func TestConstraints(t *testing.T) {
	m := schemas.STU3()
	root := m.Type("Bundle").Root()
	keys := map[string]*schemas.Constraint{}
	for _, c := range root.Constraints() {
		keys[c.Key] = c
	}
	for _, k := range []string{"bdl-1", "bdl-2", "bdl-3", "bdl-4", "bdl-7"} {
		c := keys[k]
		if c == nil {
			t.Errorf("Bundle lacks %s", k)
			continue
		}
		if c.Expression == "" || c.XPath == "" || c.Human == "" || c.Severity == "" {
			t.Errorf("%s incomplete: %+v", k, c)
		}
	}
	if c := keys["dom-1"]; c != nil {
		t.Errorf("Bundle is not a DomainResource but carries dom-1")
	}
	if _, ok := func() (map[string]bool, bool) {
		for _, c := range m.Type("Patient").Root().Constraints() {
			if c.Key == "dom-2" {
				return nil, true
			}
		}
		return nil, false
	}(); !ok {
		t.Error("Patient root lacks dom-2")
	}
}

func TestEveryTypeDecodes(t *testing.T) {
	m := schemas.STU3()
	names := m.TypeNames()
	if len(names) != m.Header.Types {
		t.Errorf("%d types indexed, header says %d", len(names), m.Header.Types)
	}
	for _, n := range names {
		ty := m.Type(n)
		for _, e := range ty.Elements {
			if e.Index == 0 {
				continue
			}
			// Every non-root element resolves through its parent.
			parent := e.Parent
			code := ""
			if parent.Index == 0 {
				code = ty.Name
			}
			found := false
			for _, c := range m.Children(parent, code) {
				if c == e {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: not among its parent's children", e.Path)
			}
		}
	}
	if got := len(m.ValueSetURLs()); got != m.Header.ValueSets {
		t.Errorf("%d value sets, header says %d", got, m.Header.ValueSets)
	}
}
