package validate_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/validate"
)

// BenchmarkNEMSExamples validates the official NEMS example messages, one
// payload per iteration in turn.
func BenchmarkNEMSExamples(b *testing.B) {
	benchNEMSExamples(b, validate.Options{})
}

// BenchmarkNEMSExamplesBaseSTU3 is BenchmarkNEMSExamples with base STU3
// only (no rule packs): the parse and the model phases (structure,
// Bundles, invariants, extensions), whose cost per message and
// allocations it reports.
func BenchmarkNEMSExamplesBaseSTU3(b *testing.B) {
	b.ReportAllocs()
	benchNEMSExamples(b, validate.Options{NoRules: true})
}

func benchNEMSExamples(b *testing.B, opts validate.Options) {
	files := sharedtest.Glob(b, "corpus/nems-examples/*.xml")
	var payloads [][]byte
	size := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		payloads = append(payloads, src)
		size += len(src)
	}
	v, err := validate.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	for _, src := range payloads { // the lazy loads of a first validation
		v.Validate("", src)
	}
	b.SetBytes(int64(size / len(payloads)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v.Validate("", payloads[i%len(payloads)])
	}
}

// messageBundle builds a message Bundle of n Patient entries, each
// referring to the one before it, which exercises reference resolution.
func messageBundle(n int) []byte {
	var b strings.Builder
	uuid := func(i int) string { return fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i) }
	b.WriteString(`{"resourceType":"Bundle","type":"message","entry":[`)
	fmt.Fprintf(&b, `{"fullUrl":%q,"resource":{"resourceType":"MessageHeader","event":{"system":"https://fhir.nhs.uk/STU3/CodeSystem/EventType-1","code":"pds-change-of-gp-1"},"timestamp":"2020-01-01T00:00:00Z","source":{"endpoint":"urn:nhs:addressing:asid:477121000323"},"focus":[{"reference":%q}]}}`, uuid(0), uuid(1))
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `,{"fullUrl":%q,"resource":{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],"name":[{"family":"Smith","given":["Ann"]}],"birthDate":"2019-10-02"`, uuid(i))
		if i > 1 {
			fmt.Fprintf(&b, `,"link":[{"other":{"reference":%q},"type":"seealso"}]`, uuid(i-1))
		}
		b.WriteString(`}}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkBundleEntries shows that validation time grows linearly with
// the number of entries: ns/op divided by the entry count stays flat.
func BenchmarkBundleEntries(b *testing.B) {
	v, err := validate.New(validate.Options{MaxSize: -1, NoRules: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 10000, 100000} {
		src := messageBundle(n)
		if res := v.Validate("", src); !res.Valid() {
			b.Fatalf("generated bundle is invalid: %v", res.Issues[0])
		}
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for i := 0; i < b.N; i++ {
				v.Validate("", src)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}
