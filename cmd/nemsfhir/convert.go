package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/nemsfhir/nemsfhir/internal/batch"
	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

func init() {
	register(&command{
		name:    "convert",
		summary: "convert FHIR STU3 resources between XML and JSON",
		run:     runConvert,
	})
}

const convertHelp = `Usage: nemsfhir convert --to json|xml|MEDIA-TYPE [-o DIR | -o -] [--force] [--pretty] PATH...

Converts FHIR STU3 resources from XML to JSON or from JSON to XML, checking
each one against the STU3 model on the way. A PATH is a file, a folder or
- for standard input; with no PATH, standard input is read when it is a
pipe or a file rather than a terminal. A folder is searched recursively for the files of the
other format (*.xml with --to json, *.json with --to xml; hidden folders
are skipped); a file or standard input is converted whatever its name, its
format being read from its first character.

Where the output goes:
  (no -o)   next to each input, named like it with the new extension.
            Standard input goes to standard output.
  -o DIR    into DIR (created if missing), mirroring the layout of the
            folders given. Standard input becomes DIR/stdin.json or
            DIR/stdin.xml.
  -o -      all outputs to standard output, one after the other.

A file that existed before the run is never replaced unless --force is
given, and an input of the run never is, not even with --force: paths are
compared with every symlink resolved, the last element's too, so an output
that names an input through a symlink or another spelling is refused. Two
inputs never write the same output. Each output file is written to a
temporary file in its folder and renamed into place, so a reader never sees
half a file; on SIGINT or SIGTERM the temporary files are removed and the
exit status is 130 or 143.

Only regular files are read: symlinks are followed, but a named pipe, a
device or a socket is refused and never read (- reads standard input). An
input larger than --max-size is refused before it is read, and standard
input is read up to that size; the inputs being converted at once total at
most --max-size, whatever --jobs, so that memory stays bounded.

A refused or bad input does not stop the batch. Problems are printed as
file:line:col: path: message, and what the target format cannot hold (XML
comments, xsi:schemaLocation) as file:line:col: warning: message.

--shard K/N converts part K of N of the files, chosen by a hash of each
file's path below the folder given (a file named directly: its path as
given), so that N CI runners given the same PATHs share the work.

Exit status: 0 all converted, 1 some input is not a valid resource,
2 usage error, refused input or output, or I/O error, 130 or 143 stopped
by SIGINT or SIGTERM.

Examples:
  nemsfhir convert --to json -o out/ corpus/
  nemsfhir convert --to application/fhir+xml --pretty -o - subscription.json
  curl -s ... | nemsfhir convert --to json -

Flags:
`

// defaultMaxInput is the default of --max-size: far above the 3 MB NEMS
// accepts and the few MB of the largest STU3 bundles, low enough that a
// wrong path (a disk image) is refused at once and that the conversions in
// flight, which hold at most this much input between them, stay within
// about 1 GB of memory.
const defaultMaxInput = 64 << 20

// maxMaxInput is the highest --max-size: an input is held in one []byte,
// whose length must fit an int on every platform, one byte more included.
const maxMaxInput = 1<<31 - 2

// convertLiveFactor is the memory a conversion holds live, as a multiple
// of its input: about 10 for a 40 MB JSON Bundle converted to XML (the
// costlier direction: the input, its tree and the output), measured with
// the collector at GOGC=25; the rest is margin.
const convertLiveFactor = 12

// convertMemoryLimit is the soft memory limit of a run whose inputs in
// flight hold at most maxInput bytes between them: what they keep live plus
// the model and the program. Without it the collector, at the GOGC of 400
// set in main, lets garbage grow to several times that: 1.8 GB for four
// 32 MB files at -j 2 instead of 0.8 GB.
func convertMemoryLimit(maxInput int64) int64 {
	return convertLiveFactor*maxInput + 64<<20
}

// convertJob is one input of a conversion and where its output goes.
type convertJob struct {
	in     string      // path, or "-" for standard input
	name   string      // the name used in messages
	out    string      // output path; "" for standard output
	mode   fs.FileMode // permission bits for the output file
	refuse string      // set when the input must not be read or the output written, and why
	found  bool        // found in a folder, rather than named by the user
	size   int64       // bytes of input held while converting: the file's size when planned, or the cap for standard input
	input  inputs.Input
}

