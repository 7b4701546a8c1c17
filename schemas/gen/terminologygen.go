package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/nemsfhir/nemsfhir/schemas/gen/modelgen"
)

// writeTerminology writes the terminology file beside the model: the value
// sets of the other binding strengths and the code systems with displays.
func writeTerminology(src *modelgen.Package, source, out string) error {
	var buf bytes.Buffer
	st, err := modelgen.WriteTerminology(&buf, src, source)
	if err != nil {
		return fmt.Errorf("terminology: %v", err)
	}
	if err := writeAtomic(out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %s: %d value sets of other strengths (%d complete: %d extensible, %d preferred, %d example), %d code systems with %d concepts, %d bytes\n",
		out, st.ValueSets, st.Complete, st.ByStrength["extensible"], st.ByStrength["preferred"], st.ByStrength["example"], st.CodeSystems, st.Concepts, buf.Len())
	return nil
}
