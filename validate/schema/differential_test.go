//go:build libxml2

package schema

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// span is one element of a document: its bytes are doc[start:end].
type span struct {
	name       string
	start, end int
	parent     int // index of the parent span, -1 for the root
}

// elementSpans lists the FHIR elements of doc in document order, leaving
// out the narrative's XHTML.
func elementSpans(doc []byte) ([]span, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var spans []span
	var stack []int
	inDiv := 0
	for {
		off := int(dec.InputOffset())
		tok, err := dec.RawToken()
		if err != nil {
			if len(stack) == 0 && len(spans) > 0 {
				return spans, nil
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if inDiv > 0 || t.Name.Local == "div" {
				inDiv++
				continue
			}
			for off < len(doc) && doc[off] != '<' {
				off++
			}
			parent := -1
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			spans = append(spans, span{name: t.Name.Local, start: off, parent: parent})
			stack = append(stack, len(spans)-1)
		case xml.EndElement:
			if inDiv > 0 {
				inDiv--
				continue
			}
			spans[stack[len(stack)-1]].end = int(dec.InputOffset())
			stack = stack[:len(stack)-1]
		}
	}
}

// mutants derives defective documents from doc: each element removed, and
// each element swapped with its next sibling of another name. Elements at
// a path already mutated (the second given name, the next entry's
// identical structure, the same place in another NEMS example) are left
// alone, which keeps the count down without losing kinds of defect.
func mutants(doc []byte, done map[string]bool) (map[string][]byte, error) {
	spans, err := elementSpans(doc)
	if err != nil {
		return nil, err
	}
	paths := make([]string, len(spans))
	out := map[string][]byte{}
	for i, s := range spans {
		if s.parent < 0 {
			paths[i] = s.name
			continue
		}
		paths[i] = paths[s.parent] + "/" + s.name
		if done[paths[i]] {
			continue
		}
		done[paths[i]] = true
		del := append(append([]byte{}, doc[:s.start]...), doc[s.end:]...)
		out[fmt.Sprintf("remove %s at %d", s.name, s.start)] = del
		for j := i + 1; j < len(spans); j++ {
			n := spans[j]
			if n.parent != s.parent {
				continue
			}
			if n.name != s.name {
				var b []byte
				b = append(b, doc[:s.start]...)
				b = append(b, doc[n.start:n.end]...)
				b = append(b, doc[s.end:n.start]...)
				b = append(b, doc[s.start:s.end]...)
				b = append(b, doc[n.end:]...)
				out[fmt.Sprintf("swap %s and %s at %d", s.name, n.name, s.start)] = b
			}
			break
		}
	}
	return out, nil
}

// The generated and the official XSD judge structural defects alike:
// every NEMS example, and a few official examples, with each element
// removed and each element swapped with its next sibling.
func TestXSDMutantsAgreeWithOfficialXSD(t *testing.T) {
	files := glob(t, "corpus/nems-examples/*.xml")
	for _, name := range []string{"patient-example.xml", "observation-example.xml", "subscription-example.xml", "messageheader-example.xml", "bundle-example.xml", "operationoutcome-example.xml"} {
		files = append(files, filepath.Join(sharedDir(t), "fhir", "stu3", "examples", "xml", name))
	}
	known := readList(t, "testdata/xsd-mutant-disagreements.txt")
	total, rejected := 0, 0
	done := map[string]bool{}
	for _, f := range files {
		base := filepath.Base(f)
		doc := mustRead(t, f)
		if officialProblems(t, doc) != nil {
			continue // only mutate documents both accept
		}
		ms, err := mutants(doc, done)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		for what, m := range ms {
			total++
			theirs, ours := officialProblems(t, m) == nil, ValidateXML(m) == nil
			if !theirs {
				rejected++
			}
			if theirs == ours {
				continue
			}
			key := base + ":" + strings.Fields(what)[0] + ":" + strings.Fields(what)[1]
			if _, ok := known[key]; ok {
				continue
			}
			t.Errorf("%s, %s: official XSD valid=%v, generated XSD valid=%v (%v)", base, what, theirs, ours, ValidateXML(m))
		}
	}
	t.Logf("%d mutants of %d files: same verdict from both XSDs (official rejects %d)", total, len(files), rejected)
}

var valueAttr = regexp.MustCompile(`<([A-Za-z]+) value="([^"]*)"`)

// shape sums up a value by its kinds of character ("2017-01-01" and
// "1999-12-31" have the same shape), so that each element is mutated once
// per kind of value it holds rather than once per occurrence.
func shape(v string) string {
	var b strings.Builder
	last := rune(0)
	for _, r := range v {
		c := r
		switch {
		case r >= '0' && r <= '9':
			c = '9'
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			c = 'a'
		}
		if c != last {
			b.WriteRune(c)
		}
		last = c
	}
	return b.String()
}

// stricterValues are the values on which the generated XSD may reject what
// the official one accepts, and why. Nowhere may it accept what the
// official one rejects.
var stricterValues = map[string]string{
	"":                    "FHIR allows no empty values; the official XSD has no minLength on uri",
	"1":                   "FHIR booleans are true or false only; xs:boolean also takes 1 and 0",
	"2017-01-01T10:00:00": "the 3.0.2 dateTime and instant regexes require a time zone with a time; 3.0.1's made it optional",
}

// Primitive values: in the NEMS examples, the first element of each name
// and shape of value gets each of a few bad or borderline values, and both
// XSDs judge the result.
func TestXSDValueMutantsAgreeWithOfficialXSD(t *testing.T) {
	values := []string{"", "1", "x y", "2017-01-01T10:00:00", "2017-02-30", "true"}
	total, stricter := 0, map[string]int{}
	seen := map[string]bool{} // element name and value shape, in any file
	for _, f := range glob(t, "corpus/nems-examples/*.xml") {
		doc := mustRead(t, f)
		if officialProblems(t, doc) != nil {
			continue
		}
		for _, m := range valueAttr.FindAllSubmatchIndex(doc, -1) {
			elem := string(doc[m[2]:m[3]])
			key := elem + " " + shape(string(doc[m[4]:m[5]]))
			if seen[key] {
				continue
			}
			seen[key] = true
			for _, v := range values {
				mutant := append(append(append([]byte{}, doc[:m[0]]...), `<`+elem+` value="`+v+`"`...), doc[m[1]:]...)
				total++
				theirs, ours := officialProblems(t, mutant) == nil, ValidateXML(mutant) == nil
				switch {
				case theirs == ours:
				case theirs && stricterValues[v] != "":
					stricter[v]++
				default:
					t.Errorf("%s: %s value %q: official XSD valid=%v, generated XSD valid=%v (%v)", filepath.Base(f), elem, v, theirs, ours, ValidateXML(mutant))
				}
			}
		}
	}
	t.Logf("%d value mutants: same verdict but for %d where only the generated XSD rejects:", total, stricter[""]+stricter["1"]+stricter["2017-01-01T10:00:00"])
	for _, v := range values {
		if n := stricter[v]; n > 0 {
			t.Logf("  %d× %q: %s", n, v, stricterValues[v])
		}
	}
}
