package main

import (
	"io"
	"io/fs"
	"os"

	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

// openRegular opens the file at p for reading and refuses anything but a
// regular file, without blocking on a named pipe (inputs.OpenRegular).
func openRegular(p string) (*os.File, fs.FileInfo, error) { return inputs.OpenRegular(p) }

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
