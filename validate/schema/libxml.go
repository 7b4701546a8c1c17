package schema

// #cgo pkg-config: libxml-2.0
// #include <libxml/parser.h>
import "C"

// initLibxml2 initialises libxml2's global state. libxml2 2.9 (Debian
// bookworm's) asks for this to happen once, before any thread uses the
// library, and the Go binding never does it; it runs inside the sync.Once
// that compiles the XSD, which every ValidateXML passes before parsing.
func initLibxml2() { C.xmlInitParser() }
