package xsdgen

import (
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pattern translates a regular expression of the STU3 package (written for
// whole-value matching, in the common Perl-like dialect that Go also reads)
// into the regular expression dialect of XML Schema (XSD 1.0 Part 2,
// appendix F).
//
// The source is parsed with regexp/syntax and printed again from the parse
// tree rather than rewritten as text, because the two dialects disagree in
// ways a textual rewrite gets wrong: XSD has no non-capturing groups, no
// \d meaning ASCII digits, no anchors, a "." that also excludes "\r", and
// no escapes for arbitrary code points. Leading "^" and trailing "$" are
// dropped (XSD patterns always match the whole value); any other anchor,
// word boundary or case-folding flag is an error, since XSD cannot say it.
// Character classes are clipped to the characters XML allows, which cannot
// change what a document can match.
func Pattern(re string) (string, error) {
	tree, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return "", err
	}
	tree = trimAnchors(tree)
	var b strings.Builder
	if err := emit(&b, tree, precAlt); err != nil {
		return "", fmt.Errorf("regex %q: %v", re, err)
	}
	return b.String(), nil
}

// Precedence of the context an expression is printed in: an alternation
// needs parentheses inside a concatenation, and anything longer than one
// atom needs them under a quantifier.
const (
	precAlt = iota
	precConcat
	precAtom
)

// trimAnchors removes a "^" that starts and a "$" that ends the whole
// expression.
func trimAnchors(re *syntax.Regexp) *syntax.Regexp {
	isBegin := func(r *syntax.Regexp) bool { return r.Op == syntax.OpBeginText || r.Op == syntax.OpBeginLine }
	isEnd := func(r *syntax.Regexp) bool { return r.Op == syntax.OpEndText || r.Op == syntax.OpEndLine }
	switch {
	case isBegin(re) || isEnd(re):
		return &syntax.Regexp{Op: syntax.OpEmptyMatch}
	case re.Op == syntax.OpConcat && len(re.Sub) > 0:
		subs := re.Sub
		if isBegin(subs[0]) {
			subs = subs[1:]
		}
		if len(subs) > 0 && isEnd(subs[len(subs)-1]) {
			subs = subs[:len(subs)-1]
		}
		cp := *re
		cp.Sub = subs
		if len(subs) == 1 {
			return subs[0]
		}
		return &cp
	}
	return re
}

func emit(b *strings.Builder, re *syntax.Regexp, prec int) error {
	if re.Flags&syntax.FoldCase != 0 && (re.Op == syntax.OpLiteral || re.Op == syntax.OpCharClass) {
		return fmt.Errorf("case-insensitive matching has no XSD form")
	}
	switch re.Op {
	case syntax.OpEmptyMatch:
		if prec > precAlt {
			b.WriteString("()")
		}
	case syntax.OpLiteral:
		wrap := len(re.Rune) > 1 && prec == precAtom
		if wrap {
			b.WriteByte('(')
		}
		for _, r := range re.Rune {
			if !isXMLChar(r) {
				return fmt.Errorf("character %U cannot appear in XML", r)
			}
			b.WriteString(escapeRune(r, false))
		}
		if wrap {
			b.WriteByte(')')
		}
	case syntax.OpCharClass:
		return emitClass(b, re.Rune)
	case syntax.OpAnyCharNotNL:
		b.WriteString(`[^\n]`)
	case syntax.OpAnyChar:
		b.WriteString(`[\s\S]`)
	case syntax.OpCapture:
		b.WriteByte('(')
		if err := emit(b, re.Sub[0], precAlt); err != nil {
			return err
		}
		b.WriteByte(')')
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		// Greedy and lazy quantifiers accept the same strings, and XSD
		// only asks whether the whole value matches. A quantified
		// expression under another quantifier needs its own group.
		wrap := prec == precAtom
		if wrap {
			b.WriteByte('(')
		}
		if err := emit(b, re.Sub[0], precAtom); err != nil {
			return err
		}
		switch re.Op {
		case syntax.OpStar:
			b.WriteByte('*')
		case syntax.OpPlus:
			b.WriteByte('+')
		case syntax.OpQuest:
			b.WriteByte('?')
		default:
			b.WriteByte('{')
			b.WriteString(strconv.Itoa(re.Min))
			if re.Max != re.Min {
				b.WriteByte(',')
				if re.Max >= 0 {
					b.WriteString(strconv.Itoa(re.Max))
				}
			}
			b.WriteByte('}')
		}
		if wrap {
			b.WriteByte(')')
		}
	case syntax.OpConcat:
		wrap := prec == precAtom
		if wrap {
			b.WriteByte('(')
		}
		for _, s := range re.Sub {
			if err := emit(b, s, precConcat); err != nil {
				return err
			}
		}
		if wrap {
			b.WriteByte(')')
		}
	case syntax.OpAlternate:
		wrap := prec > precAlt
		if wrap {
			b.WriteByte('(')
		}
		for i, s := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			if err := emit(b, s, precAlt); err != nil {
				return err
			}
		}
		if wrap {
			b.WriteByte(')')
		}
	default:
		return fmt.Errorf("%v has no XSD form", re.Op)
	}
	return nil
}

