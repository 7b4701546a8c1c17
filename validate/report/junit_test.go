package report

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/validate"
)

type junitSuites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suite    []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			ClassName string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	warnOnly := &validate.Result{Source: "w.xml", Kind: "subscription", Issues: []validate.Issue{resBad.Issues[1]}}
	for _, tc := range []struct {
		name      string
		results   []*validate.Result
		tests     int
		failures  int
		failTypes []string // per testcase, "" when it passes
		inFailure string
	}{
		{"none", nil, 0, 0, nil, ""},
		{"mixed", []*validate.Result{resValid, resBad, warnOnly, resNoPlace}, 4, 2, []string{"", "fhir:cardinality", "", "fhir:size"},
			"dir/gp <1>.xml:12:5: error fhir:cardinality [INVALID_RESOURCE] Bundle.entry[0].resource.source: missing element <source>: expected 1..1\n" +
				"dir/gp <1>.xml:40:9: warning G23 Bundle.entry[3].resource.identifier[0].system: ODS system \"x\" & not the usual one\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			j := NewJUnit(&b)
			j.now = func() time.Time { return j.start.Add(1500 * time.Millisecond) }
			render(t, j, tc.results...)
			out := b.String()
			var v junitSuites
			if err := xml.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("not XML: %v\n%s", err, out)
			}
			if v.Tests != tc.tests || v.Failures != tc.failures || len(v.Suite) != 1 || v.Suite[0].Tests != tc.tests || v.Suite[0].Failures != tc.failures {
				t.Fatalf("totals wrong:\n%s", out)
			}
			if !strings.Contains(out, `time="1.500"`) {
				t.Errorf("suite time missing:\n%s", out)
			}
			cases := v.Suite[0].Cases
			if len(cases) != len(tc.failTypes) {
				t.Fatalf("%d testcases, want %d", len(cases), len(tc.failTypes))
			}
			for i, c := range cases {
				got := ""
				if c.Failure != nil {
					got = c.Failure.Type
				}
				if got != tc.failTypes[i] || c.Name != tc.results[i].Source {
					t.Errorf("testcase %d %q: failure type %q, want %q", i, c.Name, got, tc.failTypes[i])
				}
			}
			if tc.inFailure != "" && cases[1].Failure.Text != tc.inFailure {
				t.Errorf("failure text\n%q\nwant\n%q", cases[1].Failure.Text, tc.inFailure)
			}
			if tc.inFailure != "" && !strings.Contains(cases[2].SystemOut, "warning G23") {
				t.Errorf("warning of a valid file not in system-out: %q", cases[2].SystemOut)
			}
		})
	}
}

// TestSpool checks that a spool moves to a file past its memory budget and
// gives everything back in order.
func TestSpool(t *testing.T) {
	s := &spool{}
	defer s.close()
	line := strings.Repeat("x", 1023) + "\n"
	n := spoolMemory/len(line) + 10
	for i := 0; i < n; i++ {
		if err := s.write(line); err != nil {
			t.Fatal(err)
		}
	}
	if s.file == nil {
		t.Fatal("spool still in memory past its budget")
	}
	var b strings.Builder
	if err := s.copyTo(&b); err != nil {
		t.Fatal(err)
	}
	if b.Len() != n*len(line) {
		t.Errorf("spooled %d bytes, got back %d", n*len(line), b.Len())
	}
}

// TestJUnitCaseTime checks that each testcase carries how long its file
// took to validate.
func TestJUnitCaseTime(t *testing.T) {
	timed := &validate.Result{Source: "t.xml", Kind: "resource", Elapsed: 1234567 * time.Microsecond}
	var b strings.Builder
	render(t, NewJUnit(&b), timed)
	if want := `<testcase name="t.xml" classname="nemsfhir.resource" time="1.234567"/>`; !strings.Contains(b.String(), want) {
		t.Errorf("missing %s in\n%s", want, b.String())
	}
}
