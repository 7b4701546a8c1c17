package jsonschemagen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// obj is a JSON object that keeps its members in the order they were set,
// so the schema reads in model order and is reproducible byte for byte.
type obj struct {
	keys []string
	vals map[string]any
}

func newObj() *obj { return &obj{vals: map[string]any{}} }

// set adds or replaces a member; a replaced member keeps its place.
func (o *obj) set(k string, v any) *obj {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

func (o *obj) get(k string) any { return o.vals[k] }

// inlineWidth is the widest value written on one line; wider ones are
// spread one member per line.
const inlineWidth = 100

// render writes v as indented JSON. Values whose compact form is short are
// kept on one line, which roughly halves the file and keeps each property's
// schema readable at a glance.
func render(b *bytes.Buffer, v any, indent int) {
	if ss, ok := v.([]string); ok {
		as := make([]any, len(ss))
		for i, s := range ss {
			as[i] = s
		}
		v = as
	}
	compact := compactJSON(v)
	if len(compact) <= inlineWidth || !isContainer(v) {
		b.WriteString(compact)
		return
	}
	pad := strings.Repeat("  ", indent+1)
	switch v := v.(type) {
	case *obj:
		b.WriteString("{\n")
		for i, k := range v.keys {
			b.WriteString(pad)
			b.WriteString(quote(k))
			b.WriteString(": ")
			render(b, v.vals[k], indent+1)
			if i < len(v.keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("  ", indent))
		b.WriteByte('}')
	case []any:
		b.WriteString("[\n")
		for i, e := range v {
			b.WriteString(pad)
			render(b, e, indent+1)
			if i < len(v)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("  ", indent))
		b.WriteByte(']')
	}
}

func isContainer(v any) bool {
	switch v.(type) {
	case *obj, []any:
		return true
	}
	return false
}

func compactJSON(v any) string {
	var b strings.Builder
	writeCompact(&b, v)
	return b.String()
}

func writeCompact(b *strings.Builder, v any) {
	switch v := v.(type) {
	case *obj:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(k))
			b.WriteString(": ")
			writeCompact(b, v.vals[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeCompact(b, e)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(e))
		}
		b.WriteByte(']')
	case string:
		b.WriteString(quote(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case nil:
		b.WriteString("null")
	default:
		panic(fmt.Sprintf("jsonschemagen: cannot write %T", v))
	}
}

// quote writes a JSON string without the HTML escaping encoding/json
// applies by default, so that patterns stay legible.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // a Go string always encodes
	}
	return strings.TrimSuffix(b.String(), "\n")
}
