package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const requestTestdata = "../../validate/request/testdata"

// testJWT returns an unsecured token valid at 2025-03-01T10:00:00Z.
func testJWT(scope string) string {
	return spineJWT(testASID, scope, time.Unix(1740823140, 0))
}

func runCLIStdin(stdin string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestRequestCommand(t *testing.T) {
	publish := filepath.Join(requestTestdata, "publish.xml")
	sub := filepath.Join(requestTestdata, "subscription.json")
	subBody, err := os.ReadFile(sub)
	if err != nil {
		t.Skipf("testdata: %v", err)
	}
	now := "--now=2025-03-01T10:00:00Z"
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "token")
	os.WriteFile(tokFile, []byte(testJWT("patient/Bundle.write")+"\n"), 0o644)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  []string // in stdout
		err   string   // in stderr
	}{
		{name: "publish with defaults", args: []string{"--interaction", "publish", "--defaults", "--jwt-file", tokFile, now, publish},
			code: exitOK, want: []string{"HTTP/1.1 202 Accepted\n"}},
		{name: "publish without headers", args: []string{"--interaction", "publish", "--jwt-file", tokFile, now, publish},
			code: exitInvalid, want: []string{"HTTP/1.1 400 Bad Request\n", "Content-Type: application/xml+fhir;charset=utf-8", "<OperationOutcome", "MISSING_OR_INVALID_HEADER", "fromASID"}},
		{name: "publish with headers given", args: []string{"--interaction=publish", "-H", "fromASID: 200000000205", "-H", "toasid:928942012545",
			"-H", "InteractionID: urn:nhs:names:services:events:Vaccinations.Write", "-H", "Content-Type: application/fhir+xml", "--jwt", testJWT("patient/Bundle.write"), now, publish},
			code: exitOK, want: []string{"HTTP/1.1 202 Accepted\n"}},
		{name: "publish expired token", args: []string{"--interaction", "publish", "--defaults", "--jwt-file", tokFile, "--now=2025-03-02T10:00:00Z", publish},
			code: exitInvalid, want: []string{"HTTP/1.1 400 Bad Request", "jwt:exp"}},
		{name: "publish expired token, time ignored", args: []string{"--interaction", "publish", "--defaults", "--jwt-file", tokFile, "--ignore-time", publish},
			code: exitOK, want: []string{"HTTP/1.1 202 Accepted\n"}},
		{name: "create JSON from stdin answers in JSON", stdin: strings.Replace(string(subBody), `"meta"`, `"id": "abc", "meta"`, 1),
			args: []string{"--interaction", "subscription-create", "--defaults", "--jwt", testJWT("patient/Subscription.write"), now, "-"},
			code: exitInvalid, want: []string{"HTTP/1.1 405 Method Not Allowed", "Content-Type: application/fhir+json;charset=utf-8", `"resourceType": "OperationOutcome"`, "MSG_RESOURCE_ID_FAIL"}},
		{name: "read", args: []string{"--interaction", "read", "--defaults", "--jwt", testJWT("patient/Subscription.read"), now, "--path", "/STU3/Subscription/ea0a485187204b49b978bdcf7102388c"},
			code: exitOK, want: []string{"HTTP/1.1 200 OK\n"}},
		{name: "delete with PUT", args: []string{"--interaction", "subscription-delete", "--defaults", "--jwt", testJWT("patient/Subscription.write"), now, "--method", "PUT", "--path", "/STU3/Subscription/ea0a485187204b49b978bdcf7102388c"},
			code: exitInvalid, want: []string{"HTTP/1.1 405 Method Not Allowed", "Allow: GET, DELETE"}},
		{name: "too large", args: []string{"--interaction", "publish", "--defaults", "--jwt-file", tokFile, now, "--max-size", "10", publish},
			code: exitInvalid, want: []string{"HTTP/1.1 413 Request Entity Too Large"}},
		{name: "no interaction", args: []string{publish}, code: exitUsage, err: "--interaction is required"},
		{name: "bad interaction", args: []string{"--interaction", "update"}, code: exitUsage, err: "unknown interaction"},
		{name: "read without path", args: []string{"--interaction", "subscription-read"}, code: exitUsage, err: "needs --path"},
		{name: "bad header", args: []string{"--interaction", "publish", "-H", "fromASID"}, code: exitUsage, err: "not of the form"},
		{name: "jwt twice", args: []string{"--interaction", "publish", "--jwt", "a", "--jwt-file", tokFile}, code: exitUsage, err: "not both"},
		{name: "jwt and Authorization", args: []string{"--interaction", "publish", "--jwt", "a", "-H", "authorization: Bearer b"}, code: exitUsage, err: "not both"},
		{name: "bad now", args: []string{"--interaction", "publish", "--now", "yesterday"}, code: exitUsage, err: "RFC 3339"},
		{name: "two bodies", args: []string{"--interaction", "publish", publish, publish}, code: exitUsage, err: "at most one"},
		{name: "missing body file", args: []string{"--interaction", "publish", filepath.Join(dir, "nope.xml")}, code: exitUsage, err: "nope.xml"},
		{name: "zero max size", args: []string{"--interaction", "publish", "--max-size", "0"}, code: exitUsage, err: "--max-size"},
		{name: "help", args: []string{"--help"}, code: exitOK, want: []string{"Usage: nemsfhir request"}},
		{name: "unknown flag", args: []string{"--frobnicate"}, code: exitUsage, err: "unknown flag: --frobnicate\nRun 'nemsfhir request --help' for usage."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLIStdin(tc.stdin, append([]string{"request"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if tc.code == exitOK && len(tc.want) == 1 && out != tc.want[0] && tc.name != "help" {
				t.Errorf("accepted request printed more than its status line:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut, tc.err) {
				t.Errorf("stderr lacks %q: %s", tc.err, errOut)
			}
		})
	}
}
