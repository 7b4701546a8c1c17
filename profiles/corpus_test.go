package profiles

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// corpusDir is the official NEMS example corpus in the reference data,
// outside the repository; "" when absent.
var corpusDir = func() string {
	if d, _ := sharedtest.Dir(); d != "" {
		return filepath.Join(d, "corpus", "nems-examples")
	}
	return ""
}()

func needCorpus(t *testing.T) {
	t.Helper()
	sharedtest.Path(t, "corpus/nems-examples")
}

// parseNoNamespace marks files whose root is not in the FHIR namespace: the
// parser rejects them (a G01 failure) and the test then re-reads them with
// the namespace added, so the rest of the payload is judged too.
const parseNoNamespace = "parse:no-fhir-namespace"

// loadExample parses a corpus file, returning the tree and, when the parser
// rejected the root for its namespace, parseNoNamespace.
func loadExample(t *testing.T, name string) (*tree.Node, string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(corpusDir, name))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := tree.ParseXML(src, schemas.STU3())
	if doc != nil && doc.Root != nil {
		return doc.Root, ""
	}
	if err == nil || !strings.Contains(err.Error(), "not in the FHIR namespace") {
		t.Fatalf("%s: %v", name, err)
	}
	// Add the namespace to the root start tag only.
	re := regexp.MustCompile(`<([A-Za-z]+)>`)
	loc := re.FindIndex(src)
	fixed := append(append(append([]byte{}, src[:loc[1]-1]...), []byte(` xmlns="http://hl7.org/fhir">`)...), src[loc[1]:]...)
	doc, err = tree.ParseXML(fixed, schemas.STU3())
	if doc == nil || doc.Root == nil {
		t.Fatalf("%s with namespace: %v", name, err)
	}
	return doc.Root, parseNoNamespace
}

