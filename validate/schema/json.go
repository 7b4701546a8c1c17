package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/nemsfhir/nemsfhir/internal/primitive"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"unicode/utf8"
)

// jsonSchemaBase is the URL under which the embedded JSON Schema documents
// are known to the compiler ("nemsfhir:///stu3/Bundle.schema.json"); its
// path makes the documents' relative references resolve among themselves.
// Nothing is ever fetched from it.
const jsonSchemaBase = "nemsfhir:///stu3/"

// resourceKeyword marks a resource slot in the generated schema (see
// package schemas/gen/jsonschemagen).
const resourceKeyword = "x-nemsfhir-resource"

// jsonSchemas is the JSON Schema compiled piece by piece: the shared
// document when the first payload arrives, and each resource type's
// document the first time a payload holds such a resource, so that a
// Subscription costs the Subscription schema and not the 117 others. One
// compiler serves all of them, so that the shared definitions are compiled
// once; it is not safe for concurrent use, hence mu. Compiled schemas are
// immutable and used without the lock.
type jsonSchemas struct {
	mu       sync.Mutex
	compiler *jsonschema.Compiler

	rootOnce sync.Once
	root     *jsonschema.Schema
	rootErr  error

	// types has one entry per resource type, made when the resource slot
	// is compiled (with the shared document) and fixed from then on.
	types map[string]*lazySchema
}

type lazySchema struct {
	once sync.Once
	s    *jsonschema.Schema
	err  error
}

// The process's JSON Schema, shared by all validations, set up on first
// use rather than at package initialisation, which every run of the CLI
// pays for.
var (
	stu3JSONOnce sync.Once
	stu3JSONSet  *jsonSchemas
)

func stu3JSON() *jsonSchemas {
	stu3JSONOnce.Do(func() { stu3JSONSet = newJSONSchemas() })
	return stu3JSONSet
}

// newJSONSchemas sets up a compiler whose loader serves the embedded
// documents only, so that a reference outside them fails compilation
// instead of reaching the network (the draft's metaschemas are built into
// the library). Nothing is compiled yet.
func newJSONSchemas() *jsonSchemas {
	js := &jsonSchemas{}
	c := jsonschema.NewCompiler()
	c.UseLoader(embeddedLoader{})
	c.UseRegexpEngine(compilePattern)
	c.RegisterVocabulary(&jsonschema.Vocabulary{
		URL: "urn:nemsfhir:vocab:resource",
		Compile: func(_ *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
			if v, ok := obj[resourceKeyword]; !ok || v != true {
				return nil, nil
			}
			// The slot's own enum of resourceType lists the resource
			// types, each with a document named after it. The documents
			// of other data types sit beside them, and must not be taken
			// for resources.
			props, _ := obj["properties"].(map[string]any)
			rt, _ := props["resourceType"].(map[string]any)
			names, _ := rt["enum"].([]any)
			if len(names) == 0 {
				return nil, fmt.Errorf("%s without an enum of resourceType", resourceKeyword)
			}
			if js.types == nil { // compiled once, under js.mu
				js.types = map[string]*lazySchema{}
				for _, n := range names {
					if s, ok := n.(string); ok {
						js.types[s] = &lazySchema{}
					}
				}
			}
			return resourceSlot{js}, nil
		},
	})
	// Draft 2020-12 ignores vocabularies its metaschema does not name
	// unless told otherwise.
	c.AssertVocabs()
	js.compiler = c
	return js
}

// jsonSchema returns the process's schema for any one resource, compiling
// the shared document on first use.
func jsonSchema() (*jsonschema.Schema, error) { return stu3JSON().rootSchema() }

func (js *jsonSchemas) rootSchema() (*jsonschema.Schema, error) {
	js.rootOnce.Do(func() { js.root, js.rootErr = js.compile(schemas.STU3JSONSchemaRoot) })
	return js.root, js.rootErr
}

// compile compiles the root of one embedded document.
func (js *jsonSchemas) compile(name string) (*jsonschema.Schema, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	s, err := js.compiler.Compile(jsonSchemaBase + name)
	if err != nil {
		return nil, fmt.Errorf("schema: compiling the JSON Schema %s: %v", name, err)
	}
	return s, nil
}

// resourceSchema returns the compiled schema of a resource type, compiling
// it on first use; nil, nil when the type is not a concrete resource.
func (js *jsonSchemas) resourceSchema(resourceType string) (*jsonschema.Schema, error) {
	if _, err := js.rootSchema(); err != nil {
		return nil, err
	}
	l := js.types[resourceType]
	if l == nil {
		return nil, nil
	}
	l.once.Do(func() { l.s, l.err = js.compile(resourceType + ".schema.json") })
	return l.s, l.err
}

