package tree

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// appendJSONString matches a byte-at-a-time reference, and its output
// reads back with encoding/json, on strings mixing every kind of byte at
// every alignment.
func TestAppendJSONString(t *testing.T) {
	ref := func(s string) string {
		var b strings.Builder
		b.WriteByte('"')
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\b':
				b.WriteString(`\b`)
			case c == '\f':
				b.WriteString(`\f`)
			case c < 0x20:
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[c>>4])
				b.WriteByte("0123456789abcdef"[c&0xF])
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
		return b.String()
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("abc \"\\\x00\x01\x1f\x20\x21\x5b\x5d\x7f\x80\xc3\xa9\xff\n\t")
	for n := 0; n < 20000; n++ {
		b := make([]byte, rng.Intn(40))
		for i := range b {
			if rng.Intn(4) == 0 {
				b[i] = alphabet[rng.Intn(len(alphabet))]
			} else {
				b[i] = 'a' + byte(rng.Intn(26))
			}
		}
		s := string(b)
		got := string(appendJSONString(nil, s))
		if want := ref(s); got != want {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("%s does not read back: %v", got, err)
		}
	}
}

// BenchmarkAppendJSON measures the JSON writer alone, over trees read
// from the NEMS examples and the extension definitions bundle.
func BenchmarkAppendJSON(b *testing.B) {
	for _, bundle := range []bool{false, true} {
		name := "nems-examples"
		if bundle {
			name = "extension-definitions"
		}
		b.Run(name, func(b *testing.B) {
			xmls, jsons := benchInputs(b, bundle)
			m := schemas.STU3()
			var roots []*Node
			total := 0
			for i, x := range xmls {
				doc, err := ParseXML(x, m)
				if err != nil {
					b.Fatal(err)
				}
				roots = append(roots, doc.Root)
				total += len(jsons[i])
			}
			buf := make([]byte, 0, 2*total)
			b.SetBytes(int64(total))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, r := range roots {
					var err error
					if buf, err = AppendJSON(buf[:0], r, false); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