// convertResult is what a worker found for one job.
type convertResult struct {
	data  []byte   // the output, when it goes to standard output
	diags []string // lines for standard error
	code  int      // exitOK, exitInvalid or exitUsage
}

func runConvert(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := pflag.NewFlagSet("convert", pflag.ContinueOnError)
	flags.SetOutput(stderr)
	to := flags.String("to", "", "target format: json, xml or a FHIR media type (application/fhir+json, application/xml+fhir, ...); required")
	outDir := flags.StringP("output", "o", "", "write outputs into `DIR`, or \"-\" for standard output (default: next to each input)")
	pretty := flags.Bool("pretty", false, "indent the output by two spaces")
	quiet := flags.BoolP("quiet", "q", false, "do not print warnings (content the other format cannot hold, such as XML comments)")
	jobs := flags.IntP("jobs", "j", runtime.GOMAXPROCS(0), "convert up to `N` files at once")
	force := flags.Bool("force", false, "replace output files that existed before the run (never an input of the run)")
	maxSize := flags.Int64("max-size", defaultMaxInput, fmt.Sprintf(
		"largest input read, in `BYTES`, files and standard input alike; larger ones are refused unread. "+
			"The inputs being converted at once total at most this, whatever --jobs, and the Go memory limit is set "+
			"to %d times it plus 64 MiB (unless GOMEMLIMIT is set), so memory stays near that: %s at the default",
		convertLiveFactor, sizeText(convertMemoryLimit(defaultMaxInput))))
	shardFlag := flags.String("shard", "", "convert only part `K/N` of the files (1 <= K <= N), chosen by path, for N CI runners that share a corpus")
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), convertHelp)
		flags.PrintDefaults()
	}
	usageErr := func(format string, a ...any) int {
		return usageError(stderr, "convert", format, a...)
	}
	if code, ok := parseFlags(flags, args, stdout, stderr); !ok {
		return code
	}
	if *to == "" {
		return usageErr("--to is required (json, xml or a FHIR media type)")
	}
	target, err := transform.ParseFormatParam(*to)
	if err != nil {
		reason := err.Error()
		var me *transform.MediaTypeError
		if errors.As(err, &me) {
			reason = me.Reason
		}
		return usageErr("--to %q: %s; use json, xml or a FHIR media type such as application/fhir+json", *to, reason)
	}
	paths := flags.Args()
	if len(paths) == 0 {
		// nemsfhir convert --to json < file, or at the end of a pipe.
		if !stdinPiped(stdin) {
			return usageErr("no PATH given (use - for standard input)")
		}
		paths = []string{"-"}
	}
	if *jobs < 1 {
		return usageErr("--jobs must be at least 1")
	}
	if *maxSize < 1 || *maxSize > maxMaxInput {
		return usageErr("--max-size must be from 1 to %d bytes (2 GiB); an input is held in memory", int64(maxMaxInput))
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(convertMemoryLimit(*maxSize)))
	}
	ctx, stop := notifyInterrupt()
	defer stop()
	c := &converter{
		to:       target.Format,
		pretty:   *pretty,
		quiet:    *quiet,
		force:    *force,
		maxSize:  *maxSize,
		toStdout: *outDir == "-",
		stdin:    stdin,
		ctx:      ctx,
		temps:    newLiveTemps(),
	}
	if *outDir != "" && *outDir != "-" {
		c.outDir = filepath.Clean(*outDir)
		if err := os.MkdirAll(c.outDir, 0o755); err != nil {
			fmt.Fprintf(stderr, "nemsfhir convert: %v\n", err)
			return exitUsage
		}
	}
	stdinSeen := false
	for _, a := range paths {
		if a == "-" {
			if stdinSeen {
				return usageErr("- (standard input) is given more than once")
			}
			stdinSeen = true
		}
	}
	part, msg := convertShard(*shardFlag, stdinSeen)
	if msg != "" {
		return usageErr("%s", msg)
	}

	jobList, code := c.plan(paths, stderr)
	jobList = part.filterJobs(jobList, stderr)
	code = max(code, c.run(jobList, *jobs, stdout, stderr))
	return code
}

