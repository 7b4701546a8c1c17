package profiles

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// PackSchema is the JSON Schema every rule pack is checked against before
// its rules are compiled.
//
//go:embed packschema.json
var PackSchema []byte

//go:embed packs/*.json
var embeddedPacks embed.FS

// Pack is one rule-pack file.
type Pack struct {
	Name        string  `json:"pack"`
	Description string  `json:"description,omitempty"`
	SpecVersion string  `json:"specVersion,omitempty"`
	Rules       []*Rule `json:"rules"`
	// Disable lists ids of rules (of this or earlier packs) to switch off.
	Disable []string `json:"disable,omitempty"`

	// File is where the pack was read from.
	File string `json:"-"`

	disableLines []int
}

// LoadError is a problem in a rule pack: the file, the line and column of
// the JSON value at fault, the rule concerned when there is one, and what is
// wrong.
type LoadError struct {
	File         string
	Line, Column int
	Rule         string
	Msg          string
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Rule != "" {
		fmt.Fprintf(&b, "rule %s: ", e.Rule)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// LoadErrors is every problem found in one or more packs.
type LoadErrors = issue.Errors[*LoadError]

var (
	schemaOnce sync.Once
	packSchema *jsonschema.Schema
	schemaErr  error
	printer    = message.NewPrinter(language.English)
)

func compiledPackSchema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(PackSchema))
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("packschema.json", doc); err != nil {
			schemaErr = err
			return
		}
		packSchema, schemaErr = c.Compile("packschema.json")
	})
	return packSchema, schemaErr
}

// ParsePack reads a rule pack from src; file names it in errors. The pack is
// checked against PackSchema, then every rule is compiled: FHIRPath
// expressions, regular expressions, built-in names and parameters. All
// problems are returned together as LoadErrors.
func ParsePack(file string, src []byte) (*Pack, error) {
	return parsePack(file, src, true)
}

// parsePack is ParsePack with the PackSchema check optional. The built-in
// packs skip it: they are embedded, a test holds them to the schema, and
// the check (a generic decode plus the schema walk) is about half of what
// loading them costs at every start of the CLI.
func parsePack(file string, src []byte, checkSchema bool) (*Pack, error) {
	return readPack(file, src, checkSchema, true)
}

// decodePack reads a built-in pack without compiling its rules, for
// packs_go.go.
func decodePack(file string, src []byte) (*Pack, error) {
	return readPack(file, src, false, false)
}

func readPack(file string, src []byte, checkSchema, compile bool) (*Pack, error) {
	lines := newLineIndex(src)
	errAt := func(off int, rule, format string, args ...any) *LoadError {
		l, c := lines.at(off)
		return &LoadError{File: file, Line: l, Column: c, Rule: rule, Msg: fmt.Sprintf(format, args...)}
	}
	var pos positions
	shallow := false
	if checkSchema {
		var err error
		if pos, err = checkPackSchema(src, errAt); err != nil {
			return nil, err
		}
	} else if pos = topPositions(src); pos != nil {
		// A built-in pack needs only where its rules and disables start,
		// unless something is wrong with it: the walk of every value, most
		// of what loading the packs cost at each start of the CLI, is done
		// when a place deeper down is asked for.
		shallow = true
	} else {
		pos = jsonPositions(src)
	}
	near := func(ptr string) int {
		if _, ok := pos[ptr]; !ok && shallow {
			pos, shallow = jsonPositions(src), false
		}
		return pos.near(ptr)
	}
	p := &Pack{File: file}
	if err := json.Unmarshal(src, p); err != nil {
		return nil, LoadErrors{errAt(0, "", "%v", err)}
	}
	var errs LoadErrors
	seen := map[string]int{}
	for i, r := range p.Rules {
		base := "/rules/" + strconv.Itoa(i)
		r.Pack, r.File = p.Name, file
		r.Line, _ = lines.at(near(base))
		if j, dup := seen[r.ID]; dup {
			errs = append(errs, errAt(near(base+"/id"), r.ID, "duplicate rule id (first defined at rule %d of this pack)", j))
			continue
		}
		seen[r.ID] = i
		if !compile {
			continue
		}
		for _, pe := range compileRule(r, checkSchema) {
			off := near(base + pe.field)
			if pe.at >= 0 {
				off = exprOffset(src, off, pe.at)
			}
			errs = append(errs, errAt(off, r.ID, "%s", pe.msg))
		}
	}
	for i := range p.Disable {
		l, _ := lines.at(near("/disable/" + strconv.Itoa(i)))
		p.disableLines = append(p.disableLines, l)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

// checkPackSchema checks the JSON syntax of a pack, then the pack against
// PackSchema, and returns the positions of its JSON values.
func checkPackSchema(src []byte, errAt func(off int, rule, format string, args ...any) *LoadError) (positions, error) {
	// Syntax first, with the offset encoding/json reports.
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		off := 0
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = int(se.Offset)
		}
		return nil, LoadErrors{errAt(off, "", "invalid JSON: %v", err)}
	}
	if dec.More() {
		return nil, LoadErrors{errAt(int(dec.InputOffset()), "", "invalid JSON: data after the pack object")}
	}
	pos := jsonPositions(src)
	sch, err := compiledPackSchema()
	if err != nil {
		return nil, fmt.Errorf("profiles: pack schema: %w", err)
	}
	if err := sch.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, LoadErrors{errAt(0, "", "%v", err)}
		}
		var errs LoadErrors
		for _, leaf := range schemaLeaves(ve) {
			ptr := pointer(leaf.InstanceLocation)
			e := errAt(pos.near(ptr), ruleAt(doc, leaf.InstanceLocation), "%s: %s", displayPointer(ptr), leaf.ErrorKind.LocalizedString(printer))
			errs = append(errs, e)
		}
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	return pos, nil
}

