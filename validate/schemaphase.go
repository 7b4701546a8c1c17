package validate

import (
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/validate/schema"
)

// RuleSchema is the rule id of problems found by the schema phase.
const RuleSchema = schema.Rule

// schemaPhase checks the payload against the XSD or JSON Schema generated
// from the model, as an audit of a payload every other phase passed (it
// runs last): it guards the verdict "valid". On a payload some phase
// already failed it cannot change the verdict, and where the model phases
// found an error the schema's problems restate it, often on another line
// (a missing element is noticed at the next one), so it is not run there.
// It runs only with Options.Schema (or RequireXSD):
// TestSchemaAuditAddsNothing shows that on every corpus the project has
// it finds nothing the model phases do not. A build without the XSD check
// (no build tag libxml2) has no schema phase for XML: Options.RequireXSD
// is how a caller makes sure it is there.
func schemaPhase(src []byte, format string, root *tree.Node, issues *[]Issue) {
	for _, is := range *issues {
		if is.Severity.IsError() {
			return
		}
	}
	*issues = append(*issues, schemaIssues(src, format, root)...)
}

// schemaIssues checks src against the schema of its format, whatever the
// model phases found, and places each problem on the node it is about.
func schemaIssues(src []byte, format string, root *tree.Node) []Issue {
	var problems []schema.Problem
	body := tree.TrimBOM(src) // the parsers accept one too
	bom := len(src) - len(body)
	src = body
	switch format {
	case "xml":
		if !schema.XSDBuiltIn {
			return nil
		}
		problems = schema.ValidateXML(src)
	case "json":
		problems = schema.ValidateJSON(src)
	default:
		return nil
	}
	var out []Issue
	for _, p := range problems {
		iss := p.Issue
		iss.Message = "schema: " + iss.Message
		if iss.Line > 0 {
			iss.Offset += bom
		}
		if n := locate(root, format, p); n != nil {
			iss.Path = n.Path()
			if iss.Line == 0 {
				iss.Line, iss.Column, iss.Offset = n.Line, n.Col, 0
			}
		}
		out = append(out, iss)
	}
	return out
}

// locate finds the node a schema problem is about: by JSON pointer for
// JSON, by element name for XML (libxml2 names the element but not where it
// is, so the first element of that name is taken).
func locate(root *tree.Node, format string, p schema.Problem) *tree.Node {
	if p.Location == "" || root == nil {
		return nil
	}
	if format == "json" {
		// "/entry/3/resource/status": a number picks the n-th child of the
		// name before it.
		parent, n := root, root
		name := ""
		for _, seg := range strings.Split(strings.TrimPrefix(p.Location, "/"), "/") {
			if idx, ok := atoiOK(seg); ok && name != "" {
				if all := parent.ChildrenNamed(name); idx < len(all) {
					n = all[idx]
				}
				continue
			}
			next := n.Child(seg)
			if next == nil {
				return n
			}
			parent, n, name = n, next, seg
		}
		return n
	}
	name := p.Location
	if i := strings.Index(name, "/@"); i >= 0 {
		name = name[:i]
	}
	var found *tree.Node
	root.Walk(func(n *tree.Node) bool {
		if found == nil && n.Name == name {
			found = n
		}
		return found == nil
	})
	return found
}

func atoiOK(s string) (int, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, s != ""
}
