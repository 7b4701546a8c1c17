package main

import (
	"strings"
	"testing"
)

func TestProfilesList(t *testing.T) {
	code, out, errOut := runCLI("profiles")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Packs:\n",
		"nems-generic ",
		"profiles/packs/50-subscription.json",
		"Rules (270 active):",
		"ID ", "SEVERITY", "SPINE CODE", "HTTP", "APPLIES TO", "SUMMARY",
		"\nnems:G12 ",
		"\nnems:6.2:home-address ",
		"\nnems:sub:contact-system ",
		"INVALID_NHS_NUMBER",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("profiles lacks %q", want)
		}
	}
	// Rules are listed in pack order: the generic pack before the subscriptions.
	if strings.Index(out, "\nnems:G01 ") > strings.Index(out, "\nnems:sub:status ") {
		t.Error("nems:G01 listed after nems:sub:status")
	}
}

func TestProfilesExplain(t *testing.T) {
	code, out, errOut := runCLI("profiles", "explain", "nems:G12")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"nems:G12  (pack nems-generic, profiles/packs/00-generic.json:",
		"summary:     MessageHeader.source.name present",
		"severity:    error",
		"Spine code:  INVALID_RESOURCE",
		"HTTP status: 422",
		"check:       cardinality 1..1 of source.name",
		"failing example:",
		// The source is named by the guide's pages, not by a file the
		// repository does not hold.
		`NEMS guide:  "Generic Event Message Requirements" page: the MessageHeader (Event-MessageHeader-1)` + "\n",
		"section:     5.12 G12; 5.2 (as numbered in profiles/traceability.tsv)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain nems:G12 lacks %q in\n%s", want, out)
		}
	}

	if strings.Contains(out, "spec/nems.md") {
		t.Errorf("explain cites spec/nems.md:\n%s", out)
	}
	if _, cov, _ := runCLI("profiles", "--coverage"); strings.Contains(cov, "spec/nems.md") || !strings.Contains(cov, "Traceability of the NEMS implementation guide 2.15.0") {
		t.Errorf("--coverage cites spec/nems.md or lacks its title:\n%.300s", cov)
	}

	code, out, _ = runCLI("profiles", "explain", "nems:sub:contact-system")
	if code != exitOK || !strings.Contains(out, "nems:sub:contact-system") || !strings.Contains(out, "nems-subscription") {
		t.Errorf("explain nems:sub:contact-system: exit %d\n%s", code, out)
	}
}

func TestProfilesErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string // expected in stderr
	}{
		{[]string{"profiles", "explain", "nems:G99"}, exitInvalid, `no rule "nems:G99"`},
		{[]string{"profiles", "explain"}, exitUsage, "explain takes one RULE-ID"},
		{[]string{"profiles", "explain", "nems:G12", "nems:G13"}, exitUsage, "explain takes one RULE-ID"},
		{[]string{"profiles", "list"}, exitUsage, `unexpected argument "list"`},
		{[]string{"profiles", "--rules", "no/such/pack.json"}, exitUsage, "nemsfhir profiles:"},
	} {
		code, out, errOut := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d with %q", tc.args, code, out, errOut, tc.code, tc.msg)
		}
	}
}

func TestProfilesCoverage(t *testing.T) {
	code, out, errOut := runCLI("profiles", "--coverage")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"ROW ", "STATUS", "RULES", "\n5.2.row14-15 ", "nems:G12",
		"\nbeyond.birth-before-message ", "Counts per section:",
		"NOT-YET", "NOT-ENFORCEABLE", "\n      all ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("profiles --coverage lacks %q", want)
		}
	}
	code, _, errOut = runCLI("profiles", "--coverage", "explain", "nems:G12")
	if code != exitUsage || !strings.Contains(errOut, "do not go together") {
		t.Errorf("--coverage with explain: exit %d, %q", code, errOut)
	}
	code, out, _ = runCLI("profiles", "explain", "nems:6.10:aabr-count")
	if code != exitOK || !strings.Contains(out, "guide rows:") || !strings.Contains(out, "6.10.row3") {
		t.Errorf("explain lacks the guide rows: exit %d\n%s", code, out)
	}
}
