package tree

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON reader works in two steps: this file reads the text into a tape,
// a flat list of tokens that remember where they started; jsonread.go then
// walks the tape and maps it onto the model. Two steps because FHIR JSON
// may give "resourceType" or "_name" after the properties that depend on
// them, and because every syntax and duplicate-key error is reported
// before any error about the model.
//
// The tape holds no pointers: it is reused from document to document and
// costs the collector nothing.
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
	jsonKey // a property name; its value is the next token
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

// Token flags.
const (
	// tokEscaped: the string had escapes; its decoded text is
	// jsonLexer.decoded[start].
	tokEscaped uint8 = 1 << iota
	// tokPlain: the string is printable ASCII, so valid UTF-8 and XML as
	// it stands.
	tokPlain
	// tokDup: a key that repeats an earlier key of its object; the member
	// is left out.
	tokDup
	// tokUnderscore: an object with a "_name" key, whose members must be
	// paired before they are read.
	tokUnderscore
)

// jsonToken is a value or a property name on the tape. An object is
// followed by its members, each a key and then its value; an array by its
// items.
type jsonToken struct {
	kind  jsonKind
	flags uint8
	line  int32
	col   int32
	// next is the index of the token after this value and everything in
	// it. 32 bits keep the token small: 2^31 tokens would take gigabytes
	// of text.
	next int32
	// For strings, keys, numbers and literals the text is srcText[start:end]
	// (or decoded[start] when tokEscaped). For an object, start is the
	// index of its "resourceType" key, 0 when it has none, and end bounds
	// the children its node can have: a slot for every value of its
	// members, counting the items of arrays. For an array, start is the
	// number of items.
	start, end int
}

type jsonLexer struct {
	tape []jsonToken
	// decoded holds the strings that had escapes.
	decoded []string
	// keys holds the key tokens of the objects being read, for the
	// duplicate check: each object works on its own top part.
	keys []int32
	buf  []byte // decodes a string with escapes
	src  []byte
	// srcText is src as one string: strings without escapes, keys and
	// numbers are cut from it rather than copied one by one.
	srcText  string
	shareSrc bool // the tree may share src (ParseJSONScratch)
	// copyOut is set by the tree reader when it copies what it keeps of
	// src value by value: srcText can then be src itself.
	copyOut   bool
	i         int
	line      int
	lineStart int // offset of the first byte of the line
	cont      int // UTF-8 continuation bytes seen on this line before i
	depth     int
	// nodes bounds the nodes the values can make: a node comes from a
	// value, but not from an array or a resource type.
	nodes int
	slots int // the children slots of all objects (jsonToken.end)
	errs  *errs
}

// start readies l for src, keeping the tape's storage.
func (l *jsonLexer) start(src []byte, e *errs) {
	l.tape, l.decoded, l.keys = l.tape[:0], l.decoded[:0], l.keys[:0]
	// About a token for every dozen bytes, so that the tape seldom grows
	// while it is written; hostile input may need more.
	if want := min(len(src)/12, 1<<20); cap(l.tape) < want {
		l.tape = make([]jsonToken, 0, want)
	}
	l.src, l.errs = src, e
	if l.shareSrc || l.copyOut {
		// The tree lives only while src does (ParseJSONScratch), or
		// what it keeps is copied as it is read.
		l.srcText = sharedString(src)
	} else {
		l.srcText = string(src)
	}
	l.i, l.line, l.lineStart, l.cont, l.depth, l.nodes, l.slots = 0, 1, 0, 0, 0, 0, 0
}

// maxKeptTape bounds the tape kept from one document to the next.
const maxKeptTape = 1 << 16

// maxKeptScratchTape is the bound for readers of scratch trees, which
// convert whole packages of definitions one after the other: the 3.9 MB
// extension definitions bundle takes about 2^18 tokens.
const maxKeptScratchTape = 1 << 19

// release drops what l refers to from the last document.
func (l *jsonLexer) release() {
	clear(l.decoded)
	l.src, l.srcText, l.errs = nil, "", nil
}

// keep says whether l's storage is small enough to keep for the next
// document.
func (l *jsonLexer) keep() bool {
	limit := maxKeptTape
	if l.shareSrc {
		limit = maxKeptScratchTape
	}
	return cap(l.tape) <= limit && cap(l.keys) <= limit &&
		cap(l.decoded) <= limit && cap(l.buf) <= 1<<16
}

// text returns the text of token t: a string decoded, a key, a number or
// a literal as written.
func (l *jsonLexer) text(t int) string {
	tok := &l.tape[t]
	if tok.flags&tokEscaped != 0 {
		return l.decoded[tok.start]
	}
	return l.srcText[tok.start:tok.end]
}

// push adds a token to the tape and returns its index. The token is
// written in place, field by field: building it aside and copying it in
// made the processor wait for the small writes to land before the large
// read.
func (l *jsonLexer) push(kind jsonKind, line, col int32) int {
	t := len(l.tape)
	if t == cap(l.tape) {
		l.tape = slices.Grow(l.tape, 1)
	}
	l.tape = l.tape[:t+1]
	tok := &l.tape[t]
	*tok = jsonToken{}
	tok.kind, tok.line, tok.col = kind, line, col
	return t
}

