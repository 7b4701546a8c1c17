// Package inputs finds the payloads of a batch: files, folders searched
// recursively and standard input, each an [Input] that knows how to open
// itself, in a stable order and without holding the list in memory. It
// also holds the rules every reader of a payload shares: the format is
// told from the content ([Sniff], after any byte order mark), only regular
// files are opened ([OpenRegular]), and reads are bounded ([ReadAll]).
//
// validate.Validator.ValidateAll and transform.ConvertAll take the inputs
// [Walk] produces, or any sequence of Inputs a caller builds (payloads from
// a database, a message queue, an archive).
package inputs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// Input is one payload of a batch. A caller may build one with just Name
// and Open.
type Input struct {
	// Name names the payload in results and messages: the path as found,
	// or "-" for standard input.
	Name string
	// Rel is, for a file found in a folder, its path below the folder
	// named (slash-separated): what a shard of the batch is chosen by and
	// what an output is named after. "" for a path named as such.
	Rel string
	// Size is the payload's size in bytes when known (a file's size when
	// it was listed), 0 when unknown or empty. A reader that holds payloads
	// counts an unknown size as its cap, and may refuse a payload that
	// turns out larger than its Size (it grew after it was listed).
	Size int64
	// Mode is the file's mode when it was listed (its permission bits, say,
	// for an output written beside it); 0 when unknown.
	Mode fs.FileMode
	// Sniffed is set for a folder file taken for its content alone (it has
	// no extension): it is skipped, not reported, when it turns out to be
	// neither XML nor JSON.
	Sniffed bool
	// Err says why the payload cannot be read (a missing path, a named
	// pipe, a folder without payloads). Such an input keeps its place in
	// the batch, so that its failure is reported where it was asked for;
	// Open is then nil.
	Err error
	// Open opens the payload for reading.
	Open func() (io.ReadCloser, error)
}

// Options say which files of a folder Walk takes.
type Options struct {
	// Include globs, when given, are the only folder files taken (whatever
	// their extension); Exclude globs drop files and whole folders. A glob
	// matches an entry's base name or its path below the folder named
	// (slash-separated), so that both "*.xml" and "events/*.xml" work.
	Include, Exclude []string
	// Exts are the extensions (any case) of the folder files taken when no
	// Include is given; nil means .xml and .json.
	Exts []string
	// NoSniff leaves folder files without an extension alone; by default
	// they are taken when their content is XML or JSON (Input.Sniffed).
	NoSniff bool
	// Stdin is what the path "-" reads; nil means os.Stdin.
	Stdin io.Reader
}

// Check reports a glob of Include or Exclude that path.Match rejects, so
// that a typo is an error rather than a filter that matches nothing.
func (o Options) Check() error {
	for _, g := range append(append([]string{}, o.Include...), o.Exclude...) {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("bad glob %q: %v", g, err)
		}
	}
	return nil
}

// ErrNoPayloads is the Err of the Input that stands for a folder in which
// Walk found no file to take.
var ErrNoPayloads = errors.New("no XML or JSON files in this folder")

