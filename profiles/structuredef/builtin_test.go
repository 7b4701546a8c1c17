package structuredef

import "testing"

// TestBuiltinDefinitionsCompile: every built-in extension definition
// compiles, with nothing left unchecked, so that none is taken for unknown
// or checked in part.
func TestBuiltinDefinitionsCompile(t *testing.T) {
	errs, n, err := builtinErrors()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Error(e)
	}
	reg, _ := Builtin()
	for _, w := range reg.Warnings() {
		t.Errorf("part of a built-in definition is not checked: %v", w)
	}
	counts := map[string]int{}
	for u := range reg.lazy.lines {
		counts[BuiltinSource(u)]++
		if p := reg.Profile(u); p == nil || !p.IsExtension() {
			t.Errorf("%s: not compiled as an extension definition", u)
		}
	}
	if counts["core"] != 376 || counts["nhs"] == 0 || counts["careconnect"] == 0 || counts["core"]+counts["nhs"]+counts["careconnect"] != n {
		t.Errorf("built in by source: %v of %d", counts, n)
	}
	t.Logf("built in: %d core, %d NHS, %d CareConnect extension definitions", counts["core"], counts["nhs"], counts["careconnect"])
	if reg.Profile("http://hl7.org/fhir/StructureDefinition/no-such-extension") != nil {
		t.Error("an unknown URL resolved")
	}
}
