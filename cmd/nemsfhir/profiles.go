package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/nemsfhir/nemsfhir/profiles"
)

func init() {
	register(&command{
		name:    "profiles",
		summary: "list the NEMS rule packs and rules, or explain one rule",
		run:     runProfiles,
	})
}

func runProfiles(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("profiles", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	rules := fs.StringArray("rules", nil, "add a rule pack file or a folder of packs (repeatable)")
	coverage := fs.Bool("coverage", false, "print the traceability matrix of the NEMS guide's rows to the rules, with counts per section")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: nemsfhir profiles [--rules PATH]...
       nemsfhir profiles explain RULE-ID [--rules PATH]...
       nemsfhir profiles --coverage

Lists the NEMS rule packs nemsfhir checks payloads against (the embedded
default packs, plus the packs given with --rules) and every active rule:
id, severity, Spine ErrorOrWarning code, HTTP status and what it applies to.
'explain' prints one rule in full: its check, message, source section of the
NEMS specification, the guide rows it enforces and a failing example.
--coverage prints the traceability matrix (profiles/traceability.tsv): every
rule-bearing row of the guide with the rules that enforce it or why none
does, and the counts per section.

Examples:
  nemsfhir profiles
  nemsfhir profiles explain nems:G12
  nemsfhir profiles --rules ./local-packs

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	rest := fs.Args()
	explain := len(rest) > 0 && rest[0] == "explain"
	switch {
	case explain && len(rest) != 2:
		return usageError(stderr, "profiles", "explain takes one RULE-ID")
	case explain && *coverage:
		return usageError(stderr, "profiles", "--coverage and explain do not go together")
	case !explain && len(rest) != 0:
		return usageError(stderr, "profiles", "unexpected argument %q", rest[0])
	}
	rs, err := profiles.LoadPacks(*rules...)
	if err != nil {
		fmt.Fprintf(stderr, "nemsfhir profiles: %v\n", err)
		return exitUsage
	}
	if *coverage {
		return printTraceability(rs, stdout, stderr)
	}
	if explain {
		ex, ok := rs.Explain(rest[1])
		if !ok {
			fmt.Fprintf(stderr, "nemsfhir profiles: no rule %q ('nemsfhir profiles' lists them)\n", rest[1])
			return exitInvalid
		}
		io.WriteString(stdout, ex.Format())
		return exitOK
	}
	var b strings.Builder
	b.WriteString("Packs:\n")
	for _, p := range rs.Packs() {
		fmt.Fprintf(&b, "  %-22s %3d rules  %s\n", p.Name, p.Rules, p.File)
		if len(p.Disabled) > 0 {
			fmt.Fprintf(&b, "  %-22s disables  %s\n", "", strings.Join(p.Disabled, ", "))
		}
	}
	list := rs.Rules()
	fmt.Fprintf(&b, "\nRules (%d active):\n", len(list))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tSPINE CODE\tHTTP\tAPPLIES TO\tSUMMARY")
	for _, r := range list {
		code := r.SpineCode
		if code == "" {
			code = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Severity, code, r.HTTPStatus, shorten(r.AppliesTo.String(), 60), r.Summary)
	}
	tw.Flush()
	io.WriteString(stdout, b.String())
	return exitOK
}

// shorten keeps listing lines readable when a rule names many events.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// printTraceability prints the traceability matrix and its counts per section.
// It fails when the matrix names a rule the loaded packs lack, or a loaded
// rule is named by no row, so the listing never claims more than is true.
func printTraceability(rs *profiles.RuleSet, stdout, stderr io.Writer) int {
	rows, err := profiles.Traceability()
	if err != nil {
		fmt.Fprintf(stderr, "nemsfhir profiles: %v\n", err)
		return exitInvalid
	}
	var b strings.Builder
	b.WriteString("Traceability of the NEMS implementation guide 2.15.0 to the rules (profiles/traceability.tsv):\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tSTATUS\tRULES\tSUMMARY\tNOTE")
	for _, r := range rows {
		ids := strings.Join(r.Rules, " ")
		if ids == "" {
			ids = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Status, ids, r.Summary, r.Note)
	}
	tw.Flush()
	b.WriteString("\nCounts per section:\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "SECTION\tROWS\t")
	for _, s := range profiles.TraceStatuses {
		fmt.Fprintf(tw, "%s\t", strings.ToUpper(s))
	}
	fmt.Fprintln(tw)
	total := map[string]int{}
	n := 0
	for _, c := range profiles.TraceCoverage(rows) {
		fmt.Fprintf(tw, "%s\t%d\t", c.Section, c.Rows)
		n += c.Rows
		for _, s := range profiles.TraceStatuses {
			fmt.Fprintf(tw, "%d\t", c.Counts[s])
			total[s] += c.Counts[s]
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(tw, "all\t%d\t", n)
	for _, s := range profiles.TraceStatuses {
		fmt.Fprintf(tw, "%d\t", total[s])
	}
	fmt.Fprintln(tw)
	tw.Flush()
	io.WriteString(stdout, b.String())
	if probs := rs.CheckTraceability(rows); len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintf(stderr, "nemsfhir profiles: %s\n", p)
		}
		return exitInvalid
	}
	return exitOK
}
