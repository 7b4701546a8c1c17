package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/nemsfhir/nemsfhir/profiles/structuredef"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/report"
	"github.com/nemsfhir/nemsfhir/validate/schema"
)

func init() {
	register(&command{
		name:    "validate",
		summary: "validate FHIR STU3 payloads (files, folders, - for stdin) and report every issue",
		run:     runValidate,
	})
}

const validateUsage = `Usage: nemsfhir validate [flags] PATH...

Validates FHIR STU3 payloads, XML or JSON (found from the content), and
reports every issue with its place (line:column and FHIR path), the rule
broken and the Spine ErrorOrWarning code NEMS would answer with.

A PATH is a file (always read), - for standard input, or a folder searched
recursively: files named *.xml or *.json, and files without an extension
whose content is XML or JSON; hidden entries are skipped. Symlinks are
followed to files; only regular files are read, and a named pipe, device,
socket or symlinked folder that would be read is reported instead. --include limits
a folder to the files its globs match (any name), --exclude drops files and
whole folders; a glob matches the base name or the path under the folder.

The schema phase checks JSON against the JSON Schema generated from the
model, and XML against the generated XSD in builds with the tag libxml2
only ('nemsfhir --version' says which); --xsd refuses to run without it.

Files stream through N workers and the report keeps the order of the
inputs, in bounded memory whatever the corpus size.

Formats (--format):
  text     file:line:col: severity rule [SPINE_CODE] path: message, then a
           summary line; colour on a terminal unless NO_COLOR is set
  json     one JSON object per file per line
  outcome  the OperationOutcome NEMS would return (--outcome-format xml or
           json); several files give a Bundle of type collection, one
           OperationOutcome per file, its narrative naming the file
  junit    JUnit XML: one testcase per file, failures carry the issues
  sarif    SARIF 2.1.0 log, one result per issue
  html     one self-contained HTML page (no network): totals, issues by
           rule, a section per file, each issue with the lines of the
           payload around it; filters by severity, rule and file; prints
           as a report

--ig loads StructureDefinitions (with their ValueSets and CodeSystems) from
folders, files or FHIR packages (.tgz). Any file there that cannot be used
(not well-formed, a profile whose base is missing or a baseDefinition
cycle, over the size limits: 64 MB a file or package member, 512 MB
decompressed and 100,000 members a package) is reported with its place and
stops the run with status 2, as does a --profile URL that is not loaded.
Parts of loaded profiles that cannot be evaluated are warned about on
stderr.

Every extension is checked against its definition: the 376 STU3 core
extensions and the NHS England and CareConnect ones are built in, --ig adds
more. An extension whose definition is unknown is an error by default, as
with the reference validator; --unknown-extensions warning or ignore
relaxes that, and --extension-domain PREFIX accepts the unknown extensions
of one domain (both still say, at information level at least, that the
extension was not checked).

--shard K/N takes part K of N of the files, chosen by a hash of each
file's path below the folder given (a file named directly: its path as
given), so that N CI runners given the same PATHs check disjoint parts
that together cover every file, each part keeping its files when others
are added. Each runner's report is merged with the others': JSON lines
and text by concatenation, SARIF by concatenating the runs arrays, JUnit
by concatenating the testsuite elements. Unreadable PATHs are reported by
every runner.

Exit status: 0 when every payload is valid, 1 when any has an error (or a
warning, with --fail-on warning), 2 on a usage error, an --ig that cannot be
loaded or an unreadable input (the other inputs are still checked).

Flags:
`

// validateFlags holds the parsed flags of nemsfhir validate.
type validateFlags struct {
	format, outcomeFormat, failOn string
	workers                       int
	include, exclude              []string
	noSchema, noInvariants, xsd   bool
	maxSize                       int64
	quiet, summary                bool
	noRules                       bool
	rules                         []string
	kind, interaction, now        string
	ig, profiles                  []string
	shard                         string
	unknownExtensions             string
	extensionDomains              []string
}

