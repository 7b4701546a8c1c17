package transform

// This file knows the media types of the two NEMS APIs (spec section 2) and
// negotiates a response type from Accept and _format.
//
// The NEMS guide lists exact values and says nothing about how they are
// matched (spec 2.3). The choices made here, each documented where it is
// made, are:
//
//   - type, subtype, parameter names and the charset value are matched
//     case-insensitively (HTTP and RFC 2046 rules); a quoted charset
//     ("utf-8" in quotes) equals the bare token;
//   - optional whitespace is allowed around ";" and at both ends, not around
//     "=" (RFC 9110 has none there);
//   - the only charset accepted is utf-8: NEMS lists no other and Spine
//     always answers in UTF-8, so iso-8859-1, us-ascii or "utf8" are
//     unsupported rather than silently re-coded;
//   - any parameter other than charset (fhirVersion, version, ...) makes a
//     Content-Type unsupported, because NEMS lists none;
//   - an unsupported or malformed value is a *MediaTypeError; Spine answers
//     such a request with HTTP 415 and the Spine code UNSUPPORTED_MEDIA_TYPE.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Format is a FHIR wire format.
type Format int

// The two formats NEMS uses. The zero Format is not a format.
const (
	XML Format = iota + 1
	JSON
)

// String returns "xml" or "json".
func (f Format) String() string {
	switch f {
	case XML:
		return "xml"
	case JSON:
		return "json"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Ext returns the usual file extension of the format, with its dot.
func (f Format) Ext() string {
	switch f {
	case XML:
		return ".xml"
	case JSON:
		return ".json"
	}
	return ""
}

// MediaType is one of the eight media types NEMS lists: a format, named the
// STU3 way (application/fhir+xml) or the legacy DSTU2 way
// (application/xml+fhir), with or without ";charset=utf-8".
//
// MediaType values are comparable with ==.
type MediaType struct {
	Format Format
	// Legacy is set for the DSTU2-style names application/xml+fhir and
	// application/json+fhir, which NEMS still accepts.
	Legacy bool
	// Charset is set when the value carries charset=utf-8, the only charset
	// accepted.
	Charset bool
}

// The eight NEMS media types, by name.
var (
	FHIRXML        = MediaType{Format: XML}
	FHIRXMLUTF8    = MediaType{Format: XML, Charset: true}
	LegacyXML      = MediaType{Format: XML, Legacy: true}
	LegacyXMLUTF8  = MediaType{Format: XML, Legacy: true, Charset: true}
	FHIRJSON       = MediaType{Format: JSON}
	FHIRJSONUTF8   = MediaType{Format: JSON, Charset: true}
	LegacyJSON     = MediaType{Format: JSON, Legacy: true}
	LegacyJSONUTF8 = MediaType{Format: JSON, Legacy: true, Charset: true}
)

// String returns the canonical spelling of m, lower case without spaces,
// e.g. "application/xml+fhir;charset=utf-8". It is the spelling NEMS lists.
func (m MediaType) String() string {
	if m.Format != XML && m.Format != JSON {
		return "MediaType(invalid)"
	}
	s := m.typeSubtype()
	if m.Charset {
		s += ";charset=utf-8"
	}
	return s
}

// typeSubtype returns the media type without parameters.
func (m MediaType) typeSubtype() string {
	f := m.Format.String()
	if m.Legacy {
		return "application/" + f + "+fhir"
	}
	return "application/fhir+" + f
}

// MediaTypes returns the eight media types NEMS lists, in preference order
// (see API.Allowed).
func MediaTypes() []MediaType {
	return []MediaType{
		LegacyXMLUTF8, LegacyXML, FHIRXMLUTF8, FHIRXML,
		LegacyJSONUTF8, LegacyJSON, FHIRJSONUTF8, FHIRJSON,
	}
}

// API is one of the two NEMS APIs, which accept different media types.
type API int

// The NEMS APIs. The zero API is not an API.
const (
	// Publication is POST .../Events/1/$process-message: XML only.
	Publication API = iota + 1
	// Subscription is create, read and delete of Subscription: XML and
	// JSON.
	Subscription
)

// String returns "publication" or "subscription".
func (a API) String() string {
	switch a {
	case Publication:
		return "publication"
	case Subscription:
		return "subscription"
	}
	return "API(" + strconv.Itoa(int(a)) + ")"
}

// Allowed returns the media types the API accepts in Content-Type and
// Accept (spec 2.1 and 2.2): the four XML types for Publication, all eight
// for Subscription. The slice is fresh on each call.
//
// The order is the order of preference used by Negotiate when the client
// leaves the choice open: the default first, then each type with charset
// before the same type without, legacy names before STU3 names (the NEMS
// default is the legacy name), XML before JSON.
func (a API) Allowed() []MediaType {
	all := MediaTypes()
	switch a {
	case Publication:
		return all[:4]
	case Subscription:
		return all
	}
	return nil
}

// Default returns the media type NEMS assumes when a request names none:
// application/xml+fhir;charset=utf-8 for both APIs (spec 2.1, 2.2).
//
// Spine Core's generic default is JSON; NEMS, the more specific source,
// says XML, and that is what is followed here (spec 10, item 7).
func (a API) Default() MediaType { return LegacyXMLUTF8 }

// Allows reports whether the API accepts m.
func (a API) Allows(m MediaType) bool {
	for _, t := range a.Allowed() {
		if t == m {
			return true
		}
	}
	return false
}

// preferred returns the type Negotiate answers with when a client asks for
// a format without naming an exact type (_format=json, Accept: */*): the
// default's spelling, legacy with charset, in format f.
func preferred(f Format) MediaType {
	return MediaType{Format: f, Legacy: true, Charset: true}
}

// ErrUnsupportedMediaType is matched by errors.Is for every *MediaTypeError.
var ErrUnsupportedMediaType = errors.New("unsupported media type")

// MediaTypeError reports a Content-Type, Accept or _format value that is
// malformed or names no media type the API accepts. Spine answers such a
// request with HTTP 415 and the Spine code UNSUPPORTED_MEDIA_TYPE.
type MediaTypeError struct {
	// Header is what the value came from: "Content-Type", "Accept" or
	// "_format".
	Header string
	// Value is the value as given.
	Value string
	// API is the API the value was checked for; zero when the value was
	// only parsed (ParseMediaType, ParseAccept, ParseFormatParam).
	API API
	// Reason says what is wrong, e.g. "charset iso-8859-1 is not utf-8".
	Reason string
}

func (e *MediaTypeError) Error() string {
	var b strings.Builder
	b.WriteString(e.Header)
	fmt.Fprintf(&b, " %q: %s", e.Value, e.Reason)
	accepted := MediaTypes()
	if e.API != 0 {
		b.WriteString(" for the NEMS " + e.API.String() + " API")
		accepted = e.API.Allowed()
	}
	b.WriteString("; accepted are ")
	for i, m := range accepted {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.String())
	}
	if e.Header == "_format" {
		b.WriteString(" (and for _format also xml, json, text/xml, application/xml, application/json)")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrUnsupportedMediaType) true.
func (e *MediaTypeError) Is(target error) bool { return target == ErrUnsupportedMediaType }

// ParseMediaType parses a Content-Type value into one of the eight NEMS
// media types. It does not check which API accepts it: see API.ContentType.
// Anything else, including application/xml and application/json, a
// charset other than utf-8, another parameter, or a malformed value, is a
// *MediaTypeError.
func ParseMediaType(s string) (MediaType, error) {
	return parseMediaType("Content-Type", s, s)
}

// parseMediaType does ParseMediaType for a value v that came from header
// (the full header value is raw, for the error).
func parseMediaType(header, raw, v string) (MediaType, error) {
	fail := func(reason string) (MediaType, error) {
		return MediaType{}, &MediaTypeError{Header: header, Value: raw, Reason: reason}
	}
	r, rest, err := parseRange(v)
	if err != nil {
		return fail(err.Error())
	}
	if rest != "" {
		return fail("more than one media type")
	}
	if r.Type == "*" || r.Subtype == "*" {
		return fail("a wildcard is not a media type")
	}
	if r.Q >= 0 {
		return fail("a q parameter is not allowed here")
	}
	m, ok := fhirType(r.Type, r.Subtype)
	if !ok {
		return fail("not a FHIR media type")
	}
	if reason := checkParams(r); reason != "" {
		return fail(reason)
	}
	m.Charset = r.Charset != ""
	return m, nil
}

// checkParams returns why the parameters of r are not acceptable, or "".
func checkParams(r AcceptRange) string {
	if r.Charset != "" && r.Charset != "utf-8" {
		return "charset " + r.Charset + " is not utf-8"
	}
	if len(r.Other) > 0 {
		return "parameter " + r.Other[0] + " is not allowed"
	}
	return ""
}

// fhirType maps a lower-case type/subtype to the FHIR media type it names.
func fhirType(typ, sub string) (MediaType, bool) {
	if typ != "application" {
		return MediaType{}, false
	}
	switch sub {
	case "fhir+xml":
		return FHIRXML, true
	case "fhir+json":
		return FHIRJSON, true
	case "xml+fhir":
		return LegacyXML, true
	case "json+fhir":
		return LegacyJSON, true
	}
	return MediaType{}, false
}

// ContentType checks the Content-Type of a request to the API. An empty
// value (no header) gives Default, as NEMS does; otherwise the value must
// parse with ParseMediaType and be allowed by the API, so JSON sent to the
// publication API is a *MediaTypeError naming the XML types.
func (a API) ContentType(s string) (MediaType, error) {
	if strings.TrimSpace(s) == "" {
		return a.Default(), nil
	}
	m, err := ParseMediaType(s)
	if err != nil {
		err.(*MediaTypeError).API = a
		return MediaType{}, err
	}
	if !a.Allows(m) {
		return MediaType{}, &MediaTypeError{Header: "Content-Type", Value: s, API: a,
			Reason: m.Format.String() + " is not accepted"}
	}
	return m, nil
}

// ParseFormatParam parses the value of the _format query parameter, after
// URL decoding. It accepts what FHIR STU3 lists (xml, text/xml,
// application/xml, application/fhir+xml; json, application/json,
// application/fhir+json), the legacy names, and a charset=utf-8 parameter
// on any of the full forms, all case-insensitively.
//
// An exact NEMS media type is returned as given; the other forms return the
// format's preferred type, application/xml+fhir;charset=utf-8 or
// application/json+fhir;charset=utf-8, following the NEMS default's
// spelling.
//
// A space in place of the "+" is read as "+": form decoding of a query
// string (url.ParseQuery) turns an unescaped "+" into a space, and clients
// seldom escape it.
func ParseFormatParam(s string) (MediaType, error) {
	fail := func(reason string) (MediaType, error) {
		return MediaType{}, &MediaTypeError{Header: "_format", Value: s, Reason: reason}
	}
	v := strings.TrimSpace(s)
	switch strings.ToLower(v) {
	case "xml":
		return preferred(XML), nil
	case "json":
		return preferred(JSON), nil
	case "":
		return fail("empty value")
	}
	if !strings.Contains(v, "/") {
		// A short name other than xml and json (ttl, html, yaml).
		return fail("not a FHIR format")
	}
	v = strings.ToLower(v)
	v = strings.ReplaceAll(v, "fhir ", "fhir+")
	v = strings.ReplaceAll(v, " fhir", "+fhir")
	r, rest, err := parseRange(v)
	if err != nil {
		return fail(err.Error())
	}
	if rest != "" {
		return fail("more than one media type")
	}
	if r.Q >= 0 {
		return fail("a q parameter is not allowed here")
	}
	if reason := checkParams(r); reason != "" {
		return fail(reason)
	}
	if m, ok := fhirType(r.Type, r.Subtype); ok {
		m.Charset = r.Charset != ""
		return m, nil
	}
	switch r.Type + "/" + r.Subtype {
	case "application/xml", "text/xml":
		return preferred(XML), nil
	case "application/json":
		return preferred(JSON), nil
	}
	return fail("not a FHIR format")
}

// AcceptRange is one media range of an Accept header.
type AcceptRange struct {
	// Type and Subtype are lower case; either may be "*".
	Type, Subtype string
	// Charset is the lower-case charset parameter, "" when absent.
	Charset string
	// Other holds the names of the other media-type parameters (before
	// q), lower case, in order.
	Other []string
	// Q is the weight, 0 to 1; 1 when absent. (In a Content-Type value,
	// which has no weight, it is -1.)
	Q float64
}

// String returns the range as type/subtype with its charset and weight.
func (r AcceptRange) String() string {
	s := r.Type + "/" + r.Subtype
	if r.Charset != "" {
		s += ";charset=" + r.Charset
	}
	if r.Q >= 0 && r.Q != 1 {
		s += ";q=" + strconv.FormatFloat(r.Q, 'f', -1, 64)
	}
	return s
}

// ParseAccept parses an Accept header value into its media ranges, in the
// order given. Any syntax error (a range without a subtype, a bad q-value,
// an unterminated quote, ...) makes the whole header a *MediaTypeError:
// a validator should tell a client its header is broken rather than guess.
// Empty list elements ("a, , b") are allowed, as HTTP allows them. Ranges
// that name no FHIR type are kept: Negotiate ignores them.
func ParseAccept(s string) ([]AcceptRange, error) {
	fail := func(reason string) ([]AcceptRange, error) {
		return nil, &MediaTypeError{Header: "Accept", Value: s, Reason: reason}
	}
	var out []AcceptRange
	rest := s
	for {
		rest = trimOWS(rest)
		if rest == "" {
			break
		}
		if rest[0] == ',' {
			rest = rest[1:]
			continue
		}
		r, next, err := parseRange(rest)
		if err != nil {
			return fail(err.Error())
		}
		if r.Type == "*" && r.Subtype != "*" {
			return fail("*/" + r.Subtype + " is not a media range")
		}
		if r.Q < 0 {
			r.Q = 1
		}
		out = append(out, r)
		rest = next
	}
	if len(out) == 0 {
		return fail("no media range")
	}
	return out, nil
}

// parseRange parses type "/" subtype and its parameters from the start of
// s, up to a comma or the end. It returns the rest of s from that comma,
// or "" at the end. Q is -1 when there is no q parameter; parameters
// after q (accept extensions) are checked for syntax and dropped.
func parseRange(s string) (AcceptRange, string, error) {
	r := AcceptRange{Q: -1}
	s = trimOWS(s)
	typ, s := token(s)
	if typ == "" {
		if s == "" {
			return r, "", errors.New("empty value")
		}
		return r, "", fmt.Errorf("unexpected %q where a media type starts", s[:1])
	}
	if s == "" || s[0] != '/' {
		return r, "", errors.New("no \"/\" after " + typ)
	}
	sub, s := token(s[1:])
	if sub == "" {
		return r, "", errors.New("no subtype after " + typ + "/")
	}
	r.Type, r.Subtype = strings.ToLower(typ), strings.ToLower(sub)
	seen := map[string]bool{}
	for {
		s = trimOWS(s)
		if s == "" {
			return r, "", nil
		}
		if s[0] == ',' {
			return r, s, nil
		}
		if s[0] != ';' {
			return r, "", fmt.Errorf("unexpected %q after %s/%s", s[:1], typ, sub)
		}
		s = trimOWS(s[1:])
		if s == "" || s[0] == ';' || s[0] == ',' {
			// RFC 9110 allows empty parameters ("a/b;" or "a/b;;c=d").
			continue
		}
		var name, value string
		name, s = token(s)
		if name == "" {
			return r, "", fmt.Errorf("unexpected %q where a parameter name starts", s[:1])
		}
		if s == "" || s[0] != '=' {
			return r, "", errors.New("parameter " + name + " has no \"=value\"")
		}
		s = s[1:]
		var err error
		if value, s, err = paramValue(s); err != nil {
			return r, "", fmt.Errorf("parameter %s: %v", name, err)
		}
		name = strings.ToLower(name)
		if r.Q >= 0 {
			continue // accept extension: syntax only
		}
		if seen[name] {
			return r, "", errors.New("parameter " + name + " appears twice")
		}
		seen[name] = true
		switch name {
		case "q":
			q, ok := parseQ(value)
			if !ok {
				return r, "", fmt.Errorf("q-value %q is not a number from 0 to 1 with up to three decimals", value)
			}
			r.Q = q
		case "charset":
			r.Charset = strings.ToLower(value)
		default:
			r.Other = append(r.Other, name)
		}
	}
}

// paramValue reads a token or a quoted string from the start of s.
func paramValue(s string) (value, rest string, err error) {
	if s != "" && s[0] == '"' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch c := s[i]; {
			case c == '"':
				return b.String(), s[i+1:], nil
			case c == '\\':
				if i+1 == len(s) {
					return "", "", errors.New("unterminated quoted string")
				}
				i++
				b.WriteByte(s[i])
			case c < 0x20 && c != '\t' || c == 0x7f:
				return "", "", errors.New("control character in quoted string")
			default:
				b.WriteByte(c)
			}
		}
		return "", "", errors.New("unterminated quoted string")
	}
	value, rest = token(s)
	if value == "" {
		return "", "", errors.New("empty value")
	}
	return value, rest, nil
}

