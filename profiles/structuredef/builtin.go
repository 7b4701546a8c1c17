package structuredef

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// builtinFile names the built-in extension definitions in messages.
const builtinFile = "schemas/stu3/extensions.jsonl"

var (
	builtinOnce    sync.Once
	builtinReg     *Registry
	builtinErr     error
	builtinSources map[string]string
)

// Builtin returns the registry of the extension definitions built into the
// model (schemas.STU3Extensions): the 376 STU3 core extensions and the NHS
// England and CareConnect ones. It is loaded once; an error means the
// embedded data is corrupt, which the package's tests rule out.
func Builtin() (*Registry, error) {
	builtinOnce.Do(func() {
		builtinReg, builtinSources, builtinErr = loadBuiltinIndexed()
	})
	return builtinReg, builtinErr
}

// BuiltinSource tells where a built-in extension definition comes from:
// "core", "nhs" or "careconnect"; "" when u is not built in.
func BuiltinSource(u string) string {
	if _, err := Builtin(); err != nil {
		return ""
	}
	return builtinSources[canonical(u)]
}

// loadBuiltinIndexed is loadBuiltin of the embedded file by the index
// generated with it (schemas.STU3ExtensionLines), which spares scanning
// 1.3 MB at every start; without a fitting index it scans.
func loadBuiltinIndexed() (*Registry, map[string]string, error) {
	data := schemas.STU3Extensions()
	lines, ok := schemas.STU3ExtensionLines()
	if !ok || len(lines) == 0 {
		return loadBuiltin(data)
	}
	reg := newRegistry(schemas.STU3())
	reg.builtin = true
	reg.coreKeys = map[string]bool{} // as in loadBuiltin
	z := &lazyDefs{lines: make(map[string][]byte, len(lines)), lineNo: make(map[string]int, len(lines))}
	sources := make(map[string]string, len(lines))
	for _, e := range lines {
		u := canonical(e.URL)
		z.lines[u], z.lineNo[u] = data[e.Off:e.End], e.Line
		sources[u] = e.Source
	}
	reg.lazy = z
	return reg, sources, nil
}

// loadBuiltin indexes the built-in definitions by URL; each is decoded and
// compiled the first time it is asked for, so that a run pays only for the
// extensions its payloads use.
func loadBuiltin(data []byte) (*Registry, map[string]string, error) {
	reg := newRegistry(schemas.STU3())
	reg.builtin = true
	// The generator left out the constraints of the model's types, which
	// coreKeys would skip; collecting those keys would decode every type.
	reg.coreKeys = map[string]bool{}
	// One definition a line: sizing the indexes by the line count spares
	// growing them several times at every start.
	n := bytes.Count(data, []byte{'\n'}) + 1
	z := &lazyDefs{lines: make(map[string][]byte, n), lineNo: make(map[string]int, n)}
	sources := make(map[string]string, n)
	for lineNo := 1; len(data) > 0; lineNo++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if lineNo == 1 || len(line) == 0 {
			continue // the header
		}
		u, src := member(line, "url"), member(line, "source")
		if u == "" || src == "" {
			return nil, nil, fmt.Errorf("%s:%d: a definition without url or source", builtinFile, lineNo)
		}
		u = canonical(u)
		z.lines[u], z.lineNo[u] = line, lineNo
		sources[u] = src
	}
	if len(z.lines) == 0 {
		return nil, nil, errors.New(builtinFile + ": no extension definitions")
	}
	reg.lazy = z
	return reg, sources, nil
}

