package tree

import (
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// BenchmarkParseJSONIndented reads the NEMS examples written as indented
// JSON, the form most senders use: much of the text is indentation.
func BenchmarkParseJSONIndented(b *testing.B) {
	m := schemas.STU3()
	xmls, _ := benchInputs(b, false)
	var jsons [][]byte
	for _, x := range xmls {
		doc, err := ParseXML(x, m)
		if err != nil {
			b.Fatal(err)
		}
		j, err := WriteJSON(doc.Root, true)
		if err != nil {
			b.Fatal(err)
		}
		jsons = append(jsons, j)
	}
	benchParse(b, jsons, ParseJSON)
}
