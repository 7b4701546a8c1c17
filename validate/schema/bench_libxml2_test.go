//go:build libxml2

package schema

import (
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
)

func BenchmarkXSDNEMSExamples(b *testing.B) {
	benchFiles(b, "corpus/nems-examples/*.xml", ValidateXML)
}

func BenchmarkXSDSTU3Examples(b *testing.B) {
	benchFiles(b, "fhir/stu3/examples/xml/*.xml", ValidateXML)
}

// The official XSD on the NEMS examples, for comparison.
func BenchmarkOfficialXSDNEMSExamples(b *testing.B) {
	benchFiles(b, "corpus/nems-examples/*.xml", func(d []byte) []Problem {
		officialProblems(b, d)
		return nil
	})
}

// What compiling the XSD costs: the whole schema (Compile), and the
// subsets a Subscription and a NEMS birth notification are checked with.
func BenchmarkCompileXSD(b *testing.B) {
	libxmlOnce.Do(initLibxml2)
	x, err := splitSTU3XSD()
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		types []string
	}{
		{"whole", nil},
		{"Subscription", []string{"Subscription"}},
		{"NEMSBirthNotification", []string{"Bundle", "Communication", "EpisodeOfCare", "HealthcareService", "MessageHeader", "Observation", "Organization", "Patient", "Practitioner", "RelatedPerson"}},
	} {
		text := schemas.STU3XSD()
		if tc.types != nil {
			keep := map[string]bool{}
			for _, t := range tc.types {
				keep[t] = true
			}
			text = []byte(x.subset(keep))
		}
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s, err := compileXSD(text)
				if err != nil {
					b.Fatal(err)
				}
				s.Free()
			}
		})
	}
}

// Cutting the XSD into declarations, once per process.
func BenchmarkSplitXSD(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := splitXSD(string(schemas.STU3XSD())); err != nil {
			b.Fatal(err)
		}
	}
}

// The one pass over the start tags that ValidateXML makes before libxml2
// reads a document (scanTags), on the NEMS examples.
func BenchmarkScanTags(b *testing.B) {
	x, err := splitSTU3XSD()
	if err != nil {
		b.Fatal(err)
	}
	benchFiles(b, "corpus/nems-examples/*.xml", func(d []byte) []Problem {
		scanTags(d, x.resources)
		return nil
	})
}
