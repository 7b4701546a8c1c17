package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/nemsfhir/nemsfhir/internal/browsertest"
)

// TestHTMLReportInBrowser opens the report of a real run in headless
// Chromium: the totals shown must be those of the run (as the JSON lines
// report counts them), the severity, rule and file filters must hide what
// they should, the print layout must drop the filters, and the page must
// make no request at all, even with a payload whose name and content try
// to inject an image and a script. With NEMSFHIR_SCREENSHOT set, a PNG of
// the page is written there.
func TestHTMLReportInBrowser(t *testing.T) {
	bin := browsertest.Require(t, "the HTML report is not checked in a browser")

	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	copyInto(t, corpus, "../../corpus/examples/pds-change-of-gp.xml", "pds-change-of-gp.xml")
	copyInto(t, corpus, "../../corpus/examples/pds-change-of-gp-routing-name-mismatch.xml", "pds-change-of-gp-routing-name-mismatch.xml")
	copyInto(t, corpus, "../../corpus/examples/subscription-explicit.xml", "subscriptions/explicit.xml")
	copyInto(t, corpus, "../../corpus/examples/subscription-generic.json", "subscriptions/generic.json")
	copyInto(t, corpus, "../../corpus/rules/invalid/nems-G23-ods-code.json", "events/ods-code-warning.json")
	copyInto(t, corpus, "../../corpus/rules/invalid/nems-G12.xml", "events/no-source-name.xml")
	// A hostile payload: markup in its name and content. Were it to reach
	// the page as markup, the image would be a request and fail the test.
	hostile := `{"resourceType":"Subscription","status":"requested",` +
		`"reason":"<img src=http://127.0.0.1:9/x onerror=alert(1)></pre><script>alert(2)</script>",` +
		`"criteria":"<script>fetch('http://127.0.0.1:9/')</script>","channel":{"type":"message"}}` + "\n"
	if err := os.WriteFile(filepath.Join(corpus, `<img src=http:127.0.0.1:9 onerror=alert(3)>.json`), []byte(hostile), 0o644); err != nil {
		t.Fatal(err)
	}

	reportPath := filepath.Join(dir, "report.html")
	code, page, errOut := runCLI("validate", "-o", "html", "--now", "2026-06-01T00:00:00Z", corpus)
	if code != exitInvalid {
		t.Fatalf("validate -o html: exit %d, want %d; %s", code, exitInvalid, errOut)
	}
	if err := os.WriteFile(reportPath, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	want := countJSONRun(t, corpus)

	ctx := browsertest.Tab(t, 30*time.Second, "the HTML report is not checked in a browser")

	fileURL := (&url.URL{Scheme: "file", Path: reportPath}).String()
	// The listener runs in the tab's message loop: it must never wait on
	// the test, so the test holds mu only to copy what it saw.
	var mu sync.Mutex
	var requests, exceptions []string
	seen := func() (req, exc []string) {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), requests...), append([]string(nil), exceptions...)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *runtime.EventExceptionThrown:
			exceptions = append(exceptions, fmt.Sprintf("%d:%d: %s", e.ExceptionDetails.LineNumber+1, e.ExceptionDetails.ColumnNumber+1, e.ExceptionDetails.Text))
		}
	}); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, struct{}{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1200, 900), chromedp.Navigate(fileURL)); err != nil {
		t.Fatalf("loading %s: %v", fileURL, err)
	}
	// The script shows the filter bar; if the policy's hash did not match
	// the script, it never would.
	loaded, cancelLoad := context.WithTimeout(ctx, 10*time.Second)
	defer cancelLoad()
	if err := chromedp.Do(loaded, chromedp.WaitVisible("#filters")); err != nil {
		_, exc := seen()
		t.Fatalf("the filter bar never showed: the page's script did not run (%v); script errors: %v", err, exc)
	}

	eval := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return n
	}
	const visibleIssues = `Array.from(document.querySelectorAll("li.issue")).filter(e => e.offsetParent !== null).length`
	const visibleFiles = `Array.from(document.querySelectorAll("section.file")).filter(e => e.offsetParent !== null).length`
	shown := func() string {
		s, err := chromedp.Run(ctx, chromedp.Text("#shown"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// The totals shown are those of the run.
	for id, n := range map[string]int{
		"n-files": want.files, "n-valid": want.valid, "n-invalid": want.invalid,
		"n-errors": want.sev["error"], "n-fatal": want.sev["fatal"], "n-warnings": want.sev["warning"],
	} {
		if got := eval(`Number(document.getElementById("` + id + `").textContent)`); got != n {
			t.Errorf("#%s shows %d; the run has %d", id, got, n)
		}
	}
	if got := eval(visibleIssues); got != want.issues {
		t.Errorf("%d issue rows visible; the run has %d issues", got, want.issues)
	}
	if got := eval(visibleFiles); got != want.files {
		t.Errorf("%d file sections visible; the run has %d files", got, want.files)
	}
	if s := shown(); s != fmt.Sprintf("Showing %d of %d issues in %d of %d files", want.issues, want.issues, want.files, want.files) {
		t.Errorf("filter line %q", s)
	}
	if want.sev["error"] == 0 || want.sev["warning"] == 0 || want.byRule["nems:G10"] == 0 {
		t.Fatalf("the corpus no longer has errors, warnings and nems:G10 (%+v): the filters below would prove nothing", want)
	}

	// Severity: unticking error and fatal leaves the warnings and
	// information, and only the files that have some.
	if err := chromedp.Do(ctx, chromedp.Click(`input[name=severity][value=error]`), chromedp.Click(`input[name=severity][value=fatal]`)); err != nil {
		t.Fatal(err)
	}
	if got, w := eval(visibleIssues), want.sev["warning"]+want.sev["information"]; got != w {
		t.Errorf("errors hidden: %d issue rows visible, want %d (%s)", got, w, shown())
	}
	if got := eval(`document.querySelectorAll('li.issue[data-severity=error]:not([hidden])').length`); got != 0 {
		t.Errorf("errors hidden: %d error rows still shown", got)
	}
	if got := eval(visibleFiles); got != want.filesWith(func(s string) bool { return s == "warning" || s == "information" }) {
		t.Errorf("errors hidden: %d file sections visible", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`input[name=severity][value=error]`), chromedp.Click(`input[name=severity][value=fatal]`)); err != nil {
		t.Fatal(err)
	}

	// Rule: one rule leaves its issues only.
	eval(`(() => { const s = document.getElementById("f-rule"); s.value = "nems:G10"; s.dispatchEvent(new Event("change")); return 0 })()`)
	if got := eval(visibleIssues); got != want.byRule["nems:G10"] {
		t.Errorf("rule nems:G10: %d issue rows visible, want %d (%s)", got, want.byRule["nems:G10"], shown())
	}
	eval(`(() => { const s = document.getElementById("f-rule"); s.value = ""; s.dispatchEvent(new Event("change")); return 0 })()`)

	// File: typed text keeps the files whose path holds it.
	if err := chromedp.Do(ctx, chromedp.SendKeys("#f-file", "subscriptions/")); err != nil {
		t.Fatal(err)
	}
	if got := eval(visibleFiles); got != 2 {
		t.Errorf("file filter subscriptions/: %d file sections visible, want 2 (%s)", got, shown())
	}
	if got, w := eval(visibleIssues), want.issuesIn("subscriptions/"); got != w {
		t.Errorf("file filter subscriptions/: %d issue rows visible, want %d", got, w)
	}
	eval(`(() => { const f = document.getElementById("f-file"); f.value = ""; f.dispatchEvent(new Event("input")); return 0 })()`)
	if got := eval(visibleIssues); got != want.issues {
		t.Errorf("filters cleared: %d issue rows visible, want %d", got, want.issues)
	}

	// The hostile payload's markup is text on the page.
	if n := eval(`document.querySelectorAll("img, iframe, object, embed").length + document.scripts.length - 1`); n != 0 {
		t.Errorf("%d injected elements on the page", n)
	}
	if n := eval(`document.body.textContent.includes("<script>alert(2)</script>") ? 1 : 0`); n != 1 {
		t.Error("the hostile payload's text is not shown as text")
	}

	// The excerpt of the nems:G10 issue highlights its line.
	if n := eval(`Array.from(document.querySelectorAll('li.issue[data-rule="nems:G10"] span.hit')).filter(e => e.textContent.includes("<valueHumanName>")).length`); n != 1 {
		t.Errorf("nems:G10 excerpt: %d highlighted lines holding <valueHumanName>, want 1", n)
	}

	if path := os.Getenv("NEMSFHIR_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", path, len(png))
	}

	// Print layout: no filter bar, the filter statement shown instead.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if n := eval(`(document.getElementById("filters").offsetParent === null ? 1 : 0) + (document.getElementById("print-filter").offsetParent !== null ? 1 : 0)`); n != 2 {
		t.Error("print layout: the filters still show, or the filter statement does not")
	}

	if n := eval(`performance.getEntriesByType("resource").length`); n != 0 {
		t.Errorf("the page loaded %d resources", n)
	}
	reqs, excs := seen()
	for _, u := range reqs {
		if u != fileURL {
			t.Errorf("the page made a request: %s", u)
		}
	}
	if len(reqs) == 0 {
		t.Error("no network event at all, not even the page's own load: the listener saw nothing, so the check above proves nothing")
	}
	if len(excs) > 0 {
		t.Errorf("script errors: %v", excs)
	}
}

