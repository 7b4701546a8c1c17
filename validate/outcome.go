package validate

import (
	"crypto/sha1"
	"fmt"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// SpineOperationOutcomeProfile is the profile NEMS error responses conform to.
const SpineOperationOutcomeProfile = "https://fhir.nhs.uk/STU3/StructureDefinition/Spine-OperationOutcome-1"

// OutcomeIssue is one issue of an OperationOutcome in the Spine shape
// (Spine-OperationOutcome-1, as the Spine Core error handling page shows it):
// severity, code, details with exactly one Spine coding, and
// diagnostics. The profile forbids issue.expression, so the FHIR path and
// the line:column go into diagnostics.
type OutcomeIssue struct {
	Severity    Severity
	Code        string
	Spine       SpineCode
	Diagnostics string
}

// Outcome is an OperationOutcome as NEMS returns it.
type Outcome struct {
	ID     string
	Issues []OutcomeIssue
	// Narrative, when set, is the XHTML div of OperationOutcome.text
	// (status "generated"), namespace declaration included: a report's
	// summary of the payload. NEMS's own answers carry none.
	Narrative string
}

// Outcome turns the result into the OperationOutcome NEMS would return for
// it. A result without issues gets a single informational issue saying so
// and no Spine coding: NEMS itself answers a valid request without a body.
func (r *Result) Outcome() *Outcome {
	o := &Outcome{}
	for _, i := range r.Issues {
		d := i.Message
		if i.Path != "" {
			d = i.Path + ": " + d
		}
		if loc := i.Location(); loc != "" {
			d = loc + ": " + d
		}
		if i.Rule != "" {
			d += " [" + i.Rule + "]"
		}
		o.Issues = append(o.Issues, OutcomeIssue{Severity: i.Severity, Code: i.Code, Spine: i.Spine, Diagnostics: d})
	}
	if len(o.Issues) == 0 {
		o.Issues = append(o.Issues, OutcomeIssue{Severity: SeverityInformation, Code: "informational", Diagnostics: "No issues found"})
	}
	o.ID = outcomeID(r.Source, o.Issues)
	return o
}

// outcomeID derives a stable id from the content, so that the same result
// always renders to the same bytes (Spine always sets an id; a random one
// would make reports differ between runs).
func outcomeID(source string, issues []OutcomeIssue) string {
	h := sha1.New()
	h.Write([]byte(source))
	for _, i := range issues {
		fmt.Fprintf(h, "\x00%s\x00%s\x00%s\x00%s", i.Severity, i.Code, i.Spine, i.Diagnostics)
	}
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x50 // version 5 (name-based, SHA-1)
	s[8] = s[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// XML renders the outcome in the FHIR XML form, indented, with no XML
// declaration.
func (o *Outcome) XML() []byte { return o.render(false) }

// JSON renders the outcome in the FHIR JSON form, indented.
func (o *Outcome) JSON() []byte { return o.render(true) }

// render writes the outcome through the element tree and the writers the
// converter uses. Should that fail (a Narrative the XML writer does not
// take, say), it writes instead an outcome that says so, rather than
// nothing: its one issue is built from constants and sanitised text, so
// it cannot fail in turn.
func (o *Outcome) render(asJSON bool) []byte {
	out, err := o.write(asJSON)
	if err != nil {
		failed := &Outcome{ID: o.ID, Issues: []OutcomeIssue{{Severity: SeverityFatal, Code: "exception",
			Diagnostics: "the OperationOutcome could not be written: " + err.Error()}}}
		out, _ = failed.write(asJSON)
	}
	return out
}

func (o *Outcome) write(asJSON bool) ([]byte, error) {
	root, err := o.tree()
	if err != nil {
		return nil, err
	}
	if asJSON {
		return tree.AppendJSON(nil, root, true)
	}
	return tree.AppendXMLElement(nil, root, true)
}

// tree builds the outcome as an STU3 OperationOutcome.
func (o *Outcome) tree() (*tree.Node, error) {
	b := tree.NewBuilder(schemas.STU3())
	oo := b.Resource("OperationOutcome")
	b.Value(oo, "id", o.ID)
	b.Value(b.Element(oo, "meta"), "profile", SpineOperationOutcomeProfile)
	if o.Narrative != "" {
		text := b.Element(oo, "text")
		b.Value(text, "status", "generated")
		b.Value(text, "div", o.Narrative)
	}
	for _, i := range o.Issues {
		is := b.Element(oo, "issue")
		b.Value(is, "severity", string(i.Severity))
		b.Value(is, "code", i.Code)
		if i.Spine != "" {
			c := b.Element(b.Element(is, "details"), "coding")
			b.Value(c, "system", SpineSystem)
			b.Value(c, "code", string(i.Spine))
			b.Value(c, "display", i.Spine.Display())
		}
		if i.Diagnostics != "" {
			// Diagnostics quote the payload, which may hold anything.
			b.Value(is, "diagnostics", tree.ReplaceNonXMLChars(i.Diagnostics))
		}
	}
	return oo, b.Err()
}
