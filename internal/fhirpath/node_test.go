package fhirpath

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"
)

// tnode is the test's own Node: built from FHIR JSON, typed by a few
// hints, just enough to exercise the engine the way the real element tree
// will.
type tnode struct {
	name, full, typ string
	value           *string
	kids            []*tnode
}

func (n *tnode) Name() string { return n.name }
func (n *tnode) Type() string { return n.typ }
func (n *tnode) Value() (string, bool) {
	if n.value == nil {
		return "", false
	}
	return *n.value, true
}

func (n *tnode) Children(name string) []Node {
	var out []Node
	for _, k := range n.kids {
		if k.name == name || k.full == name {
			out = append(out, k)
		}
	}
	return out
}

func (n *tnode) AllChildren() []Node {
	out := make([]Node, len(n.kids))
	for i, k := range n.kids {
		out[i] = k
	}
	return out
}

// Type hints for elements whose JSON form does not say their FHIR type.
var (
	objectHints = map[string]string{
		"low": "Quantity", "high": "Quantity", "meta": "Meta", "text": "Narrative",
		"identifier": "Identifier", "coding": "Coding", "code": "CodeableConcept",
		"extension": "Extension", "period": "Period", "event": "Coding",
		"numerator": "Quantity", "denominator": "Quantity", "channel": "BackboneElement",
	}
	primitiveHints = map[string]string{
		"lastUpdated": "instant", "versionId": "id", "url": "uri", "system": "uri",
		"fullUrl": "uri", "endpoint": "uri", "code": "code", "status": "code",
		"type": "code", "mode": "code", "kind": "code", "use": "code", "gender": "code",
		"start": "dateTime", "end": "dateTime", "authoredOn": "dateTime", "timestamp": "instant",
		"lastModified": "dateTime", "birthDate": "date", "div": "xhtml", "reference": "string",
		"total": "unsignedInt", "count": "positiveInt",
	}
	// choiceTypes are the type suffixes of choice elements (valueQuantity).
	choiceTypes = map[string]string{
		"Quantity": "Quantity", "String": "string", "Boolean": "boolean", "Integer": "integer",
		"Decimal": "decimal", "DateTime": "dateTime", "Date": "date", "Time": "time",
		"CodeableConcept": "CodeableConcept", "Coding": "Coding", "Reference": "Reference",
		"Period": "Period", "Range": "Range", "Uri": "uri", "Code": "code", "Age": "Age",
		"Duration": "Duration", "Instant": "instant", "Identifier": "Identifier",
	}
)

// splitChoice turns valueQuantity into ("value", "Quantity").
func splitChoice(name string) (string, string) {
	for i := 1; i < len(name); i++ {
		if unicode.IsUpper(rune(name[i])) {
			if t, ok := choiceTypes[name[i:]]; ok {
				return name[:i], t
			}
		}
	}
	return name, ""
}

// fromJSON builds a tree from a JSON resource (or any JSON object, whose
// type is then "Element"), keeping member order.
func fromJSON(t testing.TB, src string) *tnode {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(src))
	d.UseNumber()
	root, err := decodeNode(d, "", "")
	if err != nil {
		t.Fatalf("bad test JSON: %v\n%s", err, src)
	}
	return root
}

