package profiles

import (
	"io/fs"
	"strings"
	"testing"
)

// TestTopPositionsAgreeWithFullWalk: the shallow scan the built-in packs
// are loaded with places every member and array element it records where
// the full walk of the JSON does, on every built-in pack.
func TestTopPositionsAgreeWithFullWalk(t *testing.T) {
	names, err := fs.Glob(embeddedPacks, "packs/*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no built-in packs: %v", err)
	}
	for _, n := range names {
		src, err := embeddedPacks.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		top, full := topPositions(src), jsonPositions(src)
		if top == nil || top["/rules/0"] == 0 {
			t.Fatalf("%s: shallow scan found no rules", n)
		}
		for ptr, off := range top {
			if full[ptr] != off {
				t.Errorf("%s %s: shallow offset %d, full walk %d", n, ptr, off, full[ptr])
			}
		}
		for ptr := range full {
			if strings.Count(ptr, "/") <= 2 && !strings.HasPrefix(ptr, "/rules/0/") {
				if _, ok := top[ptr]; !ok && (strings.HasPrefix(ptr, "/rules/") || strings.HasPrefix(ptr, "/disable/") || strings.Count(ptr, "/") == 1) {
					t.Errorf("%s %s: missed by the shallow scan", n, ptr)
				}
			}
		}
	}
	for _, bad := range []string{`[1]`, `{"a":[1}`, `{"a\"b":1}`, `{"a":"x`, ``} {
		if topPositions([]byte(bad)) != nil && bad != `{"a":[1}` {
			t.Errorf("%q: shallow scan should give up", bad)
		}
	}
}

// TestBuiltInPackErrorsArePlaced: a pack loaded the built-in way (shallow
// positions) still names the line of the field that is wrong.
func TestBuiltInPackErrorsArePlaced(t *testing.T) {
	src := []byte(`{
 "pack": "t",
 "description": "d",
 "rules": [
  {
   "id": "t:1",
   "severity": "error",
   "section": "1",
   "summary": "s",
   "appliesTo": {"kind": ["event-message"]},
   "check": {
    "type": "expression",
    "expression": "entry.where("
   },
   "issueType": "invalid",
   "spineCode": "INVALID_RESOURCE",
   "httpStatus": 422,
   "message": "m"
  }
 ]
}`)
	shallow, errShallow := parsePack("t.json", src, false)
	_, errFull := parsePack("t.json", src, true)
	if shallow != nil || errShallow == nil {
		t.Fatalf("broken expression accepted: %v", errShallow)
	}
	le, ok := errShallow.(LoadErrors)
	if !ok || len(le) == 0 || le[0].Line != 13 {
		t.Errorf("built-in way: %v; want the error on line 13 (the expression)", errShallow)
	}
	if errFull == nil || errFull.Error() != errShallow.Error() {
		t.Errorf("built-in way %q, checked way %q: want the same", errShallow, errFull)
	}
}
