package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/pflag"

	"github.com/nemsfhir/nemsfhir/profiles"
	"github.com/nemsfhir/nemsfhir/profiles/structuredef"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/inputs"
	"github.com/nemsfhir/nemsfhir/validate/issue"
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

const validateUsage = `Usage: nemsfhir validate [flags] [PATH...]

Validates FHIR STU3 payloads, XML or JSON (found from the content), and
reports every issue with its place (line:column and FHIR path), the rule
broken and the Spine ErrorOrWarning code NEMS would answer with.

A PATH is a file (always read), - for standard input, or a folder searched
recursively; with no PATH, standard input is read when it is a pipe or a
file rather than a terminal ('nemsfhir validate < message.xml'). In a folder,
the files read are those named *.xml or *.json, and those without an extension
whose content is XML or JSON; hidden entries are skipped. Symlinks are
followed to files; only regular files are read, and a named pipe, device,
socket or symlinked folder that would be read is reported instead. --include limits
a folder to the files its globs match (any name), --exclude drops files and
whole folders; a glob matches the base name or the path under the folder.

--schema adds an audit, the schema phase: JSON is checked again against the
JSON Schema generated from the model, and XML against the generated XSD in
builds with the tag libxml2 only ('nemsfhir --version' says which). The
model phases report what it finds, so it is off by default; --xsd runs it
and refuses to run without the XSD check.

Files stream through N workers and the report keeps the order of the
inputs, in bounded memory whatever the corpus size.

Formats (--format, -f), written to standard output or to --output FILE:
  text     file:line:col: severity rule [SPINE_CODE] path: message, then a
           summary line; colour on a terminal unless NO_COLOR is set; with
           --excerpt (the default on a terminal) each issue is followed by
           its line of the payload and a caret under its column
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
folders, files or FHIR packages (.tgz), and the Questionnaires there, against
which a QuestionnaireResponse naming one is checked (as it is against one
contained or in the same Bundle). Any file there that cannot be used
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

An input that cannot be read (missing, a named pipe, a folder without
payloads) is a record of the report in every format: a text line, a JSON
line with "error", a JUnit testcase with <error>, a SARIF
toolExecutionNotification, an OperationOutcome of type exception, an HTML
section; it is counted as unreadable in the totals.

Codes that cannot be checked offline (code systems such as SNOMED CT or
LOINC that are not defined in full, value sets that cannot be expanded) are
named once a run on stderr, as information; the sarif report carries them
as toolExecutionNotifications of level note (the run still succeeded), the
junit report in the testsuite's system-err, the html report in a "Not
checked" section under the totals. text, json and outcome leave them to
stderr.

-o was the short form of --format before it named the report's file: a
value with neither a dot nor a slash (-o json) still selects the format.
--workers is the old name of --jobs.

--cpuprofile FILE (hidden from the list of flags below) writes a Go CPU
profile of the run, from the loading of the rules to the last result, to
FILE, for 'go tool pprof': what to attach to a report of a slow run.

Exit status: 0 when every payload is valid, 1 when any has an error (or a
warning, with --fail-on warning), 2 on a usage error, an --ig that cannot be
loaded or an unreadable input (the other inputs are still checked).

Flags:
`

// validateFlags holds the parsed flags of nemsfhir validate.
type validateFlags struct {
	format, outcomeFormat, failOn string
	output                        string
	excerpt, noExcerpt            bool
	workers                       int
	include, exclude              []string
	schema, noSchema              bool
	noInvariants, xsd             bool
	maxSize                       int64
	quiet, summary                bool
	noRules                       bool
	rules                         []string
	kind, interaction, now        string
	ig, profiles                  []string
	shard                         string
	unknownExtensions             string
	extensionDomains              []string
	cpuProfile                    string
}

