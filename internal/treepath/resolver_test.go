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
