package hostile

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/schema"
)

const ns = `xmlns="http://hl7.org/fhir"`

// marker is the content of the local file the external-entity cases point
// at: it must never show up in anything nemsfhir writes.
const marker = "NEMSFHIR-HOSTILE-MARKER-7f3a9c"

var (
	secretOnce sync.Once
	secretPath string
)

// secretFile writes the marker file once per test binary.
func secretFile(t *testing.T) string {
	secretOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nemsfhir-hostile-")
		if err != nil {
			t.Fatal(err)
		}
		secretPath = filepath.Join(dir, "secret.txt")
		if err := os.WriteFile(secretPath, []byte(marker), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	return secretPath
}

// trap is a TCP listener on the loopback interface that counts the
// connections it is offered; the external-entity cases point at it.
type trap struct {
	ln    net.Listener
	conns atomic.Int64
}

func newTrap(t *testing.T) *trap {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := &trap{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tr.conns.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return tr
}

func (tr *trap) url(path string) string { return "http://" + tr.ln.Addr().String() + path }

// hostileCase is one generated input and what it must come to.
type hostileCase struct {
	name string
	src  func(t *testing.T, tr *trap) []byte
	// valid is true for the few inputs that are fine (a UTF-8 BOM);
	// every other one must be refused by the validator.
	valid bool
	// converts is true when the converter may take the input: it checks
	// the model, not the datatypes, so a 50 MB id or a decimal written
	// 1e999999 converts (and fails validation).
	converts bool
	// known names a problem found by these tests and not fixed yet (in
	// code owned elsewhere): the case is skipped unless
	// NEMSFHIR_HOSTILE_KNOWN=1.
	known string
	// maxTime and maxAlloc bound each run (validate, convert, schema);
	// maxAlloc counts every byte allocated, garbage included.
	maxTime  time.Duration
	maxAlloc uint64
	// maxSize is the validator's size limit for this case: 0 for the
	// default 3 MB, -1 for none (to make the parser face the input).
	maxSize int64
}

func billionLaughs() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n<!DOCTYPE Patient [\n" + `<!ENTITY lol0 "lol">` + "\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "<!ENTITY lol%d \"%s\">\n", i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	b.WriteString("]>\n<Patient " + ns + `><id value="&lol9;"/></Patient>`)
	return []byte(b.String())
}

func deepXML(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<Patient " + ns + ">")
	for range n {
		b.WriteString(`<extension url="u">`)
	}
	for range n {
		b.WriteString("</extension>")
	}
	b.WriteString("</Patient>")
	return b.Bytes()
}

func deepJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Patient","extension":`)
	for range n {
		b.WriteString(`[{"url":"u","extension":`)
	}
	b.WriteString("[]")
	for range n {
		b.WriteString("}]")
	}
	b.WriteString("}")
	return b.Bytes()
}

func utf16(s string, bigEndian bool) []byte {
	out := []byte{0xFF, 0xFE}
	if bigEndian {
		out = []byte{0xFE, 0xFF}
	}
	for _, r := range s { // ASCII input: one code unit each
		if bigEndian {
			out = append(out, 0, byte(r))
		} else {
			out = append(out, byte(r), 0)
		}
	}
	return out
}

const patientXML = `<Patient ` + ns + `><id value="p1"/><active value="true"/></Patient>`
const patientJSON = `{"resourceType":"Patient","id":"p1","active":true}`

func fixed(s string) func(*testing.T, *trap) []byte {
	return func(*testing.T, *trap) []byte { return []byte(s) }
}

func cases() []hostileCase {
	const sec = time.Second
	const mb = 1 << 20
	return []hostileCase{
		{name: "billion laughs", src: func(*testing.T, *trap) []byte { return billionLaughs() }},
		{name: "quadratic blowup", src: func(*testing.T, *trap) []byte {
			e := strings.Repeat("x", 50000)
			return []byte(`<!DOCTYPE Patient [<!ENTITY a "` + e + `">]><Patient ` + ns + `><id value="` + strings.Repeat("&a;", 50000) + `"/></Patient>`)
		}},
		{name: "external entity (file)", src: func(t *testing.T, _ *trap) []byte {
			return []byte(`<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY xxe SYSTEM "file://` + secretFile(t) + `">]><Patient ` + ns + `><id value="&xxe;"/><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">&xxe;</div></text></Patient>`)
		}},
		{name: "external parameter entity (file)", src: func(t *testing.T, _ *trap) []byte {
			return []byte(`<!DOCTYPE Patient [<!ENTITY % p SYSTEM "file://` + secretFile(t) + `"> %p;]><Patient ` + ns + `><id value="p1"/></Patient>`)
		}},
		{name: "external entity (http)", src: func(_ *testing.T, tr *trap) []byte {
			return []byte(`<!DOCTYPE Patient [<!ENTITY xxe SYSTEM "` + tr.url("/entity") + `">]><Patient ` + ns + `><id value="&xxe;"/></Patient>`)
		}},
		{name: "external DTD (http)", src: func(_ *testing.T, tr *trap) []byte {
			return []byte(`<!DOCTYPE Patient SYSTEM "` + tr.url("/fhir.dtd") + `"><Patient ` + ns + `><id value="p1"/></Patient>`)
		}},
		{name: "XInclude (file)", src: func(t *testing.T, _ *trap) []byte {
			return []byte(`<Patient ` + ns + ` xmlns:xi="http://www.w3.org/2001/XInclude"><id value="p1"/><xi:include href="file://` + secretFile(t) + `" parse="text"/></Patient>`)
		}},
		{name: "internal DTD", src: fixed(`<!DOCTYPE Patient [<!ELEMENT Patient ANY>]>` + patientXML)},
		{name: "deep XML nesting (100,000)", src: func(*testing.T, *trap) []byte { return deepXML(100000) }},
		{name: "deep JSON nesting (100,000)", src: func(*testing.T, *trap) []byte { return deepJSON(100000) }},
		{name: "deep JSON arrays (100,000)", src: func(*testing.T, *trap) []byte {
			return []byte(`{"resourceType":"Patient","name":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}")
		}},
		{name: "huge attribute (50 MB), default size limit", src: func(*testing.T, *trap) []byte {
			return []byte(`<Patient ` + ns + `><id value="` + strings.Repeat("a", 50*mb) + `"/></Patient>`)
		}, converts: true, maxTime: 10 * sec, maxAlloc: 600 * mb},
		{name: "huge attribute (50 MB), no size limit", src: func(*testing.T, *trap) []byte {
			return []byte(`<Patient ` + ns + `><id value="` + strings.Repeat("a", 50*mb) + `"/></Patient>`)
		}, converts: true, maxSize: -1, maxTime: 30 * sec, maxAlloc: 2000 * mb},
		{name: "huge JSON string (50 MB), no size limit", src: func(*testing.T, *trap) []byte {
			return []byte(`{"resourceType":"Patient","id":"` + strings.Repeat("a", 50*mb) + `"}`)
		}, converts: true, maxSize: -1, maxTime: 30 * sec, maxAlloc: 2000 * mb},
		{name: "invalid UTF-8 (XML)", src: fixed(`<Patient ` + ns + `><id value="p1"/><name><family value="Sm` + "\xff\xfe" + `ith"/></name></Patient>`)},
		{name: "invalid UTF-8 (JSON)", src: fixed(`{"resourceType":"Patient","id":"p1","name":[{"family":"Sm` + "\xc3\x28" + `ith"}]}`)},
		{name: "overlong UTF-8 (JSON)", src: fixed(`{"resourceType":"Patient","id":"p1","name":[{"family":"` + "\xc0\xaf" + `"}]}`)},
		{name: "UTF-8 BOM (XML)", src: fixed("\xef\xbb\xbf" + patientXML), valid: true},
		{name: "UTF-8 BOM (JSON)", src: fixed("\xef\xbb\xbf" + patientJSON), valid: true},
		{name: "UTF-16LE with BOM (XML)", src: func(*testing.T, *trap) []byte {
			return utf16(`<?xml version="1.0" encoding="UTF-16"?>`+patientXML, false)
		}},
		{name: "UTF-16BE with BOM (JSON)", src: func(*testing.T, *trap) []byte { return utf16(patientJSON, true) }},
		{name: "UTF-16 declared, UTF-8 bytes", src: fixed(`<?xml version="1.0" encoding="UTF-16"?>` + patientXML)},
		{name: "UTF-32LE BOM", src: fixed("\xff\xfe\x00\x00<\x00\x00\x00")},
		{name: "NUL byte in XML attribute", src: fixed(`<Patient ` + ns + `><id value="p` + "\x00" + `1"/></Patient>`)},
		{name: "NUL byte in JSON string", src: fixed(`{"resourceType":"Patient","id":"p` + "\x00" + `1"}`)},
		{name: "escaped NUL in JSON string", src: fixed(`{"resourceType":"Patient","id":"p1","name":[{"family":"a\u0000b"}]}`)},
		{name: "character reference to NUL (XML)", src: fixed(`<Patient ` + ns + `><id value="p1"/><name><family value="a&#0;b"/></name></Patient>`)},
		{name: "JSON duplicate keys", src: fixed(`{"resourceType":"Patient","id":"p1","active":true,"active":false}`)},
		{name: "JSON duplicate resourceType", src: fixed(`{"resourceType":"Patient","resourceType":"Bundle","id":"p1"}`)},
		{name: "huge exponent 1e999999", src: fixed(`{"resourceType":"Observation","status":"final","code":{"text":"t"},"valueQuantity":{"value":1e999999}}`), converts: true},
		{name: "huge exponent 1e999999 (XML)", src: fixed(`<Observation ` + ns + `><status value="final"/><code><text value="t"/></code><valueQuantity><value value="1e999999"/></valueQuantity></Observation>`), converts: true},
		{name: "400-digit integer", src: fixed(`{"resourceType":"Observation","status":"final","code":{"text":"t"},"valueInteger":` + "9" + strings.Repeat("0", 399) + `}`)},
		{name: "400-digit integer (XML)", src: fixed(`<Observation ` + ns + `><status value="final"/><code><text value="t"/></code><valueInteger value="9` + strings.Repeat("0", 399) + `"/></Observation>`)},
		{name: "many attributes on one element", src: func(*testing.T, *trap) []byte {
			var b strings.Builder
			b.WriteString("<Patient " + ns)
			for i := range 200000 {
				fmt.Fprintf(&b, ` a%d="x"`, i)
			}
			b.WriteString("/>")
			return []byte(b.String())
		}, maxTime: 10 * sec},
		{name: "many namespace declarations", src: func(*testing.T, *trap) []byte {
			var b strings.Builder
			b.WriteString("<Patient " + ns)
			for i := range 100000 {
				fmt.Fprintf(&b, ` xmlns:n%d="urn:x:%d"`, i, i)
			}
			b.WriteString("/>")
			return []byte(b.String())
		}, maxTime: 10 * sec},
		{name: "many attributes, under the XSD limit but many elements", src: func(*testing.T, *trap) []byte {
			var b strings.Builder
			b.WriteString("<Patient " + ns + ">")
			for range 20000 {
				b.WriteString(`<name a="1" b="2" c="3"/>`)
			}
			b.WriteString("</Patient>")
			return []byte(b.String())
		}, maxTime: 10 * sec, maxAlloc: 256 * mb},
		{name: "many JSON keys", src: func(*testing.T, *trap) []byte {
			var b strings.Builder
			b.WriteString(`{"resourceType":"Patient"`)
			for i := range 200000 {
				fmt.Fprintf(&b, `,"k%d":1`, i)
			}
			b.WriteString("}")
			return []byte(b.String())
		}, maxTime: 10 * sec},
		// Minified JSON is one line: every issue of it is placed on that
		// line (byte offset, excerpt), which must cost one pass over it,
		// not one per issue (20,000 issues took 30 s when it did).
		{name: "20,000 issues on one line", src: func(*testing.T, *trap) []byte {
			var b strings.Builder
			b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
			for i := range 20000 {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"fullUrl":"urn:uuid:00000000-0000-4000-8000-%012d","resource":{"resourceType":"Patient","gender":"mail"}}`, i)
			}
			b.WriteString("]}")
			return []byte(b.String())
		}, converts: true},
		{name: "empty input", src: fixed("")},
		{name: "whitespace only", src: fixed(" \n\t ")},
		{name: "two roots", src: fixed(patientXML + patientXML)},
		{name: "two JSON objects", src: fixed(patientJSON + patientJSON)},
		{name: "processing instruction stylesheet (http)", src: func(_ *testing.T, tr *trap) []byte {
			return []byte(`<?xml-stylesheet href="` + tr.url("/style.xsl") + `"?>` + patientXML[:len(patientXML)-len("</Patient>")] + `<name><family value="x` + "\x01" + `"/></name></Patient>`)
		}},
		{name: "schemaLocation (http)", src: func(_ *testing.T, tr *trap) []byte {
			return []byte(`<Patient ` + ns + ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://hl7.org/fhir ` + tr.url("/fhir.xsd") + `"><id value="p1"/><bogus/></Patient>`)
		}},
	}
}

// measure runs fn and returns its wall time and the bytes it allocated.
func measure(fn func()) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return elapsed, after.TotalAlloc - before.TotalAlloc
}

var (
	validatorsMu sync.Mutex
	validators   = map[int64]*validate.Validator{}
)

func validatorFor(t *testing.T, maxSize int64) *validate.Validator {
	validatorsMu.Lock()
	defer validatorsMu.Unlock()
	if v := validators[maxSize]; v != nil {
		return v
	}
	// The schema audit too: every phase a caller can turn on meets the
	// hostile inputs.
	v, err := validate.New(validate.Options{MaxSize: maxSize, Schema: true})
	if err != nil {
		t.Fatal(err)
	}
	validators[maxSize] = v
	return v
}

// TestHostileInputs runs every case through the validator (every phase
// on), both converters and the XSD check, and holds each run to its time
// and allocation bounds. No output may contain the marker file's content
// and no connection may reach the trap.
func TestHostileInputs(t *testing.T) {
	tr := newTrap(t)
	// Warm the compiled schemas and the model, so that their one-off cost
	// is not charged to the first case.
	validatorFor(t, 0).Validate("warm.xml", []byte(patientXML))
	validatorFor(t, 0).Validate("warm.json", []byte(patientJSON))
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			if c.known != "" && os.Getenv("NEMSFHIR_HOSTILE_KNOWN") == "" {
				t.Skip("known problem, not fixed yet: " + c.known)
			}
			if testing.Short() && c.maxTime > 5*time.Second {
				t.Skip("large input: skipped in -short mode")
			}
			maxTime, maxAlloc := c.maxTime, c.maxAlloc
			if maxTime == 0 {
				maxTime = 3 * time.Second
			}
			src := c.src(t, tr)
			if maxAlloc == 0 {
				maxAlloc = 64<<20 + 40*uint64(len(src))
			}
			bound := func(what string, d time.Duration, alloc uint64) {
				t.Helper()
				if d > maxTime {
					t.Errorf("%s took %v, more than %v", what, d, maxTime)
				}
				if alloc > maxAlloc {
					t.Errorf("%s allocated %d MB, more than %d MB", what, alloc>>20, maxAlloc>>20)
				}
			}
			var out bytes.Buffer // everything nemsfhir says, for the marker check

			v := validatorFor(t, c.maxSize)
			var res *validate.Result
			d, alloc := measure(func() { res = v.Validate("hostile", src) })
			bound("validate", d, alloc)
			if res == nil {
				t.Fatal("validate: nil result")
			}
			out.Write(res.Outcome().JSON())
			if c.valid != res.Valid() {
				t.Errorf("validate: valid = %v, want %v; issues %v", res.Valid(), c.valid, res.Issues)
			}
			first := "valid"
			if len(res.Issues) > 0 {
				first = res.Issues[0].String()
			}

			convs := []struct {
				name string
				fn   func([]byte, transform.Options) ([]byte, *transform.Report, error)
			}{{"XMLToJSON", transform.XMLToJSON}, {"JSONToXML", transform.JSONToXML}}
			converted := false
			var convErr string
			for _, cv := range convs {
				var got []byte
				var err error
				d, alloc := measure(func() { got, _, err = cv.fn(src, transform.Options{}) })
				bound(cv.name, d, alloc)
				out.Write(got)
				if err != nil {
					out.WriteString(err.Error())
					if convErr == "" && validate.Sniff(src) == strings.ToLower(cv.name[:len(cv.name)-len("ToJSON")]) {
						convErr = firstLine(err.Error())
					}
					continue
				}
				converted = true
			}
			if converted && !c.valid && !c.converts {
				t.Errorf("convert: a converter took it")
			}
			if !converted && c.valid {
				t.Errorf("convert: neither converter took it")
			}
			if validate.Sniff(src) == "xml" || bytes.HasPrefix(src, []byte{0xFF, 0xFE}) || bytes.HasPrefix(src, []byte{0xFE, 0xFF}) {
				var probs []schema.Problem
				d, alloc := measure(func() { probs = schema.ValidateXML(src) })
				bound("schema.ValidateXML", d, alloc)
				fmt.Fprint(&out, probs)
			}
			if bytes.Contains(out.Bytes(), []byte(marker)) {
				t.Errorf("the content of %s leaked into the output", secretPath)
			}
			if n := tr.conns.Load(); n > 0 {
				t.Errorf("%d connections reached the trap at %s", n, tr.ln.Addr())
			}
			if convErr == "" {
				convErr = "-"
			}
			t.Logf("outcome: validate: %s | convert: %s", firstLine(first), convErr)
		})
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// endless yields a Patient whose id never ends, counting what is read.
type endless struct {
	read  atomic.Int64
	limit int64 // stop (EOF) after this many bytes; a safety net only
}

