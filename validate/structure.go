package validate

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/primitive"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// Rule ids of the structure phase.
const (
	RuleCardinality = "fhir:cardinality"
	RuleDatatype    = "fhir:datatype"
	RuleBinding     = "fhir:binding"
	RuleFixed       = "fhir:fixed-value"
	RuleEmpty       = "fhir:invariant:ele-1"
	RuleContained   = "fhir:contained"
	RuleOrder       = "fhir:element-order"
	// RuleDecimalRange warns of decimals with more digits than common
	// implementations hold.
	RuleDecimalRange = "fhir:decimal-range"
)

// structure checks every node of a tree against the model: cardinality,
// primitive formats, required bindings, fixed values, empty elements and
// the narrative.
type structure struct {
	m      *schemas.Model
	issues *[]Issue
	xml    bool // element order matters in XML only
	// term checks the other binding strengths, code systems and displays
	// (nil: not checked); unchecked collects the code systems it cannot.
	term        *terminology
	unchecked   map[string]bool
	uncheckedVS map[string]string // value set URL -> why it cannot be expanded
}

func (s *structure) add(n *tree.Node, sev Severity, code string, spine SpineCode, rule, msg string) {
	*s.issues = append(*s.issues, Issue{
		Severity: sev, Code: code, Spine: spine, Rule: rule,
		Path: n.Path(), Line: n.Line, Column: n.Col, Message: msg,
	})
}

// walked is what the structure phase's walk gathers for the phases after
// it, so that they need not walk the whole tree again: the number of
// elements and, in document order (that of tree.Node.Walk), the resources
// and the extensions.
type walked struct {
	nodes      int
	resources  []*tree.Node
	extensions []*tree.Node
}

// walkedPool keeps the lists between payloads.
var walkedPool = sync.Pool{New: func() any { return new(walked) }}

// release empties w, keeping no payload alive, and gives it back to the
// pool.
func (w *walked) release() {
	clear(w.resources)
	clear(w.extensions)
	*w = walked{resources: w.resources[:0], extensions: w.extensions[:0]}
	walkedPool.Put(w)
}

// check walks the tree, noting in w what the later phases look for; once
// ctx has ended (looked at every 256 elements) it stops descending, and w
// is partial.
func (s *structure) check(ctx context.Context, root *tree.Node, w *walked) {
	seen, stop := 0, false
	root.Walk(func(n *tree.Node) bool {
		if seen++; stop || seen&255 == 0 && ctx.Err() != nil {
			stop = true
			return false
		}
		w.nodes++
		if n.Resource {
			w.resources = append(w.resources, n)
		}
		if n.Type == "Extension" {
			w.extensions = append(w.extensions, n)
		}
		s.node(n)
		return true
	})
}

func (s *structure) node(n *tree.Node) {
	if n.Elem == nil {
		return
	}
	if n.Primitive != nil {
		s.primitive(n)
	}
	// ele-1 is a rule of elements; a resource with nothing but its type is
	// allowed.
	if !n.HasValue && n.Type != "xhtml" && !n.Resource {
		switch substantive(n) {
		case 0:
			s.add(n, SeverityError, "invalid", SpineInvalidResource, RuleEmpty,
				"element is empty: every element must have a value or child elements")
		case -1:
			s.add(n, SeverityError, "invalid", SpineInvalidResource, RuleEmpty,
				"element has only an id: every element must have a value or child elements besides its id (ele-1)")
		}
	}
	s.cardinality(n)
	if s.xml {
		s.order(n)
	}
	if b := n.Elem.Binding; b != nil && b.Strength == "required" && b.ValueSet != "" {
		s.binding(n, b)
	} else if b != nil && b.ValueSet != "" && s.term != nil {
		s.term.binding(s, n, b)
	}
	if n.Type == "Coding" && s.term != nil {
		s.term.coding(s, n, s.unchecked)
	}
	s.ucum(n)
	if f := n.Elem.Fixed; f != nil && n.Primitive != nil && n.HasValue {
		if want, ok := jsonScalarText(f.Value); ok && want != n.Value {
			s.add(n, SeverityError, "value", SpineInvalidResource, RuleFixed,
				"value "+strconv.Quote(n.Value)+" differs from the fixed value "+strconv.Quote(want))
		}
	}
	if n.Resource && n.Name == "contained" {
		s.contained(n)
	}
}

