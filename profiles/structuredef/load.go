package structuredef

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Limits on what Load reads, so that a corrupt or hostile input (a gzip
// bomb, a device file) is refused with an error instead of exhausting
// memory or time.
const (
	// MaxFileSize bounds one definition file or package member; the
	// largest published STU3 profile is a few MB.
	MaxFileSize = 64 << 20
	// MaxPackageSize bounds the decompressed size of one package (.tgz):
	// every byte the tar reader goes through counts, members skipped
	// included.
	MaxPackageSize = 512 << 20
	// MaxPackageEntries bounds the number of members of one package, each
	// a header to read even when the member is skipped.
	MaxPackageEntries = 100_000
)

// limits are the bounds one Load works with; tests lower them.
type limits struct {
	file, pkg int64
	entries   int
}

var defaultLimits = limits{file: MaxFileSize, pkg: MaxPackageSize, entries: MaxPackageEntries}

// FileError is a file (or package member) the loader could not use, and
// why. It reads "file:line:col: path: problem", with the package member in
// parentheses after the archive ("pkg.tgz(package/x.json):3:7: ...").
type FileError struct {
	// File is the file named on the command line or found in a folder;
	// for a package member, the archive.
	File string
	// Member is the path of the member inside the package File, or "".
	Member string
	// Line and Column (1-based, Column in characters) locate the problem
	// in the file or member; 0 when it has no single place.
	Line, Column int
	// Path is the FHIR path of the resource concerned inside the file (a
	// Bundle entry, say), or "".
	Path string
	Err  error
}

// Where is the file, member and place of the problem, as in Error.
func (e *FileError) Where() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Member != "" {
		b.WriteString("(" + e.Member + ")")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	return b.String()
}

func (e *FileError) Error() string {
	s := e.Where() + ": "
	if e.Path != "" {
		s += e.Path + ": "
	}
	return s + e.Err.Error()
}

func (e *FileError) Unwrap() error { return e.Err }

// LoadErrors lists every problem met by [Load].
type LoadErrors = issue.Errors[*FileError]

// LimitError is an input refused because it is larger than a limit of the
// loader.
type LimitError struct {
	What  string // "file", "package member", "decompressed package", "package members"
	Limit int64
}

func (e *LimitError) Error() string {
	if e.What == "package members" {
		return fmt.Sprintf("more than %d package members (limit MaxPackageEntries)", e.Limit)
	}
	return fmt.Sprintf("%s larger than %s (limit %d bytes)", e.What, sizeName(e.Limit), e.Limit)
}

func sizeName(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// CycleError is a chain of StructureDefinitions each derived from the next
// by baseDefinition, the last being the first again: none can be built.
type CycleError struct {
	URLs []string
}

func (e *CycleError) Error() string {
	return "baseDefinition cycle: " + strings.Join(e.URLs, " -> ")
}

func (e *CycleError) has(u string) bool {
	for _, c := range e.URLs {
		if c == u {
			return true
		}
	}
	return false
}

// Load reads StructureDefinitions, ValueSets and CodeSystems from each path:
// a folder (walked recursively; .xml, .json and package files), a FHIR
// package (.tgz, whose package/*.json members are read) or a single file.
// Bundles are opened and their conformance resources taken; other
// resources, such as examples, are skipped. In a folder, an XML file with a
// JSON twin of the same base name is taken to be the same resource and not
// read. When the same canonical URL is loaded twice (an IG publishes XML
// and JSON twins) the first one wins.
//
// Anything that cannot be used is an error, since a profile left out would
// let payloads pass unjudged: a path that cannot be opened, a file that is
// not well-formed JSON or XML (with its line:column), a conformance
// resource that cannot be decoded, a profile whose snapshot cannot be
// built (a baseDefinition cycle, a missing base), an input over the limits
// above. Load then returns a [LoadErrors] naming each file and its problem,
// and also the Registry of everything else, for callers that choose to go
// on without the files named.
//
// A path that cannot be opened at all gives a nil Registry and that error.
func Load(paths ...string) (*Registry, error) {
	return LoadContext(context.Background(), paths...)
}

// LoadContext is Load with a context: once ctx has ended, loading stops
// before the next file or package member, and LoadContext returns a nil
// Registry and ctx.Err(), never a Registry that lacks what was not read.
func LoadContext(ctx context.Context, paths ...string) (*Registry, error) {
	return load(ctx, defaultLimits, paths...)
}

func load(ctx context.Context, lim limits, paths ...string) (*Registry, error) {
	l := &loader{ctx: ctx, reg: newRegistry(schemas.STU3()), lim: lim}
	reg, err := l.load(paths)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	return reg, err
}

func (l *loader) load(paths []string) (*Registry, error) {
	for _, p := range paths {
		if l.stopped() {
			return nil, l.ctx.Err()
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		switch {
		case st.IsDir():
			err = l.folder(p)
		case isPackage(p):
			l.pkg(p)
		default:
			l.file(p)
		}
		if err != nil {
			return nil, err
		}
	}
	l.reg.compile(&l.errs)
	if len(l.errs) > 0 {
		return l.reg, l.errs
	}
	return l.reg, nil
}

func isPackage(p string) bool {
	return strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz")
}

type loader struct {
	ctx  context.Context
	reg  *Registry
	errs LoadErrors
	lim  limits
}

// origin is where a resource was read from: a file, or a member of a
// package, and within it the place of a Bundle entry.
type origin struct {
	file, member string
	path         string // "Bundle.entry[2].resource", or ""
	line, col    int    // where the resource starts, when it is not the whole file
}

// where renders the origin as FileError does, without a message.
func (o origin) where() string {
	e := &FileError{File: o.file, Member: o.member, Line: o.line, Column: o.col}
	s := e.Where()
	if o.path != "" {
		s += ": " + o.path
	}
	return s
}

// stopped reports whether the context has ended: the loader then reads
// nothing more.
func (l *loader) stopped() bool { return l.ctx.Err() != nil }

func (l *loader) fail(o origin, err error) {
	l.errs = append(l.errs, o.errorf(err))
}

// errorf wraps err as a FileError at o.
func (o origin) errorf(err error) *FileError {
	return &FileError{File: o.file, Member: o.member, Line: o.line, Column: o.col, Path: o.path, Err: err}
}

// failAt reports err at byte offset off of text, a JSON source.
func (l *loader) failAt(o origin, text []byte, off int64, err error) {
	o.line, o.col = lineCol(text, off)
	l.fail(o, err)
}

func (l *loader) folder(root string) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if l.stopped() {
			return l.ctx.Err()
		}
		if d.IsDir() {
			return nil
		}
		switch {
		case isPackage(p):
			files = append(files, p)
		case strings.HasSuffix(p, ".xml"), strings.HasSuffix(p, ".json"):
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Sorted so that "first one wins" does not depend on the file system.
	sort.Strings(files)
	have := make(map[string]bool, len(files))
	for _, f := range files {
		have[f] = true
	}
	for _, f := range files {
		if l.stopped() {
			return l.ctx.Err()
		}
		// An IG publishes each resource as XML and JSON twins; reading
		// the JSON alone halves the work.
		if strings.HasSuffix(f, ".xml") && have[strings.TrimSuffix(f, ".xml")+".json"] {
			continue
		}
		// A device or pipe named *.json in a folder could block or never
		// end; only regular files (symbolic links to them included) are
		// read.
		if st, err := os.Stat(f); err != nil {
			l.fail(origin{file: f}, err)
			continue
		} else if !st.Mode().IsRegular() {
			l.fail(origin{file: f}, errors.New("not a regular file"))
			continue
		}
		if isPackage(f) {
			l.pkg(f)
			continue
		}
		l.file(f)
	}
	return nil
}

func (l *loader) file(p string) {
	o := origin{file: p}
	f, err := os.Open(p)
	if err != nil {
		l.fail(o, err)
		return
	}
	defer f.Close()
	// Refused on its size alone when the file system knows it, so a huge
	// file is not read at all.
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > l.lim.file {
		l.fail(o, &LimitError{What: "file", Limit: l.lim.file})
		return
	}
	src, err := io.ReadAll(io.LimitReader(f, l.lim.file+1))
	if err != nil {
		l.fail(o, err)
		return
	}
	if int64(len(src)) > l.lim.file {
		l.fail(o, &LimitError{What: "file", Limit: l.lim.file})
		return
	}
	l.source(o, src)
}

// countingReader fails once more than limit bytes have been read through
// it, so that a decompressor behind it stops there.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
}

var errPackageTooLarge = errors.New("decompressed package too large")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n > c.limit {
		return 0, errPackageTooLarge
	}
	if rest := c.limit + 1 - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	k, err := c.r.Read(p)
	c.n += int64(k)
	if c.n > c.limit && err == nil {
		err = errPackageTooLarge
	}
	return k, err
}

// pkg reads the package/*.json members of a FHIR package. Every member is
// bounded by the member limit (refused on its header, before any of it is
// decompressed), the decompressed stream by the package limit and the
// member count by the entries limit.
func (l *loader) pkg(p string) {
	f, err := os.Open(p)
	if err != nil {
		l.fail(origin{file: p}, err)
		return
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		l.fail(origin{file: p}, fmt.Errorf("not a gzip-compressed FHIR package: %w", err))
		return
	}
	defer gz.Close()
	cr := &countingReader{r: gz, limit: l.lim.pkg}
	tr := tar.NewReader(cr)
	for n := 0; ; n++ {
		if l.stopped() {
			return
		}
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			l.fail(origin{file: p}, l.pkgErr(cr, "reading the package", err))
			return
		}
		name := path.Clean(h.Name)
		o := origin{file: p, member: name}
		if n >= l.lim.entries {
			l.fail(o, &LimitError{What: "package members", Limit: int64(l.lim.entries)})
			return
		}
		if h.Size > l.lim.file {
			// Skipping it would still decompress it: the rest of the
			// package is not read.
			l.fail(o, fmt.Errorf("%w; the rest of the package is not read", &LimitError{What: "package member", Limit: l.lim.file}))
			return
		}
		// Only the package's own resources; examples live in sub-folders.
		if h.Typeflag != tar.TypeReg || path.Dir(name) != "package" || !strings.HasSuffix(name, ".json") || path.Base(name) == "package.json" {
			continue
		}
		src, err := io.ReadAll(io.LimitReader(tr, l.lim.file+1))
		if err != nil {
			l.fail(o, l.pkgErr(cr, "reading the member", err))
			return
		}
		if int64(len(src)) > l.lim.file {
			l.fail(o, &LimitError{What: "package member", Limit: l.lim.file})
			return
		}
		l.source(o, src)
	}
}

