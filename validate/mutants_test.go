package validate_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate"
)

// A mutant is an example with one defect put in on purpose, and where the
// validator must report it.
type mutant struct {
	op   string // the kind of defect
	src  []byte
	rule string // rule id expected (prefix match for invariants)
	path string // FHIR path expected on the issue
	line int    // line expected on the issue
}

// mutate makes the mutants of one XML example. Each operator edits whole
// lines that hold exactly one element, so the defect's place is known.
func mutate(src []byte, root *tree.Node) []mutant {
	lines := strings.Split(string(src), "\n")
	var out []mutant
	edit := func(op, rule, path string, line int, change func([]string) []string) {
		cp := append([]string(nil), lines...)
		out = append(out, mutant{op: op, src: []byte(strings.Join(change(cp), "\n")), rule: rule, path: path, line: line})
	}
	single := func(n *tree.Node) bool {
		if n.Line < 1 || n.Line > len(lines) || n.IsAttr() {
			return false
		}
		l := strings.TrimSpace(lines[n.Line-1])
		return strings.HasPrefix(l, "<"+n.Name+" ") && strings.HasSuffix(l, "/>") && strings.Count(l, "<") == 1
	}

	// Unknown element, before the first child of the root.
	for _, c := range root.Children {
		if c.IsAttr() || c.Line <= root.Line {
			continue
		}
		ln, col := c.Line, c.Col
		edit("unknown-element", "fhir:structure", root.Path()+".nemsfhirUnknown", ln, func(l []string) []string {
			// Insert just before the child's start tag, which may share
			// its line with a comment.
			r := []rune(l[ln-1])
			l[ln-1] = string(r[:col-1]) + `<nemsfhirUnknown value="x"/>` + string(r[col-1:])
			return l
		})
		break
	}

	done := map[string]bool{}
	root.Walk(func(n *tree.Node) bool {
		// Wrong order: two neighbouring single-line siblings swapped.
		if !done["order"] {
			for i := 0; i+1 < len(n.Children); i++ {
				a, b := n.Children[i], n.Children[i+1]
				if single(a) && single(b) && b.Line == a.Line+1 && a.Elem != b.Elem && a.Elem.Index < b.Elem.Index {
					done["order"] = true
					al := a.Line
					edit("wrong-order", "fhir:element-order", a.Path(), b.Line, func(l []string) []string {
						l[al-1], l[al] = l[al], l[al-1]
						return l
					})
					break
				}
			}
		}
		// Missing required element: a single-line child with min >= 1 that
		// occurs once.
		if !done["missing"] && n.Parent != nil && !n.Resource && n.Elem != nil && n.Elem.Min >= 1 && single(n) &&
			len(n.Parent.ChildrenNamed(n.Name)) == 1 && !n.Elem.IsChoice() && len(n.Parent.Children) > 1 {
			done["missing"] = true
			ln := n.Line
			edit("missing-required", "fhir:cardinality", n.Parent.Path(), n.Parent.Line, func(l []string) []string {
				return append(l[:ln-1], l[ln:]...)
			})
		}
		// Bad dateTime.
		if !done["date"] && (n.Type == "dateTime" || n.Type == "date" || n.Type == "instant") && single(n) {
			done["date"] = true
			ln := n.Line
			edit("bad-datetime", "fhir:datatype", n.Path(), ln, func(l []string) []string {
				l[ln-1] = valueAttr.ReplaceAllString(l[ln-1], `value="2019-13-45T25:61:00Z"`)
				return l
			})
		}
		// Bad code in a required binding with a complete expansion.
		if !done["code"] && n.Type == "code" && single(n) && n.Elem.Binding != nil && n.Elem.Binding.Strength == "required" {
			if vs := schemas.STU3().ValueSet(n.Elem.Binding.ValueSet); vs != nil && vs.Complete {
				done["code"] = true
				ln := n.Line
				edit("bad-code", "fhir:binding", n.Path(), ln, func(l []string) []string {
					l[ln-1] = valueAttr.ReplaceAllString(l[ln-1], `value="nemsfhir-no-such-code"`)
					return l
				})
			}
		}
		// Broken invariant: a Period whose start comes after its end (per-1).
		if !done["invariant"] && n.Type == "Period" {
			s, e := n.Child("start"), n.Child("end")
			if s != nil && e != nil && single(s) && single(e) && len(s.Value) >= 10 && len(e.Value) >= 10 {
				done["invariant"] = true
				sl, el := s.Line, e.Line
				edit("broken-invariant", "fhir:invariant:per-1", n.Path(), n.Line, func(l []string) []string {
					l[sl-1] = valueAttr.ReplaceAllString(l[sl-1], `value="2100-01-01"`)
					l[el-1] = valueAttr.ReplaceAllString(l[el-1], `value="1900-01-01"`)
					return l
				})
			}
		}
		// Unresolved reference in a message Bundle.
		if !done["reference"] && n.Name == "reference" && n.Parent != nil && n.Parent.Type == "Reference" &&
			strings.HasPrefix(n.Value, "urn:uuid:") && single(n) && inMessageBundle(n) {
			done["reference"] = true
			ln := n.Line
			edit("unresolved-reference", "fhir:reference", n.Path(), ln, func(l []string) []string {
				l[ln-1] = valueAttr.ReplaceAllString(l[ln-1], `value="urn:uuid:00000000-0000-4000-8000-00000000dead"`)
				return l
			})
		}
		return true
	})
	return out
}

