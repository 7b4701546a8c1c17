package tree

import (
	"encoding/binary"
	"math/rand"
	"testing"
)

// The eight-byte tests agree with their byte tables on words mixing plain
// bytes with every byte that is not.
func TestWordTests(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var w [8]byte
	for n := 0; n < 1_000_000; n++ {
		for i := range w {
			if rng.Intn(3) == 0 {
				w[i] = byte(rng.Intn(256))
			} else {
				w[i] = byte(0x20 + rng.Intn(0x60))
			}
		}
		x := binary.LittleEndian.Uint64(w[:])
		attr, json := true, true
		for _, c := range w {
			attr = attr && plainAttrValue[c]
			json = json && c >= 0x20 && c != '"' && c != '\\'
		}
		if got := plainAttrValue8(x); got != attr {
			t.Fatalf("plainAttrValue8(%q) = %v", w, got)
		}
		if got := jsonPlain8(x); got != json {
			t.Fatalf("jsonPlain8(%q) = %v", w, got)
		}
	}
}
