package transform

// Corpus tests: conversions checked against data nobody in this project
// wrote. Each published XML/JSON twin must convert into the other, and
// both round trips must be the identity. A pair whose published twin is
// itself wrong is listed, with the reason, in testdata/known-bad-twins.txt;
// a listed pair that starts to pass is an error too, so the list stays
// honest.

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// The four checks made on every pair.
const (
	checkXMLToJSON = "xml->json"
	checkJSONToXML = "json->xml"
	checkXMLRound  = "xml->json->xml"
	checkJSONRound = "json->xml->json"
)

// knownBad reads testdata/known-bad-twins.txt: lines "<key> <check>: reason".
func knownBad(t testing.TB) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/known-bad-twins.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, reason, ok := strings.Cut(line, ": ")
		if !ok || reason == "" {
			t.Fatalf("known-bad-twins.txt: line %q has no reason", line)
		}
		out[k] = reason
	}
	return out
}

// commentsRule is the line of known-bad-twins.txt that allows comparing a
// JSON twin without its fhir_comments.
const commentsRule = "* fhir_comments"

func hasKey(v any, key string) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if k == key || hasKey(x, key) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if hasKey(x, key) {
				return true
			}
		}
	}
	return false
}

// stripComments removes fhir_comments properties, and the "_name"
// properties left with nothing in them.
func stripComments(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			if k == "fhir_comments" {
				continue
			}
			x = stripComments(x)
			if strings.HasPrefix(k, "_") && emptyExtra(x) {
				continue
			}
			out[k] = x
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			x = stripComments(x)
			if m, ok := x.(map[string]any); ok && len(m) == 0 {
				x = nil
			}
			out[i] = x
		}
		return out
	}
	return v
}

func emptyExtra(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return len(t) == 0
	case []any:
		for _, x := range t {
			if x != nil {
				return false
			}
		}
		return true
	}
	return false
}

// tally collects the outcome of each check of a corpus.
type tally struct {
	commentsStripped int
	t                *testing.T
	bad              map[string]string
	pass             map[string]int
	total            map[string]int
	missing          map[string]bool // known-bad keys of this corpus that were checked
}

func newTally(t *testing.T) *tally {
	return &tally{t: t, bad: knownBad(t), pass: map[string]int{}, total: map[string]int{}, missing: map[string]bool{}}
}

// record notes the outcome of one check; failure is "" on success.
func (ty *tally) record(key, check, failure string) {
	ty.total[check]++
	k := key + " " + check
	reason, listed := ty.bad[k]
	switch {
	case failure == "" && listed:
		ty.t.Errorf("%s: listed as a known bad twin (%s) but now converts; remove it from the list", k, reason)
	case failure == "":
		ty.pass[check]++
	case listed:
		ty.missing[k] = true
	default:
		ty.t.Errorf("%s: %s", k, failure)
	}
}

func (ty *tally) report(name string) {
	var parts []string
	for _, c := range []string{checkXMLToJSON, checkJSONToXML, checkXMLRound, checkJSONRound} {
		if ty.total[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d/%d", c, ty.pass[c], ty.total[c]))
		}
	}
	ty.t.Logf("%s: %s (known bad checks: %d; JSON twins compared without fhir_comments: %d)",
		name, strings.Join(parts, ", "), len(ty.missing), ty.commentsStripped)
}

// checkJSONAgainst converts x to JSON and compares it with want.
func xmlToJSONDiff(x []byte, want any) string {
	got, _, err := XMLToJSON(x, Options{})
	if err != nil {
		return "conversion failed: " + firstLine(err.Error())
	}
	gv, err := decodeJSON(got)
	if err != nil {
		return "output is not JSON: " + err.Error()
	}
	return diffJSON("", gv, want)
}

func jsonToXMLDiff(j []byte, want *xnode) string {
	return jsonToXMLDiffWith(j, want, func(n *xnode) *xnode { return n })
}

