package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// input is one payload to read: a file, standard input, or a path that
// could not be read (err set), which still takes its place in the order so
// that the report says where it failed.
type input struct {
	path  string
	stdin bool
	// sniff is set for folder files taken on their content alone: they are
	// skipped, silently, when they turn out to be neither XML nor JSON.
	sniff bool
	err   error
	// rel is a folder file's path below the folder named on the command
	// line (slash-separated); --shard hashes it.
	rel string
}

// inputFilter is what --include and --exclude say about folder contents.
type inputFilter struct {
	include, exclude []string
}

// check reports a glob that filepath.Match would reject, so that a typo is
// a usage error rather than a filter that silently matches nothing.
func (f inputFilter) check() error {
	for _, g := range append(append([]string{}, f.include...), f.exclude...) {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("bad glob %q: %v", g, err)
		}
	}
	return nil
}

// match reports whether a glob matches the entry's base name or its path
// relative to the folder given on the command line (slash-separated), so
// that both "*.xml" and "events/*.xml" work.
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

// walkInputs sends the payloads named by the command-line paths, in order,
// on the returned channel, walking folders lazily: a folder's entries are
// read one directory at a time as the consumer takes files, so that memory
// does not grow with the corpus.
//
// A path given as such is always read, whatever its name. In a folder
// (searched recursively, entries in lexical order, hidden entries starting
// with "." skipped, symlinks followed to files but not to folders):
//
//   - a file matching an --exclude glob is skipped, and so is a folder
//     (with everything below it);
//   - when --include globs are given, only the files they match are read;
//   - otherwise files named *.xml or *.json (any case) are read, and so are
//     files without an extension whose content sniffs as XML or JSON; other
//     extensions (.jsonl, .md, .txt, ...) are left alone, since they name
//     something else.
//
// The format of every payload is found from its content, never its name.
// Only regular files are read: anything else that would be read (a named
// pipe, a device, a socket, a folder behind a symlink) is sent with an
// error, so that it is reported and never opened.
func walkInputs(paths []string, filter inputFilter, done <-chan struct{}) <-chan input {
	out := make(chan input)
	go func() {
		defer close(out)
		send := func(in input) bool {
			select {
			case out <- in:
				return true
			case <-done:
				return false
			}
		}
		for _, p := range paths {
			if p == "-" {
				if !send(input{path: "-", stdin: true}) {
					return
				}
				continue
			}
			info, err := os.Stat(p)
			if err != nil {
				if !send(input{path: p, err: err}) {
					return
				}
				continue
			}
			if !info.IsDir() {
				in := input{path: p}
				if !info.Mode().IsRegular() {
					in.err = &notRegularError{mode: info.Mode()}
				}
				if !send(in) {
					return
				}
				continue
			}
			root := walkRoot(p)
			found := 0
			stopped := errors.New("stopped")
			err = filepath.WalkDir(root, func(fp string, d fs.DirEntry, err error) error {
				if err != nil {
					if !send(input{path: fp, err: err}) {
						return stopped
					}
					return nil
				}
				if fp == root {
					return nil
				}
				base := d.Name()
				rel, _ := filepath.Rel(root, fp)
				rel = filepath.ToSlash(rel)
				if strings.HasPrefix(base, ".") || match(filter.exclude, rel, base) {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if d.IsDir() {
					return nil
				}
				in := input{path: fp, rel: rel}
				switch {
				case len(filter.include) > 0:
					if !match(filter.include, rel, base) {
						return nil
					}
				case hasExt(base, ".xml", ".json"):
				case filepath.Ext(base) == "":
					in.sniff = true
				default:
					return nil
				}
				// Only regular files are opened: a named pipe, reached
				// directly or through a symlink, would block the walk
				// forever, and a device has no end. They are reported, not
				// skipped silently, since their name asked for them.
				if err := regularEntry(fp, d); err != nil {
					in = input{path: fp, err: err}
				}
				found++
				if !send(in) {
					return stopped
				}
				return nil
			})
			if err == stopped {
				return
			}
			if found == 0 {
				if !send(input{path: p, err: fmt.Errorf("no XML or JSON files in this folder")}) {
					return
				}
			}
		}
	}()
	return out
}

// walkRoot is the name to walk a folder by: a folder named through a
// symlink is walked too, and WalkDir follows "link/" though not "link".
func walkRoot(p string) string {
	if li, err := os.Lstat(p); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		return p + string(filepath.Separator)
	}
	return p
}

func hasExt(name string, exts ...string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range exts {
		if ext == e {
			return true
		}
	}
	return false
}

// notRegularError says that a path names something other than a regular
// file (a named pipe, a device, a socket, a folder behind a symlink), which
// is never opened for reading: it could block forever or never end.
type notRegularError struct {
	mode   fs.FileMode
	linked bool // reached through a symlink inside a walked folder
}

func (e *notRegularError) Error() string {
	kind := "not a regular file"
	switch m := e.mode; {
	case m.IsDir() && e.linked:
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

// regularEntry checks that the folder entry d at p is a regular file,
// following a symlink to what it names.
func regularEntry(p string, d fs.DirEntry) error {
	info, err := followEntry(p, d)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return &notRegularError{mode: info.Mode(), linked: d.Type()&fs.ModeSymlink != 0}
	}
	return nil
}

// followEntry returns the file information of the folder entry d at p,
// of what it names if it is a symlink.
func followEntry(p string, d fs.DirEntry) (fs.FileInfo, error) {
	if d.Type()&fs.ModeSymlink == 0 {
		return d.Info()
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("not read: a symlink that cannot be followed: %w", unwrapPathError(err))
	}
	return info, nil
}

// openRegular opens the file at p for reading and refuses anything but a
// regular file. The open does not block, even when p has become a named
// pipe or a device since it was listed: O_NONBLOCK makes open(2) return at
// once for a pipe without a writer, and fstat on the open file, not on the
// name, decides. O_NONBLOCK changes nothing for reads of a regular file.
func openRegular(p string) (*os.File, fs.FileInfo, error) {
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
		return nil, nil, &notRegularError{mode: info.Mode()}
	}
	return f, info, nil
}

// stdinPiped reports whether standard input is a pipe, a file or a socket
// rather than a terminal (or /dev/null), so that 'nemsfhir validate < file'
// and 'cat file | nemsfhir validate' read it without being given -.
// A reader that is not a file (in tests) is never taken as piped.
func stdinPiped(stdin io.Reader) bool {
	f, ok := stdin.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	m := st.Mode()
	return m&(fs.ModeNamedPipe|fs.ModeSocket) != 0 || m.IsRegular()
}
