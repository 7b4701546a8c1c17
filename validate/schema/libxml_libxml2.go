//go:build libxml2

package schema

// #cgo pkg-config: libxml-2.0
// #include <stdlib.h>
// #include <string.h>
// #include <stdint.h>
// #include <libxml/parser.h>
// #include <libxml/parserInternals.h>
// #include <libxml/xmlschemas.h>
//
// #define NEMS_MAX_ERRORS 32
//
// typedef struct {
// 	int n;
// 	char *msg[NEMS_MAX_ERRORS];
// 	char *parseMsg;
// 	int parseLine;
// 	int nesting; // the parser's room for open elements: at least the most that were open
// } nems_errors;
//
// static void nems_schema_error(void *data, xmlErrorPtr err) {
// 	nems_errors *e = (nems_errors *) data;
// 	if (err == NULL || err->level == XML_ERR_WARNING || e->n >= NEMS_MAX_ERRORS) return;
// 	e->msg[e->n++] = strdup(err->message != NULL ? err->message : "");
// }
//
// // The parser hands its own errors the data of whoever holds its SAX
// // events (the schema plug), so they find their record through the
// // parser context's _private instead.
// static void nems_parse_error(void *data, xmlErrorPtr err) {
// 	if (err == NULL || err->level == XML_ERR_WARNING || err->ctxt == NULL) return;
// 	nems_errors *e = (nems_errors *) ((xmlParserCtxtPtr) err->ctxt)->_private;
// 	if (e == NULL || e->parseMsg != NULL) return;
// 	e->parseMsg = strdup(err->message != NULL ? err->message : "");
// 	e->parseLine = err->line;
// }
//
// // nems_validate parses buf into SAX events only, with no tree, and
// // validates them against schema as they come. It returns 0 when valid, 1
// // when not, 2 when not well-formed (the first parse error in e), and -1
// // when libxml2 could not set up.
// static int nems_validate(uintptr_t schemaPtr, const char *buf, int len, int options, nems_errors *e) {
// 	xmlSchemaPtr schema = (xmlSchemaPtr) schemaPtr;
// 	xmlSAXHandlerPtr sax = (xmlSAXHandlerPtr) xmlMalloc(sizeof(xmlSAXHandler));
// 	if (sax == NULL) return -1;
// 	memset(sax, 0, sizeof(xmlSAXHandler));
// 	sax->initialized = XML_SAX2_MAGIC;
// 	sax->serror = nems_parse_error;
// 	xmlParserCtxtPtr p = xmlCreateMemoryParserCtxt(buf, len);
// 	if (p == NULL) { xmlFree(sax); return -1; }
// 	if (p->sax != NULL && p->sax != (xmlSAXHandlerPtr) &xmlDefaultSAXHandler) xmlFree(p->sax);
// 	p->sax = sax;
// 	p->userData = NULL;
// 	p->_private = e;
// 	xmlCtxtUseOptions(p, options);
// 	xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);
// 	if (v == NULL) { xmlFreeParserCtxt(p); return -1; }
// 	xmlSchemaSetValidStructuredErrors(v, nems_schema_error, e);
// 	xmlSchemaSAXPlugPtr plug = xmlSchemaSAXPlug(v, &p->sax, &p->userData);
// 	if (plug == NULL) { xmlSchemaFreeValidCtxt(v); xmlFreeParserCtxt(p); return -1; }
// 	// The plug's own handler takes the parser's place; it passes errors on
// 	// only if told where.
// 	p->sax->serror = nems_parse_error;
// 	xmlParseDocument(p);
// 	int wellFormed = p->wellFormed;
// 	e->nesting = p->nameMax;
// 	if (!wellFormed && e->parseMsg == NULL && p->lastError.message != NULL) {
// 		e->parseMsg = strdup(p->lastError.message);
// 		e->parseLine = p->lastError.line;
// 	}
// 	int valid = xmlSchemaIsValid(v);
// 	xmlSchemaSAXUnplug(plug);
// 	xmlSchemaFreeValidCtxt(v);
// 	xmlFreeParserCtxt(p);
// 	if (!wellFormed) return 2;
// 	return (valid == 1 && e->n == 0) ? 0 : 1;
// }
//
// static void nems_free_errors(nems_errors *e) {
// 	for (int i = 0; i < e->n; i++) free(e->msg[i]);
// 	free(e->parseMsg);
// }
//
// static char *nems_error_at(nems_errors *e, int i) { return e->msg[i]; }
import "C"

import (
	"errors"
	"math"
	"strings"
	"unsafe"

	"github.com/lestrrat-go/libxml2/xsd"
)

// initLibxml2 initialises libxml2's global state. libxml2 2.9 (Debian
// bookworm's) asks for this to happen once, before any thread uses the
// library, and the Go binding never does it; it runs inside the sync.Once
// that compiles the XSD, which every ValidateXML passes before parsing.
func initLibxml2() { C.xmlInitParser() }

// streamOptions are the parser options of a streamed validation, those of
// xmlParser: no network, no error printing.
const streamOptions = C.XML_PARSE_NONET | C.XML_PARSE_NOERROR | C.XML_PARSE_NOWARNING

// errTooLarge is returned for a document longer than libxml2 takes in
// one buffer.
var errTooLarge = errors.New("the document is larger than libxml2 reads (2 GiB)")

// errSetUp is returned when libxml2 could not set up a validation.
var errSetUp = errors.New("libxml2 could not set up the validation")

// streamResult is what a streamed validation found.
type streamResult struct {
	msgs      []string // the schema errors, at most maxXMLErrors; nil when valid
	parseMsg  string   // when not well-formed, the parser's first error
	parseLine int      // and its line
	// nesting is at least the most elements that were open at once: when
	// it is maxLibxmlNesting or less, no element was nested deeper than
	// libxml2 reads.
	nesting int
}

// validateStream validates doc against s while parsing it, without
// building a tree, which the binding's Parse and Validate would (the tree
// costs as much as the validation).
func validateStream(s *xsd.Schema, doc []byte) (streamResult, error) {
	if len(doc) == 0 {
		return streamResult{parseMsg: "the document is empty"}, nil
	}
	if len(doc) > math.MaxInt32 {
		return streamResult{}, errTooLarge
	}
	var e C.nems_errors
	// libxml2 copies the bytes into its own input buffer when it sets up
	// the parser, and keeps no pointer to them after the call: it may read
	// the Go memory directly (it holds no Go pointers), saving a copy.
	ret := C.nems_validate(C.uintptr_t(s.Pointer()), (*C.char)(unsafe.Pointer(unsafe.SliceData(doc))), C.int(len(doc)), C.int(streamOptions), &e)
	defer C.nems_free_errors(&e)
	res := streamResult{nesting: int(e.nesting)}
	switch ret {
	case -1:
		return res, errSetUp
	case 2:
		res.parseMsg = "not well-formed"
		if e.parseMsg != nil {
			res.parseMsg = strings.TrimSpace(C.GoString(e.parseMsg))
		}
		res.parseLine = int(e.parseLine)
		return res, nil
	}
	for i := 0; i < int(e.n); i++ {
		res.msgs = append(res.msgs, strings.TrimSpace(C.GoString(C.nems_error_at(&e, C.int(i)))))
	}
	if ret == 1 && len(res.msgs) == 0 {
		res.msgs = []string{""}
	}
	return res, nil
}
