// Command gen writes the compact STU3 model embedded by package schemas from
// the official FHIR package hl7.fhir.r3.examples 3.0.2 (an npm tarball).
//
// The package is found, in order, at the path given by -package, at
// $NEMSFHIR_STU3_PACKAGE, or in the user cache folder, where it is fetched
// with "npm pack hl7.fhir.r3.examples@3.0.2" when missing. The output is
// deterministic: the same package always gives the same bytes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/schemas/gen/extgen"
	"github.com/nemsfhir/nemsfhir/schemas/gen/modelgen"
	"github.com/nemsfhir/nemsfhir/schemas/gen/xsdgen"
)

const (
	packageSpec = "hl7.fhir.r3.examples@3.0.2"
	packageFile = "hl7.fhir.r3.examples-3.0.2.tgz"
)

func main() {
	pkg := flag.String("package", os.Getenv("NEMSFHIR_STU3_PACKAGE"), "path of "+packageFile+" (default: $NEMSFHIR_STU3_PACKAGE, else fetched into the user cache with npm pack)")
	out := flag.String("o", "stu3/model.jsonl", "output file")
	xsdOut := flag.String("xsd", "stu3/fhir.xsd", "XML Schema output file, with "+xsdgen.XHTMLFile+" beside it (empty: skip)")
	termOut := flag.String("terminology", "stu3/terminology.jsonl", "terminology output file: value sets of the other binding strengths and code system displays (empty: skip)")
	jsonOut := flag.String("jsonschema", "stu3/jsonschema/fhir.schema.json", "JSON Schema output file shared by all resources, with one <Type>.schema.json per resource beside it (empty: skip)")
	extOut := flag.String("ext", "stu3/extensions.jsonl", "extension definitions output file (empty: skip)")
	nhs := flag.String("nhs", defaultNHS(), "NHS assets folder (default: $NEMSFHIR_NHS_ASSETS, else ../../shared/fhir/nhs)")
	flag.Parse()

	start := time.Now()
	path := *pkg
	if path == "" {
		var err error
		if path, err = cachedPackage(); err != nil {
			fail(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	src, err := modelgen.ReadPackage(f)
	if err != nil {
		fail(fmt.Errorf("%s: %v", path, err))
	}
	var buf bytes.Buffer
	stats, err := modelgen.Write(&buf, src, filepath.Base(path))
	if err != nil {
		fail(err)
	}
	if err := writeAtomic(*out, buf.Bytes()); err != nil {
		fail(err)
	}
	if err := writeSchemas(buf.Bytes(), *xsdOut, *jsonOut); err != nil {
		fail(err)
	}
	if *termOut != "" {
		if err := writeTerminology(src, buf.Bytes(), *nhs, filepath.Base(path), *termOut); err != nil {
			fail(err)
		}
	}
	if *extOut != "" {
		if err := writeExtensions(buf.Bytes(), path, *nhs, *extOut); err != nil {
			fail(err)
		}
	}
	fmt.Fprintf(os.Stderr, "gen: %s: %d types (%d resources), %d value sets (%d complete), %d bytes in %v\n",
		*out, stats.Types, stats.Resources, stats.ValueSets, stats.CompleteValueSets, buf.Len(), time.Since(start).Round(time.Millisecond))
}

// cachedPackage returns the package tarball in the user cache folder,
// fetching it with npm when it is not there yet.
func cachedPackage() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no -package given and no cache folder: %v", err)
	}
	dir = filepath.Join(dir, "nemsfhir")
	path := filepath.Join(dir, packageFile)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.Command("npm", "pack", packageSpec, "--pack-destination", dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("fetching %s with npm pack: %v (give the tarball with -package instead)", packageSpec, err)
	}
	return path, nil
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".model-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

// defaultNHS is where the NHS assets are looked for: $NEMSFHIR_NHS_ASSETS,
// else the reference data beside the repository, as seen from ./schemas,
// where go generate runs.
func defaultNHS() string {
	if v := os.Getenv("NEMSFHIR_NHS_ASSETS"); v != "" {
		return v
	}
	return filepath.Join("..", "..", "shared", "fhir", "nhs")
}

// writeExtensions writes the built-in extension definitions, parsing the
// XML among the NHS assets with the model just written.
func writeExtensions(model []byte, pkgPath, nhsDir, out string) error {
	m, err := schemas.Load(model)
	if err != nil {
		return fmt.Errorf("reloading the model: %v", err)
	}
	var buf bytes.Buffer
	counts, err := extgen.Generate(&buf, pkgPath, nhsDir, m)
	if err != nil {
		return fmt.Errorf("extension definitions: %v", err)
	}
	if err := writeAtomic(out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %s: %d core, %d NHS and %d CareConnect extension definitions, %d bytes\n",
		out, counts[extgen.SourceCore], counts[extgen.SourceNHS], counts[extgen.SourceCareConnect], buf.Len())
	return nil
}
