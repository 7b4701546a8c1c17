package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// validate -o html hands the reporter the bytes it read, for files and for
// standard input alike, so that every issue comes with its excerpt.
func TestValidateHTMLHasExcerpts(t *testing.T) {
	const example = "../../corpus/examples/pds-change-of-gp-routing-name-mismatch.xml"
	src, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	// The whole start tag is marked, the byte range.
	const hit = `<span class="l hit"><span class="ln">22</span>            <mark>&lt;valueHumanName&gt;</mark></span>`
	for _, tc := range []struct {
		name  string
		args  []string
		stdin []byte
	}{
		{"file", []string{"validate", "-o", "html", example}, nil},
		{"stdin", []string{"validate", "-o", "html", "-"}, src},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, bytes.NewReader(tc.stdin), &stdout, &stderr)
			out := stdout.String()
			if code != exitInvalid || !strings.Contains(out, hit) || strings.Contains(out, "source not available") {
				t.Errorf("exit %d, stderr %q; the nems:G10 excerpt (%s) is missing from:\n%s", code, stderr.String(), hit, out)
			}
		})
	}
}
