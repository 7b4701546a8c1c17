package validate_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/tripctx"
	"github.com/nemsfhir/nemsfhir/validate"
)

const constrainedPatient = "https://example.org/fhir/StructureDefinition/Test-ConstrainedPatient-1"

// constrainedPatientIG writes a folder holding one Patient profile with a
// FHIRPath constraint on each of several elements, one of which every
// Patient of bigBundle breaks (no more than one given name).
func constrainedPatientIG(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sd := `{"resourceType": "StructureDefinition",
  "url": "` + constrainedPatient + `",
  "name": "Test-ConstrainedPatient-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Patient", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
  "differential": {"element": [
    {"id": "Patient", "path": "Patient", "constraint": [
      {"key": "tcp-1", "severity": "error", "human": "a name", "expression": "name.exists()"},
      {"key": "tcp-2", "severity": "error", "human": "a birth date", "expression": "birthDate.exists()"},
      {"key": "tcp-3", "severity": "error", "human": "a gender", "expression": "gender.exists()"}]},
    {"id": "Patient.name", "path": "Patient.name", "constraint": [
      {"key": "tcp-4", "severity": "error", "human": "a family name", "expression": "family.exists()"},
      {"key": "tcp-5", "severity": "error", "human": "one given name at most", "expression": "given.count() <= 1"}]},
    {"id": "Patient.telecom", "path": "Patient.telecom", "constraint": [
      {"key": "tcp-6", "severity": "error", "human": "a system", "expression": "system.exists()"},
      {"key": "tcp-7", "severity": "error", "human": "a value", "expression": "value.exists()"}]}
  ]}}`
	if err := os.WriteFile(filepath.Join(dir, "sd.json"), []byte(sd), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestProfilePhaseCancelled cancels a validation while it checks a large
// Bundle against an IG profile's constraints: the profile phase asks the
// context as it goes and stops at the next question, rather than finishing
// every resource with a context it never looks at.
func TestProfilePhaseCancelled(t *testing.T) {
	const n = 1000
	src := []byte(strings.ReplaceAll(string(bigBundle(n)), `"resourceType":"Patient",`,
		`"resourceType":"Patient","meta":{"profile":["`+constrainedPatient+`"]},`))

	// The phases before the profile phase, counted with no IG loaded: the
	// profile phase is then skipped, and nothing else reads meta.profile.
	plain, err := validate.New(validate.Options{MaxSize: -1, NoRules: true})
	if err != nil {
		t.Fatal(err)
	}
	before := tripctx.Never()
	if res, err := plain.ValidateContext(before, "big.json", src); err != nil || res == nil {
		t.Fatalf("without the IG: %v, %v", res, err)
	}

	v, err := validate.New(validate.Options{MaxSize: -1, NoRules: true, IG: []string{constrainedPatientIG(t)}})
	if err != nil {
		t.Fatal(err)
	}
	full := tripctx.Never()
	res, err := v.ValidateContext(full, "big.json", src)
	if err != nil || res == nil {
		t.Fatalf("uncancelled: %v, %v", res, err)
	}
	broken := 0
	for _, is := range res.Issues {
		if strings.HasSuffix(is.Rule, ":constraint:tcp-5") {
			broken++
		}
	}
	if broken != n {
		t.Fatalf("constraint tcp-5 reported %d times; want once for each of the %d Patients", broken, n)
	}
	inPhase := full.Checks() - before.Checks()
	t.Logf("a full run asks the context %d times, %d of them in the profile phase", full.Checks(), inPhase)
	if inPhase < n {
		t.Fatalf("the profile phase asked the context %d times for %d profiled Patients: it does not look at it as it goes", inPhase, n)
	}

	for _, into := range []int64{1, inPhase / 10, inPhase / 2, inPhase - 10} {
		after := before.Checks() + into
		ctx := tripctx.New(after)
		res, err := v.ValidateContext(ctx, "big.json", src)
		if !errors.Is(err, context.Canceled) || res != nil {
			t.Fatalf("cancelled %d checks into the profile phase: got %v, %v; want no result and context.Canceled", into, res, err)
		}
		t.Logf("cancelled %d checks into the profile phase (of %d): stopped at %d", into, inPhase, ctx.Checks()-before.Checks())
		if got := ctx.Checks(); got > after+20 {
			t.Errorf("cancelled %d checks into the profile phase: went on to %d more (the phase asks %d times in all)", into, got-after, inPhase)
		}
	}
}

// TestExtensionPhaseCancelled is TestProfilePhaseCancelled for the
// built-in extension definitions: a Bundle whose Patients each carry
// birthPlace twice (its definition allows one) is cancelled part way
// through the extension checks, which stop at the next question.
func TestExtensionPhaseCancelled(t *testing.T) {
	const n = 500
	withExt := func(url string) []byte {
		ext := `"extension":[{"url":"` + url + `","valueAddress":{"city":"Leeds"}},{"url":"` + url + `","valueAddress":{"city":"York"}}],`
		return []byte(strings.ReplaceAll(string(bigBundle(n)), `"resourceType":"Patient",`, `"resourceType":"Patient",`+ext))
	}
	v, err := validate.New(validate.Options{MaxSize: -1, NoRules: true, UnknownExtensions: validate.UnknownExtensionsIgnore})
	if err != nil {
		t.Fatal(err)
	}
	// The same payload with an extension no definition is known for: the
	// phases walk the same elements, and the extension checks are skipped.
	before := tripctx.Never()
	if res, err := v.ValidateContext(before, "big.json", withExt("https://example.org/fhir/StructureDefinition/not-known")); err != nil || res == nil {
		t.Fatalf("unknown extensions: %v, %v", res, err)
	}
	src := withExt("http://hl7.org/fhir/StructureDefinition/birthPlace")
	full := tripctx.Never()
	res, err := v.ValidateContext(full, "big.json", src)
	if err != nil || res == nil {
		t.Fatalf("uncancelled: %v, %v", res, err)
	}
	twice := 0
	for _, is := range res.Issues {
		if is.Rule == "fhir:extension:birthPlace:cardinality" {
			twice++
		}
	}
	if twice != n {
		t.Fatalf("birthPlace twice reported %d times; want once for each of the %d Patients", twice, n)
	}
	inPhase := full.Checks() - before.Checks()
	t.Logf("a full run asks the context %d times, %d of them in the extension checks", full.Checks(), inPhase)
	if inPhase < n {
		t.Fatalf("the extension checks asked the context %d times for %d Patients: they do not look at it as they go", inPhase, n)
	}
	for _, into := range []int64{1, inPhase / 2, inPhase - 10} {
		after := before.Checks() + into
		ctx := tripctx.New(after)
		res, err := v.ValidateContext(ctx, "big.json", src)
		if !errors.Is(err, context.Canceled) || res != nil {
			t.Fatalf("cancelled %d checks into the extension checks: got %v, %v; want no result and context.Canceled", into, res, err)
		}
		if got := ctx.Checks(); got > after+20 {
			t.Errorf("cancelled %d checks into the extension checks: went on to %d more (they ask %d times in all)", into, got-after, inPhase)
		}
	}
}