// jsonToXMLDiffWith converts j to XML and compares prep(result) with want.
func jsonToXMLDiffWith(j []byte, want *xnode, prep func(*xnode) *xnode) string {
	got, _, err := JSONToXML(j, Options{})
	if err != nil {
		return "conversion failed: " + firstLine(err.Error())
	}
	gv, err := canonXML(got)
	if err != nil {
		return "output is not XML: " + err.Error()
	}
	return diffXML("", prep(gv), want)
}

// placeholderRule is the line of known-bad-twins.txt that allows comparing
// definition resources without their narrative when one twin carries the
// placeholder narrative of the FHIR distribution.
const placeholderRule = "fhir/stu3/definitions/xml/* narrative-placeholder"

const placeholderText = "The narrative has been removed to reduce the size of the distribution"

func hasPlaceholder(res any) bool {
	m, _ := res.(map[string]any)
	text, _ := m["text"].(map[string]any)
	div, _ := text["div"].(string)
	return strings.Contains(div, placeholderText)
}

func withoutText(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		if k != "text" {
			c[k] = v
		}
	}
	return c
}

func withoutTextNode(n *xnode) *xnode {
	c := *n
	c.kids = nil
	for _, k := range n.kids {
		if k.name != "{http://hl7.org/fhir}text" {
			c.kids = append(c.kids, k)
		}
	}
	return &c
}

func xmlRoundDiff(x []byte) string {
	want, err := canonXML(x)
	if err != nil {
		return "input is not XML: " + err.Error()
	}
	j, _, err := XMLToJSON(x, Options{Pretty: true})
	if err != nil {
		return "to JSON: " + firstLine(err.Error())
	}
	return jsonToXMLDiff(j, want)
}

func jsonRoundDiff(j []byte) string {
	want, err := decodeJSON(j)
	if err != nil {
		return "input is not JSON: " + err.Error()
	}
	x, _, err := JSONToXML(j, Options{Pretty: true})
	if err != nil {
		return "to XML: " + firstLine(err.Error())
	}
	return xmlToJSONDiff(x, want)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " (and more)"
	}
	return s
}

// recordXMLRound checks XML -> JSON -> XML. Whatever the known-bad list
// says, a round trip that changes the document must have been announced by
// a warning (an element out of order is moved, say): never a silent change.
func (ty *tally) recordXMLRound(key string, x []byte) {
	d := xmlRoundDiff(x)
	if strings.HasPrefix(d, "/") {
		_, rep, _ := XMLToJSON(x, Options{})
		if len(rep.Warnings) == 0 {
			ty.t.Errorf("%s %s: the round trip changed the document without a warning: %s", key, checkXMLRound, d)
		}
		// Order may change (announced); content may not.
		j, _, _ := XMLToJSON(x, Options{})
		back, _, _ := JSONToXML(j, Options{})
		a, errA := canonXML(back)
		b, errB := canonXML(x)
		if errA == nil && errB == nil {
			if u := diffXML("", unordered(a), unordered(b)); u != "" {
				ty.t.Errorf("%s %s: the round trip changed more than element order: %s", key, checkXMLRound, u)
			}
		}
	}
	ty.record(key, checkXMLRound, d)
}

// checkPair runs the four checks on a twin pair.
func (ty *tally) checkPair(key string, x, j []byte) {
	wantJ, errJ := decodeJSON(j)
	wantX, errX := canonXML(x)
	if errJ == nil && hasKey(wantJ, "fhir_comments") {
		// DSTU2-style comments in a JSON twin: the rule in
		// known-bad-twins.txt says to compare the rest.
		if _, ok := ty.bad[commentsRule]; !ok {
			ty.t.Fatalf("%s: the JSON twin has fhir_comments but %q is not in known-bad-twins.txt", key, commentsRule)
		}
		ty.commentsStripped++
		wantJ = stripComments(wantJ)
		var err error
		if j, err = json.Marshal(wantJ); err != nil {
			ty.t.Fatal(err)
		}
	}
	switch {
	case errJ != nil:
		ty.record(key, checkXMLToJSON, "published JSON twin does not parse: "+errJ.Error())
	default:
		ty.record(key, checkXMLToJSON, xmlToJSONDiff(x, wantJ))
	}
	switch {
	case errX != nil:
		ty.record(key, checkJSONToXML, "published XML twin does not parse: "+errX.Error())
	case errJ != nil:
		ty.record(key, checkJSONToXML, "published JSON twin does not parse: "+errJ.Error())
	default:
		ty.record(key, checkJSONToXML, jsonToXMLDiff(j, wantX))
	}
	ty.recordXMLRound(key, x)
	if errJ == nil {
		ty.record(key, checkJSONRound, jsonRoundDiff(j))
	}
}