// fieldError is a problem with one field of a rule. at is the byte offset
// of the problem inside the field's decoded string (a FHIRPath
// expression), or -1 when the field as a whole is at fault.
type fieldError struct {
	field, msg string
	at         int
}

// rootType returns the type of the resources a rule runs on, as far as its
// appliesTo tells: the resource type it names, or the root of the payload
// kinds it lists (a Bundle for event messages, a Subscription); "" when it
// cannot tell (a profile alone, resources of any type).
func rootType(a *AppliesTo) string {
	if a.ResourceType != "" {
		return a.ResourceType
	}
	if a.Profile != "" || len(a.Kind) == 0 {
		return ""
	}
	root := ""
	for _, k := range a.Kind {
		t := map[string]string{KindEventMessage: "Bundle", KindSubscription: "Subscription"}[k]
		if t == "" || (root != "" && t != root) {
			return ""
		}
		root = t
	}
	return root
}

// strictModel is the STU3 model the rules' FHIRPath is checked against, so
// that a path that cannot exist (name.given1) is a load error rather than
// a rule that silently selects nothing.
var strictModel = sync.OnceValue(func() fhirpath.Model { return treepath.StrictModel(schemas.STU3()) })

// compileRule prepares a rule for checking and reports what is wrong with
// it, naming the JSON field (a pointer below the rule). With strict false
// (the built-in packs) the FHIRPath is compiled without the check against
// the STU3 model, which decodes most of the model's types and was most of
// the start-up of the CLI: the check only refuses, never changes the
// compiled expression, and TestBuiltinPacksPassPackSchema holds the
// built-in packs to it.
func compileRule(r *Rule, strict bool) []fieldError {
	var errs []fieldError
	// fp compiles one expression for evaluation on items of type on ("" when
	// not known) and returns the types of the items it selects.
	fp := func(field, src, on string) (*fhirpath.Expression, string) {
		if src == "" {
			return nil, on
		}
		var e *fhirpath.Expression
		var types []string
		var err error
		if strict {
			e, types, err = fhirpath.CompileStrictTypes(src, strictModel(), on)
		} else {
			e, err = fhirpath.Compile(src)
		}
		if err != nil {
			msg, at := err.Error(), -1
			var pe *fhirpath.ParseError
			if errors.As(err, &pe) {
				at = pe.Offset
				if _, plain := fhirpath.Compile(src); plain != nil {
					msg = fmt.Sprintf("bad FHIRPath at %d:%d: expected %s, found %s\n%s", pe.Line, pe.Column, pe.Expected, pe.Found, pe.Snippet())
				} else {
					msg = fmt.Sprintf("FHIRPath %s at %d:%d names what the STU3 model does not have there: expected %s, found %s\n%s", field[strings.LastIndexByte(field, '/')+1:], pe.Line, pe.Column, pe.Expected, pe.Found, pe.Snippet())
				}
			}
			errs = append(errs, fieldError{field, msg, at})
			return nil, ""
		}
		if len(types) == 1 {
			return e, types[0]
		}
		return e, ""
	}
	var at string
	r.ctxExpr, at = fp("/context", r.Context, rootType(&r.AppliesTo))
	c := &r.Check
	r.pathExpr, _ = fp("/check/path", c.Path, at)
	r.expr, _ = fp("/check/expression", c.Expression, at)
	c.max = -1
	if c.Max != "" && c.Max != "*" {
		c.max, _ = strconv.Atoi(c.Max)
	}
	switch c.Type {
	case CheckCardinality:
		if c.Min != nil && c.max >= 0 && *c.Min > c.max {
			errs = append(errs, fieldError{"/check/max", fmt.Sprintf("max %d is below min %d", c.max, *c.Min), -1})
		}
	case CheckPattern:
		re, err := regexp.Compile(schemas.WholeValue(c.Regex))
		if err != nil {
			errs = append(errs, fieldError{"/check/regex", "bad regular expression: " + err.Error(), -1})
			break
		}
		r.re = newMemoRegexp(re)
	case CheckBuiltin:
		b, ok := builtins[c.Name]
		if !ok {
			errs = append(errs, fieldError{"/check/name", fmt.Sprintf("unknown built-in check %q; known: %s", c.Name, strings.Join(BuiltinNames(), ", ")), -1})
			break
		}
		r.builtin = b
		if b.parse != nil {
			params, err := b.parse(c.Params)
			if err != nil {
				errs = append(errs, fieldError{"/check/params", fmt.Sprintf("parameters of %s: %v", c.Name, err), -1})
			}
			r.params = params
		} else if len(c.Params) > 0 && string(c.Params) != "{}" {
			errs = append(errs, fieldError{"/check/params", fmt.Sprintf("built-in check %s takes no parameters", c.Name), -1})
		}
		if b.needsPath && c.Path == "" {
			errs = append(errs, fieldError{"/check", fmt.Sprintf("built-in check %s needs a path selecting the values to check", c.Name), -1})
		}
	}
	return errs
}

