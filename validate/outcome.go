package validate

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
)

// SpineOperationOutcomeProfile is the profile NEMS error responses conform to.
const SpineOperationOutcomeProfile = "https://fhir.nhs.uk/STU3/StructureDefinition/Spine-OperationOutcome-1"

// OutcomeIssue is one issue of an OperationOutcome in the Spine shape
// (nems.md 4.1): severity, code, details with exactly one Spine coding, and
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

// XML renders the outcome in the FHIR XML form.
func (o *Outcome) XML() []byte {
	var b bytes.Buffer
	b.WriteString(`<OperationOutcome xmlns="http://hl7.org/fhir">` + "\n")
	fmt.Fprintf(&b, "  <id value=\"%s\"/>\n", xmlAttr(o.ID))
	fmt.Fprintf(&b, "  <meta>\n    <profile value=\"%s\"/>\n  </meta>\n", SpineOperationOutcomeProfile)
	for _, i := range o.Issues {
		b.WriteString("  <issue>\n")
		fmt.Fprintf(&b, "    <severity value=\"%s\"/>\n", xmlAttr(string(i.Severity)))
		fmt.Fprintf(&b, "    <code value=\"%s\"/>\n", xmlAttr(i.Code))
		if i.Spine != "" {
			b.WriteString("    <details>\n      <coding>\n")
			fmt.Fprintf(&b, "        <system value=\"%s\"/>\n", SpineSystem)
			fmt.Fprintf(&b, "        <code value=\"%s\"/>\n", xmlAttr(string(i.Spine)))
			fmt.Fprintf(&b, "        <display value=\"%s\"/>\n", xmlAttr(i.Spine.Display()))
			b.WriteString("      </coding>\n    </details>\n")
		}
		if i.Diagnostics != "" {
			fmt.Fprintf(&b, "    <diagnostics value=\"%s\"/>\n", xmlAttr(i.Diagnostics))
		}
		b.WriteString("  </issue>\n")
	}
	b.WriteString("</OperationOutcome>\n")
	return b.Bytes()
}

func xmlAttr(s string) string {
	var b strings.Builder
	// EscapeText also escapes quotes, tabs and newlines, which attribute
	// values need so that a reader gets them back unnormalised.
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

type jsonCoding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type jsonIssue struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Details  *struct {
		Coding []jsonCoding `json:"coding"`
	} `json:"details,omitempty"`
	Diagnostics string `json:"diagnostics,omitempty"`
}

type jsonOutcome struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		Profile []string `json:"profile"`
	} `json:"meta"`
	Issue []jsonIssue `json:"issue"`
}

// JSON renders the outcome in the FHIR JSON form, indented.
func (o *Outcome) JSON() []byte {
	out := jsonOutcome{ResourceType: "OperationOutcome", ID: o.ID}
	out.Meta.Profile = []string{SpineOperationOutcomeProfile}
	for _, i := range o.Issues {
		ji := jsonIssue{Severity: string(i.Severity), Code: i.Code, Diagnostics: i.Diagnostics}
		if i.Spine != "" {
			ji.Details = &struct {
				Coding []jsonCoding `json:"coding"`
			}{[]jsonCoding{{SpineSystem, string(i.Spine), i.Spine.Display()}}}
		}
		out.Issue = append(out.Issue, ji)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		// Only strings and slices of them: encoding cannot fail.
		panic(err)
	}
	return b.Bytes()
}
