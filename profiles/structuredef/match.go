package structuredef

import (
	"encoding/json"
	"math/big"
	"sort"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// matchValue reports whether instance node n carries the fixed or pattern
// value want (decoded JSON). With exact (fixed[x]) the node may hold
// nothing beyond want, and repeating elements must match one for one; as
// a pattern, want only has to be found in n.
func matchValue(want any, n *tree.Node, exact bool) bool {
	switch w := want.(type) {
	case string:
		return n.HasValue && n.Value == w
	case bool:
		if w {
			return n.HasValue && n.Value == "true"
		}
		return n.HasValue && n.Value == "false"
	case json.Number:
		if !n.HasValue {
			return false
		}
		if n.Value == string(w) {
			return true
		}
		// A pattern on a decimal compares values, not spellings.
		a, ok1 := new(big.Rat).SetString(n.Value)
		b, ok2 := new(big.Rat).SetString(string(w))
		return !exact && ok1 && ok2 && a.Cmp(b) == 0
	case map[string]any:
		for k, wv := range w {
			if strings.HasPrefix(k, "_") || k == "resourceType" {
				continue // primitive extensions and ids of fixed values
			}
			wants, _ := wv.([]any)
			if wants == nil {
				wants = []any{wv}
			}
			kids := n.ChildrenNamed(k)
			if exact {
				if len(kids) != len(wants) {
					return false
				}
				for i := range wants {
					if !matchValue(wants[i], kids[i], true) {
						return false
					}
				}
				continue
			}
			used := make([]bool, len(kids))
			for _, wi := range wants {
				hit := false
				for j, kid := range kids {
					if !used[j] && matchValue(wi, kid, false) {
						used[j], hit = true, true
						break
					}
				}
				if !hit {
					return false
				}
			}
		}
		if exact {
			for _, kid := range n.Children {
				if _, ok := w[kid.Name]; !ok && kid.Name != "id" && kid.Name != "extension" {
					return false
				}
			}
		}
		return true
	}
	return false
}

// render writes a fixed or pattern value compactly for messages.
func render(v *fhirValue) string {
	if s, ok := v.Value.(string); ok {
		return `"` + s + `"`
	}
	var b strings.Builder
	renderAny(&b, v.Value)
	return b.String()
}

func renderAny(b *strings.Builder, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteString(": ")
			renderAny(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			renderAny(b, e)
		}
		b.WriteByte(']')
	default:
		j, _ := json.Marshal(x)
		b.Write(j)
	}
}

// describe says what an instance node holds, for messages.
func describe(n *tree.Node) string {
	if n.HasValue {
		return `"` + n.Value + `"`
	}
	var parts []string
	for _, c := range n.Children {
		if c.HasValue {
			parts = append(parts, c.Name+": \""+c.Value+"\"")
		} else {
			parts = append(parts, c.Name+": "+describe(c))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// childrenMatching returns the children of n that an element definition
// called name stands for: by name, or for a choice element ("value[x]") by
// the definition the tree gave them.
func childrenMatching(n *tree.Node, name string) []*tree.Node {
	return appendMatching(nil, n, name)
}

// appendMatching is childrenMatching appending to dst.
func appendMatching(dst []*tree.Node, n *tree.Node, name string) []*tree.Node {
	choice := strings.HasSuffix(name, "[x]")
	for _, c := range n.Children {
		if c.Name == name || choice && c.Elem != nil && c.Elem.Name == name {
			dst = append(dst, c)
		}
	}
	return dst
}

// nodesAt follows a simple discriminator path ("system", "coding.system",
// "$this", "url") from n. It is asked for every extension and every slice
// it may belong to, so it reads the path in place rather than splitting
// it.
func nodesAt(n *tree.Node, path string) ([]*tree.Node, bool) {
	if path == "" || path == "$this" {
		return []*tree.Node{n}, true
	}
	rest := strings.TrimPrefix(path, "$this.")
	if strings.ContainsAny(rest, "()") {
		return nil, false
	}
	var cur []*tree.Node
	from := n
	first := true
	for {
		seg, more, found := strings.Cut(rest, ".")
		var next []*tree.Node
		if first {
			next = appendStep(nil, from, seg)
			first = false
		} else {
			for _, c := range cur {
				next = appendStep(next, c, seg)
			}
		}
		cur = next
		if !found {
			return cur, true
		}
		rest = more
	}
}

// appendStep appends the children of c that path segment seg names: by
// name, or failing that (for a segment not itself a choice) as the choice
// element seg[x].
func appendStep(dst []*tree.Node, c *tree.Node, seg string) []*tree.Node {
	dst = appendMatching(dst, c, seg)
	if len(dst) == 0 && !strings.HasSuffix(seg, "[x]") {
		dst = appendMatching(dst, c, seg+"[x]")
	}
	return dst
}
