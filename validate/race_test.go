package validate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
)

// TestSharedValidatorWithConversions shares one Validator among goroutines
// that validate XML and JSON while others convert both ways, so that
// `go test -race` sees the lazily built state (model types, compiled
// schemas, rule packs, invariants) being filled in from several goroutines
// at once. Each result must equal the one computed alone.
func TestSharedValidatorWithConversions(t *testing.T) {
	var xmls [][]byte
	local, _ := filepath.Glob("../corpus/examples/*.xml")
	for _, files := range [][]string{local, sharedtest.Optional("corpus/nems-examples/*.xml")} {
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				xmls = append(xmls, b)
			}
		}
	}
	if len(xmls) > 12 {
		xmls = xmls[:12]
	}
	var inputs [][]byte
	for _, x := range xmls {
		inputs = append(inputs, x)
		if js, _, err := transform.XMLToJSON(x, transform.Options{}); err == nil {
			inputs = append(inputs, js)
		}
	}
	// The shared validator runs first, while the process-wide lazy state
	// is still cold; the reference counts are taken afterwards, alone.
	v, err := validate.New(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := make([][]int, 4)
	var wg sync.WaitGroup
	for g := range 4 {
		got[g] = make([]int, len(inputs))
		wg.Add(2)
		go func() {
			defer wg.Done()
			for k := range inputs {
				i := (k + g) % len(inputs)
				got[g][i] = len(v.Validate("shared", inputs[i]).Issues)
			}
		}()
		go func() {
			defer wg.Done()
			for k := range xmls {
				x := xmls[(k+g)%len(xmls)]
				js, _, err := transform.XMLToJSON(x, transform.Options{Pretty: g%2 == 0})
				if err != nil {
					continue
				}
				back, _, err := transform.JSONToXML(js, transform.Options{})
				if err != nil {
					t.Errorf("JSON to XML of converted output: %v", err)
					continue
				}
				again, _, err := transform.XMLToJSON(back, transform.Options{Pretty: g%2 == 0})
				if err != nil || !bytes.Equal(again, js) {
					t.Errorf("round trip differs (err %v)", err)
				}
			}
		}()
	}
	wg.Wait()
	for i, in := range inputs {
		want := len(v.Validate("alone", in).Issues)
		for g := range got {
			if got[g][i] != want {
				t.Errorf("input %d: %d issues in goroutine %d, %d alone", i, got[g][i], g, want)
			}
		}
	}
}
