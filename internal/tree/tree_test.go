package tree

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/nemsfhir/nemsfhir/schemas"
)

const bundleXML = `<Bundle xmlns="http://hl7.org/fhir">
  <type value="message"/>
  <entry>
    <resource>
      <MessageHeader>
        <event>
          <system value="https://fhir.nhs.uk/STU3/CodeSystem/EventType-1"/>
          <code value="pds-birth-notification-1"/>
        </event>
      </MessageHeader>
    </resource>
  </entry>
  <entry>
    <resource>
      <Patient>
        <name id="n"><given value="A"/><given value="B"><extension url="http://x"><valueInteger value="1"/></extension></given></name>
      </Patient>
    </resource>
  </entry>
</Bundle>`

const bundleJSON = `{
  "resourceType": "Bundle",
  "type": "message",
  "entry": [
    {"resource": {"resourceType": "MessageHeader",
      "event": {"system": "https://fhir.nhs.uk/STU3/CodeSystem/EventType-1", "code": "pds-birth-notification-1"}}},
    {"resource": {"resourceType": "Patient",
      "name": [{"id": "n", "given": ["A", "B"], "_given": [null, {"extension": [{"url": "http://x", "valueInteger": 1}]}]}]}}
  ]
}`

// shape lists every node as path, type, element and value, in definition
// order, so that trees read from XML and JSON can be compared.
func shape(n *Node) []string {
	var out []string
	var walk func(*Node)
	walk = func(n *Node) {
		v := ""
		if n.HasValue {
			v = "=" + n.Value
		}
		out = append(out, fmt.Sprintf("%s %s %s%s", n.Path(), n.Type, n.Elem.Path, v))
		for _, c := range n.ordered() {
			walk(c)
		}
	}
	walk(n)
	return out
}

func TestSameTreeFromBothFormats(t *testing.T) {
	m := schemas.STU3()
	x, err := ParseXML([]byte(bundleXML), m)
	if err != nil {
		t.Fatal(err)
	}
	j, err := ParseJSON([]byte(bundleJSON), m)
	if err != nil {
		t.Fatal(err)
	}
	sx, sj := shape(x.Root), shape(j.Root)
	if strings.Join(sx, "\n") != strings.Join(sj, "\n") {
		t.Fatalf("trees differ\nXML:\n%s\nJSON:\n%s", strings.Join(sx, "\n"), strings.Join(sj, "\n"))
	}
	for _, want := range []string{
		"Bundle.entry[0].resource.event.code code Coding.code=pds-birth-notification-1",
		"Bundle.entry[1].resource.name[0].id string HumanName.id=n",
		"Bundle.entry[1].resource.name[0].given[1].extension[0].valueInteger integer Extension.value[x]=1",
	} {
		found := false
		for _, s := range sx {
			found = found || s == want
		}
		if !found {
			t.Errorf("missing node %q in\n%s", want, strings.Join(sx, "\n"))
		}
	}
}

func TestPositions(t *testing.T) {
	m := schemas.STU3()
	x, err := ParseXML([]byte(bundleXML), m)
	if err != nil {
		t.Fatal(err)
	}
	j, err := ParseJSON([]byte(bundleJSON), m)
	if err != nil {
		t.Fatal(err)
	}
	code := func(d *Document) *Node {
		return d.Root.ChildrenNamed("entry")[0].Child("resource").Child("event").Child("code")
	}
	if n := code(x); n.Line != 8 || n.Col != 11 {
		t.Errorf("XML code at %d:%d, want 8:11", n.Line, n.Col)
	}
	if n := code(j); n.Line != 6 || n.Col != 78 {
		t.Errorf("JSON code at %d:%d, want 6:78", n.Line, n.Col)
	}
	if n := x.Root.ChildrenNamed("entry")[1].Child("resource"); n.Type != "Patient" || !n.Resource || n.Path() != "Bundle.entry[1].resource" {
		t.Errorf("nested resource: %+v", n)
	}
	if id := x.Root.ChildrenNamed("entry")[1].Child("resource").Child("name").ElementID(); id != "n" {
		t.Errorf("element id %q", id)
	}
}

func TestJSONErrorColumns(t *testing.T) {
	for src, want := range map[string]string{
		"\"\xa7\xa7\xa7\"": "1:2: JSON is not well-formed: a string is not valid UTF-8",
		"{\"resourceType\":\"Patient\",\"id\":\"é\xff\"}": "1:33: JSON is not well-formed: a string is not valid UTF-8",
	} {
		_, err := ParseJSON([]byte(src), schemas.STU3())
		if err == nil || err.Error() != want {
			t.Errorf("%q: got %v, want %s", src, err, want)
		}
	}
}

// TestNodeSize keeps the node at 128 bytes (see Node): every element of
// every tree is one, and a field put back between pointers grows it.
func TestNodeSize(t *testing.T) {
	if size := unsafe.Sizeof(Node{}); size != 128 && unsafe.Sizeof(uintptr(0)) == 8 {
		t.Errorf("a Node is %d bytes, want 128", size)
	}
}