// compileAll compiles every resource type's schema; for tests.
func (js *jsonSchemas) compileAll() error {
	if _, err := js.rootSchema(); err != nil {
		return err
	}
	for r := range js.types {
		if _, err := js.resourceSchema(r); err != nil {
			return err
		}
	}
	return nil
}

// embeddedLoader serves the embedded JSON Schema documents, and nothing
// else.
type embeddedLoader struct{}

func (embeddedLoader) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, jsonSchemaBase)
	if !ok || strings.Contains(name, "/") {
		return nil, fmt.Errorf("schema: %s is not part of the embedded JSON Schema", url)
	}
	raw, err := fs.ReadFile(schemas.STU3JSONSchemas(), name)
	if err != nil {
		return nil, fmt.Errorf("schema: %s is not part of the embedded JSON Schema", url)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(raw))
}

// resourceSlot validates a resource held in a slot against the schema of
// its resourceType, compiled on demand. Its problems are reported at their
// places in the whole document, since the nested validation runs at the
// slot's instance location. An unknown or missing resourceType is left to
// the slot's own enum and required.
type resourceSlot struct{ js *jsonSchemas }

func (r resourceSlot) Validate(ctx *jsonschema.ValidatorContext, v any) {
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	rt, _ := obj["resourceType"].(string)
	s, err := r.js.resourceSchema(rt)
	if err != nil {
		ctx.AddError(&slotError{rt, err})
		return
	}
	if s == nil {
		return
	}
	if err := ctx.Validate(s, v, nil); err != nil {
		ctx.AddErr(err)
	}
}

// compilePattern is the compiler's regular expression engine: the pattern
// of a primitive type with a hand-written matcher (dateTime, code, id, ...)
// is matched by that matcher, which accepts exactly what the pattern does
// and costs a fraction of the regular expression; any other pattern is
// compiled by package regexp, as the compiler would by default.
func compilePattern(pattern string) (jsonschema.Regexp, error) {
	if code, ok := primitivePatterns()[pattern]; ok {
		return primitiveMatcher{code, pattern}, nil
	}
	if words, ok := wordAlternatives(pattern); ok {
		return wordMatcher{words, pattern}, nil
	}
	return regexp.Compile(pattern)
}

// wordAlternatives reads a pattern of the form ^(?:a|b|c)$ whose
// alternatives are plain names, as the generated schema writes the names
// a choice element may take (valueString, _valueString, ...), and returns
// the set of names.
func wordAlternatives(pattern string) (map[string]bool, bool) {
	body, ok := strings.CutPrefix(pattern, "^(?:")
	if !ok {
		return nil, false
	}
	if body, ok = strings.CutSuffix(body, ")$"); !ok || body == "" {
		return nil, false
	}
	words := map[string]bool{}
	for _, w := range strings.Split(body, "|") {
		if w == "" || strings.IndexFunc(w, func(r rune) bool {
			return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}) >= 0 {
			return nil, false
		}
		words[w] = true
	}
	return words, true
}

// wordMatcher matches exactly one of a set of names.
type wordMatcher struct {
	words   map[string]bool
	pattern string
}

func (w wordMatcher) MatchString(s string) bool { return w.words[s] }
func (w wordMatcher) String() string            { return w.pattern }

// primitivePatterns maps the pattern the generated schema gives each
// primitive type with a hand-written matcher to the type's code.
var primitivePatterns = sync.OnceValue(func() map[string]string {
	m := schemas.STU3()
	out := map[string]string{}
	for _, code := range primitive.Codes { // not every type: decoding them all costs start-up
		if t := m.Type(code); t != nil && t.Primitive != nil && t.Primitive.Regex != "" {
			out[schemas.WholeValue(t.Primitive.Regex)] = code // as schemas/gen/jsonschemagen writes it
		}
	}
	return out
})

type primitiveMatcher struct{ code, pattern string }

func (p primitiveMatcher) MatchString(s string) bool {
	match, _ := primitive.Match(p.code, s)
	return match
}

func (p primitiveMatcher) String() string { return p.pattern }

// decodeInstance reads the payload for the validator: with the project's
// own JSON lexer, several times faster than encoding/json, and through
// encoding/json when the lexer refuses the text (or it starts with a byte
// order mark, which only the lexer allows), so that a payload that is not
// JSON is reported as it always was.
func decodeInstance(doc []byte) (any, error) {
	if !bytes.HasPrefix(doc, []byte{0xEF, 0xBB, 0xBF}) {
		if v, err := tree.DecodeJSON(doc); err == nil {
			return v, nil
		}
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(doc))
}

// slotError reports a resource type whose schema does not compile, which
// the package's tests rule out.
type slotError struct {
	resourceType string
	err          error
}

