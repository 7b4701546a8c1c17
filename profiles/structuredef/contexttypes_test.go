package structuredef

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// TestExtensionContextTypes: contextType extension admits an extension
// inside the extension its context names and nowhere else; contextType
// mapping cannot be judged and says so at information level, never as a
// pass without a word or as an error.
func TestExtensionContextTypes(t *testing.T) {
	const (
		parent  = "http://example.org/fhir/StructureDefinition/parent"
		child   = "http://example.org/fhir/StructureDefinition/child"
		mapped  = "http://example.org/fhir/StructureDefinition/mapped"
		subsume = "http://example.org/fhir/StructureDefinition/on-concept"
	)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"parent.json":  strings.Replace(extensionSD(parent, "resource", "Patient"), `{"path": "Extension.value[x]", "type": [{"code": "string"}]}`, `{"path": "Extension.value[x]", "max": "0"}`, 1),
		"child.json":   extensionSD(child, "extension", parent),
		"mapped.json":  extensionSD(mapped, "mapping", "rim: Act"),
		"concept.json": extensionSD(subsume, "resource", "CodeSystem.concept"),
	})
	r, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, tc := range []struct {
		name, src, want string
		sev             issue.Severity
	}{
		{"inside the named extension", `{"resourceType": "Patient", "extension": [{"url": "` + parent + `", "extension": [` + ext(child) + `]}]}`, "", ""},
		{"on the resource", `{"resourceType": "Patient", "extension": [` + ext(child) + `]}`, "Patient.extension[0]", "error"},
		{"mapping", `{"resourceType": "Patient", "extension": [` + ext(mapped) + `]}`, "Patient.extension[0]", "information"},
		{"through a contentReference", `{"resourceType": "CodeSystem", "status": "draft", "content": "complete", "concept": [{"code": "a", "concept": [{"code": "b", "extension": [` + ext(subsume) + `]}]}]}`, "", ""},
	} {
		for form, fs := range contextFindings(t, r, tc.src) {
			if tc.want == "" && len(fs) != 0 || tc.want != "" && (len(fs) != 1 || fs[0].Path != tc.want || fs[0].Severity != tc.sev) {
				t.Errorf("%s %s: want a %s context finding at %q, got:", tc.name, form, tc.sev, tc.want)
				dump(t, fs)
			}
		}
	}
}
