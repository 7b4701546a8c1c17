package main

import (
	"os"
	"testing"
)

// The README's first command, validate corpus/examples/, shows a newcomer
// the tool at work: every example is valid but one event message whose
// routing name (MessageHeader extension) does not match its Patient, which
// is reported as nems:G10 at its line with the Spine code, and the run
// exits 1.
func TestQuickStartExamples(t *testing.T) {
	entries, err := os.ReadDir("../../corpus/examples")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("validate", "../../corpus/examples/")
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d (one example is invalid on purpose): %s%s", code, exitInvalid, out, errOut)
	}
	want := "../../corpus/examples/pds-change-of-gp-routing-name-mismatch.xml:22:13: error nems:G10 [INVALID_PATIENT_DEMOGRAPHICS] " +
		"Bundle.entry[0].resource.extension[0].extension[1].valueHumanName: routing demographics name Ewa Smyth does not match the Patient (Ewa Smith)\n"
	const summary = "4 files checked: 3 valid, 1 invalid; 1 error, 0 warnings\n"
	// The examples' codes are all judged offline: the NHS and CareConnect
	// code systems and value sets they use are built in (schemas/stu3/
	// terminology.jsonl), so no fhir:terminology-offline line is printed.
	if errOut != "" {
		t.Errorf("unexpected stderr:\n%s", errOut)
	}
	if len(entries) != 4 || out != want+summary {
		t.Errorf("%d examples; output:\n%s%s\nwant:\n%s%s", len(entries), out, errOut, want, summary)
	}
}
