package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// The embedded lines are decoded by hand rather than by encoding/json: a
// single validation decodes some forty model types and a few value sets
// and code systems, and encoding/json's reflection made that a third of a
// command's start-up. The result is the same as encoding/json's for every
// embedded line (TestLineDecoderMatchesEncodingJSON): unknown keys are
// skipped, null leaves the zero value, and a string with an escape or a
// byte that is not UTF-8 is handed to encoding/json itself.

// lineReader reads one JSON value from a line.
type lineReader struct {
	b   []byte
	i   int
	err error
	// alias makes plain strings share the line's memory instead of
	// copying it: only for the embedded files, which live as long as the
	// process, are never written to, and are tested to decode to what
	// encoding/json makes of them.
	alias bool
}

var errSyntax = errors.New("malformed JSON")

func (r *lineReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s at byte %d", what, r.i)
	}
}

func (r *lineReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\r', '\n':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next significant byte, 0 at the end or after an error.
func (r *lineReader) peek() byte {
	r.space()
	if r.err != nil || r.i >= len(r.b) {
		return 0
	}
	return r.b[r.i]
}

// null consumes a null and reports whether there was one.
func (r *lineReader) null() bool {
	if r.peek() == 'n' && len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// object calls member for each member of an object, with the key; member
// must consume the value. A null is an empty object.
func (r *lineReader) object(member func(key string)) {
	if r.null() {
		return
	}
	if r.peek() != '{' {
		r.fail("want an object")
		return
	}
	r.i++
	if r.peek() == '}' {
		r.i++
		return
	}
	for r.err == nil {
		key := r.str()
		if r.peek() != ':' {
			r.fail("want ':'")
			return
		}
		r.i++
		member(key)
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return
		default:
			r.fail("want ',' or '}'")
			return
		}
	}
}

// array calls item for each item of an array; item must consume it. It
// reports whether there was an array rather than a null: encoding/json
// decodes [] as an empty slice and null as a nil one.
func (r *lineReader) array(item func()) bool {
	if r.null() {
		return false
	}
	if r.peek() != '[' {
		r.fail("want an array")
		return false
	}
	r.i++
	if r.peek() == ']' {
		r.i++
		return true
	}
	for r.err == nil {
		item()
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			return true
		default:
			r.fail("want ',' or ']'")
			return false
		}
	}
	return false
}

// nonNil turns a nil slice into an empty one when an array was read.
func nonNil[T any](s []T, wasArray bool) []T {
	if s == nil && wasArray {
		return []T{}
	}
	return s
}

// str reads a string; null reads as "".
func (r *lineReader) str() string {
	if r.null() {
		return ""
	}
	if r.peek() != '"' {
		r.fail("want a string")
		return ""
	}
	start := r.i
	plain := true
	for j := start + 1; j < len(r.b); j++ {
		c := r.b[j]
		switch {
		case c == '"':
			r.i = j + 1
			body := r.b[start+1 : j]
			if plain && r.alias {
				if len(body) == 0 {
					return ""
				}
				return unsafe.String(&body[0], len(body))
			}
			if plain && utf8.Valid(body) {
				return string(body)
			}
			var s string
			if err := json.Unmarshal(r.b[start:r.i], &s); err != nil {
				r.fail("bad string")
			}
			return s
		case c == '\\':
			plain = false
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			r.fail("control character in string")
			return ""
		}
	}
	r.fail("unterminated string")
	return ""
}

// strs reads an array of strings.
func (r *lineReader) strs() []string {
	var out []string
	ok := r.array(func() { out = append(out, r.str()) })
	return nonNil(out, ok)
}

// integer reads a number that must be an integer; null reads as 0.
func (r *lineReader) integer() int {
	if r.null() {
		return 0
	}
	tok := r.number()
	n, err := strconv.Atoi(string(tok))
	if err != nil {
		r.fail("want an integer")
	}
	return n
}

func (r *lineReader) number() []byte {
	r.space()
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			r.i++
			continue
		}
		break
	}
	if r.i == start {
		r.fail("want a number")
	}
	return r.b[start:r.i]
}

