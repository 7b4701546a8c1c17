package report

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/nemsfhir/nemsfhir/validate"
)

// JSON writes one JSON object per payload per line (JSON Lines), easy to
// filter with jq or load into a table:
//
//	{"path":"a.xml","format":"xml","valid":false,"kind":"event-message",
//	 "eventType":"pds-change-of-gp-1","issues":[{"severity":"error",
//	 "code":"structure","spineCode":"INVALID_RESOURCE","rule":"...",
//	 "expression":"Bundle.entry[0]...","line":3,"column":5,"message":"..."}]}
//
// issues is always an array, empty for a clean payload. An input that
// could not be read is a record too, with valid false, kind "unknown" and
// the reason in "error":
//
//	{"path":"gone.xml","valid":false,"kind":"unknown","error":"not read: ...","issues":[]}
type JSON struct {
	w   *bufio.Writer
	enc *json.Encoder
}

// NewJSON returns a JSON Lines reporter.
func NewJSON(w io.Writer) *JSON {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &JSON{w: bw, enc: enc}
}

type jsonRecord struct {
	Path      string           `json:"path"`
	Format    string           `json:"format,omitempty"`
	Valid     bool             `json:"valid"`
	Kind      string           `json:"kind"`
	EventType string           `json:"eventType,omitempty"`
	Error     string           `json:"error,omitempty"`
	Issues    []validate.Issue `json:"issues"`
}

// Write implements Reporter.
func (j *JSON) Write(r *validate.Result) error {
	rec := jsonRecord{Path: r.Source, Format: r.Format, Valid: r.Valid(), Kind: r.Kind, EventType: r.EventType, Issues: r.Issues}
	if rec.Issues == nil {
		rec.Issues = []validate.Issue{}
	}
	return j.encode(rec)
}

// WriteInputError implements InputErrorWriter.
func (j *JSON) WriteInputError(source string, err error) error {
	return j.encode(jsonRecord{Path: source, Kind: "unknown", Error: inputErrorText(err), Issues: []validate.Issue{}})
}

func (j *JSON) encode(rec jsonRecord) error {
	if err := j.enc.Encode(rec); err != nil {
		return err
	}
	if j.w.Buffered() > 32<<10 {
		return j.w.Flush()
	}
	return nil
}

// Flush implements Reporter.
func (j *JSON) Flush() error { return j.w.Flush() }