func (*slotError) KeywordPath() []string { return []string{resourceKeyword} }

func (e *slotError) LocalizedString(*message.Printer) string {
	return fmt.Sprintf("no schema for resource type %s: %v", e.resourceType, e.err)
}

var printer = message.NewPrinter(language.English)

// ValidateJSON checks a JSON payload against the STU3 JSON Schema and
// returns what is wrong, nil when it is valid. A payload that is not JSON
// yields one problem saying so.
func ValidateJSON(doc []byte) []Problem {
	s, err := jsonSchema()
	if err != nil {
		return []Problem{problem(err.Error(), "")}
	}
	inst, err := decodeInstance(doc)
	if err != nil {
		p := problem("not valid JSON: "+err.Error(), "")
		var se *json.SyntaxError
		if errors.As(err, &se) {
			p.Line, p.Column = lineCol(doc, int(se.Offset))
			p.Offset = int(se.Offset)
		}
		return []Problem{p}
	}
	err = s.Validate(inst)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return []Problem{problem(err.Error(), "")}
	}
	var out []Problem
	collect(verr, &out)
	out = dedupe(out)
	locate(doc, out)
	// In document order, as a reader goes through the payload.
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Location < b.Location
	})
	return out
}

// collect flattens a tree of validation errors into problems, one per
// finding. The generated schema's anyOf only expresses "this primitive or
// its _name sibling", and its propertyNames and not only "one name of a
// choice element", so those are reported as one finding each, in FHIR
// terms, rather than in JSON Schema's.
func collect(e *jsonschema.ValidationError, out *[]Problem) {
	collectUnder(nil, e, out)
}

// collectUnder collects e, whose cause it is of parent (nil at the top).
func collectUnder(parent, e *jsonschema.ValidationError, out *[]Problem) {
	loc := pointer(e.InstanceLocation)
	def := defName(e.SchemaURL)
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		// One problem per unknown property, located at the property.
		for _, name := range k.Properties {
			*out = append(*out, problem("unknown property "+strconv.Quote(name)+": STU3 defines no such element here",
				pointer(append(e.InstanceLocation[:len(e.InstanceLocation):len(e.InstanceLocation)], name))))
		}
		return
	case *kind.PropertyNames:
		// "T.e-x:<name>": a second name of the choice is present. The
		// library gives a propertyNames error a location slice it goes on
		// to reuse, so the object's location is taken from the error of
		// the definition it stands under, which the library copies.
		if isChoiceDef(def) && parent != nil {
			loc = pointer(parent.InstanceLocation)
			*out = append(*out, problem(choiceElement(def)+" is given under more than one name", loc))
			return
		}
	case *kind.Not:
		// "T.e-x:required": no name of the choice is present.
		if isChoiceDef(def) {
			*out = append(*out, problem("missing required element "+choiceElement(def), loc))
			return
		}
	case *kind.AnyOf:
		if missing := missingNames(e); missing != nil {
			*out = append(*out, problem("missing required element "+strconv.Quote(missing[0])+" (or its extensions, "+strconv.Quote("_"+missing[0])+")", loc))
			return
		}
		if len(e.Causes) > 0 {
			var alts []string
			for _, c := range e.Causes {
				alts = append(alts, oneLine(c))
			}
			*out = append(*out, problem("none of the alternatives holds: "+strings.Join(alts, "; or "), loc))
			return
		}
	case *kind.Enum:
		if n := len(e.InstanceLocation); n > 0 && e.InstanceLocation[n-1] == "resourceType" || n == 0 && def == "Resource" {
			*out = append(*out, problem(fmt.Sprintf("unknown resourceType %v", quoteValue(k.Got)), loc))
			return
		}
		if strings.HasPrefix(def, "code.") {
			var codes []string
			for _, w := range k.Want {
				codes = append(codes, fmt.Sprint(w))
			}
			*out = append(*out, problem(fmt.Sprintf("code %v is not in the required value set %s (%s)", quoteValue(k.Got), strings.TrimPrefix(def, "code."), strings.Join(codes, " | ")), loc))
			return
		}
	case *kind.Pattern:
		if isPrimitiveDef(def) {
			*out = append(*out, problem(fmt.Sprintf("%s is not a valid %s (no match for %s)", strconv.Quote(k.Got), def, k.Want), loc))
			return
		}
	case *kind.MinLength:
		if isPrimitiveDef(def) && k.Got == 0 {
			*out = append(*out, problem("empty "+def+": FHIR JSON leaves an element out rather than giving it an empty value", loc))
			return
		}
	case *kind.Type:
		if isPrimitiveDef(def) {
			*out = append(*out, problem(fmt.Sprintf("got %s, want %s (a FHIR %s)", k.Got, strings.Join(k.Want, " or "), def), loc))
			return
		}
	}
	if len(e.Causes) == 0 {
		*out = append(*out, problem(e.ErrorKind.LocalizedString(printer), loc))
		return
	}
	for _, c := range e.Causes {
		collectUnder(e, c, out)
	}
}