// converter holds the settings of one convert run.
type converter struct {
	to       transform.Format
	pretty   bool
	quiet    bool
	force    bool   // replace files that existed before the run
	maxSize  int64  // --max-size: the largest input, and the input held at once
	outDir   string // "" unless -o DIR
	toStdout bool   // -o -
	stdin    io.Reader
	ctx      context.Context // cancelled, with an interruption as cause, by SIGINT or SIGTERM
	temps    *liveTemps      // temporary output files not yet in place

	dirKeys map[string]string // resolved folder paths, cached
}

// plan turns the PATH arguments into jobs: it walks folders, names each
// output and marks the outputs that must not be written. It reports
// unreadable paths on stderr and returns exitUsage if there were any.
func (c *converter) plan(args []string, stderr io.Writer) ([]*convertJob, int) {
	code := exitOK
	var list []*convertJob
	from := sourceFormat(c.to)
	walk := inputs.Walk(c.ctx, args, inputs.Options{Exts: []string{from.Ext()}, NoSniff: true, Stdin: c.stdin})
	for in := range walk {
		var nr *inputs.NotRegularError
		switch {
		case in.Name == "-" && in.Err == nil:
			j := &convertJob{in: "-", name: "<stdin>", mode: 0o644, size: c.maxSize, input: in}
			if c.outDir != "" {
				j.out = filepath.Join(c.outDir, "stdin"+c.to.Ext())
			}
			list = append(list, j)
		case errors.Is(in.Err, inputs.ErrNoPayloads):
			// Most likely the wrong --to: say what was looked for.
			fmt.Fprintf(stderr, "%s: no *%s files in this folder (--to %s converts %s files)\n",
				in.Name, from.Ext(), c.to, strings.ToUpper(from.String()))
			code = exitUsage
		case in.Err != nil && in.Rel == "" && !errors.As(in.Err, &nr):
			// A PATH or a folder that cannot be read: said now, as no
			// job can stand for it.
			fmt.Fprintf(stderr, "%s: %v\n", in.Name, unwrapPathError(in.Err))
			code = exitUsage
		default:
			// A file, named or found in a folder; refused when it is not
			// a regular file or cannot be followed.
			list = append(list, c.fileJob(in))
		}
	}

	// Refuse outputs that would replace an input, another job's output or
	// a file that was there before the run. An input is known by two keys,
	// its folder resolved and its real path (the last element resolved
	// too), so that an output that is the input under another name, a
	// symlink or its target, is caught whichever way round.
	inputs := map[string]string{}
	for _, j := range list {
		if j.in != "-" {
			inputs[c.key(j.in)] = j.in
			if r := realPath(j.in); r != "" {
				inputs[r] = j.in
			}
		}
	}
	outputs := map[string]string{}
	for _, j := range list {
		if j.out == "" || j.refuse != "" {
			continue
		}
		k := c.key(j.out)
		in := inputs[k]
		if in == "" {
			if r := realPath(j.out); r != "" {
				in = inputs[r]
			}
		}
		switch {
		case in == j.out:
			j.refuse = fmt.Sprintf("refusing to overwrite input %s", in)
		case in != "":
			j.refuse = fmt.Sprintf("refusing to overwrite input %s: the output %s is the same file under another name", in, j.out)
		case outputs[k] != "":
			j.refuse = fmt.Sprintf("refusing to write %s, which is also the output of %s", j.out, outputs[k])
		case !c.force && pathExists(j.out):
			j.refuse = fmt.Sprintf("refusing to replace %s, which existed before this run (--force replaces it)", j.out)
		}
		if j.refuse == "" {
			outputs[k] = j.name
		}
	}
	return list, code
}

// fileJob makes the job for the file of in: named on the command line, or
// found in a folder (in.Rel, its path below it, names its output in -o
// DIR).
func (c *converter) fileJob(in inputs.Input) *convertJob {
	p := in.Name
	j := &convertJob{in: p, name: p, mode: in.Mode.Perm() | 0o200, found: in.Rel != "", input: in}
	switch {
	case in.Err != nil:
		j.refuse = unwrapPathError(in.Err).Error()
	case in.Size > c.maxSize:
		j.refuse = tooLarge(in.Size, c.maxSize)
	default:
		j.size = in.Size
	}
	rel := filepath.FromSlash(in.Rel)
	if rel == "" {
		rel = filepath.Base(p)
	}
	switch {
	case c.toStdout:
	case c.outDir != "":
		j.out = filepath.Join(c.outDir, swapExt(rel, c.to))
	default:
		j.out = swapExt(p, c.to)
	}
	return j
}

