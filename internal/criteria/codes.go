package criteria

import "strings"

// Component names of the grammar (spec section 7.3). Names are
// case-sensitive, as FHIR search parameter names are.
const (
	NameType                   = "type"
	NameServiceType            = "serviceType"
	NamePatientIdentifier      = "Patient.identifier"
	NameEvent                  = "MessageHeader.event"
	NamePatientAge             = "Patient.age"
	NameGPRegistration         = "GPRegistration"
	NameRuleType               = "subscriptionRuleType"
	NameOrganizationIdentifier = "Organization.identifier"
	NameTag                    = "tag"
)

var knownNames = []string{
	NameType, NameServiceType, NamePatientIdentifier, NameEvent, NamePatientAge,
	NameGPRegistration, NameRuleType, NameOrganizationIdentifier, NameTag,
}

// Systems and fixed values.
const (
	NHSNumberSystem = "http://fhir.nhs.net/Id/nhs-number"
	// messageNHSNumberSystem is the system event messages use; criteria use
	// the older fhir.nhs.net one (spec 8.1, section 10 item 15).
	messageNHSNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"
	EventTypeSystem        = "https://fhir.nhs.uk/STU3/CodeSystem/EventType-1"
	odsOrganizationSystem  = "https://fhir.nhs.uk/Id/ods-organization-code"
	odsSiteSystem          = "https://fhir.nhs.uk/Id/ods-site-code"

	// MaxTagLength is the longest tag the guide allows, in characters.
	MaxTagLength = 100
)

// SupportedEvents are the ten EventType-1 codes NEMS accepts (spec 1.5).
var SupportedEvents = []string{
	"blood-spot-test-outcome-1",
	"newborn-hearing-1",
	"nipe-outcome-1",
	"pds-birth-notification-1",
	"pds-change-of-address-1",
	"pds-change-of-gp-1",
	"pds-death-notification-1",
	"pds-record-change-1",
	"professional-contacts-1",
	"vaccinations-1",
}

// unsupportedEvents are the other 44 codes of EventType-1 1.3.0: defined,
// but not events NEMS carries (spec 6.12, 9.3).
var unsupportedEvents = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`
		additional-demographics-1 admission-details-1 allergies-and-adverse-reactions-1
		assessment-scales-1 birth-details-1 blood-spot-sample-taken-1 clinical-risk-factors-1
		problem-list-1 discharge-details-1 early-years-progress-1 emergency-care-attendance-1
		examination-findings-1 family-history-1 feeding-status-1 individual-requirements-1
		information-and-advice-given-1 observations-1 medication-statement-1
		developmental-skills-1 parent-guardian-or-personal-comment-1 personal-contacts-1
		plan-and-requested-actions-1 professional-summary-1 referral-1 safety-alerts-1
		social-context-household-1 social-context-1 educational-history-1 legal-information-1
		blood-spot-card-received-1 medication-administration-1 investigation-results-1
		national-population-failsafe-alert-1 national-population-failsafe-alert-nullify-1`) {
		m[c] = true
	}
	for _, s := range []string{"gp", "hvs", "bloodspot-outcome", "nipe-newborn", "newborn-hearing"} {
		m["failsafe-message-"+s+"-1"] = true
		m["failsafe-message-response-"+s+"-1"] = true
	}
	return m
}()

// legacyEvents maps the pre-2.0.0 EMS-EventType-1 codes to their current
// EventType-1 equivalents (spec 6.12).
var legacyEvents = map[string]string{
	"PDS001": "pds-change-of-gp-1",
	"PDS002": "pds-change-of-address-1",
	"PDS003": "pds-birth-notification-1",
	"PDS004": "pds-death-notification-1",
	"FM001":  "national-population-failsafe-alert-1",
	"FM002":  "national-population-failsafe-alert-nullify-1",
}

// eventHints explains codes that look plausible but never were EventType-1
// codes: drafts removed from the guide (6.12) and the read example's code.
var eventHints = map[string]string{
	"pds-person-death-1":            "It appears only in the guide's read example, named after the legacy PDS004 \"PDS Person Death\"; did you mean pds-death-notification-1?",
	"encounter-1":                   "It was a draft event type, removed from the guide in 2019.",
	"pds-contact-details-citizen-1": "It was a draft event type, removed from the guide in 2021.",
	"demographics-record-changed-1": "It was a draft event type, reverted in 2021; did you mean pds-record-change-1?",
}

// ServiceTypes are the serviceType codes (spec 7.3).
var ServiceTypes = []string{"GP", "CHO", "UHV", "EPCHR"}

// GPRegistrations are the GPRegistration values (spec 7.3).
var GPRegistrations = []string{"RegisteredOnly", "UnregisteredOnly"}

// Rule types (spec 7.1).
const (
	RuleTypeCHOPostcodeCCG    = "CHO_POSTCODE_CCG"
	RuleTypeCHOGPCCG          = "CHO_GP_CCG"
	RuleTypeGPGPGP            = "GP_GP_GP"
	RuleTypeUHVPostcodeLACode = "UHV_POSTCODE_LACODE"
	RuleTypeCountryCode       = "COUNTRYCODE"
)

// RuleTypes are the subscriptionRuleType codes (spec 7.1).
var RuleTypes = []string{RuleTypeCHOPostcodeCCG, RuleTypeCHOGPCCG, RuleTypeGPGPGP, RuleTypeUHVPostcodeLACode, RuleTypeCountryCode}

// CountryCodes are the Organization.identifier values of COUNTRYCODE (7.1).
var CountryCodes = map[string]string{
	"E92000001": "England",
	"W92000004": "Wales",
	"S92000003": "Scotland",
	"N92000002": "Northern Ireland",
	"L93000001": "Channel Islands",
	"M83000003": "Isle of Man",
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// caseInsensitiveMatch returns the entry of list equal to s ignoring case
// and surrounding whitespace, for "did you mean" hints.
func caseInsensitiveMatch(list []string, s string) (string, bool) {
	t := strings.TrimSpace(s)
	for _, v := range list {
		if strings.EqualFold(v, t) {
			return v, true
		}
	}
	return "", false
}

// nearest returns the entry of list closest to s by edit distance when it is
// at most 2 edits away.
func nearest(list []string, s string) (string, bool) {
	if len(s) > 64 { // keep the quadratic distance cheap on hostile input
		return "", false
	}
	best, bestD := "", 3
	for _, v := range list {
		if d := editDistance(s, v); d < bestD {
			best, bestD = v, d
		}
	}
	return best, best != ""
}

// editDistance is the Levenshtein distance between a and b in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func quoteList(list []string) string {
	return strings.Join(list, ", ")
}
