package schema

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// The official STU3 schemas are the oracle: the generated XSD must give the
// same verdict as fhir-single.xsd on every official XML example and on
// the NEMS examples, and the generated JSON Schema must accept every
// official JSON example but the listed ones.

func TestJSONSchemaAcceptsOfficialExamples(t *testing.T) {
	files := glob(t, "fhir/stu3/examples/json/*.json")
	rejects := readList(t, "testdata/jsonschema-rejects.txt")
	accepted := 0
	for _, f := range files {
		name := filepath.Base(f)
		ps := ValidateJSON(mustRead(t, f))
		_, listed := rejects[name]
		delete(rejects, name)
		switch {
		case len(ps) == 0 && listed:
			t.Errorf("%s: listed in testdata/jsonschema-rejects.txt but accepted: remove it", name)
		case len(ps) == 0:
			accepted++
		case !listed:
			t.Errorf("%s: rejected:\n  %v", name, ps)
		}
	}
	for name := range rejects {
		t.Errorf("%s: listed in testdata/jsonschema-rejects.txt but not among the examples", name)
	}
	t.Logf("%d JSON examples: %d accepted", len(files), accepted)
}

// noLoader refuses every URL: the official schema is one document.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is not part of the official JSON Schema", url)
}

var (
	officialJSONOnce sync.Once
	officialJSONComp *jsonschema.Compiler
	officialJSONErr  error
	officialJSONDefs = map[string]*jsonschema.Schema{}
)

// officialJSONValid validates doc with the definition the official STU3
// JSON Schema gives for its resourceType (its root validates nothing, and
// its ResourceList is ambiguous), disregarding the failures its known
// defects cause.
func officialJSONValid(t testing.TB, doc []byte) bool {
	t.Helper()
	path := filepath.Join(sharedDir(t), "fhir", "stu3", "json-schema", "fhir.schema.json")
	officialJSONOnce.Do(func() {
		raw, err := os.ReadFile(path)
		if err != nil {
			officialJSONErr = err
			return
		}
		schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			officialJSONErr = err
			return
		}
		officialJSONComp = jsonschema.NewCompiler()
		officialJSONComp.UseLoader(noLoader{})
		officialJSONErr = officialJSONComp.AddResource("urn:official:fhir.schema.json", schemaDoc)
	})
	if officialJSONErr != nil {
		t.Fatalf("reading the official JSON Schema: %v", officialJSONErr)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return false
	}
	obj, _ := inst.(map[string]any)
	rt, _ := obj["resourceType"].(string)
	if rt == "" || !schemas.STU3().IsResource(rt) {
		return false
	}
	s := officialJSONDefs[rt]
	if s == nil {
		s, err = officialJSONComp.Compile("urn:official:fhir.schema.json#/definitions/" + rt)
		if err != nil {
			t.Fatalf("compiling the official definition of %s: %v", rt, err)
		}
		officialJSONDefs[rt] = s
	}
	err = s.Validate(inst)
	if err == nil {
		return true
	}
	verr, ok := err.(*jsonschema.ValidationError)
	return ok && onlyOfficialDefects(verr)
}

// onlyOfficialDefects reports whether every failure in an error tree of
// the official schema comes from one of its two known defects rather than
// from the document:
//   - its ResourceList oneOf matches every contained or Bundle entry
//     resource twice, because its DomainResource and Parameters
//     alternatives do not pin resourceType;
//   - on a repeating code element it puts the code list on the array
//     instead of on the items, so no array can match.
func onlyOfficialDefects(e *jsonschema.ValidationError) bool {
	if len(e.Causes) == 0 {
		switch k := e.ErrorKind.(type) {
		case *kind.OneOf:
			return len(k.Subschemas) > 1
		case *kind.Enum:
			_, isArray := k.Got.([]any)
			return isArray
		}
		return false
	}
	for _, c := range e.Causes {
		if !onlyOfficialDefects(c) {
			return false
		}
	}
	return true
}

// Stricter means: whatever the official STU3 JSON Schema rejects, the
// generated one rejects too, on the examples and on the mutations.
func TestJSONSchemaStricterThanOfficial(t *testing.T) {
	dir := sharedDir(t)
	// The official schema validates each nested resource against all of
	// its resource definitions (a oneOf), which takes minutes over all the
	// examples under -race; by default only the examples without nested
	// resources are used.
	full := os.Getenv("NEMSFHIR_FULL_ORACLE") != ""
	var docs []string
	var names []string
	for _, f := range glob(t, "fhir/stu3/examples/json/*.json") {
		doc := string(mustRead(t, f))
		if !full && strings.Count(doc, `"resourceType"`) > 1 {
			continue
		}
		docs = append(docs, doc)
		names = append(names, filepath.Base(f))
	}
	for _, m := range jsonMutations {
		doc := string(mustRead(t, filepath.Join(dir, m.file)))
		docs = append(docs, applyMutation(t, doc, m.mutation))
		names = append(names, filepath.Base(m.file)+" ("+m.name+")")
	}
	officialRejects, onlyOurs := 0, 0
	for i, doc := range docs {
		theirs := officialJSONValid(t, []byte(doc))
		ours := ValidateJSON([]byte(doc))
		switch {
		case !theirs && ours == nil:
			t.Errorf("%s: the official JSON Schema rejects it, the generated one accepts it", names[i])
		case !theirs:
			officialRejects++
		case ours != nil:
			onlyOurs++
			t.Logf("only the generated schema rejects %s: %v", names[i], ours[0])
		}
	}
	t.Logf("%d documents (set NEMSFHIR_FULL_ORACLE=1 for all examples): official rejects %d, all rejected by ours too; only ours rejects %d",
		len(docs), officialRejects, onlyOurs)
}
