package tree

import "encoding/json"

// DecodeJSON reads JSON text into plain Go values, the way encoding/json
// decodes into an any with UseNumber: objects as map[string]any, arrays as
// []any, numbers as json.Number holding their text, strings, booleans and
// nil. It exists for the schema phase, which judges a payload's text a
// second time: the lexer ParseJSON uses is several times faster than
// encoding/json and makes the values without reflection.
//
// It refuses what ParseJSON refuses as JSON (duplicate keys, invalid
// UTF-8, nesting deeper than MaxDepth, ...), with ParseJSON's error.
func DecodeJSON(src []byte) (any, error) {
	r := jsonReaders.Get().(*jsonReader)
	defer r.release()
	r.copyOut = false // the values returned are cut from a copy of src
	r.start(src, &r.errs)
	ok := r.parseJSONText()
	if err := r.errs.err(); !ok || err != nil {
		return nil, err // a duplicate key is an error that does not stop the lexer
	}
	return r.anyValue(0), nil
}

// anyValue makes the Go value of the tape's token t.
func (r *jsonReader) anyValue(t int) any {
	tok := &r.tape[t]
	switch tok.kind {
	case jsonNull:
		return nil
	case jsonTrue:
		return true
	case jsonFalse:
		return false
	case jsonNumber:
		return json.Number(r.text(t))
	case jsonString:
		return r.text(t)
	case jsonArray:
		items := make([]any, 0, tok.start)
		for k := t + 1; k < int(tok.next); k = int(r.tape[k].next) {
			items = append(items, r.anyValue(k))
		}
		return items
	default: // jsonObject
		members := 0
		for k := t + 1; k < int(tok.next); k = int(r.tape[k+1].next) {
			members++
		}
		obj := make(map[string]any, members)
		for k := t + 1; k < int(tok.next); k = int(r.tape[k+1].next) {
			obj[r.text(k)] = r.anyValue(k + 1)
		}
		return obj
	}
}
