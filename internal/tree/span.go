package tree

import (
	"bytes"
	"sort"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Spans turns the line:column places the readers report (Node.Line and
// Col, Error.Line and Column) back into byte ranges of the source, for
// messages that quote the source with a caret under the problem. The
// readers themselves keep no byte offsets: that would cost every parse
// for the few places an issue is reported at.
type Spans struct {
	src []byte
	// starts holds the offset of each line's first byte, line 1 first;
	// built on the first question.
	starts []int
	// line, col and off are the last place found: a question further
	// along the same line starts from there, so that questions asked in
	// source order cost one pass over a line however long it is (a
	// payload of one line, as minified JSON is, can hold thousands of
	// issues).
	line, col, off int
}

// NewSpans returns the Spans of src, the bytes given to the reader (byte
// order mark included: offsets count it, columns do not, as the readers
// count them).
func NewSpans(src []byte) *Spans { return &Spans{src: src} }

// At returns the byte offset of line:col (1-based, col in characters) and
// the length of the token that starts there: a tag up to its closing '>',
// a quoted string, a number or word, a bracket, else one character. ok is
// false when the place is not in the source.
func (s *Spans) At(line, col int) (off, length int, ok bool) {
	if line < 1 || col < 1 {
		return 0, 0, false
	}
	if s.starts == nil {
		s.starts = append(s.starts, len(s.src)-len(TrimBOM(s.src)))
		for i := 0; ; {
			k := bytes.IndexByte(s.src[i:], '\n')
			if k < 0 {
				break
			}
			i += k + 1
			s.starts = append(s.starts, i)
		}
	}
	if line > len(s.starts) {
		return 0, 0, false
	}
	end := len(s.src)
	if line < len(s.starts) {
		end = s.starts[line] - 1 // the line feed
	}
	off, c := s.starts[line-1], 1
	if line == s.line && col >= s.col {
		off, c = s.off, s.col
	}
	for ; c < col; c++ {
		if off >= end {
			return 0, 0, false
		}
		_, n := utf8.DecodeRune(s.src[off:end])
		off += n
	}
	if off >= len(s.src) {
		return 0, 0, false
	}
	s.line, s.col, s.off = line, col, off
	return off, tokenLength(s.src[off:]), true
}

// tokenLength measures the token at the start of b.
func tokenLength(b []byte) int {
	switch c := b[0]; {
	case c == '<':
		// A tag ends at the first '>' outside a quoted attribute value.
		var quote byte
		for i := 1; i < len(b); i++ {
			switch {
			case quote != 0:
				if b[i] == quote {
					quote = 0
				}
			case b[i] == '"' || b[i] == '\'':
				quote = b[i]
			case b[i] == '>':
				return i + 1
			}
		}
	case c == '"':
		for i := 1; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			case '\n':
				return i
			}
		}
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		i := 1
		for i < len(b) && (b[i] == '-' || b[i] == '+' || b[i] == '.' || b[i] >= '0' && b[i] <= '9' ||
			b[i] >= 'a' && b[i] <= 'z' || b[i] >= 'A' && b[i] <= 'Z') {
			i++
		}
		return i
	default:
		_, n := utf8.DecodeRune(b)
		return n
	}
	// An unterminated tag or string runs to the end of its line.
	if i := bytes.IndexByte(b, '\n'); i > 0 {
		return i
	}
	return len(b)
}

// PlaceIssues fills in the byte range of each issue that has a place but
// no Length, from src, the payload they are about: from the Offset when
// the issue has one, else from its line and column.
func PlaceIssues(src []byte, issues []issue.Issue) {
	var s *Spans
	// Asked in source order, so that Spans.At walks each line once.
	order := make([]int, len(issues))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := &issues[order[a]], &issues[order[b]]
		return x.Line < y.Line || x.Line == y.Line && x.Column < y.Column
	})
	for _, i := range order {
		is := &issues[i]
		if is.Length != 0 || is.Line == 0 && is.Offset == 0 {
			continue
		}
		if is.Offset > 0 {
			if is.Offset < len(src) {
				is.Length = tokenLength(src[is.Offset:])
			}
			continue
		}
		if s == nil {
			s = NewSpans(src)
		}
		if off, n, ok := s.At(is.Line, is.Column); ok {
			is.Offset, is.Length = off, n
		}
	}
}

// IssueAt returns is placed on n: n's FHIR path, line and column. A nil n
// leaves is where it was.
func IssueAt(is issue.Issue, n *Node) issue.Issue {
	if n != nil {
		is.Path, is.Line, is.Column = n.Path(), n.Line, n.Col
	}
	return is
}
