package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/validate"
)

// snomedPatient carries a SNOMED CT code, which no offline source defines
// in full; plainPatient carries no code at all.
const (
	snomedPatient = `{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://snomed.info/sct","code":"87915002"}]}}`
	plainPatient  = `{"resourceType":"Patient","active":true}`
)

// runNotes validates the payloads with a fresh run's bookkeeping and
// returns their results with the run's notes, as the CLI hands them over.
func runNotes(t *testing.T, payloads ...string) ([]*validate.Result, []validate.Issue) {
	t.Helper()
	// A Validator keeps the unchecked code systems of its whole life: one
	// per run.
	v, err := validate.New(validate.Options{NoRules: true})
	if err != nil {
		t.Fatal(err)
	}
	var rs []*validate.Result
	for i, p := range payloads {
		rs = append(rs, v.Validate(string(rune('a'+i))+".json", []byte(p)))
	}
	return rs, v.UncheckedTerminology()
}

// renderRun writes the results, then the notes when the reporter takes
// them, then flushes: what cmd/nemsfhir does.
func renderRun(t *testing.T, r Reporter, rs []*validate.Result, notes []validate.Issue) {
	t.Helper()
	for _, res := range rs {
		if err := r.Write(res); err != nil {
			t.Fatal(err)
		}
	}
	if w, ok := r.(RunNoteWriter); ok {
		if err := w.WriteRunNotes(notes); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
}

func fixedJUnit(w *bytes.Buffer) *JUnit {
	j := NewJUnit(w)
	at := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	j.start, j.now, j.hostname = at, func() time.Time { return at }, "host"
	return j
}

func fixedHTML(w *bytes.Buffer) *HTML {
	h := NewHTML(w, "v-test")
	h.now = func() time.Time { return time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC) }
	return h
}

// The SNOMED CT payload gives the run one note, the plain one none: the
// premise of the tests below.
func TestRunNotesPremise(t *testing.T) {
	_, notes := runNotes(t, snomedPatient, snomedPatient)
	if len(notes) != 1 || notes[0].Rule != validate.RuleTerminologyOffline || notes[0].Severity != validate.SeverityInformation ||
		!strings.Contains(notes[0].Message, "http://snomed.info/sct (SNOMED CT) in 2 payloads not checked") {
		t.Fatalf("notes of two SNOMED CT payloads: %+v", notes)
	}
	if _, notes := runNotes(t, plainPatient); len(notes) != 0 {
		t.Fatalf("notes of a payload without codes: %+v", notes)
	}
	if got := NoteText(notes[0]); !strings.HasPrefix(got, "information [fhir:terminology-offline]: codes of http://snomed.info/sct") {
		t.Errorf("NoteText: %q", got)
	}
}