func copyInto(t *testing.T, dir, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.FromSlash(to))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// jsonRun counts a run from its JSON lines report, independently of the
// HTML reporter.
type jsonRun struct {
	files, valid, invalid, issues int
	sev                           map[string]int
	byRule                        map[string]int
	records                       []jsonLine
}

type jsonLine struct {
	Path   string `json:"path"`
	Valid  bool   `json:"valid"`
	Issues []struct {
		Severity string `json:"severity"`
		Rule     string `json:"rule"`
	} `json:"issues"`
}

func (r jsonRun) filesWith(sev func(string) bool) int {
	n := 0
	for _, l := range r.records {
		for _, is := range l.Issues {
			if sev(is.Severity) {
				n++
				break
			}
		}
	}
	return n
}

func (r jsonRun) issuesIn(part string) int {
	n := 0
	for _, l := range r.records {
		if strings.Contains(l.Path, part) {
			n += len(l.Issues)
		}
	}
	return n
}

func countJSONRun(t *testing.T, dir string) jsonRun {
	t.Helper()
	_, out, errOut := runCLI("validate", "-o", "json", "--now", "2026-06-01T00:00:00Z", dir)
	r := jsonRun{sev: map[string]int{}, byRule: map[string]int{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l jsonLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("JSON report line %q: %v (%s)", sc.Text(), err, errOut)
		}
		r.records = append(r.records, l)
		r.files++
		if l.Valid {
			r.valid++
		} else {
			r.invalid++
		}
		for _, is := range l.Issues {
			r.issues++
			r.sev[is.Severity]++
			r.byRule[is.Rule]++
		}
	}
	return r
}
