package report

import (
	"github.com/nemsfhir/nemsfhir/validate"
)

// Results shared by the reporter tests: a clean subscription, an invalid
// event message with an error and a warning, and an issue without a place.
var (
	resValid = &validate.Result{Source: "sub.json", Format: "json", ResourceType: "Subscription", Kind: "subscription"}
	resBad   = &validate.Result{Source: "dir/gp <1>.xml", Format: "xml", ResourceType: "Bundle", Kind: "event-message", EventType: "pds-change-of-gp-1",
		Issues: []validate.Issue{
			{Severity: validate.SeverityError, Code: "required", Spine: validate.SpineInvalidResource, Rule: validate.RuleCardinality,
				Path: "Bundle.entry[0].resource.source", Line: 12, Column: 5, Message: "missing element <source>: expected 1..1"},
			{Severity: validate.SeverityWarning, Code: "business-rule", Rule: "G23", Path: "Bundle.entry[3].resource.identifier[0].system", Line: 40, Column: 9, Message: `ODS system "x" & not the usual one`},
		}}
	resNoPlace = &validate.Result{Source: "big.xml", Format: "xml", Kind: "unknown",
		Issues: []validate.Issue{{Severity: validate.SeverityFatal, Code: "too-long", Spine: validate.SpineInvalidResource, Rule: validate.RuleSize, Message: "payload over 3145728 bytes"}}}
)

func render(t interface{ Fatal(...any) }, r Reporter, results ...*validate.Result) {
	for _, res := range results {
		if err := r.Write(res); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
}