// Walk returns the payloads named by paths, in order, walking folders
// lazily: a folder is read one directory at a time as the sequence is
// consumed, so memory does not grow with the corpus. It stops when ctx
// ends or the consumer stops.
//
// A path named as such is always taken, whatever its name, and "-" is
// standard input. In a folder (searched recursively, entries in lexical
// order, hidden entries starting with "." skipped, symlinks followed to
// files but not to folders): a file or folder matching an Exclude glob is
// skipped; with Include globs only the files they match are taken;
// otherwise the files with one of Exts are, and (unless NoSniff) those
// without an extension, whose content decides (Input.Sniffed).
//
// Only regular files are opened: anything else that would be taken (a
// named pipe, a device, a socket, a folder behind a symlink) is an Input
// with Err, reported and never opened, since it could block or never end.
// A path that cannot be read, and a folder with nothing to take
// (ErrNoPayloads), are Inputs with Err too.
func Walk(ctx context.Context, paths []string, opts Options) iter.Seq[Input] {
	exts := opts.Exts
	if exts == nil {
		exts = []string{".xml", ".json"}
	}
	stdin := opts.Stdin
	if stdin == nil {
		stdin = os.Stdin
	}
	return func(yield func(Input) bool) {
		send := func(in Input) bool { return ctx.Err() == nil && yield(in) }
		for _, p := range paths {
			if p == "-" {
				in := Input{Name: "-", Open: func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil }}
				if !send(in) {
					return
				}
				continue
			}
			info, err := os.Stat(p)
			if err != nil {
				if !send(Input{Name: p, Err: err}) {
					return
				}
				continue
			}
			if !info.IsDir() {
				if !send(fileInput(p, "", info, false)) {
					return
				}
				continue
			}
			root := walkRoot(p)
			found := 0
			stop := errors.New("stopped")
			err = filepath.WalkDir(root, func(fp string, d fs.DirEntry, err error) error {
				if err != nil {
					if !send(Input{Name: fp, Err: err}) {
						return stop
					}
					return nil
				}
				if fp == root {
					return nil
				}
				base := d.Name()
				rel, _ := filepath.Rel(root, fp)
				rel = filepath.ToSlash(rel)
				if strings.HasPrefix(base, ".") || match(opts.Exclude, rel, base) {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if d.IsDir() {
					return nil
				}
				sniffed := false
				switch {
				case len(opts.Include) > 0:
					if !match(opts.Include, rel, base) {
						return nil
					}
				case hasExt(base, exts):
				case filepath.Ext(base) == "" && !opts.NoSniff:
					sniffed = true
				default:
					return nil
				}
				found++
				// A named pipe, reached directly or through a symlink,
				// would block the walk, and a device has no end: they are
				// reported, not skipped, since their name asked for them.
				info, err := followEntry(fp, d)
				var in Input
				switch {
				case err != nil:
					in = Input{Name: fp, Rel: rel, Err: err}
				case !info.Mode().IsRegular():
					in = Input{Name: fp, Rel: rel, Err: &NotRegularError{Mode: info.Mode(), Linked: d.Type()&fs.ModeSymlink != 0}}
				default:
					in = fileInput(fp, rel, info, sniffed)
				}
				if !send(in) {
					return stop
				}
				return nil
			})
			if err == stop || ctx.Err() != nil {
				return
			}
			if found == 0 {
				if !send(Input{Name: p, Err: ErrNoPayloads}) {
					return
				}
			}
		}
	}
}

// fileInput is the Input of the file at p, listed with info.
func fileInput(p, rel string, info fs.FileInfo, sniffed bool) Input {
	in := Input{Name: p, Rel: rel, Size: info.Size(), Mode: info.Mode(), Sniffed: sniffed}
	if !info.Mode().IsRegular() {
		in.Err = &NotRegularError{Mode: info.Mode()}
		return in
	}
	in.Open = func() (io.ReadCloser, error) {
		f, _, err := OpenRegular(p)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	return in
}

// match reports whether a glob matches the entry's base name or its path
// below the folder named.
func match(globs []string, rel, base string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, base); ok {
			return true
		}
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
	}
	return false
}

func hasExt(name string, exts []string) bool {
	ext := filepath.Ext(name)
	for _, e := range exts {
		if strings.EqualFold(ext, e) {
			return true
		}
	}
	return false
}

// walkRoot is the name to walk a folder by: a folder named through a
// symlink is walked too, and WalkDir follows "link/" though not "link".
func walkRoot(p string) string {
	if li, err := os.Lstat(p); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		return p + string(filepath.Separator)
	}
	return p
}

// followEntry returns the file information of the folder entry d at p, of
// what it names if it is a symlink.
func followEntry(p string, d fs.DirEntry) (fs.FileInfo, error) {
	if d.Type()&fs.ModeSymlink == 0 {
		return d.Info()
	}
	info, err := os.Stat(p)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("not read: a symlink that cannot be followed: %w", err)
	}
	return info, nil
}

