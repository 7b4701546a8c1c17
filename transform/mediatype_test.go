package transform

import (
	"errors"
	"strings"
	"testing"
)

// nemsValues are the eight values of spec section 2, as NEMS spells them.
var nemsValues = map[string]MediaType{
	"application/fhir+xml":                FHIRXML,
	"application/fhir+xml;charset=utf-8":  FHIRXMLUTF8,
	"application/xml+fhir":                LegacyXML,
	"application/xml+fhir;charset=utf-8":  LegacyXMLUTF8,
	"application/fhir+json":               FHIRJSON,
	"application/fhir+json;charset=utf-8": FHIRJSONUTF8,
	"application/json+fhir":               LegacyJSON,
	"application/json+fhir;charset=utf-8": LegacyJSONUTF8,
}

func TestMediaTypeStringRoundTrip(t *testing.T) {
	if len(MediaTypes()) != 8 {
		t.Fatalf("MediaTypes() has %d types, want 8", len(MediaTypes()))
	}
	for s, want := range nemsValues {
		if got := want.String(); got != s {
			t.Errorf("%#v.String() = %q, want %q", want, got, s)
		}
		got, err := ParseMediaType(s)
		if err != nil || got != want {
			t.Errorf("ParseMediaType(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, m := range MediaTypes() {
		if _, ok := nemsValues[m.String()]; !ok {
			t.Errorf("MediaTypes() holds %q, which NEMS does not list", m)
		}
	}
}

func TestParseMediaType(t *testing.T) {
	ok := []struct {
		in   string
		want MediaType
	}{
		// Case and whitespace (spec 2.3: unspecified; HTTP rules applied).
		{"Application/FHIR+XML", FHIRXML},
		{"APPLICATION/JSON+FHIR; CHARSET=UTF-8", LegacyJSONUTF8},
		{"application/fhir+json; charset=utf-8", FHIRJSONUTF8},
		{"application/fhir+json ;charset=utf-8", FHIRJSONUTF8},
		{"  application/xml+fhir\t;\tcharset=UTF-8  ", LegacyXMLUTF8},
		{"application/fhir+xml;charset=\"utf-8\"", FHIRXMLUTF8},
		{"application/fhir+xml;charset=\"ut\\f-8\"", FHIRXMLUTF8},
		// Empty parameters are allowed by RFC 9110.
		{"application/fhir+xml;", FHIRXML},
		{"application/fhir+xml;;charset=utf-8", FHIRXMLUTF8},
	}
	for _, c := range ok {
		got, err := ParseMediaType(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseMediaType(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}

	bad := []struct {
		in, reason string
	}{
		// Other charsets: only utf-8 is accepted (decision, see mediatype.go).
		{"application/fhir+xml;charset=iso-8859-1", "charset iso-8859-1 is not utf-8"},
		{"application/fhir+json;charset=ISO-8859-1", "charset iso-8859-1 is not utf-8"},
		{"application/fhir+xml;charset=us-ascii", "charset us-ascii is not utf-8"},
		{"application/fhir+xml;charset=utf-16", "charset utf-16 is not utf-8"},
		{"application/fhir+xml;charset=utf8", "charset utf8 is not utf-8"},
		// Types NEMS does not list.
		{"application/xml", "not a FHIR media type"},
		{"application/json", "not a FHIR media type"},
		{"text/xml", "not a FHIR media type"},
		{"text/plain", "not a FHIR media type"},
		{"application/fhir+turtle", "not a FHIR media type"},
		{"application/xml+fhir+json", "not a FHIR media type"},
		{"text/fhir+xml", "not a FHIR media type"},
		{"*/*", "a wildcard is not a media type"},
		{"application/*", "a wildcard is not a media type"},
		// Parameters NEMS does not list.
		{"application/fhir+json;fhirVersion=3.0", "parameter fhirversion is not allowed"},
		{"application/fhir+json;charset=utf-8;version=1", "parameter version is not allowed"},
		{"application/fhir+json;q=0.5", "a q parameter is not allowed here"},
		// Malformed values.
		{"", "empty value"},
		{"   ", "empty value"},
		{"application", `no "/" after application`},
		{"application/", "no subtype after application/"},
		{"/fhir+xml", `unexpected "/" where a media type starts`},
		{"application /fhir+xml", `no "/" after application`},
		{"application/fhir+xml charset=utf-8", `unexpected "c" after application/fhir+xml`},
		{"application/fhir+xml;charset", `parameter charset has no "=value"`},
		{"application/fhir+xml;charset=", "parameter charset: empty value"},
		{"application/fhir+xml;charset = utf-8", `parameter charset has no "=value"`},
		{"application/fhir+xml;charset=\"utf-8", "parameter charset: unterminated quoted string"},
		{"application/fhir+xml;charset=\"utf-8\\", "parameter charset: unterminated quoted string"},
		{"application/fhir+xml;charset=utf-8;charset=utf-8", "parameter charset appears twice"},
		{"application/fhir+xml;=utf-8", `unexpected "=" where a parameter name starts`},
		{"application/fhir+xml, application/fhir+json", "more than one media type"},
		{"application/fhir+xml,", "more than one media type"},
		{"application/fhir+xml;charset=\"utf\x01-8\"", "parameter charset: control character in quoted string"},
		{"application/fhir+xml\x00", `unexpected "\x00" after application/fhir+xml`},
		{"appli\u00e9cation/fhir+xml", `no "/" after appli`},
	}
	for _, c := range bad {
		_, err := ParseMediaType(c.in)
		var me *MediaTypeError
		if !errors.As(err, &me) {
			t.Errorf("ParseMediaType(%q) error = %v, want a *MediaTypeError", c.in, err)
			continue
		}
		if me.Reason != c.reason || me.Value != c.in || me.Header != "Content-Type" {
			t.Errorf("ParseMediaType(%q) = %+v, want reason %q", c.in, me, c.reason)
		}
		if !errors.Is(err, ErrUnsupportedMediaType) {
			t.Errorf("ParseMediaType(%q): errors.Is(err, ErrUnsupportedMediaType) = false", c.in)
		}
	}
}

func TestAPIAllowedAndDefault(t *testing.T) {
	pub, sub := Publication.Allowed(), Subscription.Allowed()
	if len(pub) != 4 || len(sub) != 8 {
		t.Fatalf("Allowed: publication %d, subscription %d; want 4 and 8", len(pub), len(sub))
	}
	for s, m := range nemsValues {
		if got, want := Publication.Allows(m), m.Format == XML; got != want {
			t.Errorf("Publication.Allows(%s) = %v, want %v", s, got, want)
		}
		if !Subscription.Allows(m) {
			t.Errorf("Subscription.Allows(%s) = false", s)
		}
	}
	for _, a := range []API{Publication, Subscription} {
		if got := a.Default().String(); got != "application/xml+fhir;charset=utf-8" {
			t.Errorf("%v.Default() = %s", a, got)
		}
		if a.Allowed()[0] != a.Default() {
			t.Errorf("%v.Allowed()[0] = %s, want the default first", a, a.Allowed()[0])
		}
	}
	// A fresh slice each time: callers may not corrupt the table.
	pub[0] = FHIRJSON
	if Publication.Allowed()[0] != LegacyXMLUTF8 {
		t.Error("Allowed returns a shared slice")
	}
	if API(0).Allowed() != nil || API(0).Allows(FHIRXML) {
		t.Error("the zero API allows something")
	}
}

func TestAPIContentType(t *testing.T) {
	for s, m := range nemsValues {
		for _, a := range []API{Publication, Subscription} {
			got, err := a.ContentType(s)
			if a == Publication && m.Format == JSON {
				var me *MediaTypeError
				if !errors.As(err, &me) || me.API != Publication || me.Reason != "json is not accepted" {
					t.Errorf("Publication.ContentType(%q) = %v, %v; want json rejected", s, got, err)
				}
				continue
			}
			if err != nil || got != m {
				t.Errorf("%v.ContentType(%q) = %v, %v; want %v", a, s, got, err, m)
			}
		}
	}
	for _, empty := range []string{"", " "} {
		if got, err := Publication.ContentType(empty); err != nil || got != LegacyXMLUTF8 {
			t.Errorf("Publication.ContentType(%q) = %v, %v; want the default", empty, got, err)
		}
	}
	_, err := Subscription.ContentType("text/plain")
	var me *MediaTypeError
	if !errors.As(err, &me) || me.API != Subscription {
		t.Fatalf("Subscription.ContentType(text/plain) = %v", err)
	}
}

func TestMediaTypeErrorMessage(t *testing.T) {
	_, err := Publication.ContentType("application/fhir+json;charset=utf-8")
	want := `Content-Type "application/fhir+json;charset=utf-8": json is not accepted for the NEMS publication API; ` +
		"accepted are application/xml+fhir;charset=utf-8, application/xml+fhir, application/fhir+xml;charset=utf-8, application/fhir+xml"
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
	_, err = ParseMediaType("text/plain")
	if err == nil || !strings.HasSuffix(err.Error(), "application/fhir+json;charset=utf-8, application/fhir+json") ||
		!strings.Contains(err.Error(), "application/json+fhir") {
		t.Errorf("ParseMediaType error does not list all eight types: %v", err)
	}
	_, err = ParseFormatParam("ttl")
	if err == nil || !strings.Contains(err.Error(), "xml, json, text/xml") {
		t.Errorf("ParseFormatParam error does not list the short forms: %v", err)
	}
}

func TestParseFormatParam(t *testing.T) {
	ok := []struct {
		in   string
		want MediaType
	}{
		{"xml", LegacyXMLUTF8},
		{"XML", LegacyXMLUTF8},
		{" json ", LegacyJSONUTF8},
		{"text/xml", LegacyXMLUTF8},
		{"application/xml", LegacyXMLUTF8},
		{"application/xml;charset=utf-8", LegacyXMLUTF8},
		{"application/json", LegacyJSONUTF8},
		{"application/fhir+xml", FHIRXML},
		{"application/fhir+json", FHIRJSON},
		{"application/fhir+json;charset=utf-8", FHIRJSONUTF8},
		{"application/xml+fhir", LegacyXML},
		{"application/json+fhir;charset=UTF-8", LegacyJSONUTF8},
		// "+" decoded to a space by url.ParseQuery.
		{"application/fhir json", FHIRJSON},
		{"application/fhir xml", FHIRXML},
		{"application/json fhir", LegacyJSON},
		{"Application/FHIR XML;charset=utf-8", FHIRXMLUTF8},
	}
	for _, c := range ok {
		got, err := ParseFormatParam(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseFormatParam(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for s, m := range nemsValues {
		if got, err := ParseFormatParam(s); err != nil || got != m {
			t.Errorf("ParseFormatParam(%q) = %v, %v; want %v", s, got, err, m)
		}
	}
	bad := []string{
		"", " ", "ttl", "html", "text/json", "text/html", "xmll", "application/*", "*/*",
		"application/xml;charset=iso-8859-1", "application/fhir+json;q=1", "xml;charset=utf-8",
		"application/fhir+xml, application/fhir+json", "application/fhir+xml;fhirVersion=3.0",
	}
	for _, s := range bad {
		if m, err := ParseFormatParam(s); !errors.Is(err, ErrUnsupportedMediaType) {
			t.Errorf("ParseFormatParam(%q) = %v, %v; want an error", s, m, err)
		}
	}
	var me *MediaTypeError
	if _, err := ParseFormatParam("yaml"); !errors.As(err, &me) || me.Reason != "not a FHIR format" || me.Header != "_format" {
		t.Errorf("ParseFormatParam(yaml): %v", err)
	}
}

func TestParseAccept(t *testing.T) {
	got, err := ParseAccept(`text/html, application/FHIR+json;Charset="UTF-8";q=0.9, application/fhir+xml;q=0.5;charset=x, */*;q=0.1;ext=1,,application/*;level=2`)
	if err != nil {
		t.Fatal(err)
	}
	// A charset after q is an accept extension, not a media-type parameter.
	want := []string{"text/html", "application/fhir+json;charset=utf-8;q=0.9", "application/fhir+xml;q=0.5", "*/*;q=0.1", "application/*"}
	if len(got) != len(want) {
		t.Fatalf("ParseAccept gave %d ranges: %v", len(got), got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("range %d = %s, want %s", i, got[i], want[i])
		}
	}
	if len(got[4].Other) != 1 || got[4].Other[0] != "level" {
		t.Errorf("range 4 other parameters = %v, want [level]", got[4].Other)
	}
	qs := map[string]float64{"0": 0, "0.": 0, "0.5": 0.5, "0.125": 0.125, "1": 1, "1.": 1, "1.000": 1}
	for q, want := range qs {
		r, err := ParseAccept("application/fhir+xml;q=" + q)
		if err != nil || r[0].Q != want {
			t.Errorf("q=%s: %v, %v; want %v", q, r, err, want)
		}
	}
	bad := []string{
		"", " , ", "application", "application/fhir+xml;q=2", "application/fhir+xml;q=1.5",
		"application/fhir+xml;q=0.1234", "application/fhir+xml;q=.5", "application/fhir+xml;q=-1",
		"application/fhir+xml;q=abc", "*/fhir+xml",
		"application/fhir+xml;q=0.5;q=0.6;x", "application/fhir+xml;q", "application/fhir+xml; q =0.5",
		"application/fhir+xml;charset=\"utf-8", "application/fhir+xml application/fhir+json",
		"application/fhir+xml;q=1;q=\"x",
	}
	for _, s := range bad {
		if r, err := ParseAccept(s); !errors.Is(err, ErrUnsupportedMediaType) {
			t.Errorf("ParseAccept(%q) = %v, %v; want an error", s, r, err)
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		api            API
		accept, format string
		want           string // "" when an error is expected
	}{
		// Nothing asked: the NEMS default.
		{Publication, "", "", "application/xml+fhir;charset=utf-8"},
		{Subscription, "", "", "application/xml+fhir;charset=utf-8"},
		{Subscription, " , ", "", "application/xml+fhir;charset=utf-8"},
		// Wildcards.
		{Subscription, "*/*", "", "application/xml+fhir;charset=utf-8"},
		{Subscription, "application/*", "", "application/xml+fhir;charset=utf-8"},
		{Publication, "*/*;q=0.8", "", "application/xml+fhir;charset=utf-8"},
		{Subscription, "text/*", "", ""},
		{Subscription, "*/*;charset=iso-8859-1", "", ""},
		// Exact types; a type without charset answers with charset=utf-8.
		{Subscription, "application/fhir+json", "", "application/fhir+json;charset=utf-8"},
		{Subscription, "application/json+fhir", "", "application/json+fhir;charset=utf-8"},
		{Subscription, "application/fhir+xml", "", "application/fhir+xml;charset=utf-8"},
		{Subscription, "application/fhir+json;charset=utf-8", "", "application/fhir+json;charset=utf-8"},
		{Subscription, "application/fhir+json;charset=iso-8859-1", "", ""},
		{Subscription, "application/fhir+json;fhirVersion=4.0", "", ""},
		{Publication, "application/fhir+json", "", ""},
		{Publication, "application/json+fhir;charset=utf-8", "", ""},
		{Subscription, "application/json, text/xml", "", ""},
		// Weights.
		{Subscription, "application/fhir+xml;q=0.5, application/fhir+json", "", "application/fhir+json;charset=utf-8"},
		{Subscription, "application/fhir+xml;q=0.5, application/fhir+json;q=0.4", "", "application/fhir+xml;charset=utf-8"},
		{Subscription, "application/fhir+json, application/fhir+xml", "", "application/fhir+json;charset=utf-8"},
		{Subscription, "application/fhir+xml, application/fhir+json", "", "application/fhir+xml;charset=utf-8"},
		{Subscription, "*/*, application/fhir+json", "", "application/fhir+json;charset=utf-8"},
		{Subscription, "*/*;q=0.1, application/fhir+json;q=0.2", "", "application/fhir+json;charset=utf-8"},
		{Subscription, "*/*, application/xml+fhir;q=0", "", "application/fhir+xml;charset=utf-8"},
		{Subscription, "*/*, application/*+fhir;q=0", "", "application/xml+fhir;charset=utf-8"},
		{Subscription, "application/fhir+json;q=0", "", ""},
		{Subscription, "*/*;q=0", "", ""},
		{Publication, "application/fhir+json, */*;q=0.1", "", "application/xml+fhir;charset=utf-8"},
		// The charset-less type keeps the q of its own, more general, range.
		{Subscription, "application/fhir+xml;charset=utf-8;q=0.2, application/fhir+xml;q=0.9", "", "application/fhir+xml"},
		{Subscription, "application/fhir+xml;charset=utf-8;q=0.9, application/fhir+xml;q=0.2", "", "application/fhir+xml;charset=utf-8"},
		{Subscription, "application/fhir+xml;charset=utf-8;q=0.2, application/fhir+xml;q=0.9, application/fhir+json;q=0.5", "", "application/fhir+xml"},
		// A browser.
		{Subscription, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", "application/xml+fhir;charset=utf-8"},
		// _format wins over Accept.
		{Subscription, "application/fhir+xml", "json", "application/json+fhir;charset=utf-8"},
		{Subscription, "", "application/fhir+json", "application/fhir+json"},
		{Subscription, "", "application/fhir json", "application/fhir+json"},
		{Publication, "application/fhir+json", "xml", "application/xml+fhir;charset=utf-8"},
		{Publication, "", "json", ""},
		{Subscription, "", "ttl", ""},
		// Malformed Accept.
		{Subscription, "application/fhir+json;q=2", "", ""},
		{Subscription, "fhir", "", ""},
		// The zero API.
		{API(0), "", "", ""},
	}
	for _, c := range cases {
		got, err := Negotiate(c.api, c.accept, c.format)
		if c.want == "" {
			if err == nil {
				t.Errorf("Negotiate(%v, %q, %q) = %s, want an error", c.api, c.accept, c.format, got)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("Negotiate(%v, %q, %q) = %s, %v; want %s", c.api, c.accept, c.format, got, err, c.want)
		}
	}
}

func TestNegotiateErrorNamesAPI(t *testing.T) {
	_, err := Negotiate(Publication, "application/fhir+json", "")
	var me *MediaTypeError
	if !errors.As(err, &me) || me.API != Publication || me.Header != "Accept" {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "publication API; accepted are application/xml+fhir;charset=utf-8") ||
		strings.Contains(err.Error(), "json+fhir") {
		t.Errorf("message %q", err)
	}
	_, err = Negotiate(Publication, "", "json")
	if !errors.As(err, &me) || me.Header != "_format" || me.API != Publication {
		t.Errorf("got %v", err)
	}
}

func TestFormat(t *testing.T) {
	if XML.String() != "xml" || JSON.String() != "json" || Format(0).String() != "Format(0)" {
		t.Error("Format.String")
	}
	if XML.Ext() != ".xml" || JSON.Ext() != ".json" || Format(7).Ext() != "" {
		t.Error("Format.Ext")
	}
	if Publication.String() != "publication" || Subscription.String() != "subscription" || API(9).String() != "API(9)" {
		t.Error("API.String")
	}
	if (MediaType{}).String() != "MediaType(invalid)" {
		t.Error("zero MediaType.String")
	}
}

func FuzzParseMediaType(f *testing.F) {
	for s := range nemsValues {
		f.Add(s)
	}
	for _, s := range []string{"", "application/fhir+xml; charset=\"UTF-8\"", "a/b;c=\"\\", "*/*;q=0.5", "xml", "application/fhir json"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMediaType(s)
		if err == nil {
			// Whatever parses is one of the eight and prints back to itself.
			again, err := ParseMediaType(m.String())
			if err != nil || again != m {
				t.Fatalf("%q parsed to %v, which reparses to %v, %v", s, m, again, err)
			}
			if !Subscription.Allows(m) {
				t.Fatalf("%q parsed to %v, not one of the eight", s, m)
			}
		} else if !errors.Is(err, ErrUnsupportedMediaType) || err.Error() == "" {
			t.Fatalf("%q: error %v is not a MediaTypeError", s, err)
		}
		if f, err := ParseFormatParam(s); err == nil && !Subscription.Allows(f) {
			t.Fatalf("_format %q gave %v", s, f)
		}
	})
}

func FuzzNegotiate(f *testing.F) {
	f.Add("", "")
	f.Add("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "")
	f.Add("application/fhir+json;q=0.5, application/fhir+xml;q=0", "")
	f.Add("", "json")
	f.Add(`a/b;x="y\"z", c/d;q=1.000`, "application/fhir xml")
	f.Fuzz(func(t *testing.T, accept, format string) {
		for _, api := range []API{Publication, Subscription} {
			m, err := Negotiate(api, accept, format)
			if err == nil && !api.Allows(m) {
				t.Fatalf("Negotiate(%v, %q, %q) = %v, which the API does not allow", api, accept, format, m)
			}
			if err != nil && !errors.Is(err, ErrUnsupportedMediaType) {
				t.Fatalf("Negotiate(%v, %q, %q): error %v is not a MediaTypeError", api, accept, format, err)
			}
		}
		if rs, err := ParseAccept(accept); err == nil {
			for _, r := range rs {
				if r.Q < 0 || r.Q > 1 || r.Type == "" || r.Subtype == "" {
					t.Fatalf("ParseAccept(%q) gave range %+v", accept, r)
				}
			}
		}
	})
}

func BenchmarkNegotiate(b *testing.B) {
	const accept = "text/html,application/xhtml+xml,application/fhir+json;q=0.9,*/*;q=0.8"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Negotiate(Subscription, accept, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkContentType(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Publication.ContentType("application/fhir+xml; charset=UTF-8"); err != nil {
			b.Fatal(err)
		}
	}
}
