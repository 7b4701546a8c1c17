package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/nemsfhir/nemsfhir/validate"
)

// Outcome writes, for each payload, the OperationOutcome NEMS would answer
// with (the Spine-OperationOutcome-1 shape of validate.Result.Outcome),
// plus a narrative that names the file, since the resource itself has no
// element for it.
//
// One payload gives one bare OperationOutcome, exactly what NEMS returns.
// Several give a Bundle of type "collection", one entry per payload in input
// order, each with fullUrl "urn:uuid:" + the OperationOutcome id. The Bundle
// is streamed entry by entry: the reporter holds back only the first
// outcome until it knows whether a second one follows.
type Outcome struct {
	w       *bufio.Writer
	json    bool
	first   []byte // the first outcome, held until a second or Flush
	firstID string
	n       int
}

// NewOutcome returns an OperationOutcome reporter, in FHIR JSON when
// asJSON is true and in FHIR XML otherwise.
func NewOutcome(w io.Writer, asJSON bool) *Outcome {
	return &Outcome{w: bufio.NewWriter(w), json: asJSON}
}

// Write implements Reporter.
func (o *Outcome) Write(r *validate.Result) error {
	oo := r.Outcome()
	body := o.render(r, oo)
	o.n++
	switch o.n {
	case 1:
		o.first, o.firstID = body, oo.ID
		return nil
	case 2:
		o.bundleStart()
		o.entry(o.firstID, o.first, true)
		o.first = nil
	}
	o.entry(oo.ID, body, false)
	if o.w.Buffered() > 32<<10 {
		return o.w.Flush()
	}
	return nil
}

// Flush implements Reporter.
func (o *Outcome) Flush() error {
	switch {
	case o.n == 1:
		o.w.Write(o.first)
	case o.n > 1 && o.json:
		o.w.WriteString("\n  ]\n}\n")
	case o.n > 1:
		o.w.WriteString("</Bundle>\n")
	case o.json: // no payload at all: an empty collection
		o.w.WriteString(`{"resourceType": "Bundle", "type": "collection"}` + "\n")
	default:
		o.w.WriteString(`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/></Bundle>` + "\n")
	}
	return o.w.Flush()
}

func (o *Outcome) bundleStart() {
	if o.json {
		o.w.WriteString("{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"collection\",\n  \"entry\": [\n")
		return
	}
	o.w.WriteString("<Bundle xmlns=\"http://hl7.org/fhir\">\n  <type value=\"collection\"/>\n")
}

func (o *Outcome) entry(id string, body []byte, first bool) {
	if o.json {
		if !first {
			o.w.WriteString(",\n")
		}
		fmt.Fprintf(o.w, "    {\n      \"fullUrl\": \"urn:uuid:%s\",\n      \"resource\": ", id)
		o.w.Write(indent(bytes.TrimRight(body, "\n"), "      "))
		o.w.WriteString("\n    }")
		return
	}
	fmt.Fprintf(o.w, "  <entry>\n    <fullUrl value=\"urn:uuid:%s\"/>\n    <resource>\n", id)
	o.w.Write(indent(bytes.TrimRight(body, "\n"), "      "))
	o.w.WriteString("\n    </resource>\n  </entry>\n")
}

// indent prefixes every line but the first (JSON) or every line (XML,
// where the caller writes the first line's place itself) with pad.
func indent(b []byte, pad string) []byte {
	out := bytes.ReplaceAll(b, []byte("\n"), []byte("\n"+pad))
	if len(out) > 0 && out[0] == '<' {
		out = append([]byte(pad), out...)
	}
	return out
}

// narrative is the XHTML summary of one payload's verdict.
func narrative(r *validate.Result) string {
	var b strings.Builder
	b.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml"><p>`)
	verdict := "valid"
	if !r.Valid() {
		verdict = "invalid"
	}
	src := r.Source
	if src == "" {
		src = "(unnamed payload)"
	}
	fmt.Fprintf(&b, "Validation of <code>%s</code>: %s", xmlAttr(src), verdict)
	if n := len(r.Issues); n > 0 {
		fmt.Fprintf(&b, ", %d %s", n, plural(n, "issue", "issues"))
	}
	b.WriteString(".</p></div>")
	return b.String()
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (o *Outcome) render(r *validate.Result, oo *validate.Outcome) []byte {
	if o.json {
		return outcomeJSON(r, oo)
	}
	return outcomeXML(r, oo)
}

func outcomeXML(r *validate.Result, oo *validate.Outcome) []byte {
	var b bytes.Buffer
	b.WriteString("<OperationOutcome xmlns=\"http://hl7.org/fhir\">\n")
	fmt.Fprintf(&b, "  <id value=\"%s\"/>\n", xmlAttr(oo.ID))
	fmt.Fprintf(&b, "  <meta>\n    <profile value=\"%s\"/>\n  </meta>\n", validate.SpineOperationOutcomeProfile)
	fmt.Fprintf(&b, "  <text>\n    <status value=\"generated\"/>\n    %s\n  </text>\n", narrative(r))
	for _, i := range oo.Issues {
		b.WriteString("  <issue>\n")
		fmt.Fprintf(&b, "    <severity value=\"%s\"/>\n", xmlAttr(string(i.Severity)))
		fmt.Fprintf(&b, "    <code value=\"%s\"/>\n", xmlAttr(i.Code))
		if i.Spine != "" {
			b.WriteString("    <details>\n      <coding>\n")
			fmt.Fprintf(&b, "        <system value=\"%s\"/>\n", validate.SpineSystem)
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

type ooCoding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type ooIssue struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Details  *struct {
		Coding []ooCoding `json:"coding"`
	} `json:"details,omitempty"`
	Diagnostics string `json:"diagnostics,omitempty"`
}

type ooJSON struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		Profile []string `json:"profile"`
	} `json:"meta"`
	Text struct {
		Status string `json:"status"`
		Div    string `json:"div"`
	} `json:"text"`
	Issue []ooIssue `json:"issue"`
}

func outcomeJSON(r *validate.Result, oo *validate.Outcome) []byte {
	out := ooJSON{ResourceType: "OperationOutcome", ID: oo.ID}
	out.Meta.Profile = []string{validate.SpineOperationOutcomeProfile}
	out.Text.Status = "generated"
	out.Text.Div = narrative(r)
	for _, i := range oo.Issues {
		ji := ooIssue{Severity: string(i.Severity), Code: i.Code, Diagnostics: i.Diagnostics}
		if i.Spine != "" {
			ji.Details = &struct {
				Coding []ooCoding `json:"coding"`
			}{[]ooCoding{{validate.SpineSystem, string(i.Spine), i.Spine.Display()}}}
		}
		out.Issue = append(out.Issue, ji)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err) // strings and slices of them only: cannot fail
	}
	return b.Bytes()
}
