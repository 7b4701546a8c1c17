package schemas

import (
	"github.com/nemsfhir/nemsfhir/internal/jsonline"
)

// The embedded lines are decoded by hand (package jsonline) rather than by
// encoding/json: a single validation decodes some forty model types and a
// few value sets and code systems. The result is the same as
// encoding/json's for every embedded line
// (TestLineDecoderMatchesEncodingJSON).

// readType decodes a model type line into t, as json.Unmarshal would.
func readType(line []byte, alias bool, t *Type) error {
	r := jsonline.New(line, alias)
	r.Object(func(k string) {
		switch k {
		case "type":
			t.Name = r.Str()
		case "kind":
			t.Kind = Kind(r.Str())
		case "abstract":
			t.Abstract = r.Bool()
		case "base":
			t.Base = r.Str()
		case "url":
			t.URL = r.Str()
		case "profileOf":
			t.Profile = r.Str()
		case "primitive":
			if r.Null() {
				t.Primitive = nil
				return
			}
			t.Primitive = readPrimitive(r)
		case "elements":
			ok := r.Array(func() {
				if r.Null() {
					t.Elements = append(t.Elements, nil)
					return
				}
				t.Elements = append(t.Elements, readElement(r))
			})
			t.Elements = jsonline.NonNil(t.Elements, ok)
		case "constraints":
			ok := r.Array(func() {
				if r.Null() {
					t.Constraints = append(t.Constraints, nil)
					return
				}
				t.Constraints = append(t.Constraints, readConstraint(r))
			})
			t.Constraints = jsonline.NonNil(t.Constraints, ok)
		default:
			r.Skip()
		}
	})
	return r.Done()
}

func readPrimitive(r *jsonline.Reader) *Primitive {
	p := new(Primitive)
	r.Object(func(k string) {
		switch k {
		case "regex":
			p.Regex = r.Str()
		case "json":
			p.JSON = r.Str()
		case "xml":
			p.XML = r.Str()
		case "maxLength":
			p.MaxLength = r.Int()
		default:
			r.Skip()
		}
	})
	return p
}

func readElement(r *jsonline.Reader) *Element {
	e := new(Element)
	r.Object(func(k string) {
		switch k {
		case "path":
			e.Path = r.Str()
		case "short":
			e.Short = r.Str()
		case "min":
			e.Min = r.Int()
		case "max":
			e.MaxText = r.Str()
		case "types":
			ok := r.Array(func() {
				var t TypeRef
				r.Object(func(k string) {
					switch k {
					case "code":
						t.Code = r.Str()
					case "profiles":
						t.Profiles = r.Strs()
					case "targets":
						t.TargetProfiles = r.Strs()
					default:
						r.Skip()
					}
				})
				e.Types = append(e.Types, t)
			})
			e.Types = jsonline.NonNil(e.Types, ok)
		case "choices":
			ok := r.Array(func() {
				var c Choice
				r.Object(func(k string) {
					switch k {
					case "name":
						c.Name = r.Str()
					case "type":
						c.Type = r.Str()
					default:
						r.Skip()
					}
				})
				e.Choices = append(e.Choices, c)
			})
			e.Choices = jsonline.NonNil(e.Choices, ok)
		case "contentReference":
			e.ContentReference = r.Str()
		case "modifier":
			e.IsModifier = r.Bool()
		case "summary":
			e.IsSummary = r.Bool()
		case "representation":
			e.Representation = r.Str()
		case "fixed":
			e.Fixed = readValue(r)
		case "pattern":
			e.Pattern = readValue(r)
		case "minValue":
			e.MinValue = readValue(r)
		case "maxValue":
			e.MaxValue = readValue(r)
		case "maxLength":
			e.MaxLength = r.Int()
		case "binding":
			if r.Null() {
				e.Binding = nil
				return
			}
			b := new(Binding)
			r.Object(func(k string) {
				switch k {
				case "strength":
					b.Strength = r.Str()
				case "valueSet":
					b.ValueSet = r.Str()
				case "description":
					b.Description = r.Str()
				default:
					r.Skip()
				}
			})
			e.Binding = b
		case "constraints":
			ok := r.Array(func() { e.ConstraintRefs = append(e.ConstraintRefs, r.Int()) })
			e.ConstraintRefs = jsonline.NonNil(e.ConstraintRefs, ok)
		default:
			r.Skip()
		}
	})
	return e
}

