package criteria

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// A finding's severity is error, warning or information. NEMS itself
// reports criteria problems as errors and life-cycle notices as
// information; warnings are this package's advice about things the guide
// discourages or leaves undefined.

// Rule describes one check of the criteria grammar: what NEMS answers (or
// would answer) when a criteria string breaks it.
type Rule struct {
	ID       string         // stable id, "criteria:..."
	Severity issue.Severity // severity of every finding of this rule
	// IssueType is the FHIR issue-type code NEMS puts in issue.code.
	IssueType string
	// SpineCode is the Spine-ErrorOrWarningCode-1 code of the issue. It is
	// empty for advice of this package that NEMS itself does not report.
	SpineCode issue.SpineCode
	// HTTPStatus is the status of NEMS's answer to a create carrying the
	// problem: 201 when the subscription would still be created.
	HTTPStatus int
	Summary    string // one line for rule listings
}

// Finding is one problem (or notice) in a criteria string: an issue whose
// place is in the criteria string itself. Line is 1, Column the 1-based
// character (not byte) column of Offset, and Offset and Length the byte
// range of the offending text in the criteria string as given (before
// percent-decoding); Length may be 0 for something missing at Offset.
// Path is empty: the caller knows where the criteria string is. The HTTP
// status NEMS answers with is the rule's ([LookupRule]).
type Finding struct {
	issue.Issue
	// Component is the name of the component the finding is about, as
	// written (after percent-decoding); empty for the whole string.
	Component string
}

// String renders the finding on one line: column, severity, rule and message.
func (f Finding) String() string {
	return fmt.Sprintf("col %d: %s %s: %s", f.Column, f.Severity, f.Rule, f.Message)
}

// Excerpt returns the criteria string followed by a line with carets under
// the text the finding points at, for messages read in a terminal. The
// criteria string must be the one that produced the finding.
func (f Finding) Excerpt(criteria string) string {
	if f.Offset < 0 || f.Offset > len(criteria) {
		return criteria
	}
	end := min(f.Offset+f.Length, len(criteria))
	carets := max(utf8.RuneCountInString(criteria[f.Offset:end]), 1)
	return criteria + "\n" + strings.Repeat(" ", f.Column-1) + strings.Repeat("^", carets)
}

// Findings is the list of findings of one criteria string, in order of
// position (findings about the whole string first).
type Findings []Finding

// HasErrors reports whether any finding is an error, that is whether NEMS
// would reject the subscription.
func (fs Findings) HasErrors() bool {
	for _, f := range fs {
		if f.Severity.IsError() {
			return true
		}
	}
	return false
}

// ByRule returns the findings of the given rule id.
func (fs Findings) ByRule(id string) Findings {
	var out Findings
	for _, f := range fs {
		if f.Rule == id {
			out = append(out, f)
		}
	}
	return out
}

// Rule ids. They are stable: tests, rule packs and users' suppression lists
// refer to them.
const (
	RuleTooLong              = "criteria:too-long"
	RuleEmpty                = "criteria:empty"
	RuleInvalidUTF8          = "criteria:invalid-utf8"
	RuleWhitespace           = "criteria:whitespace"
	RuleSyntax               = "criteria:syntax"
	RulePath                 = "criteria:path"
	RuleEmptyComponent       = "criteria:empty-component"
	RuleXMLEscapedAmpersand  = "criteria:xml-escaped-ampersand"
	RulePercentEncoding      = "criteria:percent-encoding"
	RulePercentEncoded       = "criteria:percent-encoded"
	RuleUnknownComponent     = "criteria:unknown-component"
	RuleFormatParameter      = "criteria:format-parameter"
	RuleModifier             = "criteria:modifier"
	RuleDuplicateComponent   = "criteria:duplicate-component"
	RuleEmptyValue           = "criteria:empty-value"
	RuleTypeMissing          = "criteria:type-missing"
	RuleTypeValue            = "criteria:type-value"
	RuleTypeNotFirst         = "criteria:type-not-first"
	RuleKindMissing          = "criteria:kind-missing"
	RuleKindConflict         = "criteria:kind-conflict"
	RuleComponentNotAllowed  = "criteria:component-not-allowed"
	RuleServiceType          = "criteria:service-type"
	RuleNHSNumberSystem      = "criteria:nhs-number-system"
	RuleNHSNumberFormat      = "criteria:nhs-number-format"
	RuleNHSNumberCheckDigit  = "criteria:nhs-number-check-digit"
	RuleEventMissing         = "criteria:event-missing"
	RuleEventCardinality     = "criteria:event-cardinality"
	RuleEventDuplicate       = "criteria:event-duplicate"
	RuleEventSystem          = "criteria:event-system"
	RuleEventUnknown         = "criteria:event-unknown"
	RuleEventUnsupported     = "criteria:event-unsupported"
	RuleEventLegacy          = "criteria:event-legacy"
	RuleEventDeprecated      = "criteria:event-deprecated"
	RuleEventNoLongerSupport = "criteria:event-no-longer-supported"
	RuleEventWithdrawn       = "criteria:event-withdrawn"
	RuleAgeFormat            = "criteria:age-format"
	RuleAgeCardinality       = "criteria:age-cardinality"
	RuleAgeRange             = "criteria:age-range"
	RuleGPRegistration       = "criteria:gp-registration"
	RuleGPRegistrationRule   = "criteria:gp-registration-rule-type"
	RuleRuleType             = "criteria:rule-type"
	RuleRuleTypeMissing      = "criteria:rule-type-missing"
	RuleOrganizationMissing  = "criteria:organization-missing"
	RuleOrganizationSystem   = "criteria:organization-system"
	RuleODSCodeFormat        = "criteria:ods-code-format"
	RuleODSCodeLength        = "criteria:ods-code-length"
	RuleCountryCode          = "criteria:country-code"
	RuleTagCharset           = "criteria:tag-charset"
	RuleTagLength            = "criteria:tag-length"
	RuleTagPipe              = "criteria:tag-pipe"
)