// pkgErr turns a read error met inside a package into the limit error when
// the package limit is what stopped it.
func (l *loader) pkgErr(cr *countingReader, doing string, err error) error {
	if errors.Is(err, errPackageTooLarge) || cr.n > cr.limit {
		return fmt.Errorf("%w; the rest of the package is not read", &LimitError{What: "decompressed package", Limit: cr.limit})
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// lineCol is the 1-based line and character column of byte offset off in
// text.
func lineCol(text []byte, off int64) (int, int) {
	if off > int64(len(text)) {
		off = int64(len(text))
	}
	if off < 0 {
		off = 0
	}
	before := text[:off]
	line := 1 + bytes.Count(before, []byte{'\n'})
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, 1 + utf8.RuneCount(before)
}

// jsonErrorOffset is the byte offset encoding/json gives for err, pointing
// at the offending character rather than past it; ok is false when err has
// no place.
func jsonErrorOffset(err error) (int64, bool) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return max(se.Offset-1, 0), true
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return max(te.Offset-1, 0), true
	}
	return 0, false
}

// wanted are the resource types the loader keeps: Questionnaires so that
// a QuestionnaireResponse can be checked against one given with the IG.
var wanted = map[string]bool{"StructureDefinition": true, "ValueSet": true, "CodeSystem": true, "Bundle": true, "Questionnaire": true}

