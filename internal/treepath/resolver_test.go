package treepath

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

func parseJSON(t *testing.T, src string) *tree.Node {
	t.Helper()
	doc, err := tree.ParseJSON([]byte(src), schemas.STU3())
	if err != nil || doc == nil {
		t.Fatalf("%v", err)
	}
	return doc.Root
}

// TestContainedLookup: "#id" finds the contained resource of the
// reference's container, the first of two with the same id, and nothing
// in another container.
func TestContainedLookup(t *testing.T) {
	root := parseJSON(t, `{"resourceType":"Bundle","type":"collection","entry":[
 {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"a",
   "contained":[{"resourceType":"Organization","id":"o","name":"First"},{"resourceType":"Organization","id":"o","name":"Second"},{"resourceType":"Practitioner","id":"p"}],
   "managingOrganization":{"reference":"#o"},"generalPractitioner":[{"reference":"#p"},{"reference":"#x"}]}},
 {"fullUrl":"urn:uuid:2","resource":{"resourceType":"Patient","id":"b","managingOrganization":{"reference":"#o"}}}]}`)
	r := NewResolver(root)
	entries := root.ChildrenNamed("entry")
	a, b := entries[0].Child("resource"), entries[1].Child("resource")
	org := r.LookupReference(a.Child("managingOrganization"))
	if org == nil || org.Child("name").Value != "First" {
		t.Errorf("#o in a: %v", org)
	}
	gps := a.ChildrenNamed("generalPractitioner")
	if p := r.LookupReference(gps[0]); p == nil || p.Type != "Practitioner" {
		t.Errorf("#p in a: %v", p)
	}
	if x := r.LookupReference(gps[1]); x != nil {
		t.Errorf("#x in a: %v, want nothing", x)
	}
	if o := r.LookupReference(b.Child("managingOrganization")); o != nil {
		t.Errorf("#o in b, which contains nothing: %v", o.Path())
	}
}

// TestBudget: the budget grows with the payload between its floor and
// ceiling.
func TestBudget(t *testing.T) {
	small := parseJSON(t, `{"resourceType":"Patient","id":"a"}`)
	if b := Budget(small); b != MinSteps {
		t.Errorf("small payload: %d, want the floor %d", b, MinSteps)
	}
	var names []string
	for i := range 5000 {
		names = append(names, fmt.Sprintf(`{"family":"F%d","given":["G"]}`, i))
	}
	big := parseJSON(t, `{"resourceType":"Patient","name":[`+strings.Join(names, ",")+`]}`)
	nodes := 0
	big.Walk(func(*tree.Node) bool { nodes++; return true })
	if b := Budget(big); b != nodes*StepsPerNode || b <= MinSteps {
		t.Errorf("%d elements: budget %d, want %d", nodes, b, nodes*StepsPerNode)
	}
	if b := Budget(nil); b != MinSteps {
		t.Errorf("no payload: %d", b)
	}
}

// TestBundleScopes: a reference resolves among the entries of the Bundle
// that holds it: the same fullUrl in a message and in the document it
// carries names a different resource in each, and neither reaches into
// the other.
func TestBundleScopes(t *testing.T) {
	root := parseJSON(t, `{"resourceType":"Bundle","type":"message","entry":[
 {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"outer","managingOrganization":{"reference":"urn:uuid:2"},
   "generalPractitioner":[{"reference":"urn:uuid:3"}]}},
 {"fullUrl":"urn:uuid:2","resource":{"resourceType":"Bundle","type":"document","entry":[
   {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"inner","managingOrganization":{"reference":"urn:uuid:1"},
     "generalPractitioner":[{"reference":"urn:uuid:2"},{"reference":"urn:uuid:3"}]}},
   {"fullUrl":"urn:uuid:3","resource":{"resourceType":"Practitioner","id":"p"}}]}}]}`)
	r := NewResolver(root)
	outer := root.ChildrenNamed("entry")[0].Child("resource")
	doc := root.ChildrenNamed("entry")[1].Child("resource")
	inner := doc.ChildrenNamed("entry")[0].Child("resource")
	if got := r.LookupReference(outer.Child("managingOrganization")); got != doc {
		t.Errorf("urn:uuid:2 from the message: %v, want the document", got)
	}
	if got := r.LookupReference(outer.ChildrenNamed("generalPractitioner")[0]); got != nil {
		t.Errorf("urn:uuid:3 from the message reached into the document: %v", got.Path())
	}
	if got := r.LookupReference(inner.Child("managingOrganization")); got != inner {
		t.Errorf("urn:uuid:1 from the document: %v, want the document's own Patient", got)
	}
	gps := inner.ChildrenNamed("generalPractitioner")
	if got := r.LookupReference(gps[0]); got != nil {
		t.Errorf("urn:uuid:2 from the document resolved in the message: %v", got.Path())
	}
	if got := r.LookupReference(gps[1]); got == nil || got.Type != "Practitioner" {
		t.Errorf("urn:uuid:3 from the document: %v", got)
	}
	if got := r.Lookup("Patient/outer", nil); got != outer {
		t.Errorf("Patient/outer from the root: %v", got)
	}
	if got := r.Lookup("Patient/inner", nil); got != nil {
		t.Errorf("Patient/inner from the root reached into the document: %v", got.Path())
	}
}

// TestScanAgreesWithIndex: a lookup that reads a small Bundle's entries in
// turn finds what the index finds, the first claimant where entries claim
// the same reference, by fullUrl, the Type/id ending a RESTful fullUrl,
// and Type/id.
func TestScanAgreesWithIndex(t *testing.T) {
	root := parseJSON(t, `{"resourceType":"Bundle","type":"collection","entry":[
 {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"a"}},
 {"fullUrl":"http://x.org/fhir/Patient/a","resource":{"resourceType":"Patient","id":"b"}},
 {"fullUrl":"http://x.org/fhir/Organization/o","resource":{"resourceType":"Organization","id":"o"}},
 {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Practitioner","id":"p"}},
 {"resource":{"resourceType":"Practitioner","id":"q"}},
 {"fullUrl":"urn:uuid:3"},
 {"fullUrl":"Patient/b","resource":{"resourceType":"Organization"}}]}`)
	r := NewResolver(root)
	refs := []string{"urn:uuid:1", "Patient/a", "Patient/b", "http://x.org/fhir/Patient/a", "Organization/o",
		"http://x.org/fhir/Organization/o", "Practitioner/p", "Practitioner/q", "urn:uuid:3", "Patient/", "/a", "", "Patienta", "Organization/"}
	found := 0
	for _, ref := range refs {
		got, want := scanEntriesFor(root, ref), r.entriesOf(root)[ref]
		if got != want {
			t.Errorf("%q: the scan finds %v, the index %v", ref, got, want)
		}
		if want != nil {
			found++
		}
	}
	if found < 7 {
		t.Errorf("only %d of the references resolve; the test means most to", found)
	}
}
