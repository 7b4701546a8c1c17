package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// collectInputs expands command-line paths into the payloads to read: a
// file as given, a folder searched recursively (in lexical order) for files
// with one of the extensions, and "-" for standard input. Paths that cannot
// be read are returned as errors; the rest still count.
func collectInputs(paths []string, exts []string) ([]input, []error) {
	var out []input
	var errs []error
	for _, p := range paths {
		if p == "-" {
			out = append(out, input{path: "-", stdin: true})
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !info.IsDir() {
			out = append(out, input{path: p})
			continue
		}
		found := 0
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			if d.IsDir() || !hasExt(path, exts) {
				return nil
			}
			out = append(out, input{path: path})
			found++
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		if found == 0 {
			errs = append(errs, fmt.Errorf("%s: no %s files in this folder", p, strings.Join(exts, " or ")))
		}
	}
	return out, errs
}

func hasExt(path string, exts []string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range exts {
		if ext == e {
			return true
		}
	}
	return false
}
