package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/nemsfhir/nemsfhir/validate"
)

func init() {
	register(&command{
		name:    "validate",
		summary: "validate FHIR STU3 payloads (files, folders, - for stdin) and report every issue",
		run:     runValidate,
	})
}

func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("validate", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json (one JSON object per file per line)")
	noSchema := fs.Bool("no-schema", false, "skip the schema phase (the generated XSD for XML, JSON Schema for JSON)")
	maxSize := fs.Int64("max-size", validate.DefaultMaxSize, "largest payload accepted, in bytes (NEMS refuses bodies over 3 MB)")
	workers := fs.Int("workers", runtime.NumCPU(), "number of files validated at once")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: nemsfhir validate [flags] PATH...

Validates FHIR STU3 payloads, XML or JSON (found from the content), and
reports every issue with its place (line:column and FHIR path), the rule
broken and the Spine ErrorOrWarning code NEMS would answer with. A PATH is
a file, a folder (searched recursively for .xml and .json files) or - for
standard input. Output keeps the order of the inputs.

Exit status: 0 when every payload is valid, 1 when any has an error, 2 on a
usage error or an unreadable input (the other inputs are still checked).

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "nemsfhir validate: unknown --format %q: expected text or json\n", *format)
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "nemsfhir validate: give at least one PATH (a file, a folder or -)")
		return exitUsage
	}
	if *workers < 1 {
		fmt.Fprintln(stderr, "nemsfhir validate: --workers must be at least 1")
		return exitUsage
	}
	v, err := validate.New(validate.Options{NoSchema: *noSchema, MaxSize: *maxSize})
	if err != nil {
		fmt.Fprintf(stderr, "nemsfhir validate: %v\n", err)
		return exitUsage
	}

	inputs, walkErrs := collectInputs(fs.Args(), []string{".xml", ".json"})
	code := exitOK
	for _, e := range walkErrs {
		fmt.Fprintf(stderr, "nemsfhir validate: %v\n", e)
		code = exitUsage
	}
	results := validateAll(v, inputs, stdin, *workers)
	var files, invalid, errs, warns int
	for r := range results {
		if r.err != nil {
			fmt.Fprintf(stderr, "nemsfhir validate: %v\n", r.err)
			code = exitUsage
			continue
		}
		files++
		if !r.res.Valid() {
			invalid++
			if code == exitOK {
				code = exitInvalid
			}
		}
		errs += r.res.Count(validate.SeverityError) + r.res.Count(validate.SeverityFatal)
		warns += r.res.Count(validate.SeverityWarning)
		switch *format {
		case "json":
			writeJSONLine(stdout, r.res)
		default:
			writeText(stdout, r.res)
		}
	}
	if *format == "text" {
		fmt.Fprintf(stdout, "%d files checked: %d valid, %d invalid; %d errors, %d warnings\n", files, files-invalid, invalid, errs, warns)
	}
	return code
}

// input is one payload to read: a file, or standard input.
type input struct {
	path  string
	stdin bool
}

type validated struct {
	res *validate.Result
	err error
}

// validateAll validates the inputs with n workers and delivers the results
// in input order: each worker writes into its input's slot and the reader
// waits on the slots in turn.
func validateAll(v *validate.Validator, inputs []input, stdin io.Reader, n int) <-chan validated {
	slots := make([]chan validated, len(inputs))
	for i := range slots {
		slots[i] = make(chan validated, 1)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				slots[i] <- validateInput(v, inputs[i], stdin)
			}
		}()
	}
	go func() {
		for i := range inputs {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
	}()
	out := make(chan validated)
	go func() {
		for _, s := range slots {
			out <- <-s
		}
		close(out)
	}()
	return out
}

func validateInput(v *validate.Validator, in input, stdin io.Reader) validated {
	if in.stdin {
		res, err := v.ValidateReader("-", stdin)
		return validated{res, err}
	}
	f, err := os.Open(in.path)
	if err != nil {
		return validated{err: err}
	}
	defer f.Close()
	res, err := v.ValidateReader(in.path, f)
	return validated{res, err}
}

// writeText prints one line per issue in the compiler style
// "file:line:col: severity rule [SPINE_CODE] path: message".
func writeText(w io.Writer, r *validate.Result) {
	var b strings.Builder
	for _, is := range r.Issues {
		b.WriteString(r.Source)
		b.WriteByte(':')
		if is.Line > 0 {
			fmt.Fprintf(&b, "%d:%d:", is.Line, is.Column)
		}
		fmt.Fprintf(&b, " %s %s [%s]", is.Severity, is.Rule, is.Spine)
		if is.Path != "" {
			b.WriteString(" " + is.Path)
		}
		b.WriteString(": " + is.Message + "\n")
	}
	io.WriteString(w, b.String())
}

// jsonLine is the JSON reporter's record for one file.
type jsonLine struct {
	Path      string           `json:"path"`
	Valid     bool             `json:"valid"`
	Kind      string           `json:"kind"`
	EventType string           `json:"eventType,omitempty"`
	Issues    []validate.Issue `json:"issues"`
}

func writeJSONLine(w io.Writer, r *validate.Result) {
	line := jsonLine{Path: r.Source, Valid: r.Valid(), Kind: r.Kind, EventType: r.EventType, Issues: r.Issues}
	if line.Issues == nil {
		line.Issues = []validate.Issue{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(line)
}