func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f validateFlags
	fs := pflag.NewFlagSet("validate", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVarP(&f.format, "format", "o", "text", "report format: "+strings.Join(report.Formats, ", "))
	fs.StringVar(&f.outcomeFormat, "outcome-format", "xml", "FHIR format of --format outcome: xml or json")
	fs.IntVarP(&f.workers, "workers", "j", runtime.NumCPU(), "number of files validated at once")
	fs.StringArrayVar(&f.include, "include", nil, "in folders, read only files matching this glob (repeatable)")
	fs.StringArrayVar(&f.exclude, "exclude", nil, "in folders, skip files and folders matching this glob (repeatable)")
	fs.BoolVar(&f.noSchema, "no-schema", false, "skip the schema phase (JSON Schema for JSON; the generated XSD for XML in builds with it, see --version)")
	fs.BoolVar(&f.xsd, "xsd", false, "require the XSD check of XML payloads: a usage error on a build without it (built with -tags libxml2)")
	fs.BoolVar(&f.noInvariants, "no-invariants", false, "skip the evaluation of the STU3 constraints (FHIRPath invariants)")
	fs.BoolVar(&f.noRules, "no-rules", false, "skip the NEMS rule packs: check base FHIR STU3 only")
	fs.StringArrayVar(&f.rules, "rules", nil, "file or folder of extra rule packs, loaded on top of the built-in ones (repeatable)")
	fs.StringArrayVar(&f.ig, "ig", nil, "folder, file or FHIR package .tgz of StructureDefinitions used as profiles (repeatable)")
	fs.StringArrayVar(&f.profiles, "profile", nil, "profile URL (from --ig) every payload's root resource must meet, besides its meta.profile (repeatable)")
	fs.StringVar(&f.unknownExtensions, "unknown-extensions", validate.UnknownExtensionsError, "an extension with no built-in or --ig definition: error (as the reference validator), warning, or ignore (an information issue)")
	fs.StringArrayVar(&f.extensionDomains, "extension-domain", nil, "accept unknown extensions whose URL starts with this prefix, with an information issue (repeatable)")
	fs.StringVar(&f.kind, "kind", "", "take every payload as this kind instead of detecting it: event-message, subscription or resource")
	fs.StringVar(&f.interaction, "interaction", "create", "the subscription interaction a Subscription belongs to: create (id and meta forbidden) or read")
	fs.StringVar(&f.now, "now", "", "clock for date and age rules, RFC 3339 (default: the time of each validation); makes runs reproducible")
	fs.Int64Var(&f.maxSize, "max-size", validate.DefaultMaxSize, "largest payload accepted, in bytes (NEMS refuses bodies over 3 MB); negative for no limit")
	fs.StringVar(&f.failOn, "fail-on", "error", "lowest severity that makes the exit status 1: error or warning")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no per-file or per-issue output: only the summary line and the exit status")
	fs.BoolVar(&f.summary, "summary", false, "at the end, totals per rule and severity (on stderr for formats other than text)")
	fs.StringVar(&f.shard, "shard", "", "take only part `K/N` of the files (1 <= K <= N), chosen by path, for N CI runners that share a corpus")
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprint(stderr, validateUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "nemsfhir validate: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() == 0 {
		return usageErr("give at least one PATH (a file, a folder or -)")
	}
	if f.workers < 1 {
		return usageErr("--workers must be at least 1")
	}
	failOn := validate.SeverityError
	switch f.failOn {
	case "error":
	case "warning":
		failOn = validate.SeverityWarning
	default:
		return usageErr("unknown --fail-on %q: expected error or warning", f.failOn)
	}
	filter := inputFilter{include: f.include, exclude: f.exclude}
	if err := filter.check(); err != nil {
		return usageErr("%v", err)
	}
	stdinCount := 0
	for _, p := range fs.Args() {
		if p == "-" {
			stdinCount++
		}
	}
	if stdinCount > 1 {
		return usageErr("- (standard input) can be given only once")
	}
	var part shard
	if f.shard != "" {
		var err error
		if part, err = parseShard(f.shard); err != nil {
			return usageErr("%v", err)
		}
		if stdinCount > 0 {
			return usageErr("--shard splits files and folders; - (standard input) cannot be split between runners")
		}
	}
	var rep report.Reporter
	if !f.quiet {
		var err error
		rep, err = report.New(f.format, stdout, report.Options{
			Color:         f.format == "text" && isTerminal(stdout) && os.Getenv("NO_COLOR") == "",
			OutcomeFormat: f.outcomeFormat,
			Version:       version,
		})
		if err != nil {
			return usageErr("%v", err)
		}
	} else if _, err := report.New(f.format, io.Discard, report.Options{OutcomeFormat: f.outcomeFormat}); err != nil {
		return usageErr("%v", err)
	}
	switch f.kind {
	case "", "event-message", "subscription", "resource":
	default:
		return usageErr("unknown --kind %q: expected event-message, subscription or resource", f.kind)
	}
	if f.interaction != "create" && f.interaction != "read" {
		return usageErr("unknown --interaction %q: expected create or read", f.interaction)
	}
	var now time.Time
	if f.now != "" {
		var err error
		if now, err = time.Parse(time.RFC3339, f.now); err != nil {
			return usageErr("--now: %v", err)
		}
	}
	switch {
	case f.xsd && f.noSchema:
		return usageErr("--xsd and --no-schema together: the XSD check is part of the schema phase")
	case f.xsd && !schema.XSDBuiltIn:
		return usageErr("--xsd: %v", schema.ErrNoXSD)
	}
	v, err := validate.New(validate.Options{
		NoSchema: f.noSchema, RequireXSD: f.xsd, NoInvariants: f.noInvariants, MaxSize: f.maxSize,
		NoRules: f.noRules, RulePacks: f.rules, Kind: f.kind, Interaction: f.interaction, Now: now,
		IG: f.ig, Profiles: f.profiles,
		UnknownExtensions: f.unknownExtensions, ExtensionDomains: f.extensionDomains,
	})
	var loadErrs structuredef.LoadErrors
	var unknown *validate.UnknownProfileError
	switch {
	case errors.As(err, &loadErrs):
		// A profile asked for but not loaded would leave payloads
		// unjudged: no payload is checked.
		for _, e := range loadErrs {
			fmt.Fprintf(stderr, "nemsfhir validate: --ig: %v\n", e)
		}
		return usageErr("--ig: %d problem(s) loading the StructureDefinitions; nothing validated", len(loadErrs))
	case errors.As(err, &unknown):
		if len(f.ig) == 0 {
			return usageErr("--profile %s is not among the loaded profiles: no --ig was given to load it from", unknown.URL)
		}
		return usageErr("--profile %s is not among the loaded profiles: no StructureDefinition from --ig has this url", unknown.URL)
	case err != nil:
		return usageErr("%v", err)
	}
	for _, w := range v.LoadWarnings() {
		fmt.Fprintf(stderr, "nemsfhir validate: --ig: warning: %s\n", w)
	}

	done := make(chan struct{})
	defer close(done)
	var taken, seen int
	inputs := part.filterInputs(walkInputs(fs.Args(), filter, done), done, &taken, &seen)
	// A reporter that shows the payloads (html) gets their bytes along
	// with each result.
	srcRep, keepSource := rep.(report.SourceWriter)
	order := validateAll(v, inputs, stdin, f.workers, 4*f.workers+8, keepSource)

	prog := startProgress(stderr)
	var tally report.Tally
	code := exitOK
	for slot := range order {
		r := <-slot
		switch {
		case r.err != nil:
			fmt.Fprintf(stderr, "nemsfhir validate: %s: %v\n", r.in.path, unwrapPathError(r.err))
			code = exitUsage
			continue
		case r.skipped:
			continue
		}
		tally.Add(r.res)
		prog.add(r.res.Valid())
		if code == exitOK && r.res.Worst() != "" && r.res.Worst().AtLeast(failOn) {
			code = exitInvalid
		}
		if rep != nil {
			var err error
			if keepSource {
				err = srcRep.WriteSource(r.res, r.src)
			} else {
				err = rep.Write(r.res)
			}
			if err != nil {
				prog.stop()
				fmt.Fprintf(stderr, "nemsfhir validate: writing the report: %v\n", err)
				return exitUsage
			}
		}
	}
	prog.stop()
	if part.on() {
		fmt.Fprintf(stderr, "nemsfhir validate: --shard %s: %d of %d files\n", part, taken, seen)
	}
	if rep != nil {
		if err := rep.Flush(); err != nil {
			fmt.Fprintf(stderr, "nemsfhir validate: writing the report: %v\n", err)
			return exitUsage
		}
	} else {
		fmt.Fprintln(stdout, tally.Line())
	}
	if f.summary {
		w := stderr
		if f.quiet || f.format == "text" {
			w = stdout
		}
		tally.WriteTable(w)
	}
	return code
}