// source reads one file's bytes, in either format.
func (l *loader) source(o origin, src []byte) {
	// encoding/json refuses a byte order mark; positions are counted
	// after it.
	src = tree.TrimBOM(src)
	trimmed := bytes.TrimLeft(src, " \t\r\n")
	if len(trimmed) == 0 {
		l.fail(o, errors.New("empty file"))
		return
	}
	if trimmed[0] == '{' {
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		if err := json.Unmarshal(src, &head); err != nil {
			if off, ok := jsonErrorOffset(err); ok {
				l.failAt(o, src, off, fmt.Errorf("invalid JSON: %w", err))
			} else {
				l.fail(o, fmt.Errorf("invalid JSON: %w", err))
			}
			return
		}
		if !wanted[head.ResourceType] {
			return // an example or another resource: not ours to judge
		}
		l.resource(o, head.ResourceType, src, src, 0)
		return
	}
	if trimmed[0] != '<' {
		l.fail(o, errors.New("neither JSON nor XML"))
		return
	}
	if !wanted[xmlRootName(trimmed)] {
		return
	}
	doc, err := tree.ParseXML(src, l.reg.model)
	if err != nil {
		// Even what the tree keeps could lack an element the profile
		// needs: the file is refused, each problem at its place.
		var list tree.ErrorList
		if !errors.As(err, &list) {
			l.fail(o, err)
			return
		}
		for _, e := range list {
			at := o
			at.line, at.col = e.Line, e.Column
			l.fail(at, errors.New(strings.TrimPrefix(e.Error(), fmt.Sprintf("%d:%d: ", e.Line, e.Column))))
		}
		return
	}
	if doc == nil || doc.Root == nil {
		l.fail(o, errors.New("no resource"))
		return
	}
	js, werr := tree.WriteJSON(doc.Root, false)
	if werr != nil {
		l.fail(o, werr)
		return
	}
	// js is the XML turned into JSON: its offsets are not places in the
	// file.
	l.resource(o, doc.Root.Type, js, nil, 0)
}

