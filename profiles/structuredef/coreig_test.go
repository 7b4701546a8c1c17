package structuredef

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestCoreIGExamples checks every example instance of the CareConnect Core
// IG against the profiles it declares. The only findings allowed are the
// genuine faults listed in testdata/coreig-known-findings.txt, and the XML
// and JSON twins of an example must give the same findings.
func TestCoreIGExamples(t *testing.T) {
	r := nhsRegistry(t)
	ig := sharedPath(t, "fhir/nhs/CareConnect-STU3-Core-IG")
	known := map[string]bool{}
	f, err := os.Open("testdata/coreig-known-findings.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 4 {
			t.Fatalf("bad line in known findings: %q", line)
		}
		known[parts[0]+"\t"+parts[1]+"\t"+parts[2]] = true
	}
	files, _ := filepath.Glob(filepath.Join(ig, "*-Example-1.*"))
	if len(files) != 90 {
		t.Errorf("found %d example files, want 90 (45 XML/JSON pairs)", len(files))
	}
	seen := map[string]bool{}
	byExample := map[string][]string{}
	unjudged := 0
	defer func() { t.Logf("%d bindings of the examples could not be judged offline", unjudged) }()
	for _, file := range files {
		base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		id := base // the XML and JSON twins share it
		root := parseFile(t, file)
		if root.Child("meta") == nil || root.Child("meta").Child("profile") == nil {
			t.Errorf("%s declares no profile", filepath.Base(file))
		}
		var got []string
		for _, fd := range r.Check(root, nil) {
			if _, _, ok := UnjudgedBinding(fd); ok {
				// Not a finding against the example: a value set the IG
				// binds that cannot be expanded offline, said once a run.
				unjudged++
				continue
			}
			key := id + "\t" + fd.Rule + "\t" + fd.Path
			got = append(got, key)
			if !known[key] {
				t.Errorf("%s: unexpected %s %s at %s:%d: %s", filepath.Base(file), fd.Severity, fd.Rule, fd.Path, fd.Line, fd.Message)
				continue
			}
			seen[key] = true
		}
		sort.Strings(got)
		if prev, ok := byExample[id]; ok && strings.Join(prev, "|") != strings.Join(got, "|") {
			t.Errorf("%s: XML and JSON give different findings:\n%v\n%v", id, prev, got)
		}
		byExample[id] = got
	}
	for k := range known {
		if !seen[k] {
			t.Errorf("known finding not reported any more: %s", k)
		}
	}
}