// boolean reads true or false; null reads as false.
func (r *lineReader) boolean() bool {
	if r.null() {
		return false
	}
	r.space()
	switch {
	case len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "true":
		r.i += 4
		return true
	case len(r.b)-r.i >= 5 && string(r.b[r.i:r.i+5]) == "false":
		r.i += 5
		return false
	}
	r.fail("want a boolean")
	return false
}

// raw returns the bytes of the next value, whatever it is, as
// json.RawMessage keeps them (a copy).
func (r *lineReader) raw() json.RawMessage {
	r.space()
	start := r.i
	r.skip()
	if r.err != nil {
		return nil
	}
	return append(json.RawMessage(nil), r.b[start:r.i]...)
}

// skip consumes the next value.
func (r *lineReader) skip() {
	switch r.peek() {
	case '{':
		r.object(func(string) { r.skip() })
	case '[':
		r.array(r.skip)
	case '"':
		r.str()
	case 't', 'f':
		r.boolean()
	case 'n':
		if !r.null() {
			r.fail("want a value")
		}
	default:
		r.number()
	}
}

// done checks that nothing but space follows the value.
func (r *lineReader) done() error {
	if r.err == nil && r.peek() != 0 {
		r.fail("data after the value")
	}
	if r.err != nil {
		return fmt.Errorf("%w: %v", errSyntax, r.err)
	}
	return nil
}

// readType decodes a model type line into t, as json.Unmarshal would.
func readType(line []byte, alias bool, t *Type) error {
	r := &lineReader{b: line, alias: alias}
	r.object(func(k string) {
		switch k {
		case "type":
			t.Name = r.str()
		case "kind":
			t.Kind = Kind(r.str())
		case "abstract":
			t.Abstract = r.boolean()
		case "base":
			t.Base = r.str()
		case "url":
			t.URL = r.str()
		case "profileOf":
			t.Profile = r.str()
		case "primitive":
			if r.null() {
				t.Primitive = nil
				return
			}
			t.Primitive = readPrimitive(r)
		case "elements":
			ok := r.array(func() {
				if r.null() {
					t.Elements = append(t.Elements, nil)
					return
				}
				t.Elements = append(t.Elements, readElement(r))
			})
			t.Elements = nonNil(t.Elements, ok)
		case "constraints":
			ok := r.array(func() {
				if r.null() {
					t.Constraints = append(t.Constraints, nil)
					return
				}
				t.Constraints = append(t.Constraints, readConstraint(r))
			})
			t.Constraints = nonNil(t.Constraints, ok)
		default:
			r.skip()
		}
	})
	return r.done()
}

func readPrimitive(r *lineReader) *Primitive {
	p := new(Primitive)
	r.object(func(k string) {
		switch k {
		case "regex":
			p.Regex = r.str()
		case "json":
			p.JSON = r.str()
		case "xml":
			p.XML = r.str()
		case "maxLength":
			p.MaxLength = r.integer()
		default:
			r.skip()
		}
	})
	return p
}

func readElement(r *lineReader) *Element {
	e := new(Element)
	r.object(func(k string) {
		switch k {
		case "path":
			e.Path = r.str()
		case "short":
			e.Short = r.str()
		case "min":
			e.Min = r.integer()
		case "max":
			e.MaxText = r.str()
		case "types":
			ok := r.array(func() {
				var t TypeRef
				r.object(func(k string) {
					switch k {
					case "code":
						t.Code = r.str()
					case "profiles":
						t.Profiles = r.strs()
					case "targets":
						t.TargetProfiles = r.strs()
					default:
						r.skip()
					}
				})
				e.Types = append(e.Types, t)
			})
			e.Types = nonNil(e.Types, ok)
		case "choices":
			ok := r.array(func() {
				var c Choice
				r.object(func(k string) {
					switch k {
					case "name":
						c.Name = r.str()
					case "type":
						c.Type = r.str()
					default:
						r.skip()
					}
				})
				e.Choices = append(e.Choices, c)
			})
			e.Choices = nonNil(e.Choices, ok)
		case "contentReference":
			e.ContentReference = r.str()
		case "modifier":
			e.IsModifier = r.boolean()
		case "summary":
			e.IsSummary = r.boolean()
		case "representation":
			e.Representation = r.str()
		case "fixed":
			e.Fixed = readValue(r)
		case "pattern":
			e.Pattern = readValue(r)
		case "minValue":
			e.MinValue = readValue(r)
		case "maxValue":
			e.MaxValue = readValue(r)
		case "maxLength":
			e.MaxLength = r.integer()
		case "binding":
			if r.null() {
				e.Binding = nil
				return
			}
			b := new(Binding)
			r.object(func(k string) {
				switch k {
				case "strength":
					b.Strength = r.str()
				case "valueSet":
					b.ValueSet = r.str()
				case "description":
					b.Description = r.str()
				default:
					r.skip()
				}
			})
			e.Binding = b
		case "constraints":
			ok := r.array(func() { e.ConstraintRefs = append(e.ConstraintRefs, r.integer()) })
			e.ConstraintRefs = nonNil(e.ConstraintRefs, ok)
		default:
			r.skip()
		}
	})
	return e
}

