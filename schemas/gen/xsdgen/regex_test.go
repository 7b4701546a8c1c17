package xsdgen

import (
	"testing"
)

func TestPatternText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`-?[0-9]{4}`, `-?[0-9]{4}`},
		{`^abc$`, `abc`},
		{`\d+`, `[0-9]+`},
		{`(?:ab|cd)e`, `(ab|cd)e`},
		{`a.c`, `a[^\n]c`},
		{`[^\s]+`, `[^\t\n\r ]+`},
		{`\$\/x`, `$/x`},
		{`[A-Za-z0-9\-\.]{1,64}`, `[\-.0-9A-Za-z]{1,64}`},
		{`(a*)+`, `(a*)+`},
		{`ab{2,}`, `ab{2,}`},
		{`x|`, `x|`},
		{`a\.b\(c\)`, `a\.b\(c\)`},
		{`[\[\]^-]`, `[\-\[\]\^]`},
	} {
		got, err := Pattern(tc.in)
		if err != nil {
			t.Errorf("Pattern(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Pattern(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{`\bword`, `(?i)abc`, `a^b`, `[^\x00-\x{10FFFF}]`} {
		if got, err := Pattern(bad); err == nil {
			t.Errorf("Pattern(%q) = %q, want an error", bad, got)
		}
	}
}
