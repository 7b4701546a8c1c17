package treepath

import (
	"context"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

const headerXML = `<MessageHeader xmlns="http://hl7.org/fhir"><id value="a"/>
<event><system value="https://fhir.nhs.uk/STU3/CodeSystem/EventType-1"/><code value="pds-change-of-gp-1"/><display value="PDS Change of GP"/></event>
<timestamp value="2017-11-01T15:00:00+00:00"/>
<source><name value="NEMS"/><endpoint value="urn:nhs-uk:addressing:ods:RA9"/></source>
<responsible><reference value="urn:uuid:5cb30d6a-1cf5-4ac1-8d47-b1c1d9c8e6a3"/></responsible>
<focus><reference value="urn:uuid:788c5ea6-8bf2-43b6-a6d0-6d8ae4a26d17"/></focus></MessageHeader>`

// The rule packs evaluate many short expressions on tree nodes; these
// measure the cost of one such evaluation through this adapter.
func benchExpr(b *testing.B, src string) {
	doc, err := tree.ParseXML([]byte(headerXML), schemas.STU3())
	if err != nil {
		b.Fatal(err)
	}
	e := fhirpath.MustCompile(src)
	root := Of(doc.Root)
	env := &fhirpath.Env{Resource: root, MaxSteps: 200_000}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Evaluate(ctx, root, env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSimplePath(b *testing.B) { benchExpr(b, "source.name") }

func BenchmarkWhereExists(b *testing.B) {
	benchExpr(b, "event.where(system = 'https://fhir.nhs.uk/STU3/CodeSystem/EventType-1').exists()")
}