func readValue(r *lineReader) *Value {
	if r.null() {
		return nil
	}
	v := new(Value)
	r.object(func(k string) {
		switch k {
		case "type":
			v.Type = r.str()
		case "value":
			v.Value = r.raw()
		default:
			r.skip()
		}
	})
	return v
}

func readConstraint(r *lineReader) *Constraint {
	c := new(Constraint)
	r.object(func(k string) {
		switch k {
		case "key":
			c.Key = r.str()
		case "severity":
			c.Severity = r.str()
		case "human":
			c.Human = r.str()
		case "expression":
			c.Expression = r.str()
		case "xpath":
			c.XPath = r.str()
		case "source":
			c.Source = r.str()
		default:
			r.skip()
		}
	})
	return c
}

// readValueSet decodes a model value set line, as json.Unmarshal would.
func readValueSet(line []byte, alias bool) (*ValueSet, error) {
	vs := new(ValueSet)
	r := &lineReader{b: line, alias: alias}
	r.object(func(k string) {
		switch k {
		case "valueSet":
			vs.URL = r.str()
		case "name":
			vs.Name = r.str()
		case "complete":
			vs.Complete = r.boolean()
		case "codes":
			ok := r.array(func() {
				var c Code
				r.object(func(k string) {
					switch k {
					case "system":
						c.System = r.str()
					case "code":
						c.Code = r.str()
					default:
						r.skip()
					}
				})
				vs.Codes = append(vs.Codes, c)
			})
			vs.Codes = nonNil(vs.Codes, ok)
		case "incomplete":
			vs.Reason = r.str()
		default:
			r.skip()
		}
	})
	return vs, r.done()
}

// readTermValueSet decodes a terminology value set line, as json.Unmarshal
// would.
func readTermValueSet(line []byte, alias bool, tv *termValueSet) error {
	r := &lineReader{b: line, alias: alias}
	r.object(func(k string) {
		switch k {
		case "valueSet":
			tv.URL = r.str()
		case "name":
			tv.Name = r.str()
		case "complete":
			tv.Complete = r.boolean()
		case "include":
			ok := r.array(func() {
				var s TermSystem
				r.object(func(k string) {
					switch k {
					case "system":
						s.System = r.str()
					case "codes":
						s.Codes = r.strs()
					default:
						r.skip()
					}
				})
				tv.Include = append(tv.Include, s)
			})
			tv.Include = nonNil(tv.Include, ok)
		case "incomplete":
			tv.Reason = r.str()
		default:
			r.skip()
		}
	})
	return r.done()
}

// readCodeSystem decodes a code system line, as json.Unmarshal would.
func readCodeSystem(line []byte, alias bool) (*CodeSystem, error) {
	cs := new(CodeSystem)
	r := &lineReader{b: line, alias: alias}
	r.object(func(k string) {
		switch k {
		case "codeSystem":
			cs.URL = r.str()
		case "name":
			cs.Name = r.str()
		case "caseInsensitive":
			cs.CaseInsensitive = r.boolean()
		case "concepts":
			ok := r.array(func() { cs.Concepts = append(cs.Concepts, r.strs()) })
			cs.Concepts = nonNil(cs.Concepts, ok)
		default:
			r.skip()
		}
	})
	return cs, r.done()
}
