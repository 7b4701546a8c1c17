package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate"
)

func init() {
	register(&command{
		name:    "fhirpath",
		summary: "evaluate a FHIRPath expression on resources and print the typed results",
		run:     runFHIRPath,
	})
}

const fhirpathUsage = `Usage: nemsfhir fhirpath [flags] EXPR FILE...

Evaluates the FHIRPath expression EXPR on each FILE (an STU3 resource in
XML or JSON; - reads standard input) with the engine that checks the
invariants and rule packs, and prints what it gives: one line per result,
"type: value", the type as FHIRPath names it (boolean, integer, decimal,
string, date, dateTime, time, Quantity, or the FHIR type of an element such
as code or HumanName) and the value as FHIRPath writes it; an element
without a value of its own is written as compact JSON. With several files
each line starts with the file name. An empty result prints nothing.

With --format json each file gives one JSON object on a line:
  {"path": FILE, "results": [{"type": "string", "value": "..."}, ...]}
or, when the file cannot be read or the expression cannot be evaluated on it,
  {"path": FILE, "error": "..."}

With --strict the expression is also checked against the STU3 model for
the resource type of each file, as a rule pack can be: a name no element
has there (name.given1), a choice element named with its type
(valueQuantity) or an unknown type is an error instead of an empty result.

Exit status: 0 when every file was evaluated, 1 when the expression does not
compile or cannot be evaluated on a file (a file that is not valid STU3, a
function the engine cannot evaluate faithfully), 2 on a usage error or a
file that cannot be read.

Examples:
  nemsfhir fhirpath 'Bundle.entry.resource.ofType(Patient).name.family' payload.xml
  nemsfhir fhirpath --format json "event.code" message.json
  nemsfhir fhirpath -- '-1 + 2' payload.xml   (an expression starting with -)

Flags:
`

// fhirpathResult is one item of a result, as --format json writes it.
type fhirpathResult struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// fhirpathFile is what --format json writes for one file.
type fhirpathFile struct {
	Path    string            `json:"path"`
	Results *[]fhirpathResult `json:"results,omitempty"`
	Error   string            `json:"error,omitempty"`
}

func runFHIRPath(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("fhirpath", pflag.ContinueOnError)
	format := fs.StringP("format", "f", "text", "output format: text or json")
	strict := fs.Bool("strict", false, "also check the expression against the STU3 model for each file's resource type: a path that cannot exist (name.given1) is an error, not an empty result")
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), fhirpathUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	usageErr := func(msg string) int {
		return usageError(stderr, "fhirpath", "%s", msg)
	}
	if *format != "text" && *format != "json" {
		return usageErr(fmt.Sprintf("unknown --format %q: give text or json", *format))
	}
	if fs.NArg() < 2 {
		return usageErr("give an expression and at least one FILE")
	}
	src, files := fs.Arg(0), fs.Args()[1:]
	expr, err := fhirpath.Compile(src)
	if err != nil {
		fmt.Fprintf(stderr, "nemsfhir fhirpath: the expression does not compile: %v\n", err)
		var pe *fhirpath.ParseError
		if errors.As(err, &pe) {
			if s := pe.Snippet(); s != "" {
				fmt.Fprintln(stderr, indent(s))
			}
		}
		return exitInvalid
	}
	m := schemas.STU3()
	code := exitOK
	stdinUsed := false
	for _, file := range files {
		if file == "-" {
			if stdinUsed {
				return usageErr("- (standard input) may be given once")
			}
			stdinUsed = true
		}
		items, fileCode, err := evaluateFile(expr, *strict, file, stdin, m)
		code = max(code, fileCode)
		if *format == "json" {
			out := fhirpathFile{Path: file}
			if err != nil {
				// The path is beside it already.
				out.Error = strings.TrimPrefix(err.Error(), file+": ")
			} else {
				rs := make([]fhirpathResult, 0, len(items))
				for _, it := range items {
					rs = append(rs, fhirpathResult{Type: it.TypeName(), Value: jsonValue(it)})
				}
				out.Results = &rs
			}
			var line bytes.Buffer
			enc := json.NewEncoder(&line)
			enc.SetEscapeHTML(false)
			if merr := enc.Encode(out); merr != nil {
				fmt.Fprintf(stderr, "nemsfhir fhirpath: %s: %v\n", file, merr)
				code = max(code, exitInvalid)
				continue
			}
			stdout.Write(line.Bytes())
			continue
		}
		if err != nil {
			fmt.Fprintf(stderr, "nemsfhir fhirpath: %v\n", err)
			continue
		}
		var b strings.Builder
		for _, it := range items {
			if len(files) > 1 {
				b.WriteString(file + ": ")
			}
			b.WriteString(it.TypeName() + ": " + textValue(it) + "\n")
		}
		io.WriteString(stdout, b.String())
	}
	return code
}

