//go:build libxml2

package schema

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestXMLErrorLimitIsReported(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>`)
	for i := 0; i < 40; i++ {
		b.WriteString(`<entry><resource><Basic><code><text value="x"/></code><bogus/></Basic></resource></entry>`)
	}
	b.WriteString(`</Bundle>`)
	ps := ValidateXML([]byte(b.String()))
	if len(ps) != maxXMLErrors+1 || !strings.Contains(ps[len(ps)-1].Message, "at most 32") {
		t.Errorf("%d problems, last %v", len(ps), ps[len(ps)-1])
	}
}

// Payloads of different resource types arriving together make the XSD in
// use grow while others validate with it.
func TestConcurrentGrowth(t *testing.T) {
	docs := []string{
		patientXML,
		`<Basic xmlns="http://hl7.org/fhir"><code><text value="x"/></code></Basic>`,
		`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><resource><Organization><name value="x"/></Organization></resource></entry></Bundle>`,
		`<Subscription xmlns="http://hl7.org/fhir"><status value="requested"/><reason value="x"/><criteria value="/Bundle?type=message"/><channel><type value="message"/></channel></Subscription>`,
		`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><resource><Device><model value="x"/></Device></resource></entry></Bundle>`,
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(docs)*4)
	for g := 0; g < len(docs)*4; g++ {
		wg.Add(1)
		go func(doc string) {
			defer wg.Done()
			if ps := ValidateXML([]byte(doc)); ps != nil {
				errs <- fmt.Sprint(ps)
			}
		}(docs[g%len(docs)])
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