// member returns the first string member key of a compact JSON line, which
// the generator writes before any nested object: source, then url.
func member(line []byte, key string) string {
	k := []byte(`"` + key + `":"`)
	i := bytes.Index(line, k)
	if i < 0 {
		return ""
	}
	rest := line[i+len(k):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// lazyDefs holds the undecoded built-in definitions and those compiled.
type lazyDefs struct {
	lines  map[string][]byte // canonical URL -> compact StructureDefinition
	lineNo map[string]int
	mu     sync.Mutex // held while decoding and compiling
	done   sync.Map   // canonical URL -> *Profile, nil when it cannot be used
	errs   []error    // definitions that failed to compile, for tests
}

// profile returns the compiled definition of u, compiling it (and the
// built-in definitions it is based on) on first use.
//
// A URL with no built-in definition gives nil at once: it takes no lock
// and is not remembered, so that the URLs of unknown extensions met in
// payloads do not pile up for the life of the process (lines is not
// changed once loaded).
func (z *lazyDefs) profile(r *Registry, u string) *Profile {
	if _, ok := z.lines[u]; !ok {
		return nil
	}
	if v, ok := z.done.Load(u); ok {
		return v.(*Profile)
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if v, ok := z.done.Load(u); ok {
		return v.(*Profile)
	}
	var p *Profile
	if _, ok := z.lines[u]; ok {
		l := &loader{reg: r, lim: defaultLimits}
		// The definition and its chain of built-in bases, which the
		// snapshot of a differential needs.
		for v, hops := u, 0; hops < 20; hops++ {
			line, ok := z.lines[v]
			if !ok || r.sds[v] != nil {
				break
			}
			o := origin{file: builtinFile, line: z.lineNo[v], col: 1}
			if sd := (&structureDefinition{from: o}); decodeBuiltin(line, sd) == nil && sd.URL != "" {
				r.addStructure(sd)
			} else {
				// The usual decoder, which says what is wrong.
				l.resource(o, "StructureDefinition", line, line, 0)
			}
			sd := r.sds[v]
			if sd == nil {
				break
			}
			v = canonical(sd.BaseDefinition)
		}
		var err error
		if len(l.errs) > 0 {
			err = l.errs
		} else {
			p, err = r.build(u, map[string]int{})
		}
		if err != nil {
			z.errs = append(z.errs, fmt.Errorf("%s:%d: %w", builtinFile, z.lineNo[u], err))
			p = nil
		}
	}
	z.done.Store(u, p)
	return p
}

// builtinErrors compiles every built-in definition and returns those
// that cannot be used, and how many there are.
func builtinErrors() ([]error, int, error) {
	reg, err := Builtin()
	if err != nil {
		return nil, 0, err
	}
	for u := range reg.lazy.lines {
		reg.Profile(u)
	}
	reg.lazy.mu.Lock()
	defer reg.lazy.mu.Unlock()
	return append([]error(nil), reg.lazy.errs...), len(reg.lazy.lines), nil
}

// RuleBuiltinPrefix starts the rule ids of findings against a built-in
// extension definition: "fhir:extension:<id>:<kind>", where id is the last
// segment of the definition's URL ("birthPlace",
// "Extension-RoutingDemographics-1") and kind is one of the Kind constants.
const RuleBuiltinPrefix = "fhir:extension:"

// ruleID is the rule id of a finding of the given kind against p.
func (r *Registry) ruleID(p *Profile, kind string) string {
	if r.builtin {
		return RuleBuiltinPrefix + p.URL[strings.LastIndexByte(p.URL, '/')+1:] + ":" + kind
	}
	return "profile:" + p.Name + ":" + kind
}

// checkExtensionNodes checks the listed extensions of the tree rooted at
// root (every node of type Extension, in the order of tree.Node.Walk) whose
// definition r holds, except those skip says another registry judges: its
// content (value type, nested extensions, the cardinality of its elements,
// fixed values, bindings), where it stands (context), how often it stands
// there, and whether it is used as a modifier as its definition says.
// Meta.profile claims are not looked at. Findings are sorted by source
// position. Once ctx has ended it stops as check does. The caller lists the
// extensions (validate's structure walk does) so that the tree is not
// walked again.
func (r *Registry) checkExtensionNodes(ctx context.Context, root *tree.Node, extensions []*tree.Node, skip func(url string) bool) []issue.Issue {
	if root == nil {
		return nil
	}
	c := r.newChecker(ctx, root)
	c.visited = make(map[visitKey]bool, len(extensions)) // one entry per extension checked
	for _, n := range extensions {
		if c.stopped() {
			break
		}
		c.extension(n, skip)
	}
	sortFindings(c.out)
	return c.out
}

// extensions checks each extension under root whose definition is loaded
// against it, leaving out the URLs skip names.
func (c *checker) extensions(root *tree.Node, skip func(string) bool) {
	root.Walk(func(n *tree.Node) bool {
		if c.stopped() {
			return false
		}
		if n.Type == "Extension" {
			c.extension(n, skip)
		}
		return true
	})
}

// extension checks extension n against its definition when it is loaded
// and skip does not name it.
func (c *checker) extension(n *tree.Node, skip func(string) bool) {
	u := n.Child("url")
	if u == nil || !u.HasValue {
		return
	}
	p := c.reg.Profile(u.Value)
	if p == nil || p.Type != "Extension" || (skip != nil && skip(u.Value)) {
		return
	}
	c.conform(n, p)
	c.context(n, p)
	c.modifier(n, p)
	c.occurrences(n, u.Value, p)
}

// modifier checks that a modifier extension is used as a modifierExtension
// and any other one as an extension.
func (c *checker) modifier(n *tree.Node, p *Profile) {
	switch {
	case p.Modifier && n.Name == "extension":
		c.add(p, KindModifier, "error", "structure", n, "",
			"extension "+p.URL+" is a modifier extension: it must be given as a modifierExtension, not an extension")
	case !p.Modifier && n.Name == "modifierExtension":
		c.add(p, KindModifier, "error", "structure", n, "",
			"extension "+p.URL+" is not a modifier extension: it must be given as an extension, not a modifierExtension")
	}
}

// occurrences checks, at the first of them, how many extensions with url u
// stand on one element against the maximum of the definition's root.
func (c *checker) occurrences(n *tree.Node, u string, p *Profile) {
	if n.Parent == nil || p.root == nil || p.root.max == schemas.Unbounded {
		return
	}
	count := 0
	for _, s := range n.Parent.Children {
		if s.Name != n.Name || s.Type != "Extension" {
			continue
		}
		su := s.Child("url")
		if su == nil || !su.HasValue || su.Value != u {
			continue
		}
		if count == 0 && s != n {
			return // reported at the first one
		}
		count++
	}
	if count > p.root.max {
		c.add(p, KindCardinality, "error", "structure", n, "",
			"extension "+p.URL+" occurs "+strconv.Itoa(count)+" times on "+n.Parent.Path()+", its definition allows at most "+strconv.Itoa(p.root.max))
	}
}

// unjudgedContext says that an extension's context is given in a form
// that cannot be checked (contextType mapping: a place in another
// specification), so that it does not pass unremarked.
func (c *checker) unjudgedContext(n *tree.Node, p *Profile) {
	c.add(p, KindContext, "information", "informational", n, "",
		fmt.Sprintf("extension %s gives its context as mappings (%s), which cannot be checked: where it stands was not judged", p.URL, strings.Join(p.Context, ", ")))
}

// SubExtension reports whether the complex extension p defines a nested
// extension with the (usually relative) URL u: a slice of its
// Extension.extension whose url is fixed to u. Nested extensions are
// judged by the definition of the extension they stand in.
func (p *Profile) SubExtension(u string) bool {
	if p.root == nil {
		return false
	}
	ext := p.root.byName["extension"]
	if ext == nil {
		return false
	}
	for _, s := range ext.slices {
		if uc := s.byName["url"]; uc != nil && uc.fixed != nil {
			if v, ok := uc.fixed.Value.(string); ok && v == u {
				return true
			}
		}
	}
	return false
}
