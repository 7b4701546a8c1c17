package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/schemas/gen/modelgen"
)

// writeTerminology writes the terminology file beside the model: the value
// sets of the other binding strengths and the code systems with displays,
// of the package and of the NHS assets under nhsDir (XML parsed with the
// model just written).
func writeTerminology(src *modelgen.Package, model []byte, nhsDir, source, out string) error {
	m, err := schemas.Load(model)
	if err != nil {
		return fmt.Errorf("reloading the model: %v", err)
	}
	nst, err := src.AddNHS(nhsDir, m)
	if err != nil {
		return fmt.Errorf("terminology: %v", err)
	}
	var buf bytes.Buffer
	st, err := modelgen.WriteTerminology(&buf, src, source)
	if err != nil {
		return fmt.Errorf("terminology: %v", err)
	}
	for _, u := range nst.Unreadable {
		fmt.Fprintf(os.Stderr, "gen: %s: NHS file left out, not valid FHIR: %s\n", out, u)
	}
	if err := writeAtomic(out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %s: %d value sets of other strengths (%d complete: %d extensible, %d preferred, %d example), %d NHS and CareConnect value sets (%d complete; %d code systems and value sets read, %d defined twice, the publisher's copy kept), %d code systems with %d concepts, %d bytes\n",
		out, st.ValueSets, st.Complete, st.ByStrength["extensible"], st.ByStrength["preferred"], st.ByStrength["example"],
		st.NHSValueSets, st.NHSComplete, nst.CodeSystems+nst.ValueSets, nst.Replaced, st.CodeSystems, st.Concepts, buf.Len())
	return nil
}