func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	var f validateFlags
	fs := pflag.NewFlagSet("validate", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVarP(&f.format, "format", "f", "text", "report format: "+strings.Join(report.Formats, ", "))
	fs.StringVarP(&f.output, "output", "o", "-", "write the report to `FILE` (- for standard output); a name without a dot or slash is taken as the old -o FORMAT")
	fs.StringVar(&f.outcomeFormat, "outcome-format", "xml", "FHIR format of --format outcome: xml or json")
	fs.IntVarP(&f.workers, "jobs", "j", runtime.NumCPU(), "validate up to `N` files at once")
	// --workers is the old name of --jobs, kept for scripts.
	fs.IntVar(&f.workers, "workers", runtime.NumCPU(), "old name of --jobs")
	fs.MarkHidden("workers")
	fs.BoolVar(&f.excerpt, "excerpt", false, "text format: show the source line of each issue with a caret under its column (default on a terminal)")
	fs.BoolVar(&f.noExcerpt, "no-excerpt", false, "text format: no source lines, even on a terminal")
	fs.StringArrayVar(&f.include, "include", nil, "in folders, read only files matching this glob (repeatable)")
	fs.StringArrayVar(&f.exclude, "exclude", nil, "in folders, skip files and folders matching this glob (repeatable)")
	fs.BoolVar(&f.schema, "schema", false, "audit: check each payload again against the JSON Schema (JSON) or the generated XSD (XML, in builds with it, see --version)")
	// --no-schema was the way to skip the schema phase, now off by
	// default; kept, hidden, so that scripts still run.
	fs.BoolVar(&f.noSchema, "no-schema", false, "no schema phase (the default)")
	fs.MarkHidden("no-schema")
	fs.BoolVar(&f.xsd, "xsd", false, "require the XSD check of XML payloads (implies --schema): a usage error on a build without it (built with -tags libxml2)")
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
	// Hidden, but told in the usage text: a tool for reports of slow runs.
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to `FILE`")
	fs.MarkHidden("cpuprofile")
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), validateUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		return usageError(stderr, "validate", format, a...)
	}
	paths := fs.Args()
	if len(paths) == 0 {
		// nemsfhir validate < file, or at the end of a pipe.
		if !stdinPiped(stdin) {
			return usageErr("give at least one PATH (a file, a folder or - for standard input)")
		}
		paths = []string{"-"}
	}
	if f.workers < 1 {
		return usageErr("--jobs must be at least 1")
	}
	// -o was the short form of --format before it named the report's
	// file: a name with neither a dot nor a slash keeps its old meaning,
	// so that -o json still selects the format and a mistyped -o yaml is
	// an unknown format rather than a file named yaml (./yaml names one).
	if fs.Changed("output") && f.output != "-" && !strings.ContainsAny(f.output, "./"+string(filepath.Separator)) {
		if fs.Changed("format") && f.format != f.output {
			return usageErr("-o %s and --format %s: -o with a format name is the old spelling of --format; give one", f.output, f.format)
		}
		f.format, f.output = f.output, "-"
	}
	switch {
	case f.excerpt && f.noExcerpt:
		return usageErr("--excerpt and --no-excerpt together: give one")
	case f.excerpt && f.format != "text":
		return usageErr("--excerpt is for --format text (the html report always shows the payload's lines)")
	}
	failOn := validate.SeverityError
	switch f.failOn {
	case "error":
	case "warning":
		failOn = validate.SeverityWarning
	default:
		return usageErr("unknown --fail-on %q: expected error or warning", f.failOn)
	}
	if err := (inputs.Options{Include: f.include, Exclude: f.exclude}).Check(); err != nil {
		return usageErr("%v", err)
	}
	stdinCount := 0
	for _, p := range paths {
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
	if _, err := report.New(f.format, io.Discard, report.Options{OutcomeFormat: f.outcomeFormat}); err != nil {
		return usageErr("%v", err)
	}
	if f.output != "-" {
		if err := checkReportPath(f.output, paths); err != nil {
			return usageErr("--output %s: %v", f.output, err)
		}
	}
	switch f.kind {
	case "", "event-message", "subscription", "resource":
	default:
		return usageErr("unknown --kind %q: expected event-message, subscription or resource", f.kind)
	}
	if f.interaction != "create" && f.interaction != "read" {
		return usageErr("unknown --interaction %q: expected create or read", f.interaction)
	}
	var now func() time.Time // nil: the time of each validation
	if f.now != "" {
		at, err := time.Parse(time.RFC3339, f.now)
		if err != nil {
			return usageErr("--now: %v", err)
		}
		now = func() time.Time { return at }
	}
	switch {
	case f.xsd && f.noSchema:
		return usageErr("--xsd and --no-schema together: the XSD check is part of the schema phase")
	case f.schema && f.noSchema:
		return usageErr("--schema and --no-schema together")
	case f.xsd && !schema.XSDBuiltIn:
		return usageErr("--xsd: %v", schema.ErrNoXSD)
	}
	in, _ := issue.ParseInteraction(f.interaction) // create or read, checked above
	if f.cpuProfile != "" {
		stopProfile, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return usageErr("--cpuprofile: %v", err)
		}
		defer func() {
			if err := stopProfile(); err != nil {
				fmt.Fprintf(stderr, "nemsfhir validate: --cpuprofile: %v\n", err)
				if code == exitOK {
					code = exitUsage
				}
			}
		}()
	}
	// SIGINT or SIGTERM stops the run, the loading of --ig included, as
	// in convert.
	ctx, stop := notifyInterrupt()
	defer stop()
	v, err := validate.NewContext(ctx, validate.Options{
		Schema: f.schema, RequireXSD: f.xsd, NoInvariants: f.noInvariants, MaxSize: f.maxSize,
		NoRules: f.noRules, RulePacks: f.rules, Kind: f.kind, Interaction: in, Now: now,
		IG: f.ig, Profiles: f.profiles,
		UnknownExtensions: f.unknownExtensions, ExtensionDomains: f.extensionDomains,
	})
	var loadErrs structuredef.LoadErrors
	var unknown *validate.UnknownProfileError
	switch {
	case err != nil && ctx.Err() != nil:
		return validateInterrupted(ctx, nil, nil, "", stderr)
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

	out := stdout
	if f.output != "-" {
		file, err := os.Create(f.output)
		if err != nil {
			fmt.Fprintf(stderr, "nemsfhir validate: --output: %v\n", err)
			return exitUsage
		}
		defer func() {
			if err := file.Close(); err != nil && code != exitUsage {
				fmt.Fprintf(stderr, "nemsfhir validate: writing the report: %v\n", err)
				code = exitUsage
			}
		}()
		out = file
	}
	var rep report.Reporter
	if !f.quiet {
		tty := isTerminal(out)
		rep, err = report.New(f.format, out, report.Options{
			Color:         f.format == "text" && tty && os.Getenv("NO_COLOR") == "",
			Excerpt:       f.excerptOn(tty),
			OutcomeFormat: f.outcomeFormat,
			Version:       version,
			RuleHelp:      packRuleHelp(v.RuleSet()),
		})
		if err != nil {
			return usageErr("%v", err)
		}
	}

	var taken, seen int
	walk := inputs.Walk(ctx, paths, inputs.Options{Include: f.include, Exclude: f.exclude, Stdin: stdin})
	// A reporter that shows the payloads (html, text with excerpts) gets
	// their bytes along with each result.
	srcRep, keepSource := rep.(report.SourceWriter)
	if n, ok := rep.(interface{ NeedsSource() bool }); ok && !n.NeedsSource() {
		keepSource = false
	}
	errRep, _ := rep.(report.InputErrorWriter)
	prog := startProgress(stderr)
	var tally report.Tally
	code = exitOK
	// errWriting stops the batch when the report cannot be written.
	var errWriting error
	err = v.ValidateAll(ctx, part.filter(walk, &taken, &seen), validate.BatchOptions{Workers: f.workers, KeepSource: keepSource}, func(r validate.BatchResult) error {
		switch {
		case r.Err != nil:
			// An input not read is a record of the report too, so that
			// the report never counts fewer files than were asked for.
			readErr := unwrapPathError(r.Err)
			fmt.Fprintf(stderr, "nemsfhir validate: %s: %v\n", r.Input.Name, readErr)
			code = exitUsage
			tally.AddUnreadable()
			if errRep != nil {
				if err := errRep.WriteInputError(r.Input.Name, readErr); err != nil {
					errWriting = err
					return err
				}
			}
			return nil
		case r.Skipped:
			return nil
		}
		tally.Add(r.Result)
		prog.add(r.Result.Valid())
		if code == exitOK && r.Result.Worst() != "" && r.Result.Worst().AtLeast(failOn) {
			code = exitInvalid
		}
		if rep != nil {
			var err error
			if keepSource {
				err = srcRep.WriteSource(r.Result, r.Source)
			} else {
				err = rep.Write(r.Result)
			}
			if err != nil {
				errWriting = err
				return err
			}
		}
		return nil
	})
	if ctx.Err() != nil {
		prog.stop()
		return validateInterrupted(ctx, &tally, rep, f.format, stderr)
	}
	if err != nil {
		prog.stop()
		if errWriting != nil {
			fmt.Fprintf(stderr, "nemsfhir validate: writing the report: %v\n", errWriting)
		} else {
			fmt.Fprintf(stderr, "nemsfhir validate: %v\n", err)
		}
		return exitUsage
	}
	prog.stop()
	notes := v.UncheckedTerminology()
	reportUncheckedTerminology(notes, stderr, f.quiet)
	if part.on() {
		fmt.Fprintf(stderr, "nemsfhir validate: --shard %s: %d of %d files\n", part, taken, seen)
	}
	if rep != nil {
		err := runNotes(rep, notes)
		if err == nil {
			err = rep.Flush()
		}
		if err != nil {
			fmt.Fprintf(stderr, "nemsfhir validate: writing the report: %v\n", err)
			return exitUsage
		}
	} else {
		fmt.Fprintln(out, tally.Line())
	}
	if f.summary {
		w := stderr
		if f.quiet || f.format == "text" {
			w = out
		}
		tally.WriteTable(w)
	}
	return code
}