func decodeNode(d *json.Decoder, name, typ string) (*tnode, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	base, choice := splitChoice(name)
	n := &tnode{name: base, full: name, typ: typ}
	if choice != "" {
		n.typ = choice
	}
	switch tok := tok.(type) {
	case json.Delim:
		if tok != '{' {
			return nil, fmt.Errorf("unexpected %v", tok)
		}
		if n.typ == "" {
			n.typ = objectHints[base]
		}
		if n.typ == "" {
			n.typ = "BackboneElement"
		}
		if name == "" {
			n.typ = "Element"
		}
		ext := map[string][]*tnode{} // _name: primitive extensions
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, err
			}
			key := kt.(string)
			if key == "resourceType" {
				var raw json.RawMessage
				if err := d.Decode(&raw); err != nil {
					return nil, err
				}
				var rt string
				if json.Unmarshal(raw, &rt) == nil {
					n.typ = rt
					continue
				}
				kids, err := decodeMember(json.NewDecoder(bytes.NewReader(raw)), key)
				if err != nil {
					return nil, err
				}
				n.kids = append(n.kids, kids...)
				continue
			}
			kids, err := decodeMember(d, key)
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(key, "_") {
				ext[key[1:]] = kids
				continue
			}
			n.kids = append(n.kids, kids...)
		}
		if _, err := d.Token(); err != nil {
			return nil, err
		}
		// Fold _name objects into their primitives, adding the primitive
		// when only the extension is present.
		for key, exts := range ext {
			var prims []*tnode
			for _, k := range n.kids {
				if k.full == key {
					prims = append(prims, k)
				}
			}
			for i, e := range exts {
				if e == nil {
					continue
				}
				if i < len(prims) {
					prims[i].kids = e.kids
					continue
				}
				b, c := splitChoice(key)
				typ := c
				if typ == "" {
					typ = primitiveHints[b]
				}
				if typ == "" {
					typ = "string"
				}
				n.kids = append(n.kids, &tnode{name: b, full: key, typ: typ, kids: e.kids})
			}
		}
	case string:
		n.value = &tok
		if n.typ == "" {
			n.typ = primitiveHints[base]
		}
		if n.typ == "" {
			n.typ = "string"
		}
	case json.Number:
		s := tok.String()
		n.value = &s
		if n.typ == "" {
			n.typ = primitiveHints[base]
		}
		if n.typ == "" {
			n.typ = "integer"
			if strings.ContainsAny(s, ".eE") {
				n.typ = "decimal"
			}
		}
	case bool:
		s := fmt.Sprint(tok)
		n.value = &s
		if n.typ == "" {
			n.typ = "boolean"
		}
	case nil:
		return nil, nil
	}
	return n, nil
}

// decodeMember reads the value of one JSON member: a single element or an
// array of them.
func decodeMember(d *json.Decoder, key string) ([]*tnode, error) {
	raw := json.RawMessage{}
	if err := d.Decode(&raw); err != nil {
		return nil, err
	}
	sub := json.NewDecoder(bytes.NewReader(raw))
	sub.UseNumber()
	name := strings.TrimPrefix(key, "_")
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if _, err := sub.Token(); err != nil {
			return nil, err
		}
		var out []*tnode
		for sub.More() {
			k, err := decodeNode(sub, name, "")
			if err != nil {
				return nil, err
			}
			out = append(out, k)
		}
		return out, nil
	}
	k, err := decodeNode(sub, name, "")
	if err != nil {
		return nil, err
	}
	return []*tnode{k}, nil
}

func TestFromJSON(t *testing.T) {
	n := fromJSON(t, `{"resourceType":"Observation","valueQuantity":{"value":1.50,"code":"mg"},
		"name":[{"given":["a","b"],"_given":[null,{"extension":[{"url":"x"}]}]}],
		"_birthDate":{"extension":[{"url":"y"}]}}`)
	if n.Type() != "Observation" || len(n.Children("value")) != 1 || n.Children("value")[0].Type() != "Quantity" {
		t.Fatalf("choice element not typed: %+v", n)
	}
	given := n.Children("name")[0].Children("given")
	if len(given) != 2 || len(given[1].AllChildren()) != 1 || len(given[0].AllChildren()) != 0 {
		t.Fatalf("primitive extensions not folded: %+v", given)
	}
	bd := n.Children("birthDate")
	if len(bd) != 1 {
		t.Fatalf("extension-only primitive missing")
	}
	if _, ok := bd[0].Value(); ok || bd[0].Type() != "date" {
		t.Fatalf("extension-only primitive has a value or wrong type: %+v", bd[0])
	}
}