// Shorthands for the answers used in the rule table below. The mapping of
// criteria problems to Spine codes is this package's decision where the
// guide is silent (see doc.go): grammar problems are INVALID_PARAMETER 422,
// identifier and code problems use the specific 400 codes of section 4.3.
var (
	ansParameter = Rule{Severity: issue.SeverityError, IssueType: issue.TypeInvalid, SpineCode: issue.SpineInvalidParameter, HTTPStatus: 422}
	ansNHSNumber = Rule{Severity: issue.SeverityError, IssueType: issue.TypeValue, SpineCode: issue.SpineInvalidNHSNumber, HTTPStatus: 400}
	ansIDSystem  = Rule{Severity: issue.SeverityError, IssueType: issue.TypeValue, SpineCode: issue.SpineInvalidIdentifierSys, HTTPStatus: 400}
	ansIDValue   = Rule{Severity: issue.SeverityError, IssueType: issue.TypeValue, SpineCode: issue.SpineInvalidIdentifierValue, HTTPStatus: 400}
	ansCode      = Rule{Severity: issue.SeverityError, IssueType: issue.TypeCodeInvalid, SpineCode: issue.SpineInvalidCodeValue, HTTPStatus: 400}
	ansCodeSys   = Rule{Severity: issue.SeverityError, IssueType: issue.TypeCodeInvalid, SpineCode: issue.SpineInvalidCodeSystem, HTTPStatus: 400}
	ansWarning   = Rule{Severity: issue.SeverityWarning, IssueType: issue.TypeInformational, HTTPStatus: 201}
	ansInfo      = Rule{Severity: issue.SeverityInformation, IssueType: issue.TypeInformational, HTTPStatus: 201}
)

func rule(id string, ans Rule, summary string) Rule {
	ans.ID, ans.Summary = id, summary
	return ans
}