// evaluateFile reads one resource and evaluates expr on it. The error names
// the file; the code is exitUsage when the file cannot be read and
// exitInvalid when the expression cannot be evaluated on it.
func evaluateFile(expr *fhirpath.Expression, strict bool, file string, stdin io.Reader, m *schemas.Model) (fhirpath.Collection, int, error) {
	var src []byte
	var err error
	if file == "-" {
		src, err = io.ReadAll(io.LimitReader(stdin, validate.MaxReadSize+1))
		if err == nil && int64(len(src)) > validate.MaxReadSize {
			err = fmt.Errorf("larger than %s, the most read", sizeText(validate.MaxReadSize))
		}
		if err != nil {
			err = fmt.Errorf("-: %v", err)
		}
	} else {
		src, err = readSmallFile(file, validate.MaxReadSize)
	}
	if err != nil {
		return nil, exitUsage, err
	}
	var doc *tree.Document
	switch validate.Sniff(src) {
	case "xml":
		doc, err = tree.ParseXML(src, m)
	case "json":
		doc, err = tree.ParseJSON(src, m)
	default:
		return nil, exitInvalid, fmt.Errorf("%s: neither XML nor JSON (the first character is not '<' or '{')", file)
	}
	if err != nil {
		// A resource read only in part would give results for a resource
		// other than the one in the file.
		return nil, exitInvalid, fmt.Errorf("%s: not a valid STU3 resource, so not evaluated: %v", file, firstLines(err.Error(), 5))
	}
	if doc == nil || doc.Root == nil {
		return nil, exitInvalid, fmt.Errorf("%s: no resource found", file)
	}
	root := doc.Root
	if strict {
		var err error
		if expr, err = fhirpath.CompileStrict(expr.String(), treepath.StrictModel(m), root.Type); err != nil {
			msg := err.Error()
			var pe *fhirpath.ParseError
			if errors.As(err, &pe) {
				if s := pe.Snippet(); s != "" {
					msg += "\n" + indent(s)
				}
			}
			return nil, exitInvalid, fmt.Errorf("%s: the expression does not fit a %s: %s", file, root.Type, msg)
		}
	}
	node := treepath.Of(root)
	env := &fhirpath.Env{
		Resource: node,
		Resolver: treepath.NewResolver(root),
		BaseType: func(name string) string {
			if t := m.Type(name); t != nil {
				if t.Profile != "" {
					return t.Profile
				}
				return t.Base
			}
			return ""
		},
		MaxSteps: treepath.Budget(root),
	}
	res, err := expr.Evaluate(context.Background(), node, env)
	if err != nil {
		return nil, exitInvalid, fmt.Errorf("%s: %v", file, err)
	}
	if len(res.Unsupported) > 0 {
		return nil, exitInvalid, fmt.Errorf("%s: the result cannot be trusted: the engine cannot evaluate %s here", file, strings.Join(res.Unsupported, ", "))
	}
	return res.Collection, exitOK, nil
}

// textValue writes an item's value as FHIRPath does, and an element without
// a value of its own as compact JSON.
func textValue(it fhirpath.Item) string {
	if v, ok := it.Value(); ok {
		return v.String()
	}
	return string(elementJSON(it.Node(), 0))
}

// jsonValue is the value of an item for --format json: a string as
// FHIRPath writes it, or a JSON object for an element without a value.
func jsonValue(it fhirpath.Item) json.RawMessage {
	if v, ok := it.Value(); ok {
		return json.RawMessage(strconv.Quote(v.String()))
	}
	return elementJSON(it.Node(), 0)
}

// maxJSONDepth bounds the nesting elementJSON follows; deeper parts are
// written as "...", so that no input can make it recurse without end.
const maxJSONDepth = 64

// elementJSON renders an element and its children as a compact JSON object:
// each child name once, its value a string, an object, or an array when
// the name repeats; a primitive with extensions gives its value as "value".
func elementJSON(n fhirpath.Node, depth int) json.RawMessage {
	if n == nil {
		return json.RawMessage("null")
	}
	if depth > maxJSONDepth {
		return json.RawMessage(`"..."`)
	}
	var names []string
	groups := map[string][]fhirpath.Node{}
	for _, c := range n.AllChildren() {
		name := c.Name()
		if _, seen := groups[name]; !seen {
			names = append(names, name)
		}
		groups[name] = append(groups[name], c)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	field := func(key string, val []byte) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(strconv.Quote(key))
		b.WriteByte(':')
		b.Write(val)
	}
	if t := n.Type(); t != "" && t[0] >= 'A' && t[0] <= 'Z' && n.Name() == t {
		field("resourceType", []byte(strconv.Quote(t)))
	}
	if v, ok := n.Value(); ok {
		field("value", []byte(strconv.Quote(v)))
	}
	for _, name := range names {
		cs := groups[name]
		if len(cs) == 1 {
			field(name, childJSON(cs[0], depth))
			continue
		}
		var arr bytes.Buffer
		arr.WriteByte('[')
		for i, c := range cs {
			if i > 0 {
				arr.WriteByte(',')
			}
			arr.Write(childJSON(c, depth))
		}
		arr.WriteByte(']')
		field(name, arr.Bytes())
	}
	b.WriteByte('}')
	return b.Bytes()
}

func childJSON(c fhirpath.Node, depth int) []byte {
	if v, ok := c.Value(); ok && len(c.AllChildren()) == 0 {
		return []byte(strconv.Quote(v))
	}
	return elementJSON(c, depth+1)
}

// firstLines keeps the first n lines of a long parser report.
func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n(and %d more)", len(lines)-n)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
