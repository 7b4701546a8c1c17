package tree

import (
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON reader works in two steps: this file parses the text into plain
// JSON values that remember where they started; jsonread.go then maps them
// onto the model. Two steps because FHIR JSON may give "resourceType" or
// "_name" after the properties that depend on them.
//
// encoding/json is not used: it neither reports duplicate keys nor the
// position of every value, and it would parse numbers into floats.

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonFalse
	jsonTrue
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

func (k jsonKind) String() string {
	switch k {
	case jsonNull:
		return "null"
	case jsonFalse, jsonTrue:
		return "a boolean"
	case jsonNumber:
		return "a number"
	case jsonString:
		return "a string"
	case jsonArray:
		return "an array"
	default:
		return "an object"
	}
}

// jsonValue is one parsed JSON value.
type jsonValue struct {
	kind jsonKind
	// text is the decoded string or the number exactly as written.
	text    string
	items   []*jsonValue
	members []jsonMember
	line    int32
	col     int32
	self    [1]*jsonValue // backing store for single()
}

type jsonMember struct {
	key       string
	line, col int32
	value     *jsonValue
}

type jsonLexer struct {
	// The values and their member and item lists live only until the tree
	// is built, so their blocks are kept for the next document.
	vals    scratch[jsonValue]
	members scratch[jsonMember]
	items   scratch[*jsonValue]
	values  int // how many values were handed out
	// Members and items of the objects and arrays being read; each is
	// copied out, exactly sized, when its object or array ends.
	mstack []jsonMember
	istack []*jsonValue
	src    []byte
	// srcText is src as one string: strings without escapes, keys and
	// numbers are cut from it rather than copied one by one.
	srcText   string
	i         int
	line      int
	lineStart int // offset of the first byte of the line
	cont      int // UTF-8 continuation bytes seen on this line before i
	depth     int
	errs      *errs
}

// pos returns the line and column of offset l.i.
func (l *jsonLexer) pos() (int32, int32) {
	return int32(l.line), int32(l.i - l.lineStart - l.cont + 1)
}

func (l *jsonLexer) fail(msg string) {
	line, col := l.pos()
	l.errs.stop(int(line), int(col), "", "JSON is not well-formed: "+msg)
}

func (l *jsonLexer) space() {
	for l.i < len(l.src) {
		switch l.src[l.i] {
		case ' ', '\t', '\r':
			l.i++
		case '\n':
			l.i++
			l.line++
			l.lineStart = l.i
			l.cont = 0
		default:
			return
		}
	}
}

// lexers keeps jsonLexers with their blocks between documents.
var lexers = sync.Pool{New: func() any { return new(jsonLexer) }}

// newJSONLexer returns a lexer for src from the pool. Call release when the
// values it made are no longer needed.
func newJSONLexer(src []byte, e *errs) *jsonLexer {
	l := lexers.Get().(*jsonLexer)
	l.src, l.srcText, l.line, l.errs = src, string(src), 1, e
	return l
}

// release drops the values and puts l back in the pool, unless a large
// document made its blocks too big to keep.
func (l *jsonLexer) release() {
	keep := l.vals.reset()+l.members.reset()+l.items.reset() <= 1<<14
	clear(l.mstack[:cap(l.mstack)])
	clear(l.istack[:cap(l.istack)])
	*l = jsonLexer{vals: l.vals, members: l.members, items: l.items,
		mstack: l.mstack[:0], istack: l.istack[:0]}
	if keep {
		lexers.Put(l)
	}
}

// parseJSONText parses a whole document and says how many values it made.
// It returns nil after recording a fatal error in l.errs.
func (l *jsonLexer) parseJSONText() (*jsonValue, int) {
	src, e := l.src, l.errs
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		l.i, l.lineStart = 3, 0
		l.cont = 2 // the BOM counts as one character
	}
	l.space()
	if l.i >= len(src) {
		l.fail("the input is empty")
		return nil, l.values
	}
	v := l.value()
	if e.fatal {
		return nil, l.values
	}
	l.space()
	if l.i < len(src) {
		l.fail("unexpected " + l.describe() + " after the top-level value")
		return nil, l.values
	}
	return v, l.values
}

func (l *jsonLexer) describe() string {
	if l.i >= len(l.src) {
		return "end of input"
	}
	r, _ := utf8.DecodeRune(l.src[l.i:])
	return strconv.QuoteRune(r)
}

