// Package transform knows the two wire formats of FHIR STU3: it converts a
// resource between XML and JSON ([XMLToJSON], [JSONToXML]) and handles the
// media types of the NEMS APIs.
//
// A conversion reads the input into the element tree that the validator
// also uses, resolving every element against the STU3 model, and writes the
// tree in the other format. So it checks the input on the way: an unknown
// element or property, a value of the wrong JSON type, a duplicate key, or
// an array where a single value belongs (or the reverse) stops it with an
// [ErrorList] whose errors give line:column and FHIR path. Nothing is
// dropped silently: what the target format cannot hold (XML comments,
// xsi:schemaLocation) is counted and named in the [Report].
//
// What is kept exactly: primitive values as written (a decimal "1.50"
// stays 1.50 in JSON, whitespace inside values stays), element ids,
// primitive extensions ("_name" in JSON, aligned with null in arrays),
// nested resources (contained, Bundle.entry.resource,
// Parameters.parameter.resource) and the narrative XHTML, which JSON holds
// as a string with its namespace declaration. Output follows the model's
// definition order in both formats, compact or indented. Elements out of
// order in XML input are moved into order, with a warning.
//
// The conversion functions are safe for concurrent use. [ConvertAll]
// converts a stream of inputs (files and folders found by inputs.Walk, or
// any of the caller's) with several workers, in input order and bounded
// memory.
package transform

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Options control a conversion. The zero value writes compact output and
// uses the embedded STU3 model.
type Options struct {
	// Pretty indents the output by two spaces and ends it with a newline.
	Pretty bool
	// Model is the FHIR model to resolve elements against; nil means
	// schemas.STU3().
	Model *schemas.Model
}

func (o Options) model() *schemas.Model {
	if o.Model != nil {
		return o.Model
	}
	return schemas.STU3()
}

// Error is a problem at a place in the input: Line and Column (1-based,
// Column in characters), the FHIR Path of the element (e.g.
// "Bundle.entry[0].resource.event.code", empty for a syntax error) and a
// message. It prints as "line:col: path: message".
type Error = issue.Error

// ErrorList holds every Error found in one input, in source order. The
// conversion functions return one as their error; use errors.As to reach
// the individual errors.
type ErrorList = issue.ErrorList

// Report says what a conversion could not carry over. It is never nil.
type Report struct {
	// CommentsDropped counts the XML comments outside narrative XHTML; JSON
	// has no place for them. Comments inside the narrative div are kept.
	CommentsDropped int
	// Warnings name each kind of dropped content once, with the place of
	// its first occurrence (comments), or every occurrence (attributes and
	// processing instructions).
	Warnings []*Error
}

// XMLToJSON converts one FHIR STU3 resource from XML to JSON. Primitive
// values are copied exactly as written (a decimal "1.50" stays 1.50), and
// properties follow the definition order of the model. On bad input it
// returns no output and an ErrorList.
func XMLToJSON(src []byte, opt Options) ([]byte, *Report, error) {
	return Convert(src, XML, JSON, opt)
}

// JSONToXML converts one FHIR STU3 resource from JSON to XML, writing
// elements in the order the model defines. On bad input it returns no
// output and an ErrorList.
func JSONToXML(src []byte, opt Options) ([]byte, *Report, error) {
	return Convert(src, JSON, XML, opt)
}

// Convert reads one resource in format from and writes it in format to.
// The two may be the same: XML to XML puts elements in definition order and
// re-indents (comments are dropped and counted as for JSON), JSON to JSON
// checks the input and orders its properties.
func Convert(src []byte, from, to Format, opt Options) ([]byte, *Report, error) {
	var doc *tree.Document
	var err error
	switch from {
	case XML:
		// The tree lives only until the output is written.
		var release func()
		doc, release, err = tree.ParseXMLScratch(src, opt.model())
		defer release()
	case JSON:
		var release func()
		doc, release, err = tree.ParseJSONScratch(src, opt.model())
		defer release()
	default:
		return nil, &Report{}, fmt.Errorf("transform: unknown input format %v", from)
	}
	rep := &Report{CommentsDropped: doc.Comments, Warnings: doc.Warnings}
	if err != nil {
		return nil, rep, err
	}
	var out []byte
	buf := scratch()
	switch to {
	case XML:
		// XML is usually larger than its JSON: end tags and value attributes.
		out, err = tree.AppendXML(grow(*buf, 2*len(src)), doc.Root, opt.Pretty)
	case JSON:
		// JSON is usually a little smaller than the XML it comes from.
		out, err = tree.AppendJSON(grow(*buf, len(src)+len(src)/8), doc.Root, opt.Pretty)
	default:
		return nil, rep, fmt.Errorf("transform: unknown output format %v", to)
	}
	if out != nil {
		*buf = out[:0] // it may have grown
	}
	defer keep(buf)
	if err != nil {
		return nil, rep, err
	}
	return bytes.Clone(out), rep, nil
}

// Output is written into a pooled buffer and copied out exactly sized. A
// buffer made for each conversion was cleared by the runtime first, at
// twice the size of the output or more, and the spare room stayed with
// the caller.
var outBufs sync.Pool

// maxPooledBuf bounds the buffers kept for the next conversion.
const maxPooledBuf = 32 << 20

func scratch() *[]byte {
	if b, ok := outBufs.Get().(*[]byte); ok {
		return b
	}
	return new([]byte)
}

func keep(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		outBufs.Put(b)
	}
}

// grow returns b emptied, with room for n bytes.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, 0, n)
	}
	return b[:0]
}
