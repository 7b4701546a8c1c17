// Package jsonline decodes the compact JSON lines of the files the build
// embeds (the model, terminology and extension definitions) by hand: a
// validation decodes a few dozen of them at start, and encoding/json's
// reflection made that a third of a command's start-up. Callers write one
// small function per type with Reader and test that it gives what
// encoding/json gives for every embedded line. Like encoding/json, the
// Reader skips unknown keys, reads null as the zero value, and hands a
// string with an escape or a byte that is not UTF-8 to encoding/json
// itself; unlike it, keys match exactly (the embedded files are
// generated).
package jsonline

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// New returns a Reader of line. With alias, plain strings share line's
// memory instead of copying it: only for embedded files, which live as
// long as the process and are never written to.
func New(line []byte, alias bool) *Reader { return &Reader{b: line, alias: alias} }

// Reader reads one JSON value from a line. Its first error sticks; Done
// reports it.
type Reader struct {
	b     []byte
	i     int
	err   error
	alias bool // see New
}

// ErrSyntax is the error of a line that is not JSON as the Reader reads it.
var ErrSyntax = errors.New("malformed JSON")

func (r *Reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s at byte %d", what, r.i)
	}
}

func (r *Reader) space() {
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
func (r *Reader) peek() byte {
	r.space()
	if r.err != nil || r.i >= len(r.b) {
		return 0
	}
	return r.b[r.i]
}

// Null consumes a null and reports whether there was one.
func (r *Reader) Null() bool {
	if r.peek() == 'n' && len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// Object calls member for each member of an object, with the key; member
// must consume the value. A null is an empty object.
func (r *Reader) Object(member func(key string)) {
	if r.Null() {
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
		key := r.Str()
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

// Array calls item for each item of an array; item must consume it. It
// reports whether there was an array rather than a null: encoding/json
// decodes [] as an empty slice and null as a nil one.
func (r *Reader) Array(item func()) bool {
	if r.Null() {
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

// NonNil turns a nil slice into an empty one when an array was read.
func NonNil[T any](s []T, wasArray bool) []T {
	if s == nil && wasArray {
		return []T{}
	}
	return s
}

// Str reads a string; null reads as "".
func (r *Reader) Str() string {
	if r.Null() {
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
			if plain && utf8.Valid(body) {
				if !r.alias {
					return string(body)
				}
				if len(body) == 0 {
					return ""
				}
				return unsafe.String(&body[0], len(body))
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

// Strs reads an array of strings.
func (r *Reader) Strs() []string {
	var out []string
	ok := r.Array(func() { out = append(out, r.Str()) })
	return NonNil(out, ok)
}

// Int reads a number that must be an integer; null reads as 0.
func (r *Reader) Int() int {
	if r.Null() {
		return 0
	}
	tok := r.number()
	n, err := strconv.Atoi(string(tok))
	if err != nil {
		r.fail("want an integer")
	}
	return n
}

func (r *Reader) number() []byte {
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
	if !validNumber(r.b[start:r.i]) {
		r.i = start
		r.fail("want a number")
	}
	return r.b[start:r.i]
}

// validNumber reports whether b is a JSON number: -?(0|[1-9][0-9]*)
// (.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

// Bool reads true or false; null reads as false.
func (r *Reader) Bool() bool {
	if r.Null() {
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

// Raw returns the bytes of the next value, whatever it is, as
// json.RawMessage keeps them (a copy).
func (r *Reader) Raw() json.RawMessage {
	r.space()
	start := r.i
	r.Skip()
	if r.err != nil {
		return nil
	}
	return append(json.RawMessage(nil), r.b[start:r.i]...)
}

// Skip consumes the next value.
func (r *Reader) Skip() {
	switch r.peek() {
	case '{':
		r.Object(func(string) { r.Skip() })
	case '[':
		r.Array(r.Skip)
	case '"':
		r.Str()
	case 't', 'f':
		r.Bool()
	case 'n':
		if !r.Null() {
			r.fail("want a value")
		}
	default:
		r.number()
	}
}

// done checks that nothing but space follows the value.
func (r *Reader) Done() error {
	if r.err == nil && r.peek() != 0 {
		r.fail("data after the value")
	}
	if r.err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, r.err)
	}
	return nil
}

// Peek returns the first byte of the next value ('{', '[', '"', 't', 'f',
// 'n' or a number's), 0 at the end or after an error.
func (r *Reader) Peek() byte { return r.peek() }

// Fail records an error found by the caller in what it read (a value of
// the wrong form); the first error sticks.
func (r *Reader) Fail(what string) { r.fail(what) }
