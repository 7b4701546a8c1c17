package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
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
// with "." skipped):
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
				if !send(input{path: p}) {
					return
				}
				continue
			}
			found := 0
			stopped := errors.New("stopped")
			err = filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
				if err != nil {
					if !send(input{path: fp, err: err}) {
						return stopped
					}
					return nil
				}
				if fp == p {
					return nil
				}
				base := d.Name()
				rel, _ := filepath.Rel(p, fp)
				rel = filepath.ToSlash(rel)
				if strings.HasPrefix(base, ".") || match(filter.exclude, rel, base) {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if d.IsDir() || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
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

func hasExt(name string, exts ...string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range exts {
		if ext == e {
			return true
		}
	}
	return false
}
