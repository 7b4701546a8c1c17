package tree

import (
	"strings"
	"unicode/utf8"
)

// appendAttr appends s escaped for a double-quoted XML attribute. Tab,
// line feed and carriage return become character references so that an
// XML parser's attribute normalisation leaves them as they are. ok is false
// when s holds a character XML 1.0 cannot carry at all.
func appendAttr(dst []byte, s string) (out []byte, ok bool) {
	ok = true
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && plainAttr[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		var rep string
		size := 1
		if c < utf8.RuneSelf {
			switch c {
			case '&':
				rep = "&amp;"
			case '<':
				rep = "&lt;"
			case '>':
				rep = "&gt;"
			case '"':
				rep = "&quot;"
			case '\t':
				rep = "&#9;"
			case '\n':
				rep = "&#10;"
			case '\r':
				rep = "&#13;"
			default:
				if c < 0x20 {
					ok = false
				}
			}
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if !xmlChar(r, size) {
				ok = false
			}
		}
		if rep != "" {
			dst = append(dst, s[start:i]...)
			dst = append(dst, rep...)
			start = i + size
		}
		i += size
	}
	return append(dst, s[start:]...), ok
}

// plainAttr marks the bytes appendAttr copies as they are: printable ASCII
// but the characters it escapes.
var plainAttr = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '&' && c != '<' && c != '>' && c != '"'
	}
	return t
}()

// xmlChar reports whether a non-ASCII rune decoded with the given size is a
// character XML 1.0 allows.
func xmlChar(r rune, size int) bool {
	if r == utf8.RuneError && size == 1 {
		return false // not UTF-8
	}
	return (r >= 0x80 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// validXMLText reports whether every character of s may appear in XML 1.0.
func validXMLText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !xmlChar(r, size) {
			return false
		}
		i += size
	}
	return true
}

func escapeAttr(b *strings.Builder, s string) {
	out, _ := appendAttr(nil, s)
	b.Write(out)
}

// escapeText escapes character data of XHTML.
func escapeText(b *strings.Builder, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '\r':
			rep = "&#13;"
		default:
			continue
		}
		b.WriteString(s[start:i])
		b.WriteString(rep)
		start = i + 1
	}
	b.WriteString(s[start:])
}

// appendJSONString appends s as a JSON string. Non-ASCII characters are
// written as they are; only what JSON requires is escaped (no HTML
// escaping, so narrative stays readable).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		// Eight bytes at a time while none needs escaping: most values
		// need none, and definitions carry long texts.
		for i+8 <= len(s) {
			w := s[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			if !jsonPlain8(x) {
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			const hex = "0123456789abcdef"
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonPlain8 reports whether none of the eight bytes of x needs escaping
// in a JSON string: none is below 0x20, a quote or a backslash. It uses
// the bit tricks for "has a byte less than n" and "has a zero byte", which
// are exact as yes-or-no answers.
func jsonPlain8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote := x ^ (ones * '"')
	backslash := x ^ (ones * '\\')
	t := (x - ones*0x20) &^ x
	t |= (quote - ones) &^ quote
	t |= (backslash - ones) &^ backslash
	return t&highs == 0
}

// validJSONNumber reports whether s is a number in JSON's grammar, so that
// it can be written into JSON unchanged.
func validJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
