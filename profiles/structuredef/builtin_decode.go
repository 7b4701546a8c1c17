package structuredef

import (
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/jsonline"
)

// decodeBuiltin reads one line of the embedded extension definitions into
// sd by hand (package jsonline), which costs a fraction of encoding/json
// and the UnmarshalJSON methods below it; a run decodes the definitions
// of the extensions its payloads use at start. It gives what json.Unmarshal
// gives for every embedded line (TestBuiltinDecodeMatchesEncodingJSON); on
// an error the caller decodes the line the usual way, which reports it.
func decodeBuiltin(line []byte, sd *structureDefinition) error {
	r := jsonline.New(line, true) // the embedded file outlives every definition
	r.Object(func(k string) {
		switch k {
		case "resourceType":
			sd.ResourceType = r.Str()
		case "id":
			sd.ID = r.Str()
		case "url":
			sd.URL = r.Str()
		case "name":
			sd.Name = r.Str()
		case "version":
			sd.Version = r.Str()
		case "kind":
			sd.Kind = r.Str()
		case "abstract":
			sd.Abstract = r.Bool()
		case "type":
			sd.Type = r.Str()
		case "baseDefinition":
			sd.BaseDefinition = r.Str()
		case "derivation":
			sd.Derivation = r.Str()
		case "contextType":
			sd.ContextType = r.Str()
		case "context":
			r.Array(func() { decodeContext(r, sd) })
		case "snapshot":
			if r.Null() {
				sd.Snapshot = nil
				return
			}
			sd.Snapshot = newOf(sd.Snapshot)
			r.Object(func(k string) {
				if k != "element" {
					r.Skip()
					return
				}
				sd.Snapshot.Element = decodeElements(r)
			})
		case "differential":
			if r.Null() {
				sd.Differential = nil
				return
			}
			sd.Differential = newOf(sd.Differential)
			r.Object(func(k string) {
				if k != "element" {
					r.Skip()
					return
				}
				sd.Differential.Element = decodeElements(r)
			})
		default:
			r.Skip()
		}
	})
	return r.Done()
}

// decodeContext reads one item of context as UnmarshalJSON does: a
// string (a comma-separated list in some STU3 assets) or an R4
// {type, expression}.
func decodeContext(r *jsonline.Reader, sd *structureDefinition) {
	if c := r.Peek(); c != '"' && c != 'n' {
		sd.addContextObject(r.Raw())
		return
	}
	sd.addContextList(r.Str())
}

func decodeElements(r *jsonline.Reader) []*elementDefinition {
	var out []*elementDefinition
	ok := r.Array(func() {
		if r.Null() {
			out = append(out, nil)
			return
		}
		out = append(out, decodeElement(r))
	})
	return jsonline.NonNil(out, ok)
}

func decodeElement(r *jsonline.Reader) *elementDefinition {
	e := new(elementDefinition)
	value := func(prefix, k string) *fhirValue {
		v, err := newFHIRValue(k[len(prefix):], r.Raw())
		if err != nil {
			r.Fail(k + ": " + err.Error())
		}
		return v
	}
	r.Object(func(k string) {
		switch k {
		case "id":
			e.ID = r.Str()
		case "path":
			e.Path = r.Str()
		case "sliceName":
			e.SliceName = r.Str()
		case "min":
			e.Min = intPtr(r)
		case "max":
			e.Max = r.Str()
		case "contentReference":
			e.ContentReference = r.Str()
		case "base":
			if r.Null() {
				e.Base = nil
				return
			}
			e.Base = newOf(e.Base)
			r.Object(func(k string) {
				switch k {
				case "path":
					e.Base.Path = r.Str()
				case "min":
					e.Base.Min = intPtr(r)
				case "max":
					e.Base.Max = r.Str()
				default:
					r.Skip()
				}
			})
		case "type":
			ok := r.Array(func() {
				var t typeRef
				r.Object(func(k string) {
					switch k {
					case "code":
						t.Code = r.Str()
					case "profile":
						t.Profile = stringOrList(r.Raw())
					case "targetProfile":
						t.TargetProfile = stringOrList(r.Raw())
					default:
						r.Skip()
					}
				})
				e.Type = append(e.Type, t)
			})
			e.Type = jsonline.NonNil(e.Type, ok)
		case "binding":
			if r.Null() {
				e.Binding = nil
				return
			}
			b := new(binding)
			r.Object(func(k string) {
				switch k {
				case "strength":
					b.Strength = r.Str()
				case "valueSetUri":
					b.ValueSetURI = r.Str()
				case "valueSetReference":
					if r.Null() {
						b.ValueSetReference = nil
						return
					}
					b.ValueSetReference = newOf(b.ValueSetReference)
					r.Object(func(k string) {
						if k != "reference" {
							r.Skip()
							return
						}
						b.ValueSetReference.Reference = r.Str()
					})
				case "valueSet":
					b.ValueSet = r.Str()
				default:
					r.Skip()
				}
			})
			e.Binding = b
		case "constraint":
			ok := r.Array(func() {
				var c constraint
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
					case "source":
						c.Source = r.Str()
					default:
						r.Skip()
					}
				})
				e.Constraint = append(e.Constraint, c)
			})
			e.Constraint = jsonline.NonNil(e.Constraint, ok)
		case "slicing":
			if r.Null() {
				e.Slicing = nil
				return
			}
			s := new(slicing)
			r.Object(func(k string) {
				switch k {
				case "discriminator":
					ok := r.Array(func() {
						var d struct {
							Type string `json:"type"`
							Path string `json:"path"`
						}
						r.Object(func(k string) {
							switch k {
							case "type":
								d.Type = r.Str()
							case "path":
								d.Path = r.Str()
							default:
								r.Skip()
							}
						})
						s.Discriminator = append(s.Discriminator, d)
					})
					s.Discriminator = jsonline.NonNil(s.Discriminator, ok)
				case "ordered":
					s.Ordered = r.Bool()
				case "rules":
					s.Rules = r.Str()
				default:
					r.Skip()
				}
			})
			e.Slicing = s
		case "maxLength":
			e.MaxLength = r.Int()
		case "isModifier":
			e.IsModifier = r.Bool()
		default:
			switch {
			case strings.HasPrefix(k, "fixed") && len(k) > len("fixed"):
				e.Fixed = value("fixed", k)
			case strings.HasPrefix(k, "pattern") && len(k) > len("pattern"):
				e.Pattern = value("pattern", k)
			case strings.HasPrefix(k, "minValue") && len(k) > len("minValue"):
				e.MinValue = value("minValue", k)
			case strings.HasPrefix(k, "maxValue") && len(k) > len("maxValue"):
				e.MaxValue = value("maxValue", k)
			default:
				r.Skip()
			}
		}
	})
	return e
}

// intPtr reads an integer or null into a *int, as encoding/json does.
func intPtr(r *jsonline.Reader) *int {
	if r.Null() {
		return nil
	}
	n := r.Int()
	return &n
}

// newOf allocates a new value of the type p points to, for fields of
// anonymous struct types.
func newOf[T any](*T) *T { return new(T) }
