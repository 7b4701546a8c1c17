package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/nemsfhir/nemsfhir/transform"
)

func init() {
	register(&command{
		name:    "convert",
		summary: "convert FHIR STU3 resources between XML and JSON",
		run:     runConvert,
	})
}

const convertHelp = `Usage: nemsfhir convert --to json|xml|MEDIA-TYPE [-o DIR | -o -] [--pretty] PATH...

Converts FHIR STU3 resources from XML to JSON or from JSON to XML, checking
each one against the STU3 model on the way. A PATH is a file, a folder or
- for standard input. A folder is searched recursively for the files of the
other format (*.xml with --to json, *.json with --to xml; hidden folders
are skipped); a file or standard input is converted whatever its name, its
format being read from its first character.

Where the output goes:
  (no -o)   next to each input, named like it with the new extension;
            a file that already exists there is never replaced.
            Standard input goes to standard output.
  -o DIR    into DIR (created if missing), mirroring the layout of the
            folders given; existing outputs in DIR are replaced.
            Standard input becomes DIR/stdin.json or DIR/stdin.xml.
  -o -      all outputs to standard output, one after the other.

An input is never overwritten, two inputs never write the same output, and
each output file is written to a temporary file in its folder and renamed
into place, so a reader never sees half a file. A bad input does not stop
the batch. Problems are printed as file:line:col: path: message, and what
the target format cannot hold (XML comments, xsi:schemaLocation) as
file:line:col: warning: message.

--shard K/N converts part K of N of the files, chosen by a hash of each
file's path below the folder given (a file named directly: its path as
given), so that N CI runners given the same PATHs share the work.

Exit status: 0 all converted, 1 some input is not a valid resource,
2 usage error, refused output or I/O error.

Examples:
  nemsfhir convert --to json -o out/ corpus/
  nemsfhir convert --to application/fhir+xml --pretty -o - subscription.json
  curl -s ... | nemsfhir convert --to json -

Flags:
`

// maxInput bounds what is read from one input: far above the 3 MB NEMS
// accepts and the few MB of the largest STU3 bundles, low enough that a
// wrong path (a disk image, /dev/zero) fails fast instead of filling memory.
const maxInput = 256 << 20

