// Command nemsfhir validates and converts the FHIR STU3 payloads of the NHS
// National Events Management Service (NEMS).
//
// Each subcommand lives in its own file and registers itself in init with
// register. Exit codes are shared by all subcommands: 0 success, 1 invalid
// input, 2 usage or I/O error.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/nemsfhir/nemsfhir/validate/schema"
)

// version and revision are set at build time with -ldflags
// "-X main.version=... -X main.revision=..." (release/build.sh does, and
// reads the default version from the line below). A build without them
// takes the module version and the VCS revision from the build
// information Go records (go install ...@v1.2.3, or a build inside a git
// checkout).
var (
	version  = "0.1.0-dev"
	revision = ""
)

// sourceVersion is the version written above, which a build that stamps
// none keeps: it tells a stamped build from one that is not.
const sourceVersion = "0.1.0-dev"

// Exit codes of every subcommand.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

// command is one subcommand of nemsfhir.
type command struct {
	name    string
	summary string // one line for the command list
	// run executes the command with the arguments after its name and
	// returns the exit code.
	run func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// gcPercent is the collector's target when GOGC is not set. A batch run
// allocates a short-lived tree per payload over a small live heap (the model
// and compiled schemas, tens of MB), so the default of 100 collects after
// every few payloads; 400 halves validation's CPU time spent in the
// collector for a few more MB of peak memory.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			c := commands[args[1]]
			if c == nil {
				fmt.Fprintf(stderr, "nemsfhir: unknown command %q\n\n", args[1])
				usage(stderr)
				return exitUsage
			}
			return c.run([]string{"--help"}, stdin, stdout, stderr)
		}
		usage(stdout)
		return exitOK
	case "--version", "version":
		io.WriteString(stdout, versionText())
		return exitOK
	}
	c := commands[args[0]]
	if c == nil {
		fmt.Fprintf(stderr, "nemsfhir: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("nemsfhir validates and converts NEMS FHIR STU3 payloads.\n\n")
	b.WriteString("Usage:\n  nemsfhir COMMAND [flags] [args]\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, commands[n].summary)
	}
	b.WriteString("\nRun 'nemsfhir COMMAND --help' for the flags of a command; 'nemsfhir --version' prints the version.\n")
	io.WriteString(w, b.String())
}

// versionText is what --version prints: the version, the revision it was
// built from when known, and which schema checks the build holds.
func versionText() string {
	info, _ := debug.ReadBuildInfo()
	ver, rev := buildVersion(info)
	var b strings.Builder
	fmt.Fprintf(&b, "nemsfhir %s (FHIR STU3 3.0.2)\n", ver)
	if rev != "" {
		fmt.Fprintf(&b, "revision: %s\n", rev)
	} else {
		b.WriteString("revision: unknown (built outside a git checkout, without release/build.sh)\n")
	}
	b.WriteString("schema checks: JSON Schema (JSON)")
	if schema.XSDBuiltIn {
		b.WriteString(", XSD (XML, libxml2)\n")
	} else {
		b.WriteString("; no XSD check of XML (built without -tags libxml2)\n")
	}
	return b.String()
}

// buildVersion returns the version and revision of the binary: those
// stamped with -ldflags, else the module version (when built as a module
// dependency or by go install ...@version) and the revision Go recorded
// from the checkout, "+dirty" when it had changes and with the commit time.
func buildVersion(info *debug.BuildInfo) (ver, rev string) {
	ver, rev = version, revision
	if info == nil {
		return ver, rev
	}
	if ver == sourceVersion && rev == "" {
		if mv := info.Main.Version; mv != "" && mv != "(devel)" {
			ver = mv
		}
	}
	if rev != "" {
		return ver, rev
	}
	var dirty, when string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		case "vcs.time":
			when = s.Value
		}
	}
	if rev == "" {
		return ver, ""
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	rev += dirty
	if when != "" {
		rev += " (" + when + ")"
	}
	return ver, rev
}