// ruleAt returns the id of the rule an instance location falls in, if any.
func ruleAt(doc any, loc []string) string {
	if len(loc) < 2 || loc[0] != "rules" {
		return ""
	}
	m, _ := doc.(map[string]any)
	rules, _ := m["rules"].([]any)
	i, err := strconv.Atoi(loc[1])
	if err != nil || i < 0 || i >= len(rules) {
		return ""
	}
	r, _ := rules[i].(map[string]any)
	id, _ := r["id"].(string)
	return id
}

// schemaLeaves returns the innermost causes of a validation error, which
// name the actual problems.
func schemaLeaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, schemaLeaves(c)...)
	}
	return out
}

func pointer(loc []string) string {
	var b strings.Builder
	for _, s := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

func displayPointer(p string) string {
	if p == "" {
		return "pack"
	}
	return p
}

// positions maps JSON pointers of a document to the byte offsets where
// their values start.
type positions map[string]int

// near returns the offset of ptr, or of its closest ancestor present.
func (p positions) near(ptr string) int {
	for {
		if off, ok := p[ptr]; ok {
			return off
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return 0
		}
		ptr = ptr[:i]
	}
}

// jsonPositions walks the tokens of a well-formed JSON document and
// records where each value starts. encoding/json gives offsets only after
// tokens, so the start is found by skipping separators from there.
func jsonPositions(src []byte) positions {
	pos := positions{}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	start := func() int {
		off := int(dec.InputOffset())
		for off < len(src) && strings.IndexByte(" \t\r\n,:", src[off]) >= 0 {
			off++
		}
		return off
	}
	var walk func(ptr string) bool
	walk = func(ptr string) bool {
		pos[ptr] = start()
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return false
				}
				key, _ := kt.(string)
				if !walk(ptr + "/" + strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")) {
					return false
				}
			}
			_, err = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if !walk(ptr + "/" + strconv.Itoa(i)) {
					return false
				}
			}
			_, err = dec.Token()
		}
		return err == nil
	}
	walk("")
	return pos
}

// exprOffset returns the offset in src of byte at of the JSON string whose
// literal starts at start (its opening quote), stepping over escapes, so
// that a problem inside an expression is reported where it is in the file.
func exprOffset(src []byte, start, at int) int {
	if start >= len(src) || src[start] != '"' {
		return start
	}
	i, n := start+1, 0
	for i < len(src) && n < at && src[i] != '"' {
		if src[i] != '\\' || i+1 >= len(src) {
			i, n = i+1, n+1
			continue
		}
		if src[i+1] != 'u' || i+6 > len(src) {
			i, n = i+2, n+1
			continue
		}
		r, err := strconv.ParseUint(string(src[i+2:i+6]), 16, 32)
		if err != nil {
			i, n = i+2, n+1
			continue
		}
		i += 6
		if r >= 0xD800 && r < 0xDC00 && i+6 <= len(src) && src[i] == '\\' && src[i+1] == 'u' {
			// A surrogate pair is one character of four bytes.
			i, n = i+6, n+4
			continue
		}
		n += len(string(rune(r)))
	}
	return i
}