// SARIF: each note is a toolExecutionNotification of level note, named by
// its rule, without a location; executionSuccessful stays what the
// unreadable inputs make it. Per-file results do not change.
func TestSARIFRunNotes(t *testing.T) {
	type notification struct {
		Level   string `json:"level"`
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
		Locations  []json.RawMessage `json:"locations"`
		Descriptor struct {
			ID string `json:"id"`
		} `json:"descriptor"`
	}
	type log struct {
		Runs []struct {
			Results     []json.RawMessage `json:"results"`
			Invocations []struct {
				ExecutionSuccessful *bool          `json:"executionSuccessful"`
				Notifications       []notification `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	parse := func(b []byte) log {
		t.Helper()
		var l log
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, b)
		}
		if len(l.Runs) != 1 || len(l.Runs[0].Invocations) != 1 || l.Runs[0].Invocations[0].ExecutionSuccessful == nil {
			t.Fatalf("shape: %s", b)
		}
		return l
	}

	rs, notes := runNotes(t, snomedPatient)
	var with, without bytes.Buffer
	renderRun(t, NewSARIF(&with, "v"), rs, notes)
	renderRun(t, NewSARIF(&without, "v"), rs, nil)
	got, base := parse(with.Bytes()), parse(without.Bytes())
	inv := got.Runs[0].Invocations[0]
	if !*inv.ExecutionSuccessful || len(inv.Notifications) != 1 {
		t.Fatalf("with a note: executionSuccessful %v, notifications %+v", *inv.ExecutionSuccessful, inv.Notifications)
	}
	n := inv.Notifications[0]
	if n.Level != "note" || n.Descriptor.ID != validate.RuleTerminologyOffline || n.Message.Text != notes[0].Message || n.Locations != nil {
		t.Errorf("notification %+v", n)
	}
	if len(base.Runs[0].Invocations[0].Notifications) != 0 || !*base.Runs[0].Invocations[0].ExecutionSuccessful {
		t.Errorf("without notes: %+v", base.Runs[0].Invocations[0])
	}
	if a, b := got.Runs[0].Results, base.Runs[0].Results; len(a) != len(b) || len(a) == 0 || !bytes.Equal(a[0], b[0]) {
		t.Errorf("the results changed with the notes:\n%s\n%s", a, b)
	}

	// An unreadable input still makes the run unsuccessful, and keeps its
	// place before the notes.
	var both bytes.Buffer
	s := NewSARIF(&both, "v")
	if err := s.WriteInputError("gone.xml", errors.New("no such file or directory")); err != nil {
		t.Fatal(err)
	}
	renderRun(t, s, rs, notes)
	inv = parse(both.Bytes()).Runs[0].Invocations[0]
	if *inv.ExecutionSuccessful || len(inv.Notifications) != 2 ||
		inv.Notifications[0].Descriptor.ID != SARIFUnreadable || inv.Notifications[0].Level != "error" ||
		inv.Notifications[1].Descriptor.ID != validate.RuleTerminologyOffline {
		t.Errorf("unreadable then a note: %+v", inv)
	}
}

// JUnit: the notes are the testsuite's system-err, after its testcases,
// in the words of the CLI's stderr; the counts and testcases stay as they
// were.
func TestJUnitRunNotes(t *testing.T) {
	type suite struct {
		Tests     int `xml:"tests,attr"`
		Failures  int `xml:"failures,attr"`
		Testcases []struct {
			Name      string `xml:"name,attr"`
			SystemErr string `xml:"system-err"`
		} `xml:"testcase"`
		SystemErr []string `xml:"system-err"`
	}
	var doc struct {
		Suites []suite `xml:"testsuite"`
	}
	rs, notes := runNotes(t, snomedPatient, plainPatient)
	var with, without bytes.Buffer
	renderRun(t, fixedJUnit(&with), rs, notes)
	renderRun(t, fixedJUnit(&without), rs, nil)
	if err := xml.Unmarshal(with.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, with.String())
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d testsuites", len(doc.Suites))
	}
	s := doc.Suites[0]
	want := "nemsfhir validate: information [fhir:terminology-offline]: " + notes[0].Message + "\n"
	if len(s.SystemErr) != 1 || s.SystemErr[0] != want {
		t.Errorf("system-err %q, want %q", s.SystemErr, want)
	}
	if s.Tests != 2 || s.Failures != 0 || len(s.Testcases) != 2 || s.Testcases[0].SystemErr != "" {
		t.Errorf("testcases changed: %+v", s)
	}
	// The notes are the only difference, just before </testsuite>.
	if strings.Contains(without.String(), "system-err") {
		t.Errorf("system-err without notes:\n%s", without.String())
	}
	el := "    <system-err>" + xmlContent(want) + "</system-err>\n"
	if got := strings.Replace(with.String(), el+"  </testsuite>", "  </testsuite>", 1); got != without.String() {
		t.Errorf("with notes:\n%s\nwithout:\n%s", with.String(), without.String())
	}
}

// HTML: a "Not checked" section under the totals, its text escaped like
// the rest of the page; none without notes.
func TestHTMLRunNotes(t *testing.T) {
	rs, notes := runNotes(t, snomedPatient)
	var with, without bytes.Buffer
	renderRun(t, fixedHTML(&with), rs, notes)
	renderRun(t, fixedHTML(&without), rs, nil)
	page := with.String()
	sec := strings.Index(page, `<section class="notchecked" id="not-checked">`)
	if sec < 0 || !strings.Contains(page[sec:], "<h2>Not checked</h2>") || !strings.Contains(page[sec:], "http://snomed.info/sct (SNOMED CT) in 1 payload not checked") {
		t.Fatalf("no Not checked section naming SNOMED CT:\n%s", page)
	}
	if sum, rules := strings.Index(page, `id="summary"`), strings.Index(page, `id="rules"`); !(sum < sec && (rules < 0 || sec < rules)) {
		t.Errorf("the section is not between the totals (%d) and the rules (%d): %d", sum, rules, sec)
	}
	if strings.Contains(without.String(), "not-checked") {
		t.Error("a Not checked section without notes")
	}
	end := strings.Index(page[sec:], "</section>\n") + sec + len("</section>\n")
	if page[:sec]+page[end:] != without.String() {
		t.Error("the page changed elsewhere than in the Not checked section")
	}

	// A note's text (a URL from a payload) is escaped.
	var evil bytes.Buffer
	renderRun(t, fixedHTML(&evil), rs, []validate.Issue{{Severity: validate.SeverityInformation, Rule: validate.RuleTerminologyOffline,
		Message: `codes of <script>alert(1)</script> in 1 payload not checked`}})
	if strings.Count(evil.String(), "<script") != 1 || !strings.Contains(evil.String(), "codes of &lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("a note's text reached the page unescaped")
	}
}

// Text and JSON lines leave the notes to stderr (JSON lines consumers parse
// one object per file), and the OperationOutcome reporter writes one
// resource per payload, NEMS's answer, which has no place for them.
func TestRunNotesOnlyWhereTheFormatHasAPlace(t *testing.T) {
	for _, format := range Formats {
		r, err := New(format, &bytes.Buffer{}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, takes := r.(RunNoteWriter)
		want := format == "sarif" || format == "junit" || format == "html"
		if takes != want {
			t.Errorf("%s: RunNoteWriter %v, want %v", format, takes, want)
		}
	}
}