var ruleTable = []Rule{
	rule(RuleTooLong, ansParameter, "criteria string longer than MaxLength bytes"),
	rule(RuleEmpty, ansParameter, "criteria string is empty"),
	rule(RuleInvalidUTF8, ansParameter, "criteria string or a decoded value is not valid UTF-8"),
	rule(RuleWhitespace, ansParameter, "leading or trailing whitespace"),
	rule(RuleSyntax, ansParameter, "not of the form /Bundle?name=value&name=value..."),
	rule(RulePath, ansParameter, "path before '?' is not /Bundle"),
	rule(RuleEmptyComponent, ansParameter, "empty component between '&' separators"),
	rule(RuleXMLEscapedAmpersand, ansParameter, "'&amp;' left in the value: XML escaping applied twice"),
	rule(RulePercentEncoding, ansParameter, "malformed percent-encoding"),
	rule(RulePercentEncoded, ansInfo, "percent-encoding used; the guide's examples use literal characters"),
	rule(RuleUnknownComponent, ansParameter, "component name not in the criteria grammar"),
	rule(RuleFormatParameter, ansParameter, "_format is not a criteria component; events are delivered as XML"),
	rule(RuleModifier, ansParameter, "search modifier on a component name"),
	rule(RuleDuplicateComponent, ansParameter, "single-valued component repeated"),
	rule(RuleEmptyValue, ansParameter, "component with an empty value"),
	rule(RuleTypeMissing, ansParameter, "type=message missing"),
	rule(RuleTypeValue, ansParameter, "type is not message"),
	rule(RuleTypeNotFirst, ansWarning, "type=message is not the first component"),
	rule(RuleKindMissing, ansParameter, "neither Patient.identifier (explicit) nor subscriptionRuleType (generic)"),
	rule(RuleKindConflict, ansParameter, "both Patient.identifier and subscriptionRuleType"),
	rule(RuleComponentNotAllowed, ansParameter, "component not allowed in this kind of subscription"),
	rule(RuleServiceType, ansParameter, "serviceType not GP, CHO, UHV or EPCHR"),
	rule(RuleNHSNumberSystem, ansIDSystem, "Patient.identifier system is not http://fhir.nhs.net/Id/nhs-number"),
	rule(RuleNHSNumberFormat, ansNHSNumber, "NHS number is not ten digits"),
	rule(RuleNHSNumberCheckDigit, ansNHSNumber, "NHS number fails the modulus-11 check"),
	rule(RuleEventMissing, ansParameter, "MessageHeader.event missing"),
	rule(RuleEventCardinality, ansParameter, "more than one MessageHeader.event in a generic subscription"),
	rule(RuleEventDuplicate, ansWarning, "the same event code given twice"),
	rule(RuleEventSystem, ansCodeSys, "MessageHeader.event system is not EventType-1"),
	rule(RuleEventUnknown, ansCode, "event code not in EventType-1"),
	rule(RuleEventUnsupported, ansCode, "EventType-1 code that NEMS does not support"),
	rule(RuleEventLegacy, ansCode, "legacy EMS-EventType-1 code"),
	rule(RuleEventDeprecated, Rule{Severity: issue.SeverityInformation, IssueType: issue.TypeInformational, SpineCode: issue.SpineDeprecated, HTTPStatus: 201}, "event type is deprecated"),
	rule(RuleEventNoLongerSupport, Rule{Severity: issue.SeverityError, IssueType: issue.TypeNotSupported, SpineCode: issue.SpineNoLongerSupported, HTTPStatus: 400}, "event type is no longer supported"),
	rule(RuleEventWithdrawn, Rule{Severity: issue.SeverityError, IssueType: issue.TypeInvalid, SpineCode: issue.SpineWithdrawn, HTTPStatus: 400}, "event type is withdrawn"),
	rule(RuleAgeFormat, ansParameter, "Patient.age not lt<years> or gt<years>"),
	rule(RuleAgeCardinality, ansParameter, "more than two Patient.age, or two with the same prefix"),
	rule(RuleAgeRange, ansWarning, "Patient.age bounds that no patient can meet"),
	rule(RuleGPRegistration, ansParameter, "GPRegistration not RegisteredOnly or UnregisteredOnly"),
	rule(RuleGPRegistrationRule, ansWarning, "GPRegistration combined with a GP-based rule type"),
	rule(RuleRuleType, ansParameter, "unknown subscriptionRuleType"),
	rule(RuleRuleTypeMissing, ansParameter, "Organization.identifier without subscriptionRuleType"),
	rule(RuleOrganizationMissing, ansParameter, "generic subscription without Organization.identifier"),
	rule(RuleOrganizationSystem, ansIDSystem, "Organization.identifier system is not an ODS system"),
	rule(RuleODSCodeFormat, ansIDValue, "Organization.identifier is not upper-case letters and digits"),
	rule(RuleODSCodeLength, ansWarning, "Organization.identifier length unusual for the rule type"),
	rule(RuleCountryCode, ansIDValue, "COUNTRYCODE value not one of the six country codes"),
	rule(RuleTagCharset, ansParameter, "tag has characters outside A-Z a-z 0-9 - _ | ,"),
	rule(RuleTagLength, ansParameter, "tag longer than 100 characters"),
	rule(RuleTagPipe, ansInfo, "tag contains '|', the separator of Mex-Partnerid"),
}

var rulesByID = func() map[string]Rule {
	m := make(map[string]Rule, len(ruleTable))
	for _, r := range ruleTable {
		m[r.ID] = r
	}
	return m
}()

// Rules returns every rule this package checks, in a fixed order.
func Rules() []Rule {
	return append([]Rule(nil), ruleTable...)
}

// LookupRule returns the rule of the given id, ok false when there is none.
func LookupRule(id string) (r Rule, ok bool) {
	r, ok = rulesByID[id]
	return r, ok
}