// topPositions records, in one scan of the bytes, where the value of each
// member of a top-level JSON object starts ("/rules") and where the
// elements of those that are arrays start ("/rules/3"): the places a pack
// names when nothing is wrong with it. It returns nil for a document it
// cannot read that way (not an object, a key with an escape, '~' or '/',
// unbalanced brackets); jsonPositions is then used.
func topPositions(src []byte) positions {
	pos := positions{}
	depth, idx := 0, 0
	key, arr, expectKey := "", false, false
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return nil
			}
			if depth == 1 && expectKey {
				k := src[i+1 : j]
				if bytes.ContainsAny(k, "\\~/") {
					return nil
				}
				key, expectKey = string(k), false
			}
			i = j
		case ':':
			if depth == 1 {
				v := skipJSONSpace(src, i+1)
				pos["/"+key] = v
				arr = v < len(src) && src[v] == '['
			}
		case '{', '[':
			if depth == 0 {
				if c != '{' {
					return nil
				}
				pos[""] = i
				expectKey = true
			}
			depth++
			if depth == 2 && arr {
				idx = 0
				if v := skipJSONSpace(src, i+1); v < len(src) && src[v] != ']' {
					pos["/"+key+"/0"] = v
				}
			}
		case '}', ']':
			depth--
			if depth < 0 {
				return nil
			}
		case ',':
			switch {
			case depth == 1:
				expectKey = true
			case depth == 2 && arr:
				idx++
				pos["/"+key+"/"+strconv.Itoa(idx)] = skipJSONSpace(src, i+1)
			}
		}
	}
	if depth != 0 || len(pos) == 0 {
		return nil
	}
	return pos
}

func skipJSONSpace(src []byte, i int) int {
	for i < len(src) && strings.IndexByte(" \t\r\n", src[i]) >= 0 {
		i++
	}
	return i
}

// lineIndex turns byte offsets into 1-based line and character columns.
type lineIndex struct {
	src    []byte
	starts []int
}

func newLineIndex(src []byte) *lineIndex {
	li := &lineIndex{src: src, starts: []int{0}}
	for i, b := range src {
		if b == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li *lineIndex) at(off int) (line, col int) {
	if off > len(li.src) {
		off = len(li.src)
	}
	i := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	return i + 1, len([]rune(string(li.src[li.starts[i]:off]))) + 1
}

// packFiles lists the .json files of paths: files as given, folders
// walked in lexical order.
func packFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".json") {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

var (
	defaultOnce sync.Once
	defaultSet  *RuleSet
	defaultErr  error
)

// Default returns the rule set of the packs embedded in nemsfhir (the NEMS
// guide's generic event message requirements, event lifecycle, event
// message pages and subscription rules). It is compiled on first
// use and shared: a RuleSet is immutable and safe for concurrent use.
func Default() (*RuleSet, error) {
	defaultOnce.Do(func() {
		if packsGo != nil {
			defaultSet, defaultErr = compiledPacksGo()
			return
		}
		names, err := embeddedPackNames()
		if err != nil {
			defaultErr = err
			return
		}
		var packs []*Pack
		var errs LoadErrors
		for _, n := range names {
			src, err := embeddedPacks.ReadFile(n)
			if err != nil {
				defaultErr = err
				return
			}
			p, err := parsePack("profiles/"+n, src, false)
			if err != nil {
				var le LoadErrors
				if errors.As(err, &le) {
					errs = append(errs, le...)
					continue
				}
				defaultErr = err
				return
			}
			packs = append(packs, p)
		}
		if len(errs) > 0 {
			defaultErr = errs
			return
		}
		defaultSet, defaultErr = NewRuleSet(packs...)
	})
	return defaultSet, defaultErr
}

// compiledPacksGo compiles the rules of the built-in packs as packs_go.go
// gives them, and builds their rule set.
func compiledPacksGo() (*RuleSet, error) {
	packs := packsGo()
	var errs LoadErrors
	for _, p := range packs {
		for _, r := range p.Rules {
			for _, pe := range compileRule(r, false) {
				errs = append(errs, &LoadError{File: p.File, Line: r.Line, Column: 1, Rule: r.ID, Msg: pe.msg})
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return NewRuleSet(packs...)
}

// LoadPacks returns the default rule set extended with the packs at paths
// (pack files, or folders whose .json files are packs, read in lexical
// order). A user pack may add rules, replace a rule of the same id (the
// rule must say "override": true) and switch rules off with "disable".
func LoadPacks(paths ...string) (*RuleSet, error) {
	def, err := Default()
	if err != nil {
		return nil, err
	}
	files, err := packFiles(paths)
	if err != nil {
		return nil, fmt.Errorf("profiles: %w", err)
	}
	var packs []*Pack
	var errs LoadErrors
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("profiles: %w", err)
		}
		p, err := ParsePack(f, src)
		if err != nil {
			var le LoadErrors
			if errors.As(err, &le) {
				errs = append(errs, le...)
				continue
			}
			return nil, err
		}
		packs = append(packs, p)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return def.With(packs...)
}