// isTerminal reports whether w is a terminal, the condition for colours,
// excerpts and progress. Being a character device is not enough: /dev/null
// is one, and 'validate DIR >/dev/null' (only the exit status wanted) would
// render every excerpt, in colour, for nobody (a tenth of the run's time
// on the NEMS examples).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	// Control, not Fd: Fd would put the file back in blocking mode.
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	tty := false
	if err := rc.Control(func(fd uintptr) { tty = isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd) }); err != nil {
		return false
	}
	return tty
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

// checkReportPath refuses a --output file that is an input of the run or
// lies inside a folder being validated: it would be truncated before being
// read, or read while being written.
func checkReportPath(out string, paths []string) error {
	outInfo, err := os.Stat(out)
	if err == nil && outInfo.IsDir() {
		return errors.New("is a folder; give a file name")
	}
	outDir, err := filepath.EvalSymlinks(filepath.Dir(out))
	if err != nil {
		return fmt.Errorf("its folder cannot be used: %v", unwrapPathError(err))
	}
	if outDir, err = filepath.Abs(outDir); err != nil {
		return err
	}
	for _, p := range paths {
		if p == "-" {
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			continue // reported as unreadable in its turn
		}
		if !info.IsDir() {
			if outInfo != nil && os.SameFile(outInfo, info) {
				return fmt.Errorf("is the input %s; the report would overwrite it", p)
			}
			continue
		}
		dir, err := filepath.EvalSymlinks(p)
		if err != nil {
			continue
		}
		if dir, err = filepath.Abs(dir); err != nil {
			continue
		}
		if outDir == dir || strings.HasPrefix(outDir, dir+string(filepath.Separator)) {
			return fmt.Errorf("is inside the folder %s being validated; the report would be read as an input", p)
		}
	}
	return nil
}

