package report

import (
	"bufio"
	"bytes"
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
	oo.Narrative = narrative(r)
	return o.write(oo)
}

// WriteInputError implements InputErrorWriter: the input gets an
// OperationOutcome with one fatal issue of type exception, its narrative
// saying that the file was not read.
func (o *Outcome) WriteInputError(source string, err error) error {
	msg := inputErrorText(err)
	r := &validate.Result{Source: source, Kind: "unknown", Issues: []validate.Issue{{
		Severity: validate.SeverityFatal, Code: "exception", Message: msg,
	}}}
	oo := r.Outcome()
	oo.Narrative = `<div xmlns="http://www.w3.org/1999/xhtml"><p>` + fmt.Sprintf("<code>%s</code> was not read: %s", xmlAttr(source), xmlAttr(msg)) + "</p></div>"
	return o.write(oo)
}

func (o *Outcome) write(oo *validate.Outcome) error {
	var body []byte
	if o.json {
		body = oo.JSON()
	} else {
		body = oo.XML()
	}
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