// pos returns the line and column of offset l.i.
func (l *jsonLexer) pos() (int32, int32) {
	return int32(l.line), int32(l.i - l.lineStart - l.cont + 1)
}

func (l *jsonLexer) fail(msg string) {
	line, col := l.pos()
	l.errs.stop(int(line), int(col), "", "JSON is not well-formed: "+msg)
}

// space skips whitespace. Most calls find none, or a single space.
func (l *jsonLexer) space() {
	if l.i < len(l.src) && l.src[l.i] > ' ' {
		return
	}
	l.skipSpace()
}

func (l *jsonLexer) skipSpace() {
	src, i := l.src, l.i
	for i < len(src) {
		switch src[i] {
		case ' ':
			i++
		case '\n':
			i++
			l.line++
			l.lineStart = i
			l.cont = 0
			// Indented JSON has a run of spaces after each newline.
			i = spacesEnd(src, i)
		case '\t', '\r':
			i++
		default:
			l.i = i
			return
		}
	}
	l.i = i
}

// parseJSONText reads a whole document onto the tape, its top-level value
// at index 0. It returns false after recording a fatal error in l.errs.
func (l *jsonLexer) parseJSONText() bool {
	src, e := l.src, l.errs
	if body := TrimBOM(src); len(body) < len(src) {
		// Columns count from after the mark, as they do for XML.
		l.i = len(src) - len(body)
		l.lineStart = l.i
	}
	l.space()
	if l.i >= len(src) {
		l.fail("the input is empty")
		return false
	}
	if !l.value() || e.fatal {
		return false
	}
	l.space()
	if l.i < len(src) {
		l.fail("unexpected " + l.describe() + " after the top-level value")
		return false
	}
	return true
}

func (l *jsonLexer) describe() string {
	if l.i >= len(l.src) {
		return "end of input"
	}
	r, _ := utf8.DecodeRune(l.src[l.i:])
	return strconv.QuoteRune(r)
}

// value reads one value onto the tape.
func (l *jsonLexer) value() bool {
	if l.i >= len(l.src) {
		l.fail("unexpected end of input")
		return false
	}
	line, col := l.pos()
	t := l.push(jsonNull, line, col)
	l.nodes++
	ok := true
	switch c := l.src[l.i]; {
	case c == '"':
		l.tape[t].kind = jsonString
		ok = l.str(t)
	case c == '{':
		l.tape[t].kind = jsonObject
		ok = l.object(t)
	case c == '[':
		l.tape[t].kind = jsonArray
		l.nodes--
		ok = l.array(t)
	case c == '-' || isDigit(c):
		l.tape[t].kind = jsonNumber
		ok = l.number(t)
	case l.literal(t, "true"):
		l.tape[t].kind = jsonTrue
	case l.literal(t, "false"):
		l.tape[t].kind = jsonFalse
	case l.literal(t, "null"):
		l.tape[t].kind = jsonNull
	default:
		l.fail("unexpected " + l.describe())
		return false
	}
	l.tape[t].next = int32(len(l.tape))
	return ok
}

func (l *jsonLexer) literal(t int, word string) bool {
	if len(l.src)-l.i >= len(word) && string(l.src[l.i:l.i+len(word)]) == word {
		l.tape[t].start, l.tape[t].end = l.i, l.i+len(word)
		l.i += len(word)
		return true
	}
	return false
}

func (l *jsonLexer) enter() bool {
	l.depth++
	if l.depth > MaxDepth {
		l.fail("objects and arrays nest too deeply: more than " + strconv.Itoa(MaxDepth) + " levels")
		return false
	}
	return true
}

func (l *jsonLexer) object(t int) bool {
	if !l.enter() {
		return false
	}
	ok := l.members(t)
	l.depth--
	return ok
}

