package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/schema"
)

// runCLI runs nemsfhir in-process and returns its exit code and outputs.
func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestTopLevel(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // expected in stdout+stderr
	}{
		{nil, exitUsage, "Commands:"},
		{[]string{"--help"}, exitOK, "model"},
		{[]string{"--version"}, exitOK, "nemsfhir "},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"help", "model"}, exitOK, "Usage: nemsfhir model"},
		{[]string{"help", "frobnicate"}, exitUsage, `unknown command "frobnicate"`},
	} {
		code, out, errOut := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.out) {
			t.Errorf("nemsfhir %v: exit %d, output %q; want exit %d with %q", tc.args, code, out+errOut, tc.code, tc.out)
		}
	}
}

// Help asked for goes to stdout with status 0, through --help, -h and
// 'nemsfhir help NAME'; an unknown flag is a usage error that says what
// is wrong and where the help is, in every command.
func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands {
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			code, out, errOut := runCLI(args...)
			if code != exitOK || !strings.Contains(out, "Usage: nemsfhir "+name) || !strings.Contains(out, "Flags:\n") || errOut != "" {
				t.Errorf("nemsfhir %v: exit %d, stdout %.80q, stderr %q; want the help on stdout, exit 0", args, code, out, errOut)
			}
		}
		code, out, errOut := runCLI(name, "--no-such-flag")
		want := "nemsfhir " + name + ": unknown flag: --no-such-flag\nRun 'nemsfhir " + name + " --help' for usage.\n"
		if code != exitUsage || out != "" || errOut != want {
			t.Errorf("%s --no-such-flag: exit %d, stdout %q, stderr %q; want exit %d and stderr %q", name, code, out, errOut, exitUsage, want)
		}
		code, _, errOut = runCLI(name, "-Z")
		if code != exitUsage || !strings.Contains(errOut, "unknown shorthand flag: 'Z'") || !strings.Contains(errOut, "--help' for usage.") {
			t.Errorf("%s -Z: exit %d, stderr %q", name, code, errOut)
		}
	}
}

func TestModel(t *testing.T) {
	code, out, errOut := runCLI("model", "MessageHeader")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"MessageHeader: resource, base DomainResource",
		"\n  event 1..1 Coding Σ",
		"\n  source 1..1 BackboneElement",
		"\n    endpoint 1..1 uri",
		"receiver 0..1 Reference(Practitioner|Organization)",
		"dom-2 error:",
		"fhirpath: contained.contained.empty()",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("model MessageHeader lacks %q", want)
		}
	}
	// Elements come in definition order.
	if strings.Index(out, "\n  event ") > strings.Index(out, "\n  timestamp ") {
		t.Error("event printed after timestamp")
	}

	code, out, _ = runCLI("model", "Subscription.channel.type")
	if code != exitOK || !strings.Contains(out, "required binding http://hl7.org/fhir/ValueSet/subscription-channel-type {email message rest-hook sms websocket}") {
		t.Errorf("model Subscription.channel.type: exit %d\n%s", code, out)
	}

	code, out, _ = runCLI("model", "--list")
	if code != exitOK || !strings.Contains(out, "resource (119):") || !strings.Contains(out, "  Patient\n") {
		t.Errorf("model --list: exit %d\n%.300s", code, out)
	}

	code, out, _ = runCLI("model", "--constraints")
	if code != exitOK || !strings.Contains(out, "evaluated through their FHIRPath expression: ") || !strings.Contains(out, "not evaluated:") {
		t.Errorf("model --constraints: exit %d\n%s", code, out)
	}

	for _, args := range [][]string{{"model"}, {"model", "Nope"}, {"model", "Patient.nope"}, {"model", "A", "B"}, {"model", "--list", "Patient"}} {
		if code, _, errOut := runCLI(args...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errOut)
		}
	}
}

// --version says which schema checks the build holds, and --xsd is a
// usage error wherever the XSD check is not built in.
func TestVersionNamesSchemaChecks(t *testing.T) {
	code, out, _ := runCLI("--version")
	want := "schema checks: JSON Schema (JSON); no XSD check of XML (built without -tags libxml2)\n"
	if schema.XSDBuiltIn {
		want = "schema checks: JSON Schema (JSON), XSD (XML, libxml2)\n"
	}
	if code != exitOK || !strings.HasPrefix(out, "nemsfhir "+version+" (FHIR STU3 3.0.2)\n") || !strings.HasSuffix(out, want) {
		t.Errorf("--version: exit %d, %q; want it to end with %q", code, out, want)
	}
	code, out, errOut := runCLI("validate", "--xsd", "../../corpus/examples/subscription-explicit.xml")
	switch {
	case !schema.XSDBuiltIn && (code != exitUsage || out != "" || !strings.Contains(errOut, "--xsd: the XML Schema (XSD) check is not built in: rebuild with -tags libxml2")):
		t.Errorf("--xsd without the XSD check: exit %d, stdout %q, stderr %q; want a usage error", code, out, errOut)
	case schema.XSDBuiltIn && code != exitOK:
		t.Errorf("--xsd with the XSD check: exit %d: %s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI("validate", "--xsd", "--no-schema", "../../corpus/examples"); code != exitUsage || !strings.Contains(errOut, "--xsd and --no-schema together") {
		t.Errorf("--xsd --no-schema: exit %d, %q", code, errOut)
	}
}
