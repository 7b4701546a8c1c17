package structuredef

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// derivedRegistry loads the Core IG plus a hand-written profile derived
// from CareConnect-Patient-1 by a differential only.
func derivedRegistry(t *testing.T, extra ...string) *Registry {
	t.Helper()
	ig := sharedPath(t, "fhir/nhs/CareConnect-STU3-Core-IG")
	r, err := Load(append([]string{ig, "testdata/TestPatient-Derived.json"}, extra...)...)
	if r == nil {
		t.Fatal(err)
	}
	var le LoadErrors
	if err != nil && !errors.As(err, &le) {
		t.Fatal(err)
	}
	return r
}

const derivedURL = "https://example.org/fhir/StructureDefinition/Test-DerivedPatient-1"

func TestDifferentialOnLoadedProfile(t *testing.T) {
	r := derivedRegistry(t)
	p := r.Profile(derivedURL)
	if p == nil || !p.FromDifferential {
		t.Fatalf("derived profile not built: %+v", p)
	}
	base := strings.Replace(patientJSON, careConnectPatient, derivedURL, 1)
	base = strings.Replace(base, `"use": "official",`, `"use": "official",`, 1)
	if fs := r.Check(parse(t, "p.json", []byte(base)), nil); len(fs) != 0 {
		t.Errorf("valid patient: want no findings, got")
		dump(t, fs)
	}
	cases := []struct {
		name, old, new string
		rule, path     string
	}{
		{"fixed code", `"gender": "female"`, `"gender": "male"`, "profile:Test-DerivedPatient-1:fixed", "Patient.gender"},
		{"narrowed min", `"gender": "female",`, ``, "profile:Test-DerivedPatient-1:cardinality", "Patient.gender"},
		{"inherited slice with a new min", `"system": "https://fhir.nhs.uk/Id/nhs-number"`, `"system": "https://example.org/not-nhs"`, "profile:Test-DerivedPatient-1:slice", "Patient.identifier"},
		{"pattern CodeableConcept", `"gender": "female",`, `"gender": "female", "maritalStatus": {"coding": [{"system": "http://hl7.org/fhir/v3/MaritalStatus", "code": "S"}]},`, "profile:Test-DerivedPatient-1:pattern", "Patient.maritalStatus"},
		{"path into a datatype", `"gender": "female",`, `"gender": "female", "photo": [{"url": "https://example.org/p.png"}],`, "profile:Test-DerivedPatient-1:cardinality", "Patient.photo[0].contentType"},
		{"profile constraint", `"family": "Smith", `, ``, "profile:Test-DerivedPatient-1:constraint:test-1", "Patient"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mutated := strings.Replace(base, tc.old, tc.new, 1)
			if mutated == base {
				t.Fatal("mutation did not apply")
			}
			fs := r.Check(parse(t, "p.json", []byte(mutated)), nil)
			if got := find(fs, tc.rule, tc.path); len(got) != 1 {
				t.Errorf("want one %s at %s, got:", tc.rule, tc.path)
				dump(t, fs)
			}
		})
	}
	// A pattern is a partial match: a display, userSelected and text more
	// still match.
	ok := strings.Replace(base, `"gender": "female",`, `"gender": "female", "maritalStatus": {"coding": [{"system": "http://hl7.org/fhir/v3/MaritalStatus", "code": "M", "display": "Married", "userSelected": true}], "text": "married"},`, 1)
	if fs := r.Check(parse(t, "p.json", []byte(ok)), nil); len(fs) != 0 {
		t.Errorf("pattern with extra content: want no findings, got")
		dump(t, fs)
	}
}

func TestLoadPackageAndBadFiles(t *testing.T) {
	dir := t.TempDir()
	// A package holding the derived profile and one broken entry; examples
	// in sub-folders are not read.
	pkg := filepath.Join(dir, "test.pkg.tgz")
	f, err := os.Create(pkg)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	sd, err := os.ReadFile("testdata/TestPatient-Derived.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{
		"package/package.json":                   []byte(`{"name": "test.pkg"}`),
		"package/StructureDefinition-Test.json":  sd,
		"package/ValueSet-Broken.json":           []byte(`{"resourceType": "ValueSet", "url": `),
		"package/example/Patient-example.json":   []byte(`not json`),
		"package/StructureDefinition-NoUrl.json": []byte(`{"resourceType": "StructureDefinition"}`),
	} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	gz.Close()
	f.Close()
	if err := os.WriteFile(filepath.Join(dir, "bad.xml"), []byte("<StructureDefinition xmlns=\"http://hl7.org/fhir\"><url value=\"x\""), 0o644); err != nil {
		t.Fatal(err)
	}

	ig := sharedPath(t, "fhir/nhs/CareConnect-STU3-Core-IG")
	r, err := Load(ig, dir)
	if r == nil {
		t.Fatalf("Load: %v", err)
	}
	if r.Profile(derivedURL) == nil {
		t.Error("profile from the package not loaded")
	}
	var le LoadErrors
	if !errors.As(err, &le) {
		t.Fatalf("want LoadErrors, got %v", err)
	}
	// Each problem names the archive and its member, or the file.
	want := map[string]bool{"test.pkg.tgz(package/ValueSet-Broken.json)": false, "test.pkg.tgz(package/StructureDefinition-NoUrl.json)": false, "bad.xml": false}
	for _, e := range le {
		where := filepath.Base(e.File)
		if e.Member != "" {
			where += "(" + e.Member + ")"
		}
		if _, ok := want[where]; !ok {
			t.Errorf("unexpected load error %v", e)
			continue
		}
		want[where] = true
	}
	for where, seen := range want {
		if !seen {
			t.Errorf("no load error for %s", where)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing path must be fatal")
	}
}

// TestConcurrentCheck runs Check from several goroutines on one registry;
// run with -race to see that it is safe.
func TestConcurrentCheck(t *testing.T) {
	r := nhsRegistry(t)
	src, err := os.ReadFile(sharedPath(t, "corpus/nems-examples/BirthNotificationWithMother.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := len(r.Check(parse(t, "b.xml", src), nil))
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			root := parse(t, "b.xml", src)
			if got := len(r.Check(root, nil)); got != want {
				t.Errorf("concurrent Check: %d findings, want %d", got, want)
			}
		}()
	}
	wg.Wait()
}

func TestSupportedListsBoth(t *testing.T) {
	var yes, no int
	for _, c := range Supported() {
		if c.Supported {
			yes++
		} else {
			no++
		}
	}
	if yes == 0 || no == 0 {
		t.Errorf("Supported: %d supported, %d not; want both", yes, no)
	}
}