func (l *jsonLexer) value() *jsonValue {
	if l.i >= len(l.src) {
		l.fail("unexpected end of input")
		return nil
	}
	line, col := l.pos()
	v := l.newValue()
	v.line, v.col = line, col
	switch c := l.src[l.i]; {
	case c == '{':
		v.kind = jsonObject
		if !l.object(v) {
			return nil
		}
	case c == '[':
		v.kind = jsonArray
		if !l.array(v) {
			return nil
		}
	case c == '"':
		v.kind = jsonString
		s, ok := l.str()
		if !ok {
			return nil
		}
		v.text = s
	case c == '-' || isDigit(c):
		v.kind = jsonNumber
		if !l.number(v) {
			return nil
		}
	case l.literal("true"):
		v.kind = jsonTrue
		v.text = "true"
	case l.literal("false"):
		v.kind = jsonFalse
		v.text = "false"
	case l.literal("null"):
		v.kind = jsonNull
	default:
		l.fail("unexpected " + l.describe())
		return nil
	}
	return v
}

func (l *jsonLexer) literal(word string) bool {
	if len(l.src)-l.i >= len(word) && string(l.src[l.i:l.i+len(word)]) == word {
		l.i += len(word)
		return true
	}
	return false
}

func (l *jsonLexer) enter() bool {
	l.depth++
	if l.depth > MaxDepth {
		l.fail("objects and arrays nest too deeply")
		return false
	}
	return true
}

func (l *jsonLexer) object(v *jsonValue) bool {
	if !l.enter() {
		return false
	}
	defer func() { l.depth-- }()
	l.i++ // {
	l.space()
	if l.i < len(l.src) && l.src[l.i] == '}' {
		l.i++
		return true
	}
	var seen map[string]bool
	base := len(l.mstack)
	for {
		l.space()
		if l.i >= len(l.src) || l.src[l.i] != '"' {
			l.fail("expected a property name in quotes, found " + l.describe())
			return false
		}
		line, col := l.pos()
		key, ok := l.str()
		if !ok {
			return false
		}
		// Duplicate keys: a linear scan for small objects, a set for
		// large ones.
		dup := false
		if members := l.mstack[base:]; len(members) < 16 {
			for _, m := range members {
				if m.key == key {
					dup = true
					break
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]bool, 2*len(members))
				for _, m := range members {
					seen[m.key] = true
				}
			}
			dup = seen[key]
			seen[key] = true
		}
		if dup {
			l.errs.add(int(line), int(col), "", "duplicate property "+strconv.Quote(key)+" (JSON keys must be unique)")
		}
		l.space()
		if l.i >= len(l.src) || l.src[l.i] != ':' {
			l.fail("expected ':' after a property name, found " + l.describe())
			return false
		}
		l.i++
		l.space()
		val := l.value()
		if val == nil {
			return false
		}
		if !dup {
			l.mstack = append(l.mstack, jsonMember{key: key, line: line, col: col, value: val})
		}
		l.space()
		if l.i >= len(l.src) {
			l.fail("unexpected end of input in an object")
			return false
		}
		switch l.src[l.i] {
		case ',':
			l.i++
		case '}':
			l.i++
			v.members = l.members.take(len(l.mstack) - base)
			copy(v.members, l.mstack[base:])
			l.mstack = l.mstack[:base]
			return true
		default:
			l.fail("expected ',' or '}' in an object, found " + l.describe())
			return false
		}
	}
}

func (l *jsonLexer) array(v *jsonValue) bool {
	if !l.enter() {
		return false
	}
	defer func() { l.depth-- }()
	l.i++ // [
	l.space()
	if l.i < len(l.src) && l.src[l.i] == ']' {
		l.i++
		v.items = []*jsonValue{}
		return true
	}
	base := len(l.istack)
	for {
		l.space()
		item := l.value()
		if item == nil {
			return false
		}
		l.istack = append(l.istack, item)
		l.space()
		if l.i >= len(l.src) {
			l.fail("unexpected end of input in an array")
			return false
		}
		switch l.src[l.i] {
		case ',':
			l.i++
		case ']':
			l.i++
			v.items = l.items.take(len(l.istack) - base)
			copy(v.items, l.istack[base:])
			l.istack = l.istack[:base]
			return true
		default:
			l.fail("expected ',' or ']' in an array, found " + l.describe())
			return false
		}
	}
}

func (l *jsonLexer) number(v *jsonValue) bool {
	start := l.i
	for l.i < len(l.src) {
		c := l.src[l.i]
		if isDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			l.i++
			continue
		}
		break
	}
	text := l.srcText[start:l.i]
	if !validJSONNumber(text) {
		l.i = start
		l.fail("invalid number " + strconv.Quote(text))
		return false
	}
	v.text = text
	return true
}

