package tree

import (
	"bytes"
	"encoding/binary"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// MaxErrors is how many errors a parser collects before it gives up on a
// payload; past that point more messages rarely help.
const MaxErrors = 100

// Error is a problem found at a place in the source ([issue.Error]). The
// same type carries warnings in Document.Warnings.
type Error = issue.Error

// ErrorList is the errors of one payload ([issue.ErrorList]).
type ErrorList = issue.ErrorList

// errorAt returns the error msg at line:col, about the element at path.
func errorAt(line, col int, path, msg string) *Error {
	return &Error{Issue: issue.Issue{Line: line, Column: col, Path: path, Message: msg}}
}

// errs collects errors and remembers whether parsing can go on.
type errs struct {
	list  ErrorList
	fatal bool // the input cannot be read further
}

func (c *errs) add(line, col int, path, msg string) {
	if len(c.list) >= MaxErrors {
		c.fatal = true
		return
	}
	c.list = append(c.list, errorAt(line, col, path, msg))
	if len(c.list) == MaxErrors {
		stop := errorAt(line, col, "", "too many errors; stopped")
		stop.Fatal = true
		c.list = append(c.list, stop)
		c.fatal = true
	}
}

func (c *errs) stop(line, col int, path, msg string) {
	n := len(c.list)
	c.add(line, col, path, msg)
	if len(c.list) > n {
		c.list[n].Fatal = true
	}
	c.fatal = true
}

func (c *errs) err() error {
	if len(c.list) == 0 {
		return nil
	}
	return c.list
}

// position turns byte offsets into line and column; it is the one place
// the XML reader asks where something is, for nodes and problems alike.
// It remembers the last place it worked out and counts on from there. The
// reader moves it to the start of each token's line from the line feeds
// the scanner counted on its way (sync), so that placing a start tag
// counts only the characters before it on its own line.
type position struct {
	src []byte
	// off is the last place worked out: line and col are its line and
	// column.
	off, line, col int
	// tok is where the current token starts, and tokLine the start of
	// its line: no line feed lies between the two.
	tok, tokLine int
}

func newPosition(src []byte) position { return position{src: src, line: 1, col: 1} }

// sync records the start of the next token, tok, with what the scanner
// knows there: lines, the line feeds before it, and lineStart, the offset
// after the last of them.
func (p *position) sync(tok, lines, lineStart int) {
	p.tok, p.tokLine = tok, lineStart
	if p.off < lineStart {
		p.off, p.line, p.col = lineStart, lines+1, 1
	}
}

// at returns the line and column of off.
func (p *position) at(off int) (line, col int) {
	if off > len(p.src) {
		off = len(p.src)
	}
	switch {
	case p.tokLine <= p.off && p.off <= off && off <= p.tok:
		// On the current token's line, at or before its start: the usual
		// question, and no line feed to look for.
		p.col += charCount(p.src[p.off:off])
	case off < p.off:
		// Back to an earlier place (an element's start, asked after its
		// content was read): count back to it, not forward from the start
		// of the input.
		seg := p.src[off:p.off]
		if nl := bytes.Count(seg, newline); nl > 0 {
			p.line -= nl
			ls := bytes.LastIndexByte(p.src[:off], '\n') + 1
			p.col = 1 + charCount(p.src[ls:off])
		} else {
			p.col -= charCount(seg)
		}
	default:
		seg := p.src[p.off:off]
		if nl := bytes.Count(seg, newline); nl > 0 {
			p.line += nl
			p.col = 1
			seg = seg[bytes.LastIndexByte(seg, '\n')+1:]
		}
		p.col += charCount(seg)
	}
	p.off = off
	return p.line, p.col
}

// charCount counts the bytes of b that start a character: all but UTF-8
// continuation bytes, so that malformed UTF-8 counts as it always has.
func charCount(b []byte) int {
	n := len(b)
	for len(b) >= 8 {
		// Eight ASCII bytes at a time: no continuation bytes among them.
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			for _, c := range b[:8] {
				if c&0xC0 == 0x80 {
					n--
				}
			}
		}
		b = b[8:]
	}
	for _, c := range b {
		if c&0xC0 == 0x80 {
			n--
		}
	}
	return n
}

var newline = []byte{'\n'}
