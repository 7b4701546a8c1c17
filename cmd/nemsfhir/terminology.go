package main

import (
	"fmt"
	"io"

	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/report"
)

// reportUncheckedTerminology says once per run, on stderr, which code
// systems the payloads used that could not be checked offline (SNOMED CT,
// LOINC, ...), so that an unjudged code is never mistaken for a checked
// one. --quiet keeps it to the count. The reports that have a place for
// notes about the run carry them too (runNotes).
func reportUncheckedTerminology(notes []validate.Issue, stderr io.Writer, quiet bool) {
	if len(notes) == 0 {
		return
	}
	if quiet {
		fmt.Fprintf(stderr, "nemsfhir validate: information: codes of %d code system(s) not held offline were not checked\n", len(notes))
		return
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "nemsfhir validate: %s\n", report.NoteText(n))
	}
}

// runNotes hands the notes about the run to a report whose format has a
// place for them (SARIF, JUnit, HTML), since a pipeline may keep the
// report and drop stderr. The other formats leave them to stderr.
func runNotes(rep report.Reporter, notes []validate.Issue) error {
	w, ok := rep.(report.RunNoteWriter)
	if !ok || len(notes) == 0 {
		return nil
	}
	return w.WriteRunNotes(notes)
}