// swapExt replaces the extension of p with the one of format f.
func swapExt(p string, f transform.Format) string {
	return strings.TrimSuffix(p, filepath.Ext(p)) + f.Ext()
}

// key names the file at p for comparisons: its folder fully resolved, its
// own name as is. Renaming onto a symlink replaces the link, not its
// target, so the last element must not be resolved.
func (c *converter) key(p string) string {
	dir, base := filepath.Split(filepath.Clean(p))
	if c.dirKeys == nil {
		c.dirKeys = map[string]string{}
	}
	k, ok := c.dirKeys[dir]
	if !ok {
		k = dir
		if abs, err := filepath.Abs(dir); err == nil {
			k = abs
			if r, err := filepath.EvalSymlinks(abs); err == nil {
				k = r
			}
		}
		c.dirKeys[dir] = k
	}
	return filepath.Join(k, base)
}

// realPath returns the absolute path of p with every symlink resolved,
// the last element's too, or "" when p does not exist.
func realPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	r, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return ""
	}
	return r
}

func pathExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// run converts the jobs with up to n workers (transform.ConvertAll) and
// reports the results in job order, so the output does not depend on
// timing. The workers write the output files; what goes to standard output
// waits for its turn, and the bytes of input held by the jobs in flight
// total at most --max-size, whatever n. On SIGINT or SIGTERM it removes the
// temporary files of the outputs being written and returns at once with
// 128 plus the signal's number.
func (c *converter) run(list []*convertJob, n int, stdout, stderr io.Writer) int {
	ins := make([]inputs.Input, len(list))
	for i, j := range list {
		ins[i] = c.input(j)
	}
	opts := transform.BatchOptions{
		To: c.to, Options: transform.Options{Pretty: c.pretty}, Workers: n, MaxSize: c.maxSize,
		Write: func(i int, _ inputs.Input, out []byte) (bool, error) {
			j := list[i]
			if j.out == "" {
				return false, nil // standard output, in its turn
			}
			return true, c.temps.writeAtomic(j.out, out, j.mode, !c.force)
		},
	}
	code := exitOK
	done, converted, invalid, failed := 0, 0, 0, 0
	err := transform.ConvertAll(c.ctx, slices.Values(ins), opts, func(br transform.BatchResult) error {
		j := list[br.Index]
		r := c.outcome(j, br)
		done++
		for _, d := range r.diags {
			fmt.Fprintln(stderr, d)
		}
		if r.data != nil {
			if !bytes.HasSuffix(r.data, []byte("\n")) {
				r.data = append(r.data, '\n')
			}
			if _, err := stdout.Write(r.data); err != nil {
				fmt.Fprintf(stderr, "%s: writing to standard output: %v\n", j.name, err)
				r.code = exitUsage
			}
		}
		switch r.code {
		case exitOK:
			converted++
		case exitInvalid:
			invalid++
		default:
			failed++
		}
		code = max(code, r.code)
		return nil
	})
	if c.ctx.Err() != nil {
		return c.interrupted(done, len(list), stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nemsfhir convert: %v\n", err)
		return exitUsage
	}
	if invalid+failed > 0 {
		fmt.Fprintf(stderr, "nemsfhir convert: %d converted, %d invalid, %d not written\n", converted, invalid, failed)
	}
	return code
}

// input is the batch input of a job: a refused job is one with the
// refusal as its error, and a file is opened only if it is still a regular
// file no larger than when planned, so that the budget taken for it holds.
func (c *converter) input(j *convertJob) inputs.Input {
	in := j.input
	switch {
	case j.refuse != "":
		in.Err, in.Open = errors.New(j.refuse), nil
	case j.in != "-":
		in.Size = j.size
		in.Open = func() (io.ReadCloser, error) {
			f, info, err := openRegular(j.in)
			if err != nil {
				return nil, err
			}
			switch {
			case info.Size() > c.maxSize:
				f.Close()
				return nil, errors.New(tooLarge(info.Size(), c.maxSize))
			case info.Size() > j.size:
				f.Close()
				return nil, fmt.Errorf("grew from %d to %d bytes since the run started; not converted", j.size, info.Size())
			}
			return f, nil
		}
	}
	return in
}

// interrupted removes the temporary files of the outputs not yet in place
// and returns the exit code of the signal that stopped the run. The workers
// still busy are left to the process's exit: one may be blocked reading
// standard input, and none can create or rename a temporary file now.
func (c *converter) interrupted(done, total int, stderr io.Writer) int {
	removed := c.temps.removeAll()
	var sig interruption
	if !errors.As(context.Cause(c.ctx), &sig) {
		sig = interruption{os.Interrupt}
	}
	fmt.Fprintf(stderr, "nemsfhir convert: %v after %d of %d inputs; %d partial output files removed\n", sig, done, total, removed)
	return sig.exitCode()
}

// outcome turns what ConvertAll did with a job's input into the lines for
// standard error, the output for standard output and the exit code.
func (c *converter) outcome(j *convertJob, br transform.BatchResult) convertResult {
	var r convertResult
	switch {
	case br.ReadErr != nil:
		msg := unwrapPathError(br.ReadErr).Error()
		if errors.Is(br.ReadErr, inputs.ErrTooLarge) {
			if j.in == "-" {
				msg = fmt.Sprintf("more than %s on standard input, the --max-size cap; not converted", sizeText(c.maxSize))
			} else {
				msg = fmt.Sprintf("grew past %d bytes while being read; not converted", j.size)
			}
		}
		r.diags = []string{j.name + ": " + msg}
		r.code = exitUsage
		return r
	case errors.Is(br.Err, transform.ErrUnknownFormat):
		r.diags = []string{j.name + ": " + br.Err.Error()}
		r.code = exitInvalid
		return r
	case errors.Is(br.Err, transform.ErrSameFormat) && j.found:
		// Picked for its extension, so the content is what is wrong.
		r.diags = []string{fmt.Sprintf("%s: holds %s, not %s", j.name,
			strings.ToUpper(br.From.String()), strings.ToUpper(sourceFormat(c.to).String()))}
		r.code = exitInvalid
		return r
	case errors.Is(br.Err, transform.ErrSameFormat):
		r.diags = []string{fmt.Sprintf("%s: already %s; nothing to convert", j.name, strings.ToUpper(br.From.String()))}
		r.code = exitUsage
		return r
	}
	if br.Report != nil && !c.quiet {
		for _, w := range br.Report.Warnings {
			r.diags = append(r.diags, placed(j.name, w, "warning: "))
		}
	}
	if err := br.Err; err != nil {
		var list transform.ErrorList
		var one *transform.Error
		switch {
		case errors.As(err, &list):
			for _, e := range list {
				r.diags = append(r.diags, placed(j.name, e, ""))
			}
		case errors.As(err, &one):
			r.diags = append(r.diags, placed(j.name, one, ""))
		default:
			r.diags = append(r.diags, j.name+": "+err.Error())
		}
		r.code = exitInvalid
		return r
	}
	if br.WriteErr != nil {
		r.diags = append(r.diags, j.name+": "+br.WriteErr.Error())
		r.code = exitUsage
		return r
	}
	r.data = br.Output
	return r
}

// errTooLong is what readBounded returns for a reader with more than its
// limit.
var errTooLong = inputs.ErrTooLarge

// readBounded reads r to its end, but no more than limit bytes (see
// inputs.ReadAll, the one bounded read).
func readBounded(r io.Reader, size, limit int64) ([]byte, error) {
	return inputs.ReadAll(r, size, limit)
}

// tooLarge says why an input of size bytes is refused.
func tooLarge(size, limit int64) string {
	return fmt.Sprintf("%s, over the --max-size cap of %s; not read", sizeText(size), sizeText(limit))
}

// sizeText renders n bytes exactly, with a rounded size in MiB or GiB
// beside it when that is easier to read.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%d bytes (%.1f GiB)", n, float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d bytes (%.1f MiB)", n, float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// placed renders e as "file:line:col: path: message", leaving out the
// parts e does not have.
func placed(file string, e *transform.Error, kind string) string {
	var b strings.Builder
	b.WriteString(file)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(kind + e.Message)
	return b.String()
}

// sourceFormat returns the format a conversion to f reads.
func sourceFormat(f transform.Format) transform.Format {
	if f == transform.JSON {
		return transform.XML
	}
	return transform.JSON
}

// liveTemps keeps the names of the temporary output files not yet renamed
// into place, so that an interrupted run can remove them. Once removeAll
// has run no temporary file is created or put in place any more.
type liveTemps struct {
	mu      sync.Mutex
	stopped bool
	names   map[string]bool
}

func newLiveTemps() *liveTemps {
	return &liveTemps{names: map[string]bool{}}
}

// errStopped is what a write returns once the run has been interrupted.
var errStopped = errors.New("not written: the run was interrupted")

// testHookWritten, when set by a test, is called with the name of each
// temporary file once its data is written, before it is put in place.
var testHookWritten func(tmp string)

func (t *liveTemps) create(dir, pattern string) (*os.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return nil, errStopped
	}
	f, err := os.CreateTemp(dir, pattern)
	if err == nil {
		t.names[f.Name()] = true
	}
	return f, err
}