// ruleCounts renders findings as "rule×n" sorted, so that a table row says
// both which rules fire and how often.
func ruleCounts(fs []issue.Issue, extra ...string) []string {
	n := map[string]int{}
	for _, f := range fs {
		n[f.Rule]++
	}
	for _, e := range extra {
		if e != "" {
			n[e]++
		}
	}
	var out []string
	for id, c := range n {
		if c > 1 {
			id += "×" + strconv.Itoa(c)
		}
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

const ccURL = "nems:5.11:careconnect-codesystem-url"

// The expected NEMS-rule findings of every current example and every
// extracted payload of MANIFEST.md sections 1 and 2. Where this table and
// MANIFEST.md differ, corpus/README.md argues why.
var corpusExpect = []struct {
	file        string
	interaction string
	want        []string
}{
	{"BirthNotificationWithMother.xml", "", []string{"nems:6.1:baby-scn", "nems:6.1:birth-weight-category", "nems:6.1:relatedperson-relationship", ccURL + "×3", "nems:G09", "nems:G12", "nems:G22:nhs-number"}},
	{"BirthNotificationWithoutMother.xml", "", []string{"nems:5.5:extension-url", ccURL + "×2", "nems:6.0:responsible-in-bundle", "nems:6.1:birth-weight-category", "nems:6.1:deceased-after-birth", "nems:6.1:multiple-birth-vs-births", "nems:6.1:registering-authority", "nems:G12", "nems:G21:reference×2"}},
	{"PDS-Change-Of-Address-ems-example.xml", "", []string{ccURL, "nems:6.0:patient-scn", "nems:6.0:responsible-in-bundle", "nems:6.2:address-text×2", "nems:6.2:organization-count", "nems:G10", "nems:G12", "nems:G21"}},
	{"PDS-Change-Of-GP-ems-example.xml", "", []string{ccURL, "nems:6.0:patient-scn", "nems:6.0:responsible-external", "nems:G12", "nems:G21"}},
	{"PDS-Death-Notification-formal-ems-example.xml", "", []string{ccURL, "nems:6.0:patient-scn", "nems:G04", "nems:G10×2", "nems:G12", "nems:G22:birth-date", "nems:G22:nhs-number"}},
	{"PDS-Death-Notification-informal-ems-example.xml", "", []string{ccURL, "nems:6.0:patient-scn", "nems:G04", "nems:G10×2", "nems:G12", "nems:G22:birth-date", "nems:G22:nhs-number"}},
	{"PDS-Death-Notification-removed-ems-example.xml", "", []string{ccURL, "nems:6.0:patient-scn", "nems:G04", "nems:G10×2", "nems:G12", "nems:G22:birth-date", "nems:G22:nhs-number"}},
	{"PDS-Record-Change.xml", "", []string{ccURL, "nems:G12"}},
	{"PDS-Record-Change-Citizen.xml", "", []string{ccURL, "nems:G12"}},
	{"Professional-Contacts-1-new.xml", "", []string{"nems:G10", "nems:G12"}},
	{"Professional-Contacts-1-update.xml", "", []string{"nems:G10", "nems:G12"}},
	{"Professional-Contacts-1-delete.xml", "", []string{"nems:G10", "nems:G12"}},
	{"vaccinations-1-new.xml", "", []string{"nems:6.7:healthcareservice-specialty", "nems:G10", "nems:G12"}},
	{"vaccinations-1-update.xml", "", []string{"nems:6.7:healthcareservice-specialty", "nems:G10", "nems:G12"}},
	{"vaccinations-1-delete.xml", "", []string{"nems:6.7:healthcareservice-specialty", "nems:G10", "nems:G12"}},
	{"vaccinations-1-notgiven-new.xml", "", []string{"nems:6.7:healthcareservice-specialty", "nems:G12"}},
	{"blood-spot-test-outcome-1-new.xml", "", []string{"nems:6.8:procedure-outcome×11", "nems:G10"}},
	{"blood-spot-test-outcome-1-update.xml", "", []string{"nems:6.8:procedure-outcome×11", "nems:G10"}},
	{"blood-spot-test-outcome-1-delete.xml", "", nil},
	{"newborn-hearing-1-new.xml", "", []string{"nems:G10"}},
	{"newborn-hearing-1-update.xml", "", []string{"nems:G10"}},
	{"newborn-hearing-1-delete.xml", "", nil},
	{"nipe-outcome-1-new.xml", "", []string{"nems:G10"}},
	{"nipe-outcome-1-update.xml", "", []string{"nems:G10", "nems:G20"}},
	{"nipe-outcome-1-delete.xml", "", nil},
	// Extracted page payloads.
	{"publish-request-example.xml", "", []string{"nems:6.12:legacy-event", "nems:G06", "nems:G06:system", "nems:G07", "nems:G08", "nems:G12", "nems:G13", "nems:G21:reference×2"}},
	{"publish-deprecation-operationoutcome.xml", "", []string{parseNoNamespace}},
	{"subscription-create-deprecation-operationoutcome.xml", "", []string{parseNoNamespace}},
	{"subscription-create-explicit.xml", "create", nil},
	{"subscription-create-generic.xml", "create", nil},
	{"subscription-read-response.xml", "read", []string{"criteria:event-cardinality", "criteria:event-unknown", "criteria:rule-type-missing", parseNoNamespace}},
}

func TestCorpusVerdicts(t *testing.T) {
	needCorpus(t)
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range corpusExpect {
		t.Run(tc.file, func(t *testing.T) {
			root, parseIssue := loadExample(t, tc.file)
			in, _ := issue.ParseInteraction(tc.interaction) // "" is none
			fs := rs.Check(root, Input{Interaction: in})
			got := ruleCounts(fs, parseIssue)
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("rules\n got %v\nwant %v", got, want)
				for _, f := range fs {
					t.Logf("  %s %s %d:%d %s", f.Rule, f.Severity, f.Line, f.Column, f.Message)
				}
			}
			conformant := len(tc.want) == 0
			for _, f := range fs {
				if conformant && (f.Severity == "error" || f.Severity == "fatal") {
					t.Errorf("conformant file has a NEMS error: %+v", f)
				}
				if f.Line == 0 || f.Path == "" {
					t.Errorf("finding without a place: %+v", f)
				}
			}
		})
	}
}

// The criteria strings of the guide are judged as the corpus file says.
func TestCorpusCriteriaStrings(t *testing.T) {
	needCorpus(t)
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(corpusDir, "subscription-criteria-examples.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			t.Fatalf("bad line %q", line)
		}
		n++
		sub := subscriptionWithCriteria(t, cols[3])
		fs := rs.Check(sub, Input{Interaction: issue.SubscriptionCreate})
		hasErr := false
		for _, f := range fs {
			if f.Severity == "error" {
				hasErr = true
			}
		}
		if want := cols[0] == "invalid"; hasErr != want {
			t.Errorf("%s: invalid=%v, want %v; findings %v", cols[3], hasErr, want, ruleCounts(fs))
		}
	}
	if n != 5 {
		t.Errorf("read %d criteria strings, want 5", n)
	}
}

// subscriptionWithCriteria builds a conformant create request around a
// criteria string.
func subscriptionWithCriteria(t *testing.T, criteria string) *tree.Node {
	t.Helper()
	esc := strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;").Replace(criteria)
	src := `<Subscription xmlns="http://hl7.org/fhir"><status value="requested"/>` +
		`<contact><system value="url"/><value value="https://directory.spineservices.nhs.uk/STU3/Organization/RR8"/><use value="work"/></contact>` +
		`<reason value="Health visiting"/><criteria value="` + esc + `"/>` +
		`<channel><type value="message"/><endpoint value="Mailbox1234"/></channel></Subscription>`
	doc, err := tree.ParseXML([]byte(src), schemas.STU3())
	if doc == nil || doc.Root == nil {
		t.Fatal(err)
	}
	return doc.Root
}