// convertJob is one input of a conversion and where its output goes.
type convertJob struct {
	in     string      // path, or "-" for standard input
	name   string      // the name used in messages
	out    string      // output path; "" for standard output
	mode   fs.FileMode // permission bits for the output file
	refuse string      // set when the output must not be written, and why
	found  bool        // found in a folder, rather than named by the user
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
	shardFlag := flags.String("shard", "", "convert only part `K/N` of the files (1 <= K <= N), chosen by path, for N CI runners that share a corpus")
	flags.Usage = func() {
		fmt.Fprint(stderr, convertHelp)
		flags.PrintDefaults()
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "nemsfhir convert: "+format+"\n", a...)
		fmt.Fprintln(stderr, "Run 'nemsfhir convert --help' for usage.")
		return exitUsage
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		return usageErr("%v", err)
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
	if flags.NArg() == 0 {
		return usageErr("no PATH given (use - for standard input)")
	}
	if *jobs < 1 {
		return usageErr("--jobs must be at least 1")
	}
	c := &converter{
		to:       target.Format,
		pretty:   *pretty,
		quiet:    *quiet,
		toStdout: *outDir == "-",
		stdin:    stdin,
	}
	if *outDir != "" && *outDir != "-" {
		c.outDir = filepath.Clean(*outDir)
		if err := os.MkdirAll(c.outDir, 0o755); err != nil {
			fmt.Fprintf(stderr, "nemsfhir convert: %v\n", err)
			return exitUsage
		}
	}
	stdinSeen := false
	for _, a := range flags.Args() {
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

	jobList, code := c.plan(flags.Args(), stderr)
	jobList = part.filterJobs(jobList, stderr)
	code = max(code, c.run(jobList, *jobs, stdout, stderr))
	return code
}

// converter holds the settings of one convert run.
type converter struct {
	to       transform.Format
	pretty   bool
	quiet    bool
	outDir   string // "" unless -o DIR
	toStdout bool   // -o -
	stdin    io.Reader

	dirKeys map[string]string // resolved folder paths, cached
}

// plan turns the PATH arguments into jobs: it walks folders, names each
// output and marks the outputs that must not be written. It reports
// unreadable paths on stderr and returns exitUsage if there were any.
func (c *converter) plan(args []string, stderr io.Writer) ([]*convertJob, int) {
	code := exitOK
	var list []*convertJob
	from := sourceFormat(c.to)
	for _, a := range args {
		if a == "-" {
			j := &convertJob{in: "-", name: "<stdin>", mode: 0o644}
			if c.outDir != "" {
				j.out = filepath.Join(c.outDir, "stdin"+c.to.Ext())
			}
			list = append(list, j)
			continue
		}
		info, err := os.Stat(a)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", a, unwrapPathError(err))
			code = exitUsage
			continue
		}
		if !info.IsDir() {
			list = append(list, c.fileJob(a, filepath.Base(a), info))
			continue
		}
		before := len(list)
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", p, unwrapPathError(err))
				code = exitUsage
				return nil
			}
			if d.IsDir() {
				if p != a && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || !strings.EqualFold(filepath.Ext(p), from.Ext()) || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", p, unwrapPathError(err))
				code = exitUsage
				return nil
			}
			rel, _ := filepath.Rel(a, p)
			j := c.fileJob(p, rel, info)
			j.found = true
			list = append(list, j)
			return nil
		})
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", a, err)
			code = exitUsage
		}
		if len(list) == before {
			// Most likely the wrong --to: say what was looked for.
			fmt.Fprintf(stderr, "%s: no *%s files in this folder (--to %s converts %s files)\n",
				a, from.Ext(), c.to, strings.ToUpper(from.String()))
			code = exitUsage
		}
	}

	// Refuse outputs that would replace an input or another job's output.
	// Paths are compared with their folders resolved, so "a/../b/x.xml" and
	// a symlinked folder name the same file.
	inputs := map[string]bool{}
	for _, j := range list {
		if j.in != "-" {
			inputs[c.key(j.in)] = true
		}
	}
	outputs := map[string]string{}
	for _, j := range list {
		if j.out == "" {
			continue
		}
		k := c.key(j.out)
		switch {
		case inputs[k]:
			j.refuse = fmt.Sprintf("refusing to overwrite input %s", j.out)
		case outputs[k] != "":
			j.refuse = fmt.Sprintf("refusing to write %s, which is also the output of %s", j.out, outputs[k])
		case c.outDir == "" && pathExists(j.out):
			j.refuse = fmt.Sprintf("refusing to replace %s, which already exists next to the input (use -o DIR)", j.out)
		}
		if j.refuse == "" {
			outputs[k] = j.name
		}
	}
	return list, code
}