// validated is the outcome of one input.
type validated struct {
	in      input
	res     *validate.Result
	err     error
	skipped bool // a sniffed folder file that is neither XML nor JSON
	// src is the payload as read, kept only for a report.SourceWriter.
	src []byte
}

// validateAll validates the inputs with n workers. It returns, in input
// order, one slot per input that receives its result when ready; the
// caller takes each slot in turn and waits on it. At most window inputs are
// in flight between the walker and the caller, which bounds the results held
// while a slow file keeps the ones after it waiting. With keepSource each
// result carries the bytes it was made from.
func validateAll(v *validate.Validator, inputs <-chan input, stdin io.Reader, n, window int, keepSource bool) <-chan chan validated {
	type job struct {
		in   input
		slot chan validated
	}
	order := make(chan chan validated, window)
	jobs := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.slot <- validateInput(v, j.in, stdin, keepSource)
			}
		}()
	}
	go func() {
		for in := range inputs {
			slot := make(chan validated, 1)
			// Blocks while window results wait for the caller.
			order <- slot
			jobs <- job{in, slot}
		}
		close(jobs)
		close(order)
		wg.Wait()
	}()
	return order
}

// sniffLen is how much of a file without an extension is read to tell XML or
// JSON from anything else.
const sniffLen = 512

