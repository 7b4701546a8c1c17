package fhirpath

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokenKind int

const (
	tkEOF       tokenKind = iota
	tkIdent               // name, keyword, or $this/$index/$total
	tkDelimited           // `name` or "name"
	tkString              // 'text'
	tkNumber              // 12 or 1.5
	tkDateTime            // @2015-02-04T14:34
	tkTime                // @T14:34
	tkPunct               // operators and brackets
)

type token struct {
	kind tokenKind
	text string // for tkString and tkDelimited: the unescaped content
	pos  int    // byte offset in the source
}

func (t token) describe() string {
	switch t.kind {
	case tkEOF:
		return "end of expression"
	case tkString:
		return "string " + strconv.Quote(t.text)
	case tkNumber:
		return "number " + t.text
	case tkDateTime, tkTime:
		return "date/time @" + t.text
	case tkDelimited:
		return "identifier `" + t.text + "`"
	}
	return "'" + t.text + "'"
}

// lex splits the source into tokens. It returns the tokens read so far and
// an error at the first character it cannot place.
func lex(src string) ([]token, *ParseError) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return toks, newParseError(src, i, "an unterminated comment", "'*/' to close the comment")
			}
			i += end + 4
		case isIdentStart(c) || c == '$':
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			if c == '$' && j == i+1 {
				return toks, newParseError(src, i, "'$'", "$this, $index or $total")
			}
			toks = append(toks, token{kind: tkIdent, text: src[i:j], pos: i})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			if j+1 < len(src) && src[j] == '.' && src[j+1] >= '0' && src[j+1] <= '9' {
				j++
				for j < len(src) && src[j] >= '0' && src[j] <= '9' {
					j++
				}
			}
			toks = append(toks, token{kind: tkNumber, text: src[i:j], pos: i})
			i = j
		case c == '\'' || c == '`' || c == '"':
			text, end, err := lexQuoted(src, i)
			if err != nil {
				return toks, err
			}
			kind := tkString
			if c != '\'' {
				kind = tkDelimited
			}
			toks = append(toks, token{kind: kind, text: text, pos: i})
			i = end
		case c == '@':
			tok, end, err := lexDateTime(src, i)
			if err != nil {
				return toks, err
			}
			toks = append(toks, tok)
			i = end
		default:
			op := ""
			if i+1 < len(src) {
				switch two := src[i : i+2]; two {
				case "<=", ">=", "!=", "!~", "<>":
					op = two
				}
			}
			if op == "" && strings.IndexByte(".[](),+-*/&|=~<>{}%", c) >= 0 {
				op = src[i : i+1]
			}
			if op == "" {
				r, _ := utf8.DecodeRuneInString(src[i:])
				return toks, newParseError(src, i, strconv.QuoteRune(r), "an operator, name or literal")
			}
			toks = append(toks, token{kind: tkPunct, text: op, pos: i})
			i += len(op)
		}
	}
	toks = append(toks, token{kind: tkEOF, pos: len(src)})
	return toks, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// lexQuoted reads a quoted string or delimited identifier starting at
// src[start] and returns its content with escapes resolved. An escape the
// grammar does not know (as in the STU3 regex '\-') keeps its backslash, so
// that such text reaches the regex engine as its author meant.
func lexQuoted(src string, start int) (string, int, *ParseError) {
	q := src[start]
	var b strings.Builder
	i := start + 1
	for i < len(src) {
		c := src[i]
		switch {
		case c == q:
			return b.String(), i + 1, nil
		case c == '\\' && i+1 < len(src):
			e := src[i+1]
			i += 2
			switch e {
			case '\'', '"', '`', '\\', '/':
				b.WriteByte(e)
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if i+4 <= len(src) {
					if v, err := strconv.ParseUint(src[i:i+4], 16, 32); err == nil {
						b.WriteRune(rune(v))
						i += 4
						continue
					}
				}
				return "", 0, newParseError(src, i-2, "a bad \\u escape", "four hex digits after \\u")
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, newParseError(src, start, "an unterminated "+quoteName(q), "a closing "+string(q))
}

func quoteName(q byte) string {
	if q == '\'' {
		return "string"
	}
	return "identifier"
}

// lexDateTime reads @date, @dateTime or @Ttime.
func lexDateTime(src string, start int) (token, int, *ParseError) {
	i := start + 1
	// digitsAt reports n digits at j, so that a '.', '-' or ':' is taken
	// into the literal only when the grammar's digits follow it: in
	// @2015-02-04T14:34:28.is(DateTime) the '.' is the invocation.
	digitsAt := func(j, n int) bool {
		return j+n <= len(src) && allDigits(src[j:j+n])
	}
	clock := func() {
		if !digitsAt(i, 2) {
			return
		}
		i += 2
		for _, sep := range []byte{':', ':'} {
			if i < len(src) && src[i] == sep && digitsAt(i+1, 2) {
				i += 3
			} else {
				return
			}
		}
		if i < len(src) && src[i] == '.' && digitsAt(i+1, 1) {
			i++
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
		}
	}
	kind := tkDateTime
	if i < len(src) && src[i] == 'T' {
		kind = tkTime
		i++
		clock()
	} else {
		if digitsAt(i, 4) {
			i += 4
			for k := 0; k < 2 && i < len(src) && src[i] == '-' && digitsAt(i+1, 2); k++ {
				i += 3
			}
		}
		if i < len(src) && src[i] == 'T' {
			i++
			clock()
			if i < len(src) && src[i] == 'Z' {
				i++
			} else if i+6 <= len(src) && (src[i] == '+' || src[i] == '-') &&
				allDigits(src[i+1:i+3]) && src[i+3] == ':' && allDigits(src[i+4:i+6]) {
				i += 6
			}
		}
	}
	text := src[start+1 : i]
	ok := false
	if kind == tkTime {
		_, ok = ParseTime(text[1:])
	} else {
		_, ok = parseDateTimeLiteral(text)
	}
	if !ok {
		// Show the rest of the word, so the message names what was meant.
		for i < len(src) && strings.IndexByte("0123456789-:.TZ+", src[i]) >= 0 {
			i++
		}
		return token{}, 0, newParseError(src, start, "'"+src[start:i]+"'", "a date (@2015-02-04), date-time (@2015-02-04T14:34:28Z) or time (@T14:34)")
	}
	return token{kind: kind, text: text, pos: start}, i, nil
}

// parseDateTimeLiteral reads the text of a date or date-time literal. A
// literal ending in T is a DateTime at the precision before it (@2015T,
// @2015-02T), which instance data never is.
func parseDateTimeLiteral(text string) (DateTime, bool) {
	if t, ok := strings.CutSuffix(text, "T"); ok {
		d, ok := ParseDateTime(t)
		d.DateOnly = false
		return d, ok
	}
	return ParseDateTime(text)
}
