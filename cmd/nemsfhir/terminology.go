package main

import (
	"fmt"
	"io"

	"github.com/nemsfhir/nemsfhir/validate"
)

// reportUncheckedTerminology says once per run, on stderr, which code
// systems the payloads used that could not be checked offline (SNOMED CT,
// LOINC, ...), so that an unjudged code is never mistaken for a checked
// one. --quiet keeps it to the count.
func reportUncheckedTerminology(v *validate.Validator, stderr io.Writer, quiet bool) {
	notes := v.UncheckedTerminology()
	if len(notes) == 0 {
		return
	}
	if quiet {
		fmt.Fprintf(stderr, "nemsfhir validate: information: codes of %d code system(s) not held offline were not checked\n", len(notes))
		return
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "nemsfhir validate: information [%s]: %s\n", n.Rule, n.Message)
	}
}