// defName returns the definition a schema location is in ("dateTime" for
// "...#/$defs/dateTime/..."), or "".
func defName(schemaURL string) string {
	_, frag, ok := strings.Cut(schemaURL, "#/$defs/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(frag, "/")
	return name
}

// isPrimitiveDef reports whether a definition is a primitive type's: the
// only definitions named in lower case without a dot or colon ("code.x"
// are bound codes, "list:x" arrays, "required:x" requirements).
func isPrimitiveDef(def string) bool {
	return def != "" && def[0] >= 'a' && def[0] <= 'z' && !strings.ContainsAny(def, ".:")
}

// isChoiceDef reports whether a definition is one of a choice element's
// ("Observation.effective-x:effectiveDateTime", "...-x:required").
func isChoiceDef(def string) bool {
	before, _, ok := strings.Cut(def, ":")
	return ok && strings.HasSuffix(before, "-x")
}

// choiceElement turns a choice's definition name back into the element's
// ("Observation.effective-x:effectivePeriod" -> "Observation.effective[x]").
func choiceElement(def string) string {
	def, _, _ = strings.Cut(def, ":")
	if def == "" {
		return "a choice element"
	}
	return strings.TrimSuffix(def, "-x") + "[x]"
}

// missingNames returns the property names an anyOf of "required" branches
// asked for, or nil when the anyOf is of another shape.
func missingNames(e *jsonschema.ValidationError) []string {
	var names []string
	for _, c := range e.Causes {
		r, ok := c.ErrorKind.(*kind.Required)
		if !ok || len(c.Causes) > 0 {
			return nil
		}
		names = append(names, r.Missing...)
	}
	return names
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// oneLine renders an error and its causes on one line.
func oneLine(e *jsonschema.ValidationError) string {
	if len(e.Causes) == 0 {
		return e.ErrorKind.LocalizedString(printer)
	}
	var parts []string
	for _, c := range e.Causes {
		parts = append(parts, oneLine(c))
	}
	return strings.Join(parts, ", ")
}

// dedupe drops repeated problems: a choice given twice is found once per
// name present.
func dedupe(ps []Problem) []Problem {
	seen := map[Problem]bool{}
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// pointer renders instance location tokens as a JSON pointer.
func pointer(toks []string) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteByte('/')
		t = strings.ReplaceAll(t, "~", "~0")
		b.WriteString(strings.ReplaceAll(t, "/", "~1"))
	}
	return b.String()
}

// locate fills in the line and column of each problem from its JSON
// pointer: the position of the member's name for an object member, of the
// value for an array item, and of the document for the root.
func locate(doc []byte, ps []Problem) {
	want := map[string]bool{}
	for _, p := range ps {
		want[p.Location] = true
	}
	found := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	found[""] = skipSpace(doc, 0)
	walkJSON(dec, doc, "", want, found)
	for i := range ps {
		if off, ok := found[ps[i].Location]; ok {
			ps[i].Line, ps[i].Column = lineCol(doc, off)
			ps[i].Offset = off
		}
	}
}

// walkJSON reads one value from dec, recording the offsets of the members
// and items under path that are wanted.
func walkJSON(dec *json.Decoder, doc []byte, path string, want map[string]bool, found map[string]int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		for dec.More() {
			start := skipSpace(doc, int(dec.InputOffset()))
			key, err := dec.Token()
			if err != nil {
				return err
			}
			k, _ := key.(string)
			child := path + "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
			if want[child] {
				found[child] = start
			}
			if err := walkJSON(dec, doc, child, want, found); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			child := path + "/" + strconv.Itoa(i)
			if want[child] {
				found[child] = skipSpace(doc, int(dec.InputOffset()))
			}
			if err := walkJSON(dec, doc, child, want, found); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// skipSpace returns the offset of the next token at or after off, past
// white space and the separators the decoder has not consumed yet.
func skipSpace(doc []byte, off int) int {
	for off < len(doc) {
		switch doc[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// lineCol converts a byte offset, which may be past the end, to a 1-based
// line and a column in characters.
func lineCol(doc []byte, off int) (int, int) {
	return charLineCol(doc, min(off, len(doc)))
}

// charLineCol turns a byte offset into a 1-based line and a column counted
// in characters, as the project's parsers count them.
func charLineCol(doc []byte, off int) (int, int) {
	line := 1 + bytes.Count(doc[:off], []byte{'\n'})
	lineStart := bytes.LastIndexByte(doc[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(doc[lineStart:off])
}
