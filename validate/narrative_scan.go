package validate

import (
	"encoding/xml"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// scanNarrative checks the narrative rules as decodeNarrative does, with a
// scanner made for the markup the parsers store in Narrative.div: plain
// well-formed XHTML. It gives up (ok false) on anything it does not fully
// understand, a DOCTYPE, an unbound prefix, a name beyond ASCII, an
// unknown entity or markup that is not well-formed, and the caller then
// asks encoding/xml, so that both paths always give the same answer.
func scanNarrative(div string) (problems []narrativeProblem, ok bool) {
	txt1 := func(msg string) { problems = append(problems, narrativeProblem{"txt-1", msg}) }
	var seen map[string]bool
	first := func(key string) bool {
		if seen[key] {
			return false
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[key] = true
		return true
	}
	// Namespace bindings in scope: prefix ("" for the default) -> URL,
	// with the number each element declared, to undo at its end tag.
	var bindings []nsBinding
	var declared []int
	var open []string // names of the elements not yet closed
	hasText := false
	depth, i := 0, 0
	for i < len(div) {
		if div[i] != '<' {
			j := strings.IndexByte(div[i:], '<')
			if j < 0 {
				j = len(div) - i
			}
			text := div[i : i+j]
			if depth == 0 && strings.TrimSpace(text) != "" {
				return nil, false // text outside the root
			}
			nonSpace, ok := textHasContent(text)
			if !ok {
				return nil, false
			}
			hasText = hasText || nonSpace
			i += j
			continue
		}
		rest := div[i:]
		switch {
		case strings.HasPrefix(rest, "</"):
			name, j := scanName(rest, 2)
			for j < len(rest) && isXMLSpace(rest[j]) {
				j++
			}
			if depth == 0 || name != open[len(open)-1] || j >= len(rest) || rest[j] != '>' {
				return nil, false
			}
			depth--
			open = open[:len(open)-1]
			bindings = bindings[:len(bindings)-declared[len(declared)-1]]
			declared = declared[:len(declared)-1]
			i += j + 1
		case strings.HasPrefix(rest, "<!--"):
			j := strings.Index(rest[4:], "-->")
			if j < 0 || strings.Contains(rest[4:4+j], "--") || strings.HasSuffix(rest[4:4+j], "-") || !validChars(rest[4:4+j]) {
				return nil, false
			}
			i += 4 + j + 3
		case strings.HasPrefix(rest, "<![CDATA["):
			j := strings.Index(rest[9:], "]]>")
			if j < 0 || depth == 0 || !validChars(rest[9:9+j]) {
				return nil, false
			}
			if strings.TrimSpace(rest[9:9+j]) != "" {
				hasText = true
			}
			i += 9 + j + 3
		case strings.HasPrefix(rest, "<?"), strings.HasPrefix(rest, "<!"):
			return nil, false // processing instructions and declarations
		default:
			t, n, ok := scanStartTag(rest)
			if !ok || (depth == 0 && i > 0 && strings.TrimSpace(div[:i]) != "" && !onlyProlog(div[:i])) {
				return nil, false
			}
			// Bind this element's declarations, then resolve its name.
			added := 0
			for _, a := range t.attrs {
				switch {
				case a.name == "xmlns":
					bindings = append(bindings, nsBinding{"", a.value})
					added++
				case strings.HasPrefix(a.name, "xmlns:"):
					if a.value == "" {
						return nil, false
					}
					bindings = append(bindings, nsBinding{a.name[6:], a.value})
					added++
				}
			}
			space, local, ok := resolveName(t.name, bindings)
			if !ok {
				return nil, false
			}
			if depth == 0 {
				if local != "div" || space != xhtmlNamespace {
					txt1("narrative root is <" + local + "> in namespace " + quoteNS(space) + ": expected <div> in " + xhtmlNamespace)
				}
			} else if space != xhtmlNamespace && first("ns:"+space) {
				txt1("narrative element <" + local + "> is in namespace " + quoteNS(space) + ": only XHTML is allowed")
			}
			if forbiddenNarrativeElements[local] && first(local) {
				txt1("narrative holds a <" + local + "> element, which STU3 narrative does not allow")
			}
			if local == "img" || local == "a" {
				hasText = true // an image or link is content
			}
			for _, a := range t.attrs {
				if strings.Contains(a.name, ":") || a.name == "xmlns" {
					continue // prefixed attributes have a namespace
				}
				if strings.HasPrefix(strings.ToLower(a.name), "on") && first("@"+a.name) {
					txt1("narrative uses the event attribute " + a.name + " on <" + local + ">, which STU3 narrative does not allow")
				}
			}
			if t.empty {
				bindings = bindings[:len(bindings)-added]
			} else {
				depth++
				open = append(open, t.name)
				declared = append(declared, added)
			}
			i += n
		}
	}
	if depth != 0 {
		return nil, false
	}
	if !hasText {
		problems = append(problems, narrativeProblem{"txt-2", "narrative div has no text: it must hold some non-whitespace content"})
	}
	return problems, true
}

// onlyProlog reports whether s holds nothing but comments and white
// space, which may come before the root.
func onlyProlog(s string) bool {
	for {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			return true
		case strings.HasPrefix(s, "<!--"):
			j := strings.Index(s, "-->")
			if j < 0 {
				return false
			}
			s = s[j+3:]
		default:
			return false
		}
	}
}

type nsBinding struct{ prefix, url string }

type scannedAttr struct{ name, value string }

type scannedTag struct {
	name  string
	attrs []scannedAttr
	empty bool // <br/>
}

// scanStartTag reads the start tag at the beginning of s and returns it
// with its length in bytes.
func scanStartTag(s string) (t scannedTag, n int, ok bool) {
	i := 1
	name, i := scanName(s, i)
	if name == "" {
		return t, 0, false
	}
	t.name = name
	for {
		j := i
		for j < len(s) && isXMLSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			return t, 0, false
		}
		switch {
		case s[j] == '>':
			return t, j + 1, true
		case strings.HasPrefix(s[j:], "/>"):
			t.empty = true
			return t, j + 2, true
		case j == i:
			return t, 0, false // attributes must be separated by space
		}
		var attr string
		attr, j = scanName(s, j)
		if k := strings.IndexByte(attr, ':'); attr == "" || k == 0 || k == len(attr)-1 || k >= 0 && strings.Count(attr, ":") > 1 {
			return t, 0, false
		}
		for j < len(s) && isXMLSpace(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != '=' {
			return t, 0, false
		}
		j++
		for j < len(s) && isXMLSpace(s[j]) {
			j++
		}
		if j >= len(s) || (s[j] != '"' && s[j] != '\'') {
			return t, 0, false
		}
		q := s[j]
		end := strings.IndexByte(s[j+1:], q)
		if end < 0 {
			return t, 0, false
		}
		value := s[j+1 : j+1+end]
		if strings.IndexByte(value, '<') >= 0 || !validChars(value) {
			return t, 0, false
		}
		if strings.HasPrefix(attr, "xmlns") && strings.ContainsAny(value, "\t\r\n") {
			return t, 0, false // encoding/xml rewrites line ends in values
		}
		if strings.IndexByte(value, '&') >= 0 {
			// Only a namespace declaration's value is used, and that is
			// left to encoding/xml; any other must just decode.
			if strings.HasPrefix(attr, "xmlns") {
				return t, 0, false
			}
			if _, ok := textHasContent(value); !ok {
				return t, 0, false
			}
		}
		for _, a := range t.attrs {
			if a.name == attr {
				return t, 0, false // duplicate attribute
			}
		}
		t.attrs = append(t.attrs, scannedAttr{attr, value})
		i = j + 1 + end + 1
	}
}

// scanName reads an ASCII XML name at s[i:]; "" when there is none.
func scanName(s string, i int) (string, int) {
	start := i
	for i < len(s) {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if letter || i > start && (c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':') {
			i++
			continue
		}
		break
	}
	return s[start:i], i
}

// resolveName splits a qualified name and finds its namespace.
func resolveName(qname string, bindings []nsBinding) (space, local string, ok bool) {
	prefix, local := "", qname
	if k := strings.IndexByte(qname, ':'); k >= 0 {
		prefix, local = qname[:k], qname[k+1:]
		if prefix == "" || local == "" || strings.Contains(local, ":") {
			return "", "", false
		}
	}
	for k := len(bindings) - 1; k >= 0; k-- {
		if bindings[k].prefix == prefix {
			return bindings[k].url, local, true
		}
	}
	if prefix != "" {
		return "", "", false // unbound prefix
	}
	return "", local, true
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// textHasContent reports whether character data holds anything but white
// space once its references are decoded; ok is false for a reference it
// does not know or markup characters that cannot stand in text.
func textHasContent(text string) (nonSpace, ok bool) {
	for i := 0; i < len(text); {
		c := text[i]
		if c == '&' {
			j := strings.IndexByte(text[i:], ';')
			if j < 0 {
				return false, false
			}
			r, known := entityRune(text[i+1 : i+j])
			if !known {
				return false, false
			}
			if !unicode.IsSpace(r) {
				nonSpace = true
			}
			i += j + 1
			continue
		}
		if c == ']' && strings.HasPrefix(text[i:], "]]>") {
			return false, false
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size <= 1 || !xmlChar(r) {
			return false, false
		}
		if !unicode.IsSpace(r) {
			nonSpace = true
		}
		i += size
	}
	return nonSpace, true
}

// entityRune decodes the name of a reference (between & and ;) when it
// stands for one character: the XML entities, the HTML ones encoding/xml
// knows, and character references.
func entityRune(name string) (rune, bool) {
	switch name {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if num, ok := strings.CutPrefix(name, "#"); ok {
		base := 10
		if hex, ok := strings.CutPrefix(num, "x"); ok {
			num, base = hex, 16
		}
		if num == "" || len(num) > 8 {
			return 0, false
		}
		v, err := strconv.ParseUint(num, base, 32)
		if err != nil || !xmlChar(rune(v)) {
			return 0, false
		}
		return rune(v), true
	}
	v, ok := xml.HTMLEntity[name]
	if !ok || utf8.RuneCountInString(v) != 1 {
		return 0, false
	}
	r, _ := utf8.DecodeRuneInString(v)
	return r, true
}

// validChars reports whether s is UTF-8 made of characters XML allows.
func validChars(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !xmlChar(r) {
			return false
		}
	}
	return true
}

func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
