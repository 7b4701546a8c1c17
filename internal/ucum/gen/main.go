// Command gen writes the UCUM table embedded by package ucum from the UCUM
// definitions file ucum-essence.xml, which is reference data kept outside
// the repository (fhir/ucum/ucum-essence.xml in the shared folder).
//
// The file is found, in order, at the path given by -essence, under
// $NEMSFHIR_SHARED, or in the folder "shared" beside the module root. The
// output is deterministic: the same file always gives the same bytes.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nemsfhir/nemsfhir/internal/ucum/gen/essencegen"
)

// EssencePath is where the essence file sits inside the shared folder.
const EssencePath = "fhir/ucum/ucum-essence.xml"

func main() {
	in := flag.String("essence", "", "path of ucum-essence.xml (default: $NEMSFHIR_SHARED/"+EssencePath+", else ../shared/"+EssencePath+" beside the module root)")
	out := flag.String("o", "essence.tsv", "output file")
	flag.Parse()

	path := *in
	if path == "" {
		var err error
		if path, err = findEssence(); err != nil {
			fail(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		fail(err)
	}
	e, err := essencegen.Read(f)
	f.Close()
	if err != nil {
		fail(fmt.Errorf("%s: %v", path, err))
	}
	var buf bytes.Buffer
	if err := essencegen.Write(&buf, e, filepath.Base(path)); err != nil {
		fail(err)
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		fail(err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		os.Remove(tmp)
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "gen: %s: UCUM %s, %d prefixes, %d base units, %d units, %d bytes\n",
		*out, e.Version, len(e.Prefixes), len(e.Bases), len(e.Units), buf.Len())
}

// findEssence looks where the tests look for the reference data.
func findEssence() (string, error) {
	if d := os.Getenv("NEMSFHIR_SHARED"); d != "" && d != "none" {
		return filepath.Join(d, filepath.FromSlash(EssencePath)), nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", filepath.FromSlash(EssencePath)), nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no -essence given, NEMSFHIR_SHARED unset and no go.mod above " + wd)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