// xmlChars are the code point ranges XML 1.0 allows in a document.
var xmlChars = [][2]rune{{0x9, 0xA}, {0xD, 0xD}, {0x20, 0xD7FF}, {0xE000, 0xFFFD}, {0x10000, utf8.MaxRune}}

func isXMLChar(r rune) bool {
	for _, c := range xmlChars {
		if r >= c[0] && r <= c[1] {
			return true
		}
	}
	return false
}

// emitClass prints a character class given as sorted, merged [lo, hi] pairs
// (as regexp/syntax keeps them). A class that covers the top of the code
// space came from a negated class in the source and is printed negated, so
// that "[^\s]" stays readable instead of becoming a dozen ranges.
func emitClass(b *strings.Builder, pairs []rune) error {
	var in [][2]rune
	for i := 0; i+1 < len(pairs); i += 2 {
		for _, c := range xmlChars {
			lo, hi := max(pairs[i], c[0]), min(pairs[i+1], c[1])
			if lo <= hi {
				in = append(in, [2]rune{lo, hi})
			}
		}
	}
	if len(in) == 0 {
		return fmt.Errorf("character class matches no XML character")
	}
	negate := in[len(in)-1][1] == utf8.MaxRune
	ranges := in
	if negate {
		ranges = complement(in)
		if len(ranges) == 0 {
			b.WriteString(`[\s\S]`)
			return nil
		}
	}
	if !negate && len(ranges) == 1 && ranges[0][0] == ranges[0][1] {
		b.WriteString(escapeRune(ranges[0][0], false))
		return nil
	}
	b.WriteByte('[')
	if negate {
		b.WriteByte('^')
	}
	for _, r := range ranges {
		b.WriteString(escapeRune(r[0], true))
		if r[1] != r[0] {
			if r[1] > r[0]+1 {
				b.WriteByte('-')
			}
			b.WriteString(escapeRune(r[1], true))
		}
	}
	b.WriteByte(']')
	return nil
}

// complement returns the XML characters not in the sorted ranges in.
func complement(in [][2]rune) [][2]rune {
	var out [][2]rune
	for _, c := range xmlChars {
		lo := c[0]
		for _, r := range in {
			if r[1] < lo || r[0] > c[1] {
				continue
			}
			if r[0] > lo {
				out = append(out, [2]rune{lo, r[0] - 1})
			}
			lo = r[1] + 1
		}
		if lo <= c[1] {
			out = append(out, [2]rune{lo, c[1]})
		}
	}
	return out
}

// escapeRune writes one character so that XSD reads it literally, inside a
// character class when inClass is set. Only XSD's own single-character
// escapes are used: "\$" or "\/", fine in Perl, are errors in XSD.
func escapeRune(r rune, inClass bool) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case '\\', '[', ']':
		return `\` + string(r)
	case '-', '^':
		// Special only inside a class ("^" only at its start, but
		// escaping it anywhere there is simpler and still valid).
		if inClass {
			return `\` + string(r)
		}
	case '|', '.', '?', '*', '+', '(', ')', '{', '}':
		if !inClass {
			return `\` + string(r)
		}
	}
	return string(r)
}