func (e *endless) Read(p []byte) (int, error) {
	head := []byte(`<Patient ` + ns + `><id value="`)
	n := e.read.Load()
	if n >= e.limit {
		return 0, io.EOF
	}
	for i := range p {
		if k := n + int64(i); k < int64(len(head)) {
			p[i] = head[k]
		} else {
			p[i] = 'a'
		}
	}
	e.read.Add(int64(len(p)))
	return len(p), nil
}

// TestEndlessStream gives ValidateReader a 16 GB stream: the size limit
// must refuse it after reading little more than the limit.
func TestEndlessStream(t *testing.T) {
	v := validatorFor(t, 0)
	r := &endless{limit: 16 << 30}
	var res *validate.Result
	var err error
	d, alloc := measure(func() { res, err = v.ValidateReader("stream", r) })
	if err != nil {
		t.Fatal(err)
	}
	if got := r.read.Load(); got > validate.DefaultMaxSize+64<<10 {
		t.Errorf("read %d bytes of the stream, want about the %d-byte limit", got, validate.DefaultMaxSize)
	}
	if res.Valid() || len(res.Issues) == 0 || res.Issues[0].Rule != validate.RuleSize {
		t.Errorf("want one %s issue, got %v", validate.RuleSize, res.Issues)
	}
	if d > 3*time.Second || alloc > 64<<20 {
		t.Errorf("took %v and %d MB", d, alloc>>20)
	}
	t.Logf("outcome: read %d of 16 GiB in %v: %s", r.read.Load(), d.Round(time.Millisecond), res.Issues[0])
}

