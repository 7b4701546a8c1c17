package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// countingZeros is an endless stream of zeros that counts the bytes read.
type countingZeros struct {
	read, size int64
}

func (z *countingZeros) Read(p []byte) (int, error) {
	if z.size >= 0 && z.read >= z.size {
		return 0, io.EOF
	}
	if z.size >= 0 && int64(len(p)) > z.size-z.read {
		p = p[:z.size-z.read]
	}
	clear(p)
	z.read += int64(len(p))
	return len(p), nil
}

// TestRequestBoundedReads: a large body on stdin is refused after reading
// the limit plus one byte; files that are not regular, or larger than their
// bound, are refused with the file's name.
func TestRequestBoundedReads(t *testing.T) {
	base := []string{"request", "--interaction", "publish", "--defaults", "--jwt", testJWT("patient/Bundle.write"), "--now=2025-03-01T10:00:00Z"}
	for _, tc := range []struct {
		name  string
		size  int64 // of the stream; -1 for endless
		limit int64 // --max-size; 0 for the default
	}{
		{"200 MB on stdin, default limit", 200 << 20, 0},
		{"endless stdin, small limit", -1, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{}, base...)
			limit := int64(3 << 20)
			if tc.limit != 0 {
				limit = tc.limit
				args = append(args, "--max-size", formatInt(limit))
			}
			z := &countingZeros{size: tc.size}
			var stdout, stderr bytes.Buffer
			code := run(append(args, "-"), z, &stdout, &stderr)
			if z.read != limit+1 {
				t.Errorf("read %d bytes of the body, want the limit plus one, %d", z.read, limit+1)
			}
			want := "reading stopped after " + formatInt(limit+1) + " bytes"
			if code != exitInvalid || !strings.Contains(stdout.String(), "413 Request Entity Too Large") || !strings.Contains(stdout.String(), want) {
				t.Errorf("exit %d, want %d, 413 and %q\nstdout: %s\nstderr: %s", code, exitInvalid, want, stdout.String(), stderr.String())
			}
		})
	}

	dir := t.TempDir()
	sparse := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bigJWT := sparse("big.jwt", 100<<10)
	bigKey := sparse("big.pem", 2<<20)
	publish := filepath.Join(requestTestdata, "publish.xml")
	for _, tc := range []struct {
		name string
		args []string
		err  string
	}{
		{"JWT file over 64 KiB", []string{"--jwt-file", bigJWT}, "--jwt-file " + bigJWT + ": larger than 65536 bytes"},
		{"key file over 1 MiB", []string{"--jwt-key", bigKey}, "--jwt-key " + bigKey + ": larger than 1048576 bytes (1.0 MiB)"},
		{"secret file over 1 MiB", []string{"--jwt-hmac-secret", bigKey}, "--jwt-hmac-secret " + bigKey + ": larger than 1048576 bytes (1.0 MiB)"},
		{"body is a directory", []string{dir}, dir + ": not read: a folder, not a regular file"},
		{"body is /dev/zero", []string{"/dev/zero"}, "/dev/zero: not read: a character device, not a regular file"},
		{"JWT file is /dev/zero", []string{"--jwt-file", "/dev/zero", publish}, "--jwt-file /dev/zero: not read: a character device"},
		{"key file is /dev/zero", []string{"--jwt-key", "/dev/zero", publish}, "--jwt-key /dev/zero: not read: a character device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.err, "/dev/zero") {
				if _, err := os.Stat("/dev/zero"); err != nil {
					t.Skip("no /dev/zero here")
				}
			}
			args := []string{"request", "--interaction", "publish", "--defaults", "--now=2025-03-01T10:00:00Z"}
			code, out, errOut := runCLIStdin("", append(args, tc.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tc.err) {
				t.Errorf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", code, exitUsage, tc.err, out, errOut)
			}
		})
	}
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