// place runs put, which moves the temporary file tmp into place, unless
// the run has been interrupted (tmp is then already removed).
func (t *liveTemps) place(tmp string, put func() error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return errStopped
	}
	err := put()
	if err == nil {
		delete(t.names, tmp)
	}
	return err
}

// discard removes tmp after a failed write.
func (t *liveTemps) discard(tmp string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.names[tmp] {
		os.Remove(tmp)
		delete(t.names, tmp)
	}
}

// removeAll removes every temporary file not yet in place, stops further
// ones, and returns how many it removed.
func (t *liveTemps) removeAll() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	n := 0
	for name := range t.names {
		if err := os.Remove(name); err == nil {
			n++
		}
		delete(t.names, name)
	}
	return n
}

// writeAtomic writes data to path through a temporary file in the same
// folder and a rename, so that readers see the old file or the new one,
// never a part. With noReplace an existing file at path is left alone and
// reported, even if it appeared after planning.
func (t *liveTemps) writeAtomic(path string, data []byte, mode fs.FileMode, noReplace bool) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := t.create(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		if err == errStopped {
			return err
		}
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			t.discard(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, unwrapPathError(err))
	}
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, unwrapPathError(err))
	}
	// Without a sync a crash soon after the rename can leave an empty file
	// under the final name on some file systems.
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, unwrapPathError(err))
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, unwrapPathError(err))
	}
	if testHookWritten != nil {
		testHookWritten(tmp.Name())
	}
	return t.place(tmp.Name(), func() error {
		if noReplace {
			// A hard link fails if path exists, which closes the gap
			// between the check in plan and now; rename would silently
			// replace.
			err := os.Link(tmp.Name(), path)
			if err == nil {
				os.Remove(tmp.Name())
				return nil
			}
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("refusing to replace %s, which appeared while converting", path)
			}
			// File systems without hard links: check, then rename.
			if pathExists(path) {
				return fmt.Errorf("refusing to replace %s, which already exists", path)
			}
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return fmt.Errorf("writing %s: %w", path, unwrapPathError(err))
		}
		return nil
	})
}

