package tree

import (
	"encoding/binary"
	"math/bits"
	"math/rand"
	"testing"
)

// TestNotPlain checks that the word-at-a-time scan of a string stops where
// the byte-at-a-time one would.
func TestNotPlain(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var b [8]byte
	interesting := []byte{0, 1, 0x1f, 0x20, 0x21, '"', '\\', 0x7f, 0x80, 0xff, 'a', '[', ']', 0x5b, 0x5d, 0x23}
	for k := 0; k < 200000; k++ {
		for i := range b {
			if rng.Intn(2) == 0 {
				b[i] = interesting[rng.Intn(len(interesting))]
			} else {
				b[i] = byte(rng.Intn(256))
			}
		}
		want := 8
		for i, c := range b {
			if !plainJSON[c] {
				want = i
				break
			}
		}
		m := notPlain(binary.LittleEndian.Uint64(b[:]))
		got := 8
		if m != 0 {
			got = bits.TrailingZeros64(m) / 8
		}
		if got != want {
			t.Fatalf("%q: got %d want %d", b, got, want)
		}
	}
}
