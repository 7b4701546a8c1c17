package request

import (
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/spinejwt"
	"github.com/nemsfhir/nemsfhir/profiles"
)

// TestTraceabilityRequestRules: the request and JWT rule ids the guide's
// traceability matrix (profiles/traceability.tsv) names are rules this
// checker reports, and each of them is named by a row; package profiles
// cannot see them.
func TestTraceabilityRequestRules(t *testing.T) {
	known := map[string]bool{}
	for _, id := range []string{
		RuleSize, RuleTarget, RulePath, RuleMethod, RuleSubscriptionID, RuleFromASID, RuleToASID,
		RuleInteractionID, RuleAuthorization, RuleInteractionEvent, RulePublishableEvent,
		RuleContentType, RuleAccept, RuleFormatParam, RuleBodyMissing, RuleBodyUnexpected,
		RuleBodyFormat, RuleResourceKind, RuleClientID, RuleClientMeta, RuleLifecycle,
		spinejwt.RuleAuthorization, spinejwt.RuleFormat, spinejwt.RuleSignature, spinejwt.RuleIss,
		spinejwt.RuleSub, spinejwt.RuleAud, spinejwt.RuleExp, spinejwt.RuleIat,
		spinejwt.RuleReasonForRequest, spinejwt.RuleScope, spinejwt.RuleRequestingSystem,
		spinejwt.RuleFromASID, spinejwt.RuleRequestingOrganisation, spinejwt.RuleRequestingUser,
		spinejwt.RuleRequestingPatient,
	} {
		known[id] = true
	}
	rows, err := profiles.Traceability()
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	n := 0
	for _, r := range rows {
		for _, id := range r.Rules {
			if !profiles.IsRequestRule(id) {
				continue
			}
			n++
			named[id] = true
			if !known[id] {
				t.Errorf("traceability.tsv:%d: %s names %s, which the request checker does not report", r.Line, r.ID, id)
			}
		}
	}
	if n == 0 {
		t.Error("the matrix names no request or JWT rule; sections 1.6, 2 and 3 are request-level")
	}
	for id := range known {
		if !named[id] {
			t.Errorf("request rule %s is named by no row of profiles/traceability.tsv", id)
		}
	}
}
