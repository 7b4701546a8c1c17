package report

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nemsfhir/nemsfhir/validate"
)

// JUnit writes the JUnit XML that CI servers (Jenkins, GitLab, Azure
// DevOps, ...) show as a test report: one testsuite "nemsfhir validate",
// one testcase per payload named by its path, and for an invalid payload a
// failure whose message counts the errors and whose text lists every issue
// in the text reporter's form. Warnings and information of a valid payload
// go into the testcase's system-out. An input that could not be read is a
// testcase with an error element (counted in the errors attributes), so
// that the run does not look green.
//
// Notes about the run (WriteRunNotes: codes that could not be checked
// offline) go into the testsuite's system-err, one line each as the CLI
// prints them on stderr. Jenkins shows a suite's system-err as the
// standard error of each of its testcases that has none of its own (ours
// never have), so the note is in front of whoever opens a file's result;
// GitLab shows neither suite-level output nor properties, which is why
// properties would gain nothing. Being inside the testsuite, the notes of
// each --shard runner survive the concatenation of testsuite elements.
//
// The testsuite element carries the totals, which are known only at the end,
// so testcases are spooled (in memory up to spoolMemory bytes, then in a
// temporary file) and copied out on Flush.
type JUnit struct {
	w        io.Writer
	spool    *spool
	tally    Tally
	start    time.Time
	now      func() time.Time // for tests
	hostname string
	notes    strings.Builder // the lines of system-err
}

// NewJUnit returns a JUnit XML reporter.
func NewJUnit(w io.Writer) *JUnit {
	h, _ := os.Hostname()
	return &JUnit{w: w, spool: &spool{}, start: time.Now(), now: time.Now, hostname: h}
}

// Write implements Reporter.
func (j *JUnit) Write(r *validate.Result) error {
	j.tally.Add(r)
	var b strings.Builder
	class := "nemsfhir." + r.Kind
	if r.EventType != "" {
		class += "." + r.EventType
	}
	fmt.Fprintf(&b, "    <testcase name=\"%s\" classname=\"%s\" time=\"%.6f\"", xmlAttr(r.Source), xmlAttr(class), r.Elapsed.Seconds())
	if len(r.Issues) == 0 {
		b.WriteString("/>\n")
		return j.spool.write(b.String())
	}
	b.WriteString(">\n")
	var lines strings.Builder
	for _, is := range r.Issues {
		lines.WriteString(r.Source + ":" + issueText(is) + "\n")
	}
	if !r.Valid() {
		errs := r.Count(validate.SeverityError) + r.Count(validate.SeverityFatal)
		first := firstError(r)
		fmt.Fprintf(&b, "      <failure message=\"%s\" type=\"%s\">%s</failure>\n",
			xmlAttr(fmt.Sprintf("%d %s: %s", errs, plural(errs, "error", "errors"), first.Message)),
			xmlAttr(first.Rule), xmlContent(lines.String()))
	} else {
		fmt.Fprintf(&b, "      <system-out>%s</system-out>\n", xmlContent(lines.String()))
	}
	b.WriteString("    </testcase>\n")
	return j.spool.write(b.String())
}

// WriteInputError implements InputErrorWriter.
func (j *JUnit) WriteInputError(source string, err error) error {
	j.tally.AddUnreadable()
	msg := inputErrorText(err)
	return j.spool.write(fmt.Sprintf("    <testcase name=\"%s\" classname=\"nemsfhir.unreadable\" time=\"0\">\n      <error message=\"%s\" type=\"unreadable\">%s</error>\n    </testcase>\n",
		xmlAttr(source), xmlAttr(msg), xmlContent(source+": "+msg+"\n")))
}

// WriteRunNotes implements RunNoteWriter.
func (j *JUnit) WriteRunNotes(notes []validate.Issue) error {
	for _, is := range notes {
		j.notes.WriteString("nemsfhir validate: " + NoteText(is) + "\n")
	}
	return nil
}

func firstError(r *validate.Result) validate.Issue {
	for _, is := range r.Issues {
		if is.Severity.IsError() {
			return is
		}
	}
	return validate.Issue{}
}

// Flush implements Reporter.
func (j *JUnit) Flush() error {
	defer j.spool.close()
	bw := bufio.NewWriter(j.w)
	secs := fmt.Sprintf("%.3f", j.now().Sub(j.start).Seconds())
	fmt.Fprintf(bw, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	fmt.Fprintf(bw, "<testsuites name=\"nemsfhir\" tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%s\">\n", j.tally.Files, j.tally.Invalid, j.tally.Unreadable, secs)
	fmt.Fprintf(bw, "  <testsuite name=\"nemsfhir validate\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" time=\"%s\" timestamp=\"%s\" hostname=\"%s\">\n",
		j.tally.Files, j.tally.Invalid, j.tally.Unreadable, secs, j.start.UTC().Format("2006-01-02T15:04:05"), xmlAttr(j.hostname))
	if err := j.spool.copyTo(bw); err != nil {
		return err
	}
	if j.notes.Len() > 0 {
		// After the testcases: the JUnit schema Jenkins reads puts
		// system-out and system-err last in a testsuite.
		fmt.Fprintf(bw, "    <system-err>%s</system-err>\n", xmlContent(j.notes.String()))
	}
	bw.WriteString("  </testsuite>\n</testsuites>\n")
	return bw.Flush()
}

// xmlAttr escapes s for an attribute value or element text, including the
// characters XML 1.0 forbids (a message may quote a control character from a
// bad payload).
func xmlAttr(s string) string { return xmlText(strings.Map(xmlSafe, s)) }

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// xmlContent escapes s for element text, keeping its line breaks.
func xmlContent(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(strings.Map(xmlSafe, s))
}

func xmlSafe(r rune) rune {
	if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF) {
		return r
	}
	return '\uFFFD'
}

// spoolMemory is how much a spool keeps in memory before moving to a
// temporary file.
const spoolMemory = 4 << 20

// spool keeps text for later: in memory while small, then in a temporary
// file, so that memory stays bounded whatever the corpus.
type spool struct {
	mem  bytes.Buffer
	file *os.File
	bw   *bufio.Writer
}

func (s *spool) write(str string) error {
	if s.file == nil && s.mem.Len()+len(str) <= spoolMemory {
		s.mem.WriteString(str)
		return nil
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "nemsfhir-spool-*")
		if err != nil {
			return err
		}
		// Removed at once: the open handle is all we need, and nothing is
		// left behind if the process dies.
		os.Remove(f.Name())
		s.file, s.bw = f, bufio.NewWriter(f)
		if _, err := s.mem.WriteTo(s.bw); err != nil {
			return err
		}
	}
	_, err := s.bw.WriteString(str)
	return err
}

func (s *spool) copyTo(w io.Writer) error {
	if s.file == nil {
		_, err := s.mem.WriteTo(w)
		return err
	}
	if err := s.bw.Flush(); err != nil {
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.file)
	return err
}

func (s *spool) close() {
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
	s.mem.Reset()
}
