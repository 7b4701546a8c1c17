package tree

import (
	"encoding/binary"
	"math/bits"
)

// eightSpaces is eight space bytes read as one little-endian word.
const eightSpaces = 0x2020202020202020

// spacesEnd returns the index of the first byte at or after i that is not
// a space. Indented XML and JSON spend most of their white space in runs
// of spaces, so it reads them eight bytes at a time.
func spacesEnd(src []byte, i int) int {
	for i+8 <= len(src) {
		if w := binary.LittleEndian.Uint64(src[i:]) ^ eightSpaces; w != 0 {
			return i + bits.TrailingZeros64(w)/8
		}
		i += 8
	}
	for i < len(src) && src[i] == ' ' {
		i++
	}
	return i
}
