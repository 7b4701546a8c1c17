package validate

import (
	"context"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// oracleInvariants is shared by the tests so that each constraint is
// compiled once, as in a long-lived Validator.
var oracleInvariants = newInvariants(schemas.STU3())

// EachConstraintVerdict hands visit the verdict of every constraint the
// FHIRPath phase evaluates under root, through the same walk and judge as
// Validate: noVerdict is the issue Validate would report when the
// evaluation gave none.
func EachConstraintVerdict(root *tree.Node, visit func(n *tree.Node, c *schemas.Constraint, truth fhirpath.Truth, noVerdict *Issue)) {
	oracleInvariants.each(context.Background(), root, 0, visit)
}

// NativeInvariant reports whether the constraint key is checked in Go
// rather than through its FHIRPath expression, and how.
func NativeInvariant(key string) (string, bool) {
	how, ok := nativeInvariants[key]
	return how, ok
}

// SchemaAudit returns the issues of the schema phase on src whatever the
// model phases found (Validate runs it only on payloads they pass), for the
// test that the phase adds nothing to them.
func SchemaAudit(src []byte) []Issue {
	format := Sniff(src)
	var doc *tree.Document
	switch format {
	case "xml":
		doc, _ = tree.ParseXML(src, schemas.STU3())
	case "json":
		doc, _ = tree.ParseJSON(src, schemas.STU3())
	}
	if doc == nil || doc.Root == nil {
		return nil
	}
	return schemaIssues(src, format, doc.Root)
}