// TestTruncatedExamples validates and converts every proper prefix of
// example messages, in XML and in JSON: each must be an error, never a
// panic, a hang or a pass.
func TestTruncatedExamples(t *testing.T) {
	files := []string{"../examples/subscription-explicit.xml"}
	files = append(files, sharedtest.Optional("corpus/nems-examples/vaccinations-1-new.xml")...)
	v := validatorFor(t, 0)
	for _, f := range files {
		xml, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		xml = bytes.TrimRight(xml, " \t\r\n")
		js, _, err := transform.XMLToJSON(xml, transform.Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, src := range [][]byte{xml, js} {
			start := time.Now()
			for n := range len(src) {
				p := src[:n]
				if res := v.Validate("prefix", p); res.Valid() {
					t.Fatalf("%s: prefix of %d bytes passes validation", f, n)
				}
				_, _, e1 := transform.XMLToJSON(p, transform.Options{})
				_, _, e2 := transform.JSONToXML(p, transform.Options{})
				if e1 == nil || e2 == nil {
					t.Fatalf("%s: prefix of %d bytes converts", f, n)
				}
			}
			t.Logf("%s (%s): %d prefixes refused in %v", filepath.Base(f), validate.Sniff(src), len(src), time.Since(start).Round(time.Millisecond))
		}
	}
}