func (l *jsonLexer) members(t int) bool {
	l.i++ // {
	l.space()
	if l.i < len(l.src) && l.src[l.i] == '}' {
		l.i++
		return true
	}
	var seen map[string]bool
	base := len(l.keys)
	slots := 0
	for {
		l.space()
		if l.i >= len(l.src) || l.src[l.i] != '"' {
			l.fail("expected a property name in quotes, found " + l.describe())
			return false
		}
		line, col := l.pos()
		k := l.push(jsonKey, line, col)
		l.tape[k].next = int32(k + 1)
		if !l.str(k) {
			return false
		}
		key := l.text(k)
		// Duplicate keys: a linear scan for small objects, a set for
		// large ones.
		dup := false
		if keys := l.keys[base:]; len(keys) < 16 {
			for _, o := range keys {
				if l.text(int(o)) == key {
					dup = true
					break
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]bool, 2*len(keys))
				for _, o := range keys {
					seen[l.text(int(o))] = true
				}
			}
			dup = seen[key]
			seen[key] = true
		}
		if dup {
			l.errs.add(int(line), int(col), "", "duplicate property "+strconv.Quote(key)+" (JSON keys must be unique)")
			l.tape[k].flags |= tokDup
		} else {
			l.keys = append(l.keys, int32(k))
			if len(key) > 0 && key[0] == '_' {
				l.tape[t].flags |= tokUnderscore
			} else if key == "resourceType" {
				l.tape[t].start = k
				l.nodes--
			}
		}
		l.space()
		if l.i >= len(l.src) || l.src[l.i] != ':' {
			l.fail("expected ':' after a property name, found " + l.describe())
			return false
		}
		l.i++
		// Mostly one space after the colon.
		if l.i+1 < len(l.src) && l.src[l.i] == ' ' && l.src[l.i+1] > ' ' {
			l.i++
		} else {
			l.space()
		}
		if !l.value() {
			return false
		}
		if v := &l.tape[k+1]; !dup && v.kind == jsonArray {
			slots += v.start
		} else if !dup {
			slots++
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
			l.keys = l.keys[:base]
			l.tape[t].end = slots
			l.slots += slots
			return true
		default:
			l.fail("expected ',' or '}' in an object, found " + l.describe())
			return false
		}
	}
}

func (l *jsonLexer) array(t int) bool {
	if !l.enter() {
		return false
	}
	ok := l.items(t)
	l.depth--
	return ok
}

func (l *jsonLexer) items(t int) bool {
	l.i++ // [
	l.space()
	if l.i < len(l.src) && l.src[l.i] == ']' {
		l.i++
		return true
	}
	for n := 1; ; n++ {
		l.space()
		if !l.value() {
			return false
		}
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
			l.tape[t].start = n
			return true
		default:
			l.fail("expected ',' or ']' in an array, found " + l.describe())
			return false
		}
	}
}

func (l *jsonLexer) number(t int) bool {
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
	l.tape[t].start, l.tape[t].end = start, l.i
	return true
}

// str reads the string starting at the opening quote into token t.
func (l *jsonLexer) str(t int) bool {
	src := l.src
	i := l.i + 1 // opening quote
	start, cont := i, l.cont
	plain := true
	// Fast path: no escapes.
	for {
		// Plain ASCII needs no look beyond the table, and is taken a word
		// at a time up to the first byte that is not plain.
		if i+8 <= len(src) {
			m := notPlain(binary.LittleEndian.Uint64(src[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
		} else {
			for i < len(src) && plainJSON[src[i]] {
				i++
			}
			if i >= len(src) {
				break
			}
		}
		c := src[i]
		if c == '"' {
			if !plain && !utf8.Valid(src[start:i]) {
				return l.badUTF8(start, cont)
			}
			tok := &l.tape[t]
			tok.start, tok.end = start, i
			if plain {
				tok.flags |= tokPlain
			}
			l.i = i + 1
			return true
		}
		if c == '\\' || c < 0x20 {
			break
		}
		plain = false
		if c&0xC0 == 0x80 {
			l.cont++
		}
		i++
	}
	l.i = i
	return l.escaped(t, start, cont)
}

// escaped goes on with a string that has escapes (or is cut short) from
// l.i, decoding it into l.decoded.
func (l *jsonLexer) escaped(t, start, cont int) bool {
	buf := append(l.buf[:0], l.src[start:l.i]...)
	defer func() { l.buf = buf[:0] }()
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				return l.badUTF8(start, cont)
			}
			l.i++
			tok := &l.tape[t]
			tok.start, tok.end = len(l.decoded), len(l.decoded)+1
			tok.flags |= tokEscaped
			l.decoded = append(l.decoded, string(buf))
			return true
		case c < 0x20:
			l.fail("control character " + strconv.QuoteRune(rune(c)) + " in a string (it must be escaped)")
			return false
		case c == '\\':
			if l.i+1 >= len(l.src) {
				l.i++
				l.fail("unexpected end of input in a string")
				return false
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
					return false
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if l.i+1 < len(l.src) && l.src[l.i] == '\\' && l.src[l.i+1] == 'u' {
						l.i += 2
						if r2, ok = l.hex4(); !ok {
							return false
						}
					}
					r = utf16.DecodeRune(r, r2)
					if r == utf8.RuneError {
						l.fail("unpaired UTF-16 surrogate in a \\u escape")
						return false
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				l.i--
				l.fail("invalid escape \\" + string(rune(e)) + " in a string")
				return false
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
	return false
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

// notPlain marks with its top bit each byte of the little-endian word w
// that plainJSON does not hold: a control character, a quote, a backslash
// or a byte of a multi-byte character. Marks above the lowest one may be
// false (the subtractions borrow), so only the lowest is to be trusted.
func notPlain(w uint64) uint64 {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	control := (w - 0x20*ones) &^ w
	quote := w ^ '"'*ones
	quote = (quote - ones) &^ quote
	backslash := w ^ '\\'*ones
	backslash = (backslash - ones) &^ backslash
	return (control | quote | backslash | w) & tops
}

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