// substantive tells what ele-1, "hasValue() or (children().count() >
// id.count())", sees of a non-resource element's children: 1 when one is
// not the element id, 0 when there are none, and -1 when the id is all
// there is, so that the message can say so.
func substantive(n *tree.Node) int {
	ids := 0
	for _, c := range n.Children {
		if c.Name != "id" {
			return 1
		}
		ids++
	}
	if ids > 0 {
		return -1
	}
	return 0
}

// cardinality counts the children of n per element definition and compares
// each count with min and max. Choice elements count across their names.
func (s *structure) cardinality(n *tree.Node) {
	if n.Primitive != nil && len(n.Children) == 0 {
		return // a primitive's id and extension are optional
	}
	defs := s.m.Children(n.Elem, n.Type)
	if len(defs) == 0 {
		return
	}
	// defs are in snapshot order, so a child's definition is found by its
	// index with a binary search; counting needs no map.
	var buf [64]int
	counts := buf[:0]
	if len(defs) <= len(buf) {
		counts = buf[:len(defs)]
	} else {
		counts = make([]int, len(defs))
	}
	// Children mostly come in definition order (always in valid XML):
	// follow them along defs, and search only for one that goes back.
	at := 0
	for _, c := range n.Children {
		e := c.Elem
		if e == nil {
			continue
		}
		for at < len(defs) && defs[at].Index < e.Index {
			at++
		}
		if at < len(defs) && defs[at] == e {
			counts[at]++
		} else if i := defIndex(defs, e); i >= 0 {
			counts[i]++
		}
	}
	for i, d := range defs {
		if n.Primitive != nil && d.Name == "value" {
			continue // the value of a primitive is Node.Value, not a child
		}
		got := counts[i]
		switch {
		case got < d.Min:
			s.add(n, SeverityError, "required", SpineInvalidResource, RuleCardinality,
				"missing required element "+strconv.Quote(displayName(d))+": found "+strconv.Itoa(got)+", expected "+d.Cardinality())
		case d.Max != schemas.Unbounded && got > d.Max && !d.IsChoice():
			// (A second type for a choice element is a parse error already.)
			var first *tree.Node
			for _, c := range n.Children {
				if c.Elem == d {
					first = c
					break
				}
			}
			s.add(first, SeverityError, "structure", SpineInvalidResource, RuleCardinality,
				"element "+strconv.Quote(displayName(d))+" occurs "+strconv.Itoa(got)+" times, expected "+d.Cardinality())
		}
	}
}