// xmlRootName returns the local name of the first element of an XML
// document, so that examples are skipped without being parsed.
func xmlRootName(src []byte) string {
	for i := 0; i < len(src); {
		j := bytes.IndexByte(src[i:], '<')
		if j < 0 {
			return ""
		}
		i += j + 1
		if i >= len(src) {
			return ""
		}
		switch src[i] {
		case '?':
			k := bytes.Index(src[i:], []byte("?>"))
			if k < 0 {
				return ""
			}
			i += k
			continue
		case '!':
			end := []byte(">")
			if bytes.HasPrefix(src[i:], []byte("!--")) {
				end = []byte("-->")
			}
			k := bytes.Index(src[i:], end)
			if k < 0 {
				return ""
			}
			i += k
			continue
		}
		k := i
		for k < len(src) && !strings.ContainsRune(" \t\r\n/>", rune(src[k])) {
			k++
		}
		name := string(src[i:k])
		if c := strings.IndexByte(name, ':'); c >= 0 {
			name = name[c+1:]
		}
		return name
	}
	return ""
}

// resource decodes one conformance resource (or a Bundle of them) from its
// JSON form js. text is the JSON file js was cut from, at byte offset base,
// for the places of errors; nil when js was converted from XML.
func (l *loader) resource(o origin, typ string, js, text []byte, base int64) {
	bad := func(what string, err error) {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// Say it in the resource's terms, not the Go decoder's.
			err = typeError{te}
		}
		if off, ok := jsonErrorOffset(err); ok && text != nil {
			l.failAt(o, text, base+off, fmt.Errorf("%s: %w", what, err))
			return
		}
		l.fail(o, fmt.Errorf("%s: %w", what, err))
	}
	switch typ {
	case "StructureDefinition":
		sd := &structureDefinition{from: o}
		if err := json.Unmarshal(js, sd); err != nil {
			bad("StructureDefinition", err)
			return
		}
		if sd.URL == "" {
			l.fail(o, errors.New("StructureDefinition without url"))
			return
		}
		l.reg.addStructure(sd)
	case "ValueSet":
		vs := &valueSet{from: o}
		if err := json.Unmarshal(js, vs); err != nil {
			bad("ValueSet", err)
			return
		}
		l.reg.addValueSet(vs)
	case "CodeSystem":
		cs := &codeSystem{from: o}
		if err := json.Unmarshal(js, cs); err != nil {
			bad("CodeSystem", err)
			return
		}
		l.reg.addCodeSystem(cs)
	case "Questionnaire":
		l.addQuestionnaire(o, js)
	case "Bundle":
		entries, err := bundleResources(js)
		if err != nil {
			bad("Bundle", err)
			return
		}
		for i, e := range entries {
			var head struct {
				ResourceType string `json:"resourceType"`
			}
			if e.raw == nil || json.Unmarshal(e.raw, &head) != nil || head.ResourceType == "Bundle" || !wanted[head.ResourceType] {
				continue
			}
			at := o
			at.path = fmt.Sprintf("Bundle.entry[%d].resource", i)
			if text != nil {
				at.line, at.col = lineCol(text, base+e.off)
			}
			l.resource(at, head.ResourceType, e.raw, text, base+e.off)
		}
	}
}

