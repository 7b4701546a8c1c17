package request_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/nemsfhir/nemsfhir/validate/request"
)

func ExampleChecker_Check() {
	c, err := request.New(request.Options{Now: func() time.Time { return time.Unix(1740823200, 0) }})
	if err != nil {
		panic(err)
	}
	h := http.Header{}
	h.Set("fromASID", "200000000205")
	h.Set("toASID", "928942012545")
	h.Set("InteractionID", "urn:nhs:names:services:clinicals-sync:SubscriptionsApiGet")
	h.Set("Accept", "application/fhir+json")
	resp := c.Check(&request.Request{
		Interaction: request.SubscriptionRead,
		Method:      "PUT",
		Target:      "/STU3/Subscription/ea0a485187204b49b978bdcf7102388c",
		Header:      h,
	})
	fmt.Println(resp.StatusLine())
	fmt.Println("Allow:", resp.Header.Get("Allow"))
	fmt.Println("Content-Type:", resp.Header.Get("Content-Type"))
	for _, f := range resp.Findings {
		fmt.Printf("%s %s %s %d\n", f.Stage, f.Rule, f.Spine, f.Status)
	}
	// Output:
	// HTTP/1.1 405 Method Not Allowed
	// Allow: GET, DELETE
	// Content-Type: application/fhir+json;charset=utf-8
	// routing request:method BAD_REQUEST 405
	// authorization jwt:authorization MISSING_OR_INVALID_HEADER 400
}

func ExamplePublishInteractionID() {
	fmt.Println(request.PublishInteractionID("vaccinations-1"))
	fmt.Println(request.PublishInteractionID("pds-change-of-gp-1"))
	// Output:
	// urn:nhs:names:services:events:Vaccinations.Write true
	//  false
}