// defIndex finds e among defs, which are sorted by snapshot index; -1 when
// it is not there.
func defIndex(defs []*schemas.Element, e *schemas.Element) int {
	if e == nil {
		return -1
	}
	lo, hi := 0, len(defs)
	for lo < hi {
		mid := (lo + hi) / 2
		if defs[mid].Index < e.Index {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(defs) && defs[lo] == e {
		return lo
	}
	return -1
}

func displayName(d *schemas.Element) string { return d.Name }

// order checks that the children of n come in definition order, as the XML
// form requires. Each child out of order is reported once, against the
// element it should have preceded.
func (s *structure) order(n *tree.Node) {
	var last *tree.Node
	for _, c := range n.Children {
		if c.Elem == nil || c.IsAttr() {
			continue
		}
		if last != nil && c.Elem.Index < last.Elem.Index {
			s.add(c, SeverityError, "structure", SpineInvalidResource, RuleOrder,
				"element "+strconv.Quote(c.Name)+" is out of order: it must come before "+strconv.Quote(last.Name)+" (STU3 element order)")
			continue
		}
		last = c
	}
}

// primitive checks the value of a primitive node against its type.
func (s *structure) primitive(n *tree.Node) {
	if !n.HasValue || n.Type == "xhtml" {
		if n.Type == "xhtml" {
			for _, p := range narrativeProblems(n.Value) {
				s.add(n, SeverityError, "invariant", SpineInvalidResource, "fhir:invariant:"+p.Key, p.Msg)
			}
		}
		return
	}
	v := n.Value
	if v == "" {
		s.add(n, SeverityError, "value", SpineInvalidResource, RuleDatatype,
			"empty "+n.Type+" value: a primitive value must not be empty (leave the element out instead)")
		return
	}
	if msg := primitiveProblem(n.Type, n.Primitive, v); msg != "" {
		s.add(n, SeverityError, "value", SpineInvalidResource, RuleDatatype, msg)
	} else if n.Type == "decimal" {
		if d := primitive.DecimalDigits(v); d > primitive.MaxDecimalDigits {
			s.add(n, SeverityWarning, "value", SpineInvalidResource, RuleDecimalRange,
				"decimal "+quoteShort(v)+" has "+strconv.Itoa(d)+" digits: outside the range of commonly supported decimals (at most "+
					strconv.Itoa(primitive.MaxDecimalDigits)+" digits), so other systems may not hold it exactly")
		}
	}
	if n.Elem.MaxLength > 0 && utf8.RuneCountInString(v) > n.Elem.MaxLength {
		s.add(n, SeverityError, "value", SpineInvalidResource, RuleDatatype,
			"value is "+strconv.Itoa(utf8.RuneCountInString(v))+" characters long, at most "+strconv.Itoa(n.Elem.MaxLength)+" allowed")
	}
}

// primitiveProblem returns what is wrong with v as a value of the primitive
// type code, or "".
func primitiveProblem(code string, p *schemas.Primitive, v string) string {
	if p.Regex != "" {
		match, known := primitive.Match(code, v)
		if !known {
			re := primitive.Regexp(p.Regex)
			match = re == nil || re.MatchString(v)
		}
		if !match {
			return "value " + quoteShort(v) + " is not a valid " + code + formatHint(code)
		}
	}
	switch code {
	case "integer", "positiveInt", "unsignedInt":
		if _, err := strconv.ParseInt(v, 10, 32); err != nil {
			return "value " + quoteShort(v) + " is outside the 32-bit range of " + code
		}
	case "date", "dateTime", "instant":
		if msg := calendarProblem(v); msg != "" {
			return "value " + quoteShort(v) + " is not a valid " + code + ": " + msg
		}
	case "base64Binary":
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, v)
		if _, err := base64.StdEncoding.DecodeString(clean); err != nil {
			return "value is not valid base64: " + err.Error()
		}
	case "uri", "oid", "uuid":
		if hasSpace(v) {
			return "value " + quoteShort(v) + " is not a valid " + code + ": it contains whitespace"
		}
	case "boolean":
		if v != "true" && v != "false" {
			return "value " + quoteShort(v) + " is not a boolean: expected true or false"
		}
	case "string", "markdown":
		if strings.TrimSpace(v) == "" {
			return "value is only whitespace: a " + code + " must have non-whitespace content"
		}
	}
	return ""
}

// hasSpace reports whether v holds a space, tab, carriage return or line
// feed; a loop, as strings.ContainsAny builds its set at every call.
func hasSpace(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ' ', '\t', '\r', '\n':
			return true
		}
	}
	return false
}

func formatHint(code string) string {
	switch code {
	case "date":
		return ": expected YYYY, YYYY-MM or YYYY-MM-DD"
	case "dateTime":
		return ": expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss(.sss) with a time zone (Z or ±hh:mm, at most 14:00)"
	case "instant":
		return ": expected YYYY-MM-DDThh:mm:ss(.sss) with a time zone (Z or ±hh:mm)"
	case "time":
		return ": expected hh:mm:ss(.sss)"
	case "id":
		return ": expected 1 to 64 characters of A-Z a-z 0-9 - ."
	case "code":
		return ": expected no leading or trailing whitespace and no runs of whitespace"
	case "decimal":
		return ": expected a decimal number such as 1.50 (no exponent, no leading zeros)"
	case "integer", "positiveInt", "unsignedInt":
		return ": expected a whole number" + map[string]string{"positiveInt": " from 1", "unsignedInt": " from 0", "integer": ""}[code]
	case "oid":
		return ": expected urn:oid: followed by dotted numbers"
	case "uuid":
		return ": expected urn:uuid: followed by a lower-case UUID"
	}
	return ""
}