// fieldPath is the JSON member path encoding/json reports, without the
// names of the decoder's own helper types.
func fieldPath(f string) string {
	var out []string
	for _, seg := range strings.Split(f, ".") {
		if seg != "" && seg != "plain" && seg != "aux" {
			out = append(out, seg)
		}
	}
	return strings.Join(out, ".")
}

// typeError is a member of the wrong JSON type, said in the resource's
// terms rather than the Go decoder's; it unwraps to the decoder's error,
// which has the offset.
type typeError struct{ te *json.UnmarshalTypeError }

func (e typeError) Error() string {
	return fmt.Sprintf("%s: a JSON %s where %s is expected", fieldPath(e.te.Field), e.te.Value, e.te.Type)
}

func (e typeError) Unwrap() error { return e.te }

// entryResource is the resource of one Bundle entry and its byte offset
// in the Bundle's JSON; raw is nil for an entry without one.
type entryResource struct {
	raw json.RawMessage
	off int64
}

// bundleResources returns entry[i].resource of a Bundle in JSON, with the
// offset of each, so that errors inside can be placed in the file.
func bundleResources(js []byte) ([]entryResource, error) {
	entries, entryOff, err := memberOf(js, "entry")
	if err != nil || entries == nil {
		return nil, err
	}
	var list []json.RawMessage
	var offs []int64
	dec := json.NewDecoder(bytes.NewReader(entries))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, err // not an array: no entries
	}
	for dec.More() {
		start := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		list = append(list, raw)
		offs = append(offs, valueStart(entries, start))
	}
	out := make([]entryResource, len(list))
	for i, raw := range list {
		res, off, err := memberOf(raw, "resource")
		if err != nil {
			return nil, err
		}
		out[i] = entryResource{raw: res, off: entryOff + offs[i] + off}
	}
	return out, nil
}

// memberOf returns the value of member key of the JSON object obj and its
// byte offset in obj; nil when obj has no such member or is no object.
func memberOf(obj []byte, key string) (json.RawMessage, int64, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	tok, err := dec.Token()
	if err != nil {
		return nil, 0, err
	}
	if tok != json.Delim('{') {
		return nil, 0, nil
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, 0, err
		}
		start := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, 0, err
		}
		if k == key {
			return raw, valueStart(obj, start), nil
		}
	}
	return nil, 0, nil
}

// valueStart skips the space and punctuation a json.Decoder leaves
// before the next value from offset off.
func valueStart(src []byte, off int64) int64 {
	for off < int64(len(src)) && strings.IndexByte(" \t\r\n,:", src[off]) >= 0 {
		off++
	}
	return off
}