func validateInput(v *validate.Validator, in input, stdin io.Reader, keepSource bool) validated {
	if in.err != nil {
		return validated{in: in, err: in.err}
	}
	// ValidateReader bounds what it reads; the copy kept for the report is
	// exactly what it read.
	var src *bytes.Buffer
	keep := func(r io.Reader) io.Reader {
		if !keepSource {
			return r
		}
		src = &bytes.Buffer{}
		return io.TeeReader(r, src)
	}
	done := func(res *validate.Result, err error) validated {
		out := validated{in: in, res: res, err: err}
		if src != nil {
			out.src = src.Bytes()
		}
		return out
	}
	if in.stdin {
		return done(v.ValidateReader("-", keep(stdin)))
	}
	f, _, err := openRegular(in.path)
	if err != nil {
		return validated{in: in, err: err}
	}
	defer f.Close()
	var r io.Reader = f
	if in.sniff {
		head := make([]byte, sniffLen)
		k, err := io.ReadFull(f, head)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return validated{in: in, err: err}
		}
		head = head[:k]
		if validate.Sniff(head) == "" {
			return validated{in: in, skipped: true}
		}
		r = io.MultiReader(bytes.NewReader(head), f)
	}
	return done(v.ValidateReader(in.path, keep(r)))
}

// isTerminal reports whether w is a character device (a terminal), the
// condition for colours and progress.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress prints, on a terminal's stderr, a line that says how far a long
// run has got; it shows only after progressDelay so that short runs stay
// quiet.
type progress struct {
	files, invalid atomic.Int64
	quit           chan struct{}
	wg             sync.WaitGroup
	start          time.Time
}

const progressDelay = 2 * time.Second

func startProgress(stderr io.Writer) *progress {
	p := &progress{quit: make(chan struct{}), start: time.Now()}
	if !isTerminal(stderr) {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		shown := false
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.quit:
				if shown {
					fmt.Fprint(stderr, "\r\x1b[K")
				}
				return
			case now := <-tick.C:
				el := now.Sub(p.start)
				if el < progressDelay {
					continue
				}
				shown = true
				n := p.files.Load()
				fmt.Fprintf(stderr, "\r\x1b[K%d files, %.0f files/s, %d invalid so far", n, float64(n)/el.Seconds(), p.invalid.Load())
			}
		}
	}()
	return p
}

func (p *progress) add(valid bool) {
	p.files.Add(1)
	if !valid {
		p.invalid.Add(1)
	}
}

func (p *progress) stop() {
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	p.wg.Wait()
}