// calendarProblem checks that a date that matched its pattern is a real
// calendar date (no 31 April, no 29 February outside leap years).
func calendarProblem(v string) string {
	if len(v) < 10 || v[0] == '-' {
		return ""
	}
	if _, ok := fhirpath.ParseDateTime(v[:10]); !ok {
		return "no such calendar day " + v[:10]
	}
	return ""
}

func quoteShort(v string) string {
	if utf8.RuneCountInString(v) > 80 {
		r := []rune(v)
		v = string(r[:77]) + "..."
	}
	return strconv.Quote(v)
}

// binding checks a coded element against a required value set whose
// expansion is complete; incomplete expansions are not judged.
func (s *structure) binding(n *tree.Node, b *schemas.Binding) {
	var vs *schemas.ValueSet
	if s.term != nil {
		vs = s.term.requiredValueSet(s.m, b)
	} else {
		vs = s.m.ValueSet(b.ValueSet)
	}
	if vs == nil || !vs.Complete {
		if vs != nil && hasCode(n) {
			s.uncheckedValueSet(b.ValueSet, vs.Reason)
		} else if hasCode(n) {
			s.uncheckedValueSet(b.ValueSet, "the package does not define it")
		}
		return
	}
	switch n.Type {
	case "code":
		if n.HasValue && n.Value != "" && !vs.ContainsCode(n.Value) {
			s.add(n, SeverityError, "code-invalid", SpineInvalidCodeValue, RuleBinding,
				"code "+strconv.Quote(n.Value)+" is not in the required value set "+b.ValueSet+valueSetHint(vs))
		}
	case "Coding":
		if msg := codingProblem(n, vs); msg != "" {
			s.add(n, SeverityError, "code-invalid", SpineInvalidCodeValue, RuleBinding, msg+" of the required value set "+b.ValueSet+valueSetHint(vs))
		}
	case "CodeableConcept":
		codings := n.ChildrenNamed("coding")
		if len(codings) == 0 {
			if n.Child("text") == nil {
				s.add(n, SeverityError, "code-invalid", SpineInvalidCodeValue, RuleBinding,
					"no coding from the required value set "+b.ValueSet)
			}
			return
		}
		for _, c := range codings {
			if codingProblem(c, vs) == "" {
				return
			}
		}
		s.add(n, SeverityError, "code-invalid", SpineInvalidCodeValue, RuleBinding,
			"none of the codings is in the required value set "+b.ValueSet+valueSetHint(vs))
	}
}

func codingProblem(n *tree.Node, vs *schemas.ValueSet) string {
	sys, code := n.Child("system"), n.Child("code")
	if code == nil || !code.HasValue {
		return ""
	}
	if sys == nil || !sys.HasValue {
		if vs.ContainsCode(code.Value) {
			return ""
		}
		return "code " + strconv.Quote(code.Value) + " (no system) is not one"
	}
	if vs.Contains(sys.Value, code.Value) {
		return ""
	}
	return "code " + strconv.Quote(code.Value) + " of system " + sys.Value + " is not one"
}

// valueSetHint lists the codes of a small value set, so that the message
// says what was expected.
func valueSetHint(vs *schemas.ValueSet) string {
	if len(vs.Codes) == 0 || len(vs.Codes) > 12 {
		return ""
	}
	codes := make([]string, len(vs.Codes))
	for i, c := range vs.Codes {
		codes[i] = c.Code
	}
	return " (expected one of: " + strings.Join(codes, ", ") + ")"
}

// contained checks what the STU3 rules say of a contained resource that the
// invariants do not already cover: it must have an id to be referenced by.
func (s *structure) contained(n *tree.Node) {
	if n.Child("id") == nil {
		s.add(n, SeverityError, "structure", SpineInvalidResource, RuleContained,
			"contained resource has no id: it cannot be referenced from the containing resource")
	}
}

// jsonScalarText returns the text of a JSON string, number or boolean as a
// FHIR primitive value is written.
func jsonScalarText(raw []byte) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	}
	if raw[0] == '{' || raw[0] == '[' {
		return "", false
	}
	return string(raw), true
}