// packRuleHelp describes the rules of the packs for the SARIF report: the
// rule's summary, the NEMS guide page and section it comes from, the text
// of 'nemsfhir profiles explain', and as address the row of the
// traceability matrix (profiles/traceability.tsv) that names it, else the
// README's account of what is checked.
func packRuleHelp(rs *profiles.RuleSet) func(string) (report.RuleHelp, bool) {
	if rs == nil {
		return nil
	}
	return func(id string) (report.RuleHelp, bool) {
		ex, ok := rs.Explain(id)
		if !ok {
			return report.RuleHelp{}, false
		}
		var h report.RuleHelp
		h.Short = ex.Rule.Summary
		h.Full = h.Short
		if src := profiles.GuideSource(ex.Section); src != "" {
			h.Full += " (NEMS guide: " + src + ")"
		}
		h.Help = ex.Format()
		h.URI = report.SARIFInformationURI + "#what-is-checked"
		if len(ex.Rows) > 0 {
			h.URI = fmt.Sprintf("%s/blob/main/profiles/traceability.tsv#L%d", report.SARIFInformationURI, ex.Rows[0].Line)
		}
		return h, true
	}
}

// excerptOn reports whether the text report shows source lines: asked
// for with --excerpt, or by default when the report goes to a terminal
// (a person reading), unless --no-excerpt.
func (f *validateFlags) excerptOn(tty bool) bool {
	return f.format == "text" && (f.excerpt || tty && !f.noExcerpt)
}

// validateInterrupted says that a signal stopped the run and what had been
// validated by then, and returns the signal's exit code (130 for SIGINT,
// 143 for SIGTERM, as convert). The payloads under way are dropped
// unjudged. A report of records that each stand alone (text, JSON lines)
// keeps those written, the text one with its summary line of them; a
// document (JUnit, SARIF, HTML, OperationOutcome) is left unfinished, so
// that an interrupted run never reads as a complete one.
func validateInterrupted(ctx context.Context, tally *report.Tally, rep report.Reporter, format string, stderr io.Writer) int {
	var sig interruption
	if !errors.As(context.Cause(ctx), &sig) {
		sig = interruption{os.Interrupt}
	}
	switch {
	case tally == nil:
		fmt.Fprintf(stderr, "nemsfhir validate: %v while loading --ig; nothing validated\n", sig)
		return sig.exitCode()
	case rep != nil && (format == "text" || format == "json"):
		if err := rep.Flush(); err != nil {
			fmt.Fprintf(stderr, "nemsfhir validate: writing the report: %v\n", err)
		}
	case rep != nil:
		fmt.Fprintf(stderr, "nemsfhir validate: the %s report is incomplete: it was not finished\n", format)
	}
	fmt.Fprintf(stderr, "nemsfhir validate: %v; %s; the rest was not validated\n", sig, tally.Line())
	return sig.exitCode()
}