// NotRegularError says that a path names something other than a regular
// file (a named pipe, a device, a socket, a folder behind a symlink), which
// is never opened for reading: it could block forever or never end.
type NotRegularError struct {
	Mode   fs.FileMode
	Linked bool // reached through a symlink inside a walked folder
}

func (e *NotRegularError) Error() string {
	kind := "not a regular file"
	switch m := e.Mode; {
	case m.IsDir() && e.Linked:
		kind = "a folder behind a symlink, which is not followed"
	case m.IsDir():
		kind = "a folder, not a regular file"
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO), not a regular file"
	case m&fs.ModeSocket != 0:
		kind = "a socket, not a regular file"
	case m&fs.ModeCharDevice != 0:
		kind = "a character device, not a regular file"
	case m&fs.ModeDevice != 0:
		kind = "a block device, not a regular file"
	}
	return "not read: " + kind + "; only regular files and - (standard input) are read"
}

// OpenRegular opens the file at p for reading and refuses anything but a
// regular file (a *NotRegularError). The open does not block, even when p
// has become a named pipe or a device since it was listed: O_NONBLOCK
// makes open(2) return at once for a pipe without a writer, and fstat on
// the open file, not on the name, decides. O_NONBLOCK changes nothing for
// reads of a regular file.
func OpenRegular(p string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, &NotRegularError{Mode: info.Mode()}
	}
	return f, info, nil
}

// Sniff tells "xml" or "json" from the first significant byte of a
// payload, after any byte order mark and whitespace; "" when it is
// neither.
func Sniff(src []byte) string {
	src = tree.TrimBOM(src)
	src = bytes.TrimLeft(src, " \t\r\n")
	if len(src) == 0 {
		return ""
	}
	switch src[0] {
	case '<':
		return "xml"
	case '{':
		return "json"
	}
	return ""
}

// sniffLen is how much of a sniffed file is read to tell XML or JSON from
// anything else: room for a byte order mark and leading white space.
const sniffLen = 512

// Open opens the payload of in. For a Sniffed input it reads the first
// bytes and reports ok false, with nothing open, when they are neither XML
// nor JSON; the reader returned still yields the whole payload.
func Open(in Input) (r io.ReadCloser, ok bool, err error) {
	if in.Err != nil {
		return nil, false, in.Err
	}
	if in.Open == nil {
		return nil, false, fmt.Errorf("%s: no way to open this input", in.Name)
	}
	f, err := in.Open()
	if err != nil {
		return nil, false, err
	}
	if !in.Sniffed {
		return f, true, nil
	}
	head := make([]byte, sniffLen)
	k, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		f.Close()
		return nil, false, err
	}
	head = head[:k]
	if Sniff(head) == "" {
		f.Close()
		return nil, false, nil
	}
	return readCloser{io.MultiReader(bytes.NewReader(head), f), f}, true, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// ErrTooLarge is what ReadAll returns for a reader with more than its
// limit.
var ErrTooLarge = errors.New("over the size limit")

// ReadAll reads r to its end, but no more than limit bytes: with more it
// stops after limit+1 and returns ErrTooLarge. size is the length r is
// expected to have (negative when unknown): the buffer is allocated once
// for size+1 bytes, the +1 to see the end, so a regular file costs its
// size and no more; an unknown length grows the buffer by doubling, up to
// limit+1.
func ReadAll(r io.Reader, size, limit int64) ([]byte, error) {
	start := int64(64 << 10)
	if size >= 0 {
		start = size + 1
	}
	buf := make([]byte, 0, min(start, limit+1))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return nil, ErrTooLarge
			}
			// Double, but never past limit+1: what is read is bounded and
			// so is what is held.
			bigger := make([]byte, len(buf), min(max(2*int64(cap(buf)), 512), limit+1))
			copy(bigger, buf)
			buf = bigger
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if int64(len(buf)) > limit {
			return nil, ErrTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