// parseQ parses an RFC 9110 qvalue: "0" or "1", optionally followed by a
// dot and up to three digits, never above 1.
func parseQ(v string) (float64, bool) {
	if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
		return 0, false
	}
	if len(v) > 1 {
		if v[1] != '.' {
			return 0, false
		}
		for i := 2; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' || (v[0] == '1' && v[i] != '0') {
				return 0, false
			}
		}
	}
	q, err := strconv.ParseFloat(v, 64)
	return q, err == nil
}

// token splits the longest RFC 9110 token from the start of s.
func token(s string) (tok, rest string) {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// trimOWS removes spaces and tabs at both ends.
func trimOWS(s string) string { return strings.Trim(s, " \t") }

// Negotiate picks the media type of a response from the API, the request's
// Accept header and its _format query parameter (either may be "").
//
// As in Spine Core, _format wins over Accept; it is read with
// ParseFormatParam and must name a format the API accepts. With no _format
// the Accept ranges are weighed as HTTP says: each allowed type gets the q
// of the most specific range that matches it (an exact type with the same
// charset, then the exact type, then application/*, then */*), a q of 0
// rules a type out, and the type with the highest q wins. Ties go to the
// type whose range is more specific, then to the range listed first, then
// to the order of API.Allowed, so "application/fhir+json" gives
// application/fhir+json;charset=utf-8 and "*/*" gives the default. Ranges
// of other types (text/html, application/json, ...) are ignored.
//
// With neither, the result is API.Default. Spine Core would answer in the
// request's Content-Type instead; a server that wants that passes the
// Content-Type as accept when the request has no Accept header.
//
// When nothing acceptable is left the error is a *MediaTypeError listing
// the API's types.
func Negotiate(api API, accept, format string) (MediaType, error) {
	if api != Publication && api != Subscription {
		return MediaType{}, fmt.Errorf("transform: Negotiate: unknown API %d", int(api))
	}
	if strings.TrimSpace(format) != "" {
		m, err := ParseFormatParam(format)
		if err != nil {
			err.(*MediaTypeError).API = api
			return MediaType{}, err
		}
		if !api.Allows(m) {
			return MediaType{}, &MediaTypeError{Header: "_format", Value: format, API: api,
				Reason: m.Format.String() + " is not accepted"}
		}
		return m, nil
	}
	if strings.Trim(accept, " \t,") == "" {
		return api.Default(), nil
	}
	ranges, err := ParseAccept(accept)
	if err != nil {
		err.(*MediaTypeError).API = api
		return MediaType{}, err
	}
	best, found := MediaType{}, false
	var bestQ float64
	bestLevel, bestPos := 0, 0
	for _, m := range api.Allowed() {
		q, level, pos := weigh(ranges, m)
		if level == 0 || q == 0 {
			continue
		}
		if !found || q > bestQ || q == bestQ && (level > bestLevel || level == bestLevel && pos < bestPos) {
			best, found, bestQ, bestLevel, bestPos = m, true, q, level, pos
		}
	}
	if !found {
		return MediaType{}, &MediaTypeError{Header: "Accept", Value: accept, API: api,
			Reason: "names no media type the API accepts"}
	}
	return best, nil
}

// weigh finds the most specific range matching m and returns its q, how
// specific it is (0 when none matches, 1 for */* up to 4 for the exact type
// with the same charset) and its index in ranges.
func weigh(ranges []AcceptRange, m MediaType) (q float64, level, pos int) {
	want := m.typeSubtype()
	for i, r := range ranges {
		l := 0
		switch {
		case len(r.Other) > 0:
			// A parameter NEMS does not know (fhirVersion=4.0, ...) asks
			// for something this service does not produce.
		case r.Type == "*" && r.Subtype == "*":
			l = 1
		case r.Type == "application" && r.Subtype == "*":
			l = 2
		case r.Type+"/"+r.Subtype != want:
		case r.Charset == "":
			l = 3
		case r.Charset == "utf-8" && m.Charset:
			l = 4
		}
		if l == 0 || r.Charset != "" && r.Charset != "utf-8" {
			continue
		}
		if l > level {
			q, level, pos = r.Q, l, i
		}
	}
	return q, level, pos
}
