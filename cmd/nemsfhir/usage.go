package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

// usageError prints a usage problem of the command name and the hint that
// leads to its help, and returns exitUsage. Every subcommand reports its
// usage errors through it, so that none exits 2 without saying why.
func usageError(stderr io.Writer, name, format string, a ...any) int {
	fmt.Fprintf(stderr, "nemsfhir %s: %s\n", name, fmt.Sprintf(format, a...))
	fmt.Fprintf(stderr, "Run 'nemsfhir %s --help' for usage.\n", name)
	return exitUsage
}

// parseFlags parses the arguments of the command named by fs. The flag
// set's Usage must write to fs.Output(): help asked for (--help, -h) goes
// to stdout with status 0, a bad flag is a usage error on stderr with the
// problem and the hint. ok is false when the command must stop and exit
// with code.
func parseFlags(fs *pflag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	help := fs.Usage
	// pflag calls Usage itself on --help; it is called below, on the right
	// writer, instead.
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = help
	switch {
	case err == nil:
		fs.SetOutput(stderr)
		return exitOK, true
	case errors.Is(err, pflag.ErrHelp):
		fs.SetOutput(stdout)
		help()
		return exitOK, false
	}
	fs.SetOutput(stderr)
	return usageError(stderr, fs.Name(), "%v", err), false
}
