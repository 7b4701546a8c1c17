package tree

import "bytes"

// utf8BOM is the UTF-8 encoding of U+FEFF, the byte order mark.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// TrimBOM returns src without a leading UTF-8 byte order mark. It is the
// one rule every reader of a payload follows: the mark is allowed, it is
// not part of the text, and line 1, column 1 is the first character after
// it. Other byte order marks (UTF-16, UTF-32) are left in place for the
// readers to refuse: FHIR payloads are read as UTF-8 only.
func TrimBOM(src []byte) []byte { return bytes.TrimPrefix(src, utf8BOM) }