// interruption is the cause of a run's context when a signal stops it.
type interruption struct {
	sig os.Signal
}

func (e interruption) Error() string {
	name := e.sig.String()
	switch e.sig {
	case os.Interrupt:
		name = "SIGINT"
	case syscall.SIGTERM:
		name = "SIGTERM"
	}
	return "interrupted by " + name
}

// exitCode follows the shells' convention for a process a signal ended:
// 128 plus the signal's number, 130 for SIGINT and 143 for SIGTERM.
func (e interruption) exitCode() int {
	if s, ok := e.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 128 + int(syscall.SIGINT)
}

// notifyInterrupt returns a context cancelled, with an interruption as its
// cause, by the first SIGINT or SIGTERM; stop gives the signals back to
// their default action. Unlike signal.NotifyContext's, the cause keeps the
// signal, which decides the exit code.
func notifyInterrupt() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sigs:
			cancel(interruption{s})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel(nil)
	}
}

// byteBudget bounds the bytes of input held by the jobs in flight: the
// budget of the one batch pool (internal/batch), which transform.ConvertAll
// applies.
type byteBudget struct{ b *batch.Budget }

func newByteBudget(total int64) *byteBudget { return &byteBudget{batch.NewBudget(total)} }

// acquire takes n bytes, waiting for releases while too few are free. It
// returns false if ctx ends first.
func (b *byteBudget) acquire(ctx context.Context, n int64) bool { return b.b.Acquire(ctx, n) }

func (b *byteBudget) release(n int64) { b.b.Release(n) }

// unwrapPathError drops the operation and path of an *fs.PathError, which
// the messages here already name.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