// pairs lists the base names (without extension) under dir that exist as
// both .xml and .json, recursively, relative to dir.
func pairs(t *testing.T, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".xml") {
			return err
		}
		base := strings.TrimSuffix(p, ".xml")
		if _, err := os.Stat(base + ".json"); err == nil {
			rel, _ := filepath.Rel(dir, base)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func runPairs(t *testing.T, rel string, wantAtLeast int) {
	shared := sharedDir(t)
	dir := filepath.Join(shared, rel)
	names := pairs(t, dir)
	if len(names) < wantAtLeast {
		t.Fatalf("%s: found %d pairs, expected at least %d", rel, len(names), wantAtLeast)
	}
	ty := newTally(t)
	for _, name := range names {
		x, err := os.ReadFile(filepath.Join(dir, name+".xml"))
		if err != nil {
			t.Fatal(err)
		}
		j, err := os.ReadFile(filepath.Join(dir, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		ty.checkPair(filepath.ToSlash(filepath.Join(rel, name)), x, j)
	}
	ty.report(fmt.Sprintf("%s (%d pairs)", rel, len(names)))
}

// TestSTU3Examples checks the 528 official STU3 example pairs, which sit in
// two folders with the same base names.
func TestSTU3Examples(t *testing.T) {
	shared := sharedDir(t)
	xdir := filepath.Join(shared, "fhir/stu3/examples/xml")
	jdir := filepath.Join(shared, "fhir/stu3/examples/json")
	files, err := filepath.Glob(filepath.Join(xdir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 528 {
		t.Fatalf("found %d STU3 examples, expected 528", len(files))
	}
	ty := newTally(t)
	n := 0
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".xml")
		j, err := os.ReadFile(filepath.Join(jdir, base+".json"))
		if err != nil {
			continue
		}
		x, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n++
		ty.checkPair("fhir/stu3/examples/"+base, x, j)
	}
	ty.report(fmt.Sprintf("fhir/stu3/examples (%d pairs)", n))
}

// TestCareConnectIG checks the XML/JSON pairs of the CareConnect STU3 IG.
func TestCareConnectIG(t *testing.T) { runPairs(t, "fhir/nhs/CareConnect-STU3-Core-IG", 258) }

// TestNHSAssets checks the XML/JSON pairs among the NHS England STU3 assets.
func TestNHSAssets(t *testing.T) { runPairs(t, "fhir/nhs/STU3-FHIR-Assets", 50) }

// TestNEMSExamplesRoundTrip checks that every official NEMS example XML
// survives XML -> JSON -> XML and that its JSON survives JSON -> XML -> JSON.
func TestNEMSExamplesRoundTrip(t *testing.T) {
	shared := sharedDir(t)
	dir := filepath.Join(shared, "corpus/nems-examples")
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found %d NEMS examples, expected at least 50", len(files))
	}
	ty := newTally(t)
	for _, f := range files {
		x, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(shared, f)
		key := filepath.ToSlash(strings.TrimSuffix(rel, ".xml"))
		ty.recordXMLRound(key, x)
		j, _, err := XMLToJSON(x, Options{})
		if err == nil {
			ty.record(key, checkJSONRound, jsonRoundDiff(j))
		}
	}
	ty.report(fmt.Sprintf("corpus/nems-examples (%d files)", len(files)))
}

// packageJSON holds the JSON files of the STU3 package tarball, read once.
var packageJSON = struct {
	once  sync.Once
	files map[string][]byte
	err   error
}{}

func loadPackage(shared string) (map[string][]byte, error) {
	packageJSON.once.Do(func() {
		f, err := os.Open(filepath.Join(shared, "fhir/stu3/definitions/package-3.0.2/hl7.fhir.r3.examples-3.0.2.tgz"))
		if err != nil {
			packageJSON.err = err
			return
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			packageJSON.err = err
			return
		}
		tr := tar.NewReader(gz)
		files := map[string][]byte{}
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				packageJSON.err = err
				return
			}
			if !strings.HasSuffix(h.Name, ".json") {
				continue
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				packageJSON.err = err
				return
			}
			files[h.Name] = b
		}
		packageJSON.files = files
	})
	return packageJSON.files, packageJSON.err
}