// str reads a string starting at the opening quote and returns it decoded.
func (l *jsonLexer) str() (string, bool) {
	l.i++ // opening quote
	start, cont := l.i, l.cont
	// Fast path: no escapes.
	for l.i < len(l.src) {
		// Plain ASCII needs no look beyond the table.
		for l.i < len(l.src) && plainJSON[l.src[l.i]] {
			l.i++
		}
		if l.i >= len(l.src) {
			break
		}
		c := l.src[l.i]
		if c == '"' {
			s := l.src[start:l.i]
			if !utf8.Valid(s) {
				return "", l.badUTF8(start, cont)
			}
			l.i++
			return l.srcText[start : l.i-1], true
		}
		if c == '\\' || c < 0x20 {
			break
		}
		if c&0xC0 == 0x80 {
			l.cont++
		}
		l.i++
	}
	buf := append([]byte(nil), l.src[start:l.i]...)
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				return "", l.badUTF8(start, cont)
			}
			l.i++
			return string(buf), true
		case c < 0x20:
			l.fail("control character " + strconv.QuoteRune(rune(c)) + " in a string (it must be escaped)")
			return "", false
		case c == '\\':
			if l.i+1 >= len(l.src) {
				l.i++
				l.fail("unexpected end of input in a string")
				return "", false
			}
			e := l.src[l.i+1]
			l.i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := l.hex4()
				if !ok {
					return "", false
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if l.i+1 < len(l.src) && l.src[l.i] == '\\' && l.src[l.i+1] == 'u' {
						l.i += 2
						if r2, ok = l.hex4(); !ok {
							return "", false
						}
					}
					r = utf16.DecodeRune(r, r2)
					if r == utf8.RuneError {
						l.fail("unpaired UTF-16 surrogate in a \\u escape")
						return "", false
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				l.i--
				l.fail("invalid escape \\" + string(rune(e)) + " in a string")
				return "", false
			}
		default:
			if c&0xC0 == 0x80 {
				l.cont++
			}
			buf = append(buf, c)
			l.i++
		}
	}
	l.fail("unexpected end of input in a string")
	return "", false
}

// plainJSON marks the bytes a string can hold as they are, with no escape,
// no check and no effect on the column count: printable ASCII but the
// quote and the backslash.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (l *jsonLexer) hex4() (rune, bool) {
	if l.i+4 > len(l.src) {
		l.fail("incomplete \\u escape")
		return 0, false
	}
	var r rune
	for _, c := range l.src[l.i : l.i+4] {
		r <<= 4
		switch {
		case isDigit(c):
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			l.fail("invalid \\u escape")
			return 0, false
		}
	}
	l.i += 4
	return r, true
}

// badUTF8 reports invalid UTF-8 in the string that starts at start, where
// the continuation count was cont.
func (l *jsonLexer) badUTF8(start, cont int) bool {
	l.i, l.cont = start, cont
	l.fail("a string is not valid UTF-8")
	return false
}

func (l *jsonLexer) newValue() *jsonValue {
	l.values++
	return &l.vals.take(1)[0]
}

// scratch hands out zeroed slices from blocks that are kept, and cleared,
// for reuse.
type scratch[T any] struct {
	blocks [][]T
	used   int // blocks[:used] have been handed out from
	free   []T // the rest of blocks[used-1]
}

// take returns a zeroed slice of k elements whose capacity ends with it.
func (s *scratch[T]) take(k int) []T {
	if k > len(s.free) {
		if s.used == len(s.blocks) || len(s.blocks[s.used]) < k {
			// Blocks double up to maxSlab: small documents need little.
			size := 16
			if s.used > 0 {
				size = min(2*len(s.blocks[s.used-1]), maxSlab)
			}
			b := make([]T, max(k, size))
			if s.used == len(s.blocks) {
				s.blocks = append(s.blocks, b)
			} else {
				s.blocks[s.used] = b
			}
		}
		s.free = s.blocks[s.used]
		s.used++
	}
	out := s.free[:k:k]
	s.free = s.free[k:]
	return out
}

// reset clears what was handed out, so that it is zero when handed out
// again and holds on to nothing, and returns the number of elements kept.
func (s *scratch[T]) reset() int {
	n := 0
	for i, b := range s.blocks {
		if i < s.used {
			clear(b)
		}
		n += len(b)
	}
	s.used, s.free = 0, nil
	return n
}