func readValue(r *jsonline.Reader) *Value {
	if r.Null() {
		return nil
	}
	v := new(Value)
	r.Object(func(k string) {
		switch k {
		case "type":
			v.Type = r.Str()
		case "value":
			v.Value = r.Raw()
		default:
			r.Skip()
		}
	})
	return v
}

func readConstraint(r *jsonline.Reader) *Constraint {
	c := new(Constraint)
	r.Object(func(k string) {
		switch k {
		case "key":
			c.Key = r.Str()
		case "severity":
			c.Severity = r.Str()
		case "human":
			c.Human = r.Str()
		case "expression":
			c.Expression = r.Str()
		case "xpath":
			c.XPath = r.Str()
		case "source":
			c.Source = r.Str()
		default:
			r.Skip()
		}
	})
	return c
}

// readValueSet decodes a model value set line, as json.Unmarshal would.
func readValueSet(line []byte, alias bool) (*ValueSet, error) {
	vs := new(ValueSet)
	r := jsonline.New(line, alias)
	r.Object(func(k string) {
		switch k {
		case "valueSet":
			vs.URL = r.Str()
		case "name":
			vs.Name = r.Str()
		case "complete":
			vs.Complete = r.Bool()
		case "codes":
			ok := r.Array(func() {
				var c Code
				r.Object(func(k string) {
					switch k {
					case "system":
						c.System = r.Str()
					case "code":
						c.Code = r.Str()
					default:
						r.Skip()
					}
				})
				vs.Codes = append(vs.Codes, c)
			})
			vs.Codes = jsonline.NonNil(vs.Codes, ok)
		case "incomplete":
			vs.Reason = r.Str()
		default:
			r.Skip()
		}
	})
	return vs, r.Done()
}

// readTermValueSet decodes a terminology value set line, as json.Unmarshal
// would.
func readTermValueSet(line []byte, alias bool, tv *termValueSet) error {
	r := jsonline.New(line, alias)
	r.Object(func(k string) {
		switch k {
		case "valueSet":
			tv.URL = r.Str()
		case "name":
			tv.Name = r.Str()
		case "complete":
			tv.Complete = r.Bool()
		case "include":
			ok := r.Array(func() {
				var s TermSystem
				r.Object(func(k string) {
					switch k {
					case "system":
						s.System = r.Str()
					case "codes":
						s.Codes = r.Strs()
					default:
						r.Skip()
					}
				})
				tv.Include = append(tv.Include, s)
			})
			tv.Include = jsonline.NonNil(tv.Include, ok)
		case "incomplete":
			tv.Reason = r.Str()
		default:
			r.Skip()
		}
	})
	return r.Done()
}

// readCodeSystem decodes a code system line, as json.Unmarshal would.
func readCodeSystem(line []byte, alias bool) (*CodeSystem, error) {
	cs := new(CodeSystem)
	r := jsonline.New(line, alias)
	r.Object(func(k string) {
		switch k {
		case "codeSystem":
			cs.URL = r.Str()
		case "name":
			cs.Name = r.Str()
		case "caseInsensitive":
			cs.CaseInsensitive = r.Bool()
		case "concepts":
			ok := r.Array(func() { cs.Concepts = append(cs.Concepts, r.Strs()) })
			cs.Concepts = jsonline.NonNil(cs.Concepts, ok)
		default:
			r.Skip()
		}
	})
	return cs, r.Done()
}
