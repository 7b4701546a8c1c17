package criteria

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// comp is a component being checked, with what is needed to point back into
// the raw string.
type comp struct {
	Component
	// pos[i] is the raw offset of decoded value byte i; pos[len(Value)] is
	// the raw end of the value. It maps findings inside a decoded value back
	// to the string the user wrote.
	pos []int
	// nameLen is the raw length of the name including any modifier.
	nameLen int
	// bad is set when the component could not be decoded or is empty; its
	// value checks are skipped so one mistake gives one finding.
	bad bool
}

type parser struct {
	chk     *Checker
	src     string
	crit    *Criteria
	out     Findings
	comps   []*comp
	encoded bool // a percent-encoding notice was already given
}

// add records a finding of rule id over src[off:off+length].
func (p *parser) add(id, component string, off, length int, format string, args ...any) {
	r := rulesByID[id]
	off = max(0, min(off, len(p.src)))
	length = max(0, min(length, len(p.src)-off))
	p.out = append(p.out, Finding{Issue: issue.Issue{
		Rule: id, Severity: r.Severity, Code: r.IssueType, Spine: r.SpineCode,
		Line: 1, Offset: off, Length: length, Message: fmt.Sprintf(format, args...),
	}, Component: component})
}

// addWhole records a finding about the criteria as a whole (something
// missing or contradictory).
func (p *parser) addWhole(id string, format string, args ...any) {
	p.add(id, "", 0, len(p.src), format, args...)
}

// addComp records a finding that points at a whole component.
func (p *parser) addComp(id string, c *comp, format string, args ...any) {
	p.add(id, c.Name, c.Offset, c.Length, format, args...)
}

// addValue records a finding that points at bytes [i, j) of c's decoded
// value.
func (p *parser) addValue(id string, c *comp, i, j int, format string, args ...any) {
	i = max(0, min(i, len(c.Value)))
	j = max(i, min(j, len(c.Value)))
	p.add(id, c.Name, c.pos[i], c.pos[j]-c.pos[i], format, args...)
}

// addName records a finding that points at c's name.
func (p *parser) addName(id string, c *comp, format string, args ...any) {
	p.add(id, c.Name, c.Offset, c.nameLen, format, args...)
}

// finish sorts the findings by position and fills in their columns in one
// pass, so that thousands of findings on a hostile string stay linear.
func (p *parser) finish() {
	sort.SliceStable(p.out, func(i, j int) bool { return p.out[i].Offset < p.out[j].Offset })
	at, runes := 0, 0
	for i := range p.out {
		runes += utf8.RuneCountInString(p.src[at:p.out[i].Offset])
		at = p.out[i].Offset
		p.out[i].Column = runes + 1
	}
}

func (p *parser) run() {
	s := p.src
	if len(s) > MaxLength {
		p.addWhole(RuleTooLong, "criteria is %d bytes; this checker reads at most %d", len(s), MaxLength)
		return
	}
	if strings.TrimSpace(s) == "" {
		p.addWhole(RuleEmpty, "criteria is empty; expected /Bundle?type=message&... (spec 7.3)")
		return
	}
	if !utf8.ValidString(s) {
		i := firstInvalidUTF8(s)
		p.add(RuleInvalidUTF8, "", i, 1, "byte 0x%02X at byte offset %d is not valid UTF-8; the criteria must be UTF-8 text", s[i], i)
	}

	start := len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
	end := len(strings.TrimRightFunc(s, unicode.IsSpace))
	if start > 0 {
		p.add(RuleWhitespace, "", 0, start, "criteria starts with whitespace %q; it must start with /Bundle?", s[:start])
	}
	if end < len(s) {
		p.add(RuleWhitespace, "", end, len(s)-end, "criteria ends with whitespace %q; remove it", s[end:])
	}

	body := s[start:end]
	q := strings.IndexByte(body, '?')
	if q < 0 {
		p.crit.Path = body
		p.add(RuleSyntax, "", start, len(body), "found no '?' in %q; expected the path /Bundle, '?', then name=value components joined by '&'", clip(body))
		return
	}
	p.crit.Path = body[:q]
	p.checkPath(start, body[:q])
	if q+1 == len(body) {
		p.add(RuleSyntax, "", start+q, 1, "nothing follows '?'; expected name=value components such as type=message")
	} else {
		p.split(start+q+1, end)
	}
	p.checkComponents()
}