// fileJob makes the job for the file at path p; rel is the name of its
// output relative to -o DIR.
func (c *converter) fileJob(p, rel string, info fs.FileInfo) *convertJob {
	j := &convertJob{in: p, name: p, mode: info.Mode().Perm() | 0o200}
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

func pathExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// run converts the jobs with up to n workers and reports the results in
// job order, so the output does not depend on timing.
func (c *converter) run(list []*convertJob, n int, stdout, stderr io.Writer) int {
	results := make([]chan convertResult, len(list))
	for i := range results {
		results[i] = make(chan convertResult, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, len(list)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] <- c.convert(list[i])
			}
		}()
	}
	// The window bounds how far the workers run ahead of the writer, so
	// that outputs held for standard output do not pile up in memory.
	window := make(chan struct{}, 4*n)
	go func() {
		for i := range list {
			window <- struct{}{}
			next <- i
		}
		close(next)
	}()
	code := exitOK
	converted, invalid, failed := 0, 0, 0
	for i := range list {
		r := <-results[i]
		<-window
		for _, d := range r.diags {
			fmt.Fprintln(stderr, d)
		}
		if r.data != nil {
			if !bytes.HasSuffix(r.data, []byte("\n")) {
				r.data = append(r.data, '\n')
			}
			if _, err := stdout.Write(r.data); err != nil {
				fmt.Fprintf(stderr, "%s: writing to standard output: %v\n", list[i].name, err)
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
	}
	wg.Wait()
	if invalid+failed > 0 {
		fmt.Fprintf(stderr, "nemsfhir convert: %d converted, %d invalid, %d not written\n", converted, invalid, failed)
	}
	return code
}

// convert does one job.
func (c *converter) convert(j *convertJob) convertResult {
	var r convertResult
	if j.refuse != "" {
		r.diags = []string{j.name + ": " + j.refuse}
		r.code = exitUsage
		return r
	}
	src, err := c.read(j)
	if err != nil {
		r.diags = []string{j.name + ": " + unwrapPathError(err).Error()}
		r.code = exitUsage
		return r
	}
	from, ok := sniffFormat(src)
	switch {
	case !ok:
		r.diags = []string{j.name + ": neither XML nor JSON: the first character is not \"<\" or \"{\""}
		r.code = exitInvalid
		return r
	case from == c.to && j.found:
		// Picked for its extension, so the content is what is wrong.
		r.diags = []string{fmt.Sprintf("%s: holds %s, not %s", j.name,
			strings.ToUpper(from.String()), strings.ToUpper(sourceFormat(c.to).String()))}
		r.code = exitInvalid
		return r
	case from == c.to:
		r.diags = []string{fmt.Sprintf("%s: already %s; nothing to convert", j.name, strings.ToUpper(from.String()))}
		r.code = exitUsage
		return r
	}
	opt := transform.Options{Pretty: c.pretty}
	var out []byte
	var rep *transform.Report
	if from == transform.XML {
		out, rep, err = transform.XMLToJSON(src, opt)
	} else {
		out, rep, err = transform.JSONToXML(src, opt)
	}
	if rep != nil && !c.quiet {
		for _, w := range rep.Warnings {
			r.diags = append(r.diags, placed(j.name, w, "warning: "))
		}
	}
	if err != nil {
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
	if j.out == "" {
		r.data = out
		return r
	}
	if err := writeAtomic(j.out, out, j.mode, c.outDir == ""); err != nil {
		r.diags = append(r.diags, j.name+": "+err.Error())
		r.code = exitUsage
	}
	return r
}

// read returns the bytes of the job's input, at most maxInput of them.
func (c *converter) read(j *convertJob) ([]byte, error) {
	var rd io.Reader
	if j.in == "-" {
		rd = c.stdin
	} else {
		f, err := os.Open(j.in)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		rd = f
	}
	src, err := io.ReadAll(io.LimitReader(rd, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(src) > maxInput {
		return nil, fmt.Errorf("larger than %d MiB", maxInput>>20)
	}
	return src, nil
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
	b.WriteString(kind + e.Msg)
	return b.String()
}

// sniffFormat tells XML from JSON by the first character after an optional
// byte order mark and white space.
func sniffFormat(src []byte) (transform.Format, bool) {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	src = bytes.TrimLeft(src, " \t\r\n")
	switch {
	case len(src) == 0:
		return 0, false
	case src[0] == '<':
		return transform.XML, true
	case src[0] == '{':
		return transform.JSON, true
	}
	return 0, false
}

// sourceFormat returns the format a conversion to f reads.
func sourceFormat(f transform.Format) transform.Format {
	if f == transform.JSON {
		return transform.XML
	}
	return transform.JSON
}

// writeAtomic writes data to path through a temporary file in the same
// folder and a rename, so that readers see the old file or the new one,
// never a part. With noReplace an existing file at path is left alone and
// reported, even if it appeared after planning.
func writeAtomic(path string, data []byte, mode fs.FileMode, noReplace bool) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
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
	if noReplace {
		// A hard link fails if path exists, which closes the gap between
		// the check in plan and now; rename would silently replace.
		if err = os.Link(tmp.Name(), path); err == nil {
			os.Remove(tmp.Name())
			return nil
		}
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("refusing to replace %s, which appeared while converting", path)
		}
		// File systems without hard links: check, then rename.
		if pathExists(path) {
			err = fmt.Errorf("refusing to replace %s, which already exists", path)
			return err
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, unwrapPathError(err))
	}
	return nil
}

// unwrapPathError drops the operation and path of an *fs.PathError, which
// the messages here already name.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
