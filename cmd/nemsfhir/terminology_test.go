package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A run over payloads carrying SNOMED CT codes says once, on stderr, that
// they were not checked offline, with the number of payloads; --quiet
// keeps it to one line.
func TestValidateReportsUncheckedTerminologyOnce(t *testing.T) {
	dir := t.TempDir()
	p := `{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://snomed.info/sct","code":"87915002"}]}}`
	for _, name := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, errOut := runCLI("validate", "--no-rules", dir)
	if n := strings.Count(errOut, "\n"); n != 1 || !strings.Contains(errOut, "information [fhir:terminology-offline]: codes of http://snomed.info/sct (SNOMED CT) in 2 payloads not checked") {
		t.Errorf("stderr:\n%s", errOut)
	}
	_, _, errOut = runCLI("validate", "--no-rules", "--quiet", dir)
	if errOut != "nemsfhir validate: information: codes of 1 code system(s) not held offline were not checked\n" {
		t.Errorf("--quiet stderr:\n%s", errOut)
	}
}

// The reports a pipeline may keep without stderr carry the note too: a
// SARIF toolExecutionNotification (the run still successful), the JUnit
// testsuite's system-err, an HTML "Not checked" section. Text, JSON lines
// and outcome keep it to stderr. A run without such codes has no note
// anywhere.
func TestValidateReportsCarryUncheckedTerminology(t *testing.T) {
	snomed, plain := t.TempDir(), t.TempDir()
	write := func(dir, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(snomed, `{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://snomed.info/sct","code":"87915002"}]}}`)
	write(plain, `{"resourceType":"Patient","active":true}`)
	const note = "codes of http://snomed.info/sct (SNOMED CT) in 1 payload not checked"

	sarifNotes := func(t *testing.T, out string) (successful bool, levels, ids, texts []string) {
		t.Helper()
		var log struct {
			Runs []struct {
				Invocations []struct {
					ExecutionSuccessful bool `json:"executionSuccessful"`
					Notifications       []struct {
						Level   string `json:"level"`
						Message struct {
							Text string `json:"text"`
						} `json:"message"`
						Descriptor struct {
							ID string `json:"id"`
						} `json:"descriptor"`
					} `json:"toolExecutionNotifications"`
				} `json:"invocations"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs) != 1 || len(log.Runs[0].Invocations) != 1 {
			t.Fatalf("SARIF log (%v):\n%s", err, out)
		}
		inv := log.Runs[0].Invocations[0]
		for _, n := range inv.Notifications {
			levels, ids, texts = append(levels, n.Level), append(ids, n.Descriptor.ID), append(texts, n.Message.Text)
		}
		return inv.ExecutionSuccessful, levels, ids, texts
	}

	for _, format := range []string{"text", "json", "outcome", "junit", "sarif", "html"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runCLI("validate", "--no-rules", "-f", format, snomed)
			if code != exitOK || !strings.Contains(errOut, "information [fhir:terminology-offline]: "+note) {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			switch format {
			case "sarif":
				ok, levels, ids, texts := sarifNotes(t, out)
				if !ok || len(texts) != 1 || levels[0] != "note" || ids[0] != "fhir:terminology-offline" || !strings.HasPrefix(texts[0], note) {
					t.Errorf("executionSuccessful %v, notifications %v %v %q", ok, levels, ids, texts)
				}
			case "junit":
				want := "<system-err>nemsfhir validate: information [fhir:terminology-offline]: " + note
				if i := strings.Index(out, want); i < 0 || i < strings.LastIndex(out, "<testcase") {
					t.Errorf("no system-err after the testcases:\n%s", out)
				}
			case "html":
				if !strings.Contains(out, "<h2>Not checked</h2>") || !strings.Contains(out, note) {
					t.Errorf("no Not checked section:\n%s", out)
				}
			default:
				if strings.Contains(out, "terminology-offline") || strings.Contains(out, "not checked") {
					t.Errorf("the %s report carries the note, which belongs to stderr:\n%s", format, out)
				}
			}

			code, out, errOut = runCLI("validate", "--no-rules", "-f", format, plain)
			if code != exitOK || errOut != "" {
				t.Fatalf("without codes: exit %d, stderr:\n%s", code, errOut)
			}
			if strings.Contains(out, "terminology-offline") || strings.Contains(out, "system-err") || strings.Contains(out, "Not checked") {
				t.Errorf("without codes, the %s report carries a note:\n%s", format, out)
			}
			if format == "sarif" {
				if ok, _, _, texts := sarifNotes(t, out); !ok || len(texts) != 0 {
					t.Errorf("without codes: executionSuccessful %v, notifications %q", ok, texts)
				}
			}
		})
	}

	// The report file alone, what a CI step uploads, says it.
	file := filepath.Join(t.TempDir(), "report.sarif")
	if code, _, _ := runCLI("validate", "--no-rules", "-f", "sarif", "-o", file, snomed); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ids, _ := sarifNotes(t, string(b)); len(ids) != 1 {
		t.Errorf("--output %s: notifications %v", file, ids)
	}
}