func (p *parser) checkPath(off int, path string) {
	const want = "/Bundle"
	switch {
	case path == want:
		return
	case strings.EqualFold(path, want):
		p.add(RulePath, "", off, len(path), "path is %q; expected %q (resource names are case-sensitive)", path, want)
	case path == "Bundle":
		p.add(RulePath, "", off, len(path), "path is %q; expected %q with the leading '/'", path, want)
	case strings.HasSuffix(path, want):
		p.add(RulePath, "", off, len(path), "path is %q; expected the relative path %q, not an absolute URL", clip(path), want)
	default:
		p.add(RulePath, "", off, len(path), "path is %q; NEMS subscriptions are for message Bundles, expected %q", clip(path), want)
	}
}

// split cuts src[from:to] at each '&' and reads each piece as a component.
// Splitting happens before percent-decoding, so an encoded %26 stays inside
// its value.
func (p *parser) split(from, to int) {
	for i := from; ; {
		j := strings.IndexByte(p.src[i:to], '&')
		if j < 0 {
			p.component(i, to)
			return
		}
		p.component(i, i+j)
		i += j + 1
	}
}

func (p *parser) component(a, b int) {
	seg := p.src[a:b]
	// "&amp;" surviving in the value means XML escaping was applied to an
	// already escaped string; recover so the rest is still checked.
	if strings.HasPrefix(seg, "amp;") && a > 0 && p.src[a-1] == '&' {
		p.add(RuleXMLEscapedAmpersand, "", a-1, 5, "found \"&amp;\" in the criteria value: XML escaping was applied twice; the value must hold a plain '&' (written &amp; only inside the XML attribute)")
		a += 4
		seg = seg[4:]
	}
	if seg == "" {
		p.add(RuleEmptyComponent, "", a, 0, "empty component: a '&' at the start or end of the query, or two in a row; expected name=value")
		return
	}
	eq := strings.IndexByte(seg, '=')
	if eq < 0 {
		p.add(RuleSyntax, "", a, len(seg), "component %q has no '='; expected name=value", clip(seg))
		return
	}
	name, _, nameBad, nameEnc := p.decode(seg[:eq], a)
	value, pos, valueBad, valueEnc := p.decode(seg[eq+1:], a+eq+1)
	c := &comp{
		Component: Component{Name: name, Value: value, Offset: a, Length: len(seg), ValueOffset: a + eq + 1},
		pos:       pos,
		nameLen:   eq,
		bad:       nameBad || valueBad,
	}
	if k := strings.IndexByte(name, ':'); k >= 0 {
		c.Name, c.Modifier = name[:k], name[k+1:]
	}
	if (nameEnc || valueEnc) && !p.encoded {
		p.encoded = true
		p.addComp(RulePercentEncoded, c, "component %q uses percent-encoding; it was decoded, but the guide's examples write '|' and ':' literally and do not say whether NEMS decodes criteria (spec 7.3)", clip(seg))
	}
	p.comps = append(p.comps, c)
	p.crit.Components = append(p.crit.Components, c.Component)
}

// decode percent-decodes raw (which starts at offset base in src). '+' is
// kept as '+': criteria travel in a resource body, not a form. It returns
// the decoded text, the raw offset of each decoded byte (plus the end), and
// whether it reported a problem or saw any encoding.
func (p *parser) decode(raw string, base int) (out string, pos []int, bad, encoded bool) {
	pos = make([]int, 0, len(raw)+1)
	if strings.IndexByte(raw, '%') < 0 {
		for i := 0; i <= len(raw); i++ {
			pos = append(pos, base+i)
		}
		return raw, pos, false, false
	}
	buf := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		if raw[i] == '%' {
			if i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]) {
				buf = append(buf, unhex(raw[i+1])<<4|unhex(raw[i+2]))
				pos = append(pos, base+i)
				i += 3
				encoded = true
				continue
			}
			if !bad {
				bad = true
				n := min(3, len(raw)-i)
				p.add(RulePercentEncoding, "", base+i, n, "malformed percent-encoding %q: '%%' must be followed by two hex digits (write %%25 for a literal '%%')", raw[i:i+n])
			}
		}
		buf = append(buf, raw[i])
		pos = append(pos, base+i)
		i++
	}
	pos = append(pos, base+len(raw))
	out = string(buf)
	if !bad && utf8.ValidString(raw) && !utf8.ValidString(out) {
		bad = true
		p.add(RuleInvalidUTF8, "", base, len(raw), "%q percent-decodes to bytes that are not valid UTF-8", clip(raw))
	}
	return out, pos, bad, encoded
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

func unhex(b byte) byte {
	switch {
	case b >= 'a':
		return b - 'a' + 10
	case b >= 'A':
		return b - 'A' + 10
	}
	return b - '0'
}

func firstInvalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return 0
}

// clip shortens long text quoted in messages.
func clip(s string) string {
	const limit = 80
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