var valueAttr = regexp.MustCompile(`value="[^"]*"`)

func inMessageBundle(n *tree.Node) bool {
	for p := n; p != nil; p = p.Parent {
		if p.Resource && p.Type == "Bundle" {
			t := p.Child("type")
			return t != nil && t.Value == "message"
		}
	}
	return false
}

// TestMutantsAreCaught applies the mutation operators to every official
// STU3 XML example and every NEMS example, and checks that the validator
// reports each defect with the expected rule at the expected path and line.
func TestMutantsAreCaught(t *testing.T) {
	files := sharedtest.Glob(t, "fhir/stu3/examples/xml/*.xml")
	files = append(files, sharedtest.Optional("corpus/nems-examples/*.xml")...)
	known := readKnownInvalid(t)
	v := validator(t)
	made, caught := map[string]int{}, map[string]int{}
	for _, f := range files {
		if _, bad := known[strings.TrimSuffix(filepath.Base(f), ".xml")]; bad {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := tree.ParseXML(src, schemas.STU3())
		if err != nil || doc.Root == nil {
			continue // the NEMS examples include non-FHIR shorthand
		}
		for _, mu := range mutate(src, doc.Root) {
			made[mu.op]++
			res := v.Validate(f, mu.src)
			if found(res.Issues, mu) {
				caught[mu.op]++
				continue
			}
			var got []string
			for _, is := range res.Issues {
				got = append(got, is.String())
			}
			t.Errorf("%s: %s mutant not caught as %s at %s line %d; got:\n  %s", f, mu.op, mu.rule, mu.path, mu.line, strings.Join(got, "\n  "))
		}
	}
	total, totalCaught := 0, 0
	var summary []string
	for op, n := range made {
		total += n
		totalCaught += caught[op]
		summary = append(summary, fmt.Sprintf("%s %d/%d", op, caught[op], n))
	}
	t.Logf("mutants caught: %d of %d (%s)", totalCaught, total, strings.Join(summary, ", "))
	for _, op := range []string{"unknown-element", "wrong-order", "missing-required", "bad-datetime", "bad-code", "broken-invariant", "unresolved-reference"} {
		if made[op] == 0 {
			t.Errorf("no %s mutant could be made", op)
		}
	}
}

func found(issues []validate.Issue, mu mutant) bool {
	for _, is := range issues {
		if is.Rule == mu.rule && is.Path == mu.path && is.Line == mu.line && is.Severity.IsError() {
			return true
		}
	}
	return false
}