// TestDefinitionBundles checks each resource of the official XML definition
// bundles against its JSON twin in the STU3 package (matched by
// resourceType and id), both ways, and the round trips of the whole bundles.
func TestDefinitionBundles(t *testing.T) {
	if testing.Short() {
		t.Skip("large corpus; skipped with -short")
	}
	shared := sharedDir(t)
	pkg, err := loadPackage(shared)
	if err != nil {
		t.Fatalf("reading the STU3 package: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(shared, "fhir/stu3/definitions/xml/*.xml"))
	if err != nil || len(files) < 8 {
		t.Fatalf("found %d definition bundles (%v), expected 8", len(files), err)
	}
	ty := newTally(t)
	matched, unmatched, stripped := 0, 0, 0
	for _, f := range files {
		x, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		key := "fhir/stu3/definitions/xml/" + filepath.Base(f)
		ty.recordXMLRound(key, x)
		j, _, err := XMLToJSON(x, Options{})
		if err != nil {
			ty.record(key, checkXMLToJSON, "conversion failed: "+firstLine(err.Error()))
			continue
		}
		ty.record(key, checkJSONRound, jsonRoundDiff(j))

		// Entry by entry against the package.
		bundle, err := decodeJSON(j)
		if err != nil {
			t.Fatalf("%s: output is not JSON: %v", key, err)
		}
		canon, err := canonXML(x)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		var xEntries []*xnode
		for _, k := range canon.kids {
			if localName(k.name) == "entry" {
				for _, r := range k.kids {
					if localName(r.name) == "resource" && len(r.kids) == 1 {
						xEntries = append(xEntries, r.kids[0])
					}
				}
			}
		}
		entries, _ := bundle.(map[string]any)["entry"].([]any)
		if len(entries) != len(xEntries) {
			t.Fatalf("%s: %d JSON entries vs %d XML entries", key, len(entries), len(xEntries))
		}
		for i, e := range entries {
			res, _ := e.(map[string]any)["resource"].(map[string]any)
			rt, _ := res["resourceType"].(string)
			id, _ := res["id"].(string)
			twin, ok := pkg["package/"+rt+"-"+id+".json"]
			if !ok {
				unmatched++
				continue
			}
			matched++
			ekey := key + "#" + rt + "/" + id
			want, err := decodeJSON(twin)
			if err != nil {
				ty.record(ekey, checkXMLToJSON, "package twin does not parse: "+err.Error())
				continue
			}
			xEntry := xEntries[i]
			if hasPlaceholder(res) || hasPlaceholder(want) {
				// One twin's narrative was replaced by a placeholder; the
				// rule in known-bad-twins.txt says to compare the rest.
				if _, ok := ty.bad[placeholderRule]; !ok {
					t.Fatalf("%s: narrative placeholder found but %q is not in known-bad-twins.txt", ekey, placeholderRule)
				}
				stripped++
				res, want = withoutText(res), withoutText(want.(map[string]any))
				xEntry = withoutTextNode(xEntry)
				ty.record(ekey, checkXMLToJSON, diffJSON("", res, want))
				ty.record(ekey, checkJSONToXML, jsonToXMLDiffWith(twin, xEntry, withoutTextNode))
				continue
			}
			ty.record(ekey, checkXMLToJSON, diffJSON("", res, want))
			ty.record(ekey, checkJSONToXML, jsonToXMLDiff(twin, xEntry))
		}
	}
	t.Logf("definition bundles: %d entries matched a package file (%d compared without narrative: placeholder in one twin), %d had no twin", matched, stripped, unmatched)
	ty.report("fhir/stu3/definitions/xml (8 bundles)")
}
