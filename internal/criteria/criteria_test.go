package criteria

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

const (
	nhsOK    = "http://fhir.nhs.net/Id/nhs-number|9434765919"
	explicit = "/Bundle?type=message&Patient.identifier=" + nhsOK + "&MessageHeader.event=pds-change-of-address-1"
	generic  = "/Bundle?type=message&subscriptionRuleType=CHO_POSTCODE_CCG&Organization.identifier=X2458&MessageHeader.event=pds-change-of-address-1"
)

// ruleIDs returns the sorted rule ids of fs.
func ruleIDs(fs Findings) []string {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.Rule
	}
	slices.Sort(ids)
	return ids
}

type ruleCase struct {
	name     string
	criteria string
	want     []string // exact rule ids expected, any order
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, fs := Parse(tc.criteria)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if got := ruleIDs(fs); !slices.Equal(got, want) {
				t.Errorf("Parse(%q)\n got rules %v\nwant rules %v", tc.criteria, got, want)
				for _, f := range fs {
					t.Logf("  %s", f)
				}
			}
		})
	}
}

func TestWholeString(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"explicit ok", explicit, nil},
		{"generic ok", generic, nil},
		{"empty", "", []string{RuleEmpty}},
		{"blank", " \t", []string{RuleEmpty}},
		{"too long", explicit + "&tag=" + strings.Repeat("a", MaxLength), []string{RuleTooLong}},
		{"invalid utf8", explicit + "&tag=a\xffb", []string{RuleInvalidUTF8, RuleTagCharset}},
		{"leading space", " " + explicit, []string{RuleWhitespace}},
		{"trailing newline", explicit + "\n", []string{RuleWhitespace}},
		{"no question mark", "/Bundle", []string{RuleSyntax}},
		{"nothing after question mark", "/Bundle?", []string{RuleSyntax, RuleTypeMissing, RuleKindMissing, RuleEventMissing}},
		{"path without slash", strings.TrimPrefix(explicit, "/"), []string{RulePath}},
		{"path case", "/bundle" + explicit[7:], []string{RulePath}},
		{"absolute path", "https://clinicals.spineservices.nhs.uk/STU3" + explicit, []string{RulePath}},
		{"other resource", "/Patient" + explicit[7:], []string{RulePath}},
		{"double ampersand", strings.Replace(explicit, "&", "&&", 1), []string{RuleEmptyComponent}},
		{"trailing ampersand", explicit + "&", []string{RuleEmptyComponent}},
		{"leading ampersand", "/Bundle?&" + explicit[8:], []string{RuleEmptyComponent}},
		{"component without equals", explicit + "&tag", []string{RuleSyntax}},
		{"xml escaped twice", strings.ReplaceAll(explicit, "&", "&amp;"), []string{RuleXMLEscapedAmpersand, RuleXMLEscapedAmpersand}},
		{"unknown component", explicit + "&Patient.name=SMITH", []string{RuleUnknownComponent}},
		{"unknown result parameter", explicit + "&_count=10", []string{RuleUnknownComponent}},
		{"format json", explicit + "&_format=json", []string{RuleFormatParameter}},
		{"format xml", explicit + "&_format=application/fhir+xml", []string{RuleFormatParameter}},
		{"modifier", strings.Replace(generic, "subscriptionRuleType=", "subscriptionRuleType:exact=", 1), []string{RuleModifier}},
		{"modifier on age", explicit + "&Patient.age:contains=lt14", []string{RuleModifier}},
	})
}

func TestPercentEncoding(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"encoded pipe", strings.Replace(explicit, "|", "%7C", 1), []string{RulePercentEncoded}},
		{"encoded pipe lower hex", strings.Replace(explicit, "|", "%7c", 1), []string{RulePercentEncoded}},
		{"encoded colon and slashes", strings.Replace(explicit, "http://", "http%3A%2F%2F", 1), []string{RulePercentEncoded}},
		{"encoded name", strings.Replace(explicit, "MessageHeader.event", "MessageHeader%2Eevent", 1), []string{RulePercentEncoded}},
		{"encoded ampersand stays in value", explicit + "&tag=a%26b", []string{RulePercentEncoded, RuleTagCharset}},
		{"notice given once", strings.Replace(explicit, "|", "%7C", 1) + "&tag=a%2Cb", []string{RulePercentEncoded}},
		{"truncated escape", explicit + "&tag=abc%7", []string{RulePercentEncoding}},
		{"bad hex", explicit + "&tag=a%zzb", []string{RulePercentEncoding}},
		{"lone percent", explicit + "&tag=%", []string{RulePercentEncoding}},
		{"plus is literal", explicit + "&tag=a+b", []string{RuleTagCharset}},
		{"decodes to bad utf8", explicit + "&tag=%FF", []string{RulePercentEncoded, RuleInvalidUTF8}},
	})
	c, _ := Parse(strings.Replace(explicit, "|", "%7C", 1))
	if c.NHSNumber != "9434765919" || c.NHSNumberSystem != NHSNumberSystem {
		t.Errorf("encoded pipe: got system %q number %q", c.NHSNumberSystem, c.NHSNumber)
	}
	c, _ = Parse(explicit + "&tag=a%2Cb")
	if c.Tag != "a,b" {
		t.Errorf("tag = %q, want a,b", c.Tag)
	}
}

func TestType(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"missing", strings.Replace(explicit, "type=message&", "", 1), []string{RuleTypeMissing}},
		{"wrong value", strings.Replace(explicit, "type=message", "type=document", 1), []string{RuleTypeValue}},
		{"case", strings.Replace(explicit, "type=message", "type=Message", 1), []string{RuleTypeValue}},
		{"empty", strings.Replace(explicit, "type=message", "type=", 1), []string{RuleEmptyValue}},
		{"repeated", explicit + "&type=message", []string{RuleDuplicateComponent}},
		{"not first", "/Bundle?Patient.identifier=" + nhsOK + "&type=message&MessageHeader.event=pds-change-of-gp-1", []string{RuleTypeNotFirst}},
	})
}

func TestKind(t *testing.T) {
	cases := []struct {
		name     string
		criteria string
		kind     Kind
		want     []string
	}{
		{"explicit", explicit, KindExplicit, nil},
		{"generic", generic, KindGeneric, nil},
		{"neither", "/Bundle?type=message&MessageHeader.event=pds-change-of-gp-1", KindUnknown, []string{RuleKindMissing}},
		{"both", explicit + "&subscriptionRuleType=GP_GP_GP", KindUnknown, []string{RuleKindConflict}},
		{"organization without rule type", "/Bundle?type=message&Organization.identifier=X2458&MessageHeader.event=pds-change-of-gp-1", KindUnknown, []string{RuleRuleTypeMissing}},
		{"organization in explicit", explicit + "&Organization.identifier=X2458", KindExplicit, []string{RuleComponentNotAllowed}},
		{"generic without organization", strings.Replace(generic, "&Organization.identifier=X2458", "", 1), KindGeneric, []string{RuleOrganizationMissing}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, fs := Parse(tc.criteria)
			if c.Kind != tc.kind {
				t.Errorf("Kind = %v, want %v", c.Kind, tc.kind)
			}
			if got := ruleIDs(fs); !slices.Equal(got, tc.want) {
				t.Errorf("rules %v, want %v", got, tc.want)
			}
		})
	}
}

func TestServiceType(t *testing.T) {
	var cases []ruleCase
	for _, st := range ServiceTypes {
		cases = append(cases, ruleCase{"valid " + st, explicit + "&serviceType=" + st, nil})
	}
	cases = append(cases,
		ruleCase{"generic", generic + "&serviceType=CHO", nil},
		ruleCase{"unknown", explicit + "&serviceType=PHR", []string{RuleServiceType}},
		ruleCase{"lower case", explicit + "&serviceType=gp", []string{RuleServiceType}},
		ruleCase{"healthcare service type code", explicit + "&serviceType=PDS", []string{RuleServiceType}},
		ruleCase{"empty", explicit + "&serviceType=", []string{RuleEmptyValue}},
		ruleCase{"twice", explicit + "&serviceType=GP&serviceType=UHV", []string{RuleDuplicateComponent}},
	)
	runRuleCases(t, cases)
}

func TestPatientIdentifier(t *testing.T) {
	withPID := func(v string) string {
		return strings.Replace(explicit, nhsOK, v, 1)
	}
	runRuleCases(t, []ruleCase{
		{"valid 9434765919", withPID(nhsOK), nil},
		{"valid 9912003888", withPID(NHSNumberSystem + "|9912003888"), nil},
		{"valid 5900005879", withPID(NHSNumberSystem + "|5900005879"), nil},
		{"check digit 1112223330", withPID(NHSNumberSystem + "|1112223330"), []string{RuleNHSNumberCheckDigit}},
		{"check digit 6101231234", withPID(NHSNumberSystem + "|6101231234"), []string{RuleNHSNumberCheckDigit}},
		{"check value ten", withPID(NHSNumberSystem + "|1000000010"), []string{RuleNHSNumberCheckDigit}},
		{"nine digits", withPID(NHSNumberSystem + "|943476591"), []string{RuleNHSNumberFormat}},
		{"eleven digits", withPID(NHSNumberSystem + "|94347659190"), []string{RuleNHSNumberFormat}},
		{"spaces", withPID(NHSNumberSystem + "|943 476 5919"), []string{RuleNHSNumberFormat}},
		{"letters", withPID(NHSNumberSystem + "|94347659AB"), []string{RuleNHSNumberFormat}},
		{"no number", withPID(NHSNumberSystem + "|"), []string{RuleNHSNumberFormat}},
		{"two bars", withPID(NHSNumberSystem + "|9434765919|x"), []string{RuleNHSNumberFormat}},
		{"message system", withPID("https://fhir.nhs.uk/Id/nhs-number|9434765919"), []string{RuleNHSNumberSystem}},
		{"other system", withPID("urn:oid:2.16.840.1.113883.2.1.4.1|9434765919"), []string{RuleNHSNumberSystem}},
		{"empty system", withPID("|9434765919"), []string{RuleNHSNumberSystem}},
		{"bare number", withPID("9434765919"), []string{RuleNHSNumberSystem}},
		{"bare bad number", withPID("9434765918"), []string{RuleNHSNumberSystem, RuleNHSNumberCheckDigit}},
		{"not an identifier", withPID("SMITH"), []string{RuleNHSNumberSystem}},
		{"empty", withPID(""), []string{RuleEmptyValue}},
		{"twice", explicit + "&Patient.identifier=" + nhsOK, []string{RuleDuplicateComponent}},
		{"in generic", generic + "&Patient.identifier=" + nhsOK, []string{RuleKindConflict}},
	})
}

func TestEvents(t *testing.T) {
	withEvent := func(base, v string) string {
		return strings.Replace(base, "MessageHeader.event=pds-change-of-address-1", "MessageHeader.event="+v, 1)
	}
	var cases []ruleCase
	for _, code := range SupportedEvents {
		cases = append(cases,
			ruleCase{"explicit " + code, withEvent(explicit, code), nil},
			ruleCase{"generic " + code, withEvent(generic, code), nil})
	}
	all := explicit
	for _, code := range SupportedEvents {
		if code != "pds-change-of-address-1" {
			all += "&MessageHeader.event=" + code
		}
	}
	cases = append(cases,
		ruleCase{"all ten in explicit", all, nil},
		ruleCase{"with system", withEvent(explicit, EventTypeSystem+"|pds-change-of-gp-1"), nil},
		ruleCase{"wrong system", withEvent(explicit, "https://fhir.nhs.uk/STU3/CodeSystem/EMS-EventType-1|pds-change-of-gp-1"), []string{RuleEventSystem}},
		ruleCase{"system without code", withEvent(explicit, EventTypeSystem+"|"), []string{RuleEmptyValue}},
		ruleCase{"missing explicit", strings.Replace(explicit, "&MessageHeader.event=pds-change-of-address-1", "", 1), []string{RuleEventMissing}},
		ruleCase{"missing generic", strings.Replace(generic, "&MessageHeader.event=pds-change-of-address-1", "", 1), []string{RuleEventMissing}},
		ruleCase{"two in generic", generic + "&MessageHeader.event=pds-change-of-gp-1", []string{RuleEventCardinality}},
		ruleCase{"three in generic", generic + "&MessageHeader.event=pds-change-of-gp-1&MessageHeader.event=vaccinations-1", []string{RuleEventCardinality}},
		ruleCase{"duplicate in explicit", explicit + "&MessageHeader.event=pds-change-of-address-1", []string{RuleEventDuplicate}},
		ruleCase{"unknown", withEvent(explicit, "pds-person-death-1"), []string{RuleEventUnknown}},
		ruleCase{"upper case", withEvent(explicit, "PDS-CHANGE-OF-GP-1"), []string{RuleEventUnknown}},
		ruleCase{"typo", withEvent(explicit, "pds-change-of-gp-2"), []string{RuleEventUnknown}},
		ruleCase{"zero width space", withEvent(explicit, "\u200bpds-birth-notification-1"), []string{RuleEventUnknown}},
		ruleCase{"publish interaction code", withEvent(explicit, "Vaccinations"), []string{RuleEventUnknown}},
		ruleCase{"draft", withEvent(explicit, "encounter-1"), []string{RuleEventUnknown}},
		ruleCase{"unsupported dch", withEvent(explicit, "observations-1"), []string{RuleEventUnsupported}},
		ruleCase{"unsupported failsafe", withEvent(generic, "failsafe-message-gp-1"), []string{RuleEventUnsupported}},
		ruleCase{"unsupported failsafe response", withEvent(generic, "failsafe-message-response-nipe-newborn-1"), []string{RuleEventUnsupported}},
		ruleCase{"legacy PDS002", withEvent(explicit, "PDS002"), []string{RuleEventLegacy}},
		ruleCase{"legacy FM001", withEvent(generic, "FM001"), []string{RuleEventLegacy}},
		ruleCase{"empty", withEvent(explicit, ""), []string{RuleEmptyValue}},
	)
	runRuleCases(t, cases)

	c, _ := Parse(all)
	if len(c.Events) != 10 || c.Events[0] != "pds-change-of-address-1" {
		t.Errorf("Events = %v, want the ten codes starting with pds-change-of-address-1", c.Events)
	}
}

func TestEventHints(t *testing.T) {
	cases := map[string]string{
		"pds-person-death-1":        "pds-death-notification-1",
		"PDS-CHANGE-OF-GP-1":        "pds-change-of-gp-1",
		"pds-change-of-adress-1":    "pds-change-of-address-1",
		"PDS004":                    "pds-death-notification-1",
		"\u200bpds-record-change-1": `\u200b`,
	}
	for code, hint := range cases {
		_, fs := Parse(strings.Replace(explicit, "pds-change-of-address-1", code, 1))
		if len(fs) != 1 || !strings.Contains(fs[0].Message, hint) {
			t.Errorf("%q: want one finding mentioning %q, got %v", code, hint, fs)
		}
	}
}

func TestLifecycle(t *testing.T) {
	chk := New(Options{Lifecycle: map[string]EventLifecycle{
		"newborn-hearing-1":        {State: Deprecated, Note: "deprecation on 22/06/2019"},
		"pds-birth-notification-1": {State: NoLongerSupported, Note: "withdrawal on 01/01/2020"},
		"pds-change-of-gp-1":       {State: Withdrawn},
		"pds-change-of-address-1":  {State: Active},
		"encounter-1":              {State: Withdrawn},
	}})
	cases := []struct {
		event    string
		rule     string
		severity issue.Severity
		code     string
		status   int
	}{
		{"newborn-hearing-1", RuleEventDeprecated, issue.SeverityInformation, "DEPRECATED", 201},
		{"pds-birth-notification-1", RuleEventNoLongerSupport, issue.SeverityError, "NO_LONGER_SUPPORTED", 400},
		{"pds-change-of-gp-1", RuleEventWithdrawn, issue.SeverityError, "WITHDRAWN", 400},
		{"encounter-1", RuleEventWithdrawn, issue.SeverityError, "WITHDRAWN", 400},
	}
	for _, tc := range cases {
		_, fs := chk.Parse(explicit + "&MessageHeader.event=" + tc.event)
		if len(fs) != 1 {
			t.Errorf("%s: got %v, want one finding", tc.event, fs)
			continue
		}
		f := fs[0]
		if f.Rule != tc.rule || f.Severity != tc.severity || f.Spine != issue.SpineCode(tc.code) || rulesByID[f.Rule].HTTPStatus != tc.status {
			t.Errorf("%s: got %s %s %s %d, want %s %s %s %d", tc.event, f.Rule, f.Severity, f.Spine, rulesByID[f.Rule].HTTPStatus, tc.rule, tc.severity, tc.code, tc.status)
		}
	}
	// One notice per deprecated event type, as NEMS answers a create.
	_, fs := chk.Parse(explicit + "&MessageHeader.event=newborn-hearing-1&MessageHeader.event=pds-birth-notification-1")
	if got := ruleIDs(fs); !slices.Equal(got, []string{RuleEventDeprecated, RuleEventNoLongerSupport}) {
		t.Errorf("two life-cycle events: got %v", got)
	}
	if _, fs := chk.Parse(explicit); len(fs) != 0 {
		t.Errorf("active event reported: %v", fs)
	}
	if !strings.Contains(fs[0].Message, "22/06/2019") {
		t.Errorf("note missing from %q", fs[0].Message)
	}
	if _, fs := Parse(explicit + "&MessageHeader.event=newborn-hearing-1"); len(fs) != 0 {
		t.Errorf("default checker must treat all supported events as active, got %v", fs)
	}
}

func TestPatientAge(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"lt14", explicit + "&Patient.age=lt14", nil},
		{"gt60", generic + "&Patient.age=gt60", nil},
		{"range", explicit + "&Patient.age=gt5&Patient.age=lt19", nil},
		{"range reversed order", explicit + "&Patient.age=lt19&Patient.age=gt5", nil},
		{"gt0", explicit + "&Patient.age=gt0", nil},
		{"no prefix", explicit + "&Patient.age=14", []string{RuleAgeFormat}},
		{"ge prefix", explicit + "&Patient.age=ge14", []string{RuleAgeFormat}},
		{"eq prefix", explicit + "&Patient.age=eq14", []string{RuleAgeFormat}},
		{"upper case prefix", explicit + "&Patient.age=LT14", []string{RuleAgeFormat}},
		{"decimal", explicit + "&Patient.age=lt14.5", []string{RuleAgeFormat}},
		{"negative", explicit + "&Patient.age=gt-1", []string{RuleAgeFormat}},
		{"unit", explicit + "&Patient.age=lt14y", []string{RuleAgeFormat}},
		{"months", explicit + "&Patient.age=lt6months", []string{RuleAgeFormat}},
		{"no number", explicit + "&Patient.age=lt", []string{RuleAgeFormat}},
		{"one char", explicit + "&Patient.age=l", []string{RuleAgeFormat}},
		{"too many digits", explicit + "&Patient.age=lt1000", []string{RuleAgeFormat}},
		{"empty", explicit + "&Patient.age=", []string{RuleEmptyValue}},
		{"two lt", explicit + "&Patient.age=lt5&Patient.age=lt19", []string{RuleAgeCardinality}},
		{"two gt", explicit + "&Patient.age=gt5&Patient.age=gt19", []string{RuleAgeCardinality}},
		{"three", explicit + "&Patient.age=gt5&Patient.age=lt19&Patient.age=lt20", []string{RuleAgeCardinality}},
		{"lt0", explicit + "&Patient.age=lt0", []string{RuleAgeRange}},
		{"empty range", explicit + "&Patient.age=gt5&Patient.age=lt6", []string{RuleAgeRange}},
		{"inverted range", explicit + "&Patient.age=gt19&Patient.age=lt5", []string{RuleAgeRange}},
		{"gt130", explicit + "&Patient.age=gt130", []string{RuleAgeRange}},
	})
	c, _ := Parse(explicit + "&Patient.age=gt5&Patient.age=lt19")
	want := AgeRange{GT: 5, LT: 19, HasGT: true, HasLT: true}
	if c.Age != want {
		t.Errorf("Age = %+v, want %+v", c.Age, want)
	}
	for age, match := range map[int]bool{5: false, 6: true, 18: true, 19: false} {
		if c.Age.Matches(age) != match {
			t.Errorf("Matches(%d) = %v, want %v", age, !match, match)
		}
	}
	if !(AgeRange{}).Matches(200) {
		t.Error("an empty AgeRange must match everyone")
	}
}

func TestGPRegistration(t *testing.T) {
	cpGP := strings.Replace(generic, "CHO_POSTCODE_CCG&Organization.identifier=X2458", "GP_GP_GP&Organization.identifier=B86056", 1)
	runRuleCases(t, []ruleCase{
		{"registered", explicit + "&GPRegistration=RegisteredOnly", nil},
		{"unregistered", generic + "&GPRegistration=UnregisteredOnly", nil},
		{"lower case", explicit + "&GPRegistration=registeredonly", []string{RuleGPRegistration}},
		{"other", explicit + "&GPRegistration=Both", []string{RuleGPRegistration}},
		{"empty", explicit + "&GPRegistration=", []string{RuleEmptyValue}},
		{"twice", explicit + "&GPRegistration=RegisteredOnly&GPRegistration=RegisteredOnly", []string{RuleDuplicateComponent}},
		{"registered with GP_GP_GP", cpGP + "&GPRegistration=RegisteredOnly", []string{RuleGPRegistrationRule}},
		{"unregistered with GP_GP_GP", cpGP + "&GPRegistration=UnregisteredOnly", []string{RuleGPRegistrationRule}},
		{"unregistered with CHO_GP_CCG", strings.Replace(generic, "CHO_POSTCODE_CCG", "CHO_GP_CCG", 1) + "&GPRegistration=UnregisteredOnly", []string{RuleGPRegistrationRule}},
	})
}

func TestRuleTypeAndOrganization(t *testing.T) {
	gen := func(rule, org string) string {
		return "/Bundle?type=message&subscriptionRuleType=" + rule + "&Organization.identifier=" + org + "&MessageHeader.event=pds-change-of-address-1"
	}
	cases := []ruleCase{
		{"CHO_POSTCODE_CCG", gen("CHO_POSTCODE_CCG", "X2458"), nil},
		{"CHO_GP_CCG 3 chars", gen("CHO_GP_CCG", "02V"), nil},
		{"GP_GP_GP", gen("GP_GP_GP", "B86056"), nil},
		{"UHV_POSTCODE_LACODE", gen("UHV_POSTCODE_LACODE", "E06000001"), nil},
		{"unknown rule type", gen("GP_POSTCODE", "X2458"), []string{RuleRuleType}},
		{"HSS renamed", gen("HSS", "E92000001"), []string{RuleRuleType}},
		{"lower case rule type", gen("gp_gp_gp", "B86056"), []string{RuleRuleType}},
		{"empty rule type", gen("", "X2458"), []string{RuleEmptyValue}},
		{"rule type twice", gen("GP_GP_GP", "B86056") + "&subscriptionRuleType=GP_GP_GP", []string{RuleDuplicateComponent}},
		{"rule type in explicit", explicit + "&subscriptionRuleType=GP_GP_GP", []string{RuleKindConflict}},
		{"organization with ODS system", gen("GP_GP_GP", "https://fhir.nhs.uk/Id/ods-organization-code|B86056"), nil},
		{"organization with other system", gen("GP_GP_GP", "https://fhir.nhs.uk/Id/nhs-number|B86056"), []string{RuleOrganizationSystem}},
		{"organization system without code", gen("GP_GP_GP", "https://fhir.nhs.uk/Id/ods-organization-code|"), []string{RuleODSCodeFormat}},
		{"organization lower case", gen("CHO_POSTCODE_CCG", "x2458"), []string{RuleODSCodeFormat}},
		{"organization punctuation", gen("CHO_POSTCODE_CCG", "X24-58"), []string{RuleODSCodeFormat}},
		{"organization empty", gen("CHO_POSTCODE_CCG", ""), []string{RuleEmptyValue}},
		{"organization twice", gen("GP_GP_GP", "B86056") + "&Organization.identifier=A83627", []string{RuleDuplicateComponent}},
		{"GP practice wrong length", gen("GP_GP_GP", "RR8"), []string{RuleODSCodeLength}},
		{"ICB wrong length", gen("CHO_GP_CCG", "B86056"), []string{RuleODSCodeLength}},
	}
	for code := range CountryCodes {
		cases = append(cases, ruleCase{"country " + code, gen("COUNTRYCODE", code), nil})
	}
	cases = append(cases,
		ruleCase{"country unknown", gen("COUNTRYCODE", "E92000002"), []string{RuleCountryCode}},
		ruleCase{"country as ODS code", gen("COUNTRYCODE", "X2458"), []string{RuleCountryCode}},
	)
	runRuleCases(t, cases)

	c, _ := Parse(gen("GP_GP_GP", "https://fhir.nhs.uk/Id/ods-organization-code|B86056"))
	if c.RuleType != "GP_GP_GP" || c.Organization != "B86056" || c.OrganizationSystem != "https://fhir.nhs.uk/Id/ods-organization-code" {
		t.Errorf("got rule %q org %q system %q", c.RuleType, c.Organization, c.OrganizationSystem)
	}
}

func TestTag(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"simple", explicit + "&tag=site123", nil},
		{"all allowed but pipe", explicit + "&tag=AZaz09-_,", nil},
		{"exactly 100", explicit + "&tag=" + strings.Repeat("x", 100), nil},
		{"101", explicit + "&tag=" + strings.Repeat("x", 101), []string{RuleTagLength}},
		{"pipe", explicit + "&tag=a|b", []string{RuleTagPipe}},
		{"space", explicit + "&tag=site 123", []string{RuleTagCharset}},
		{"dot", explicit + "&tag=site.123", []string{RuleTagCharset}},
		{"tilde", explicit + "&tag=a~~~b", []string{RuleTagCharset}},
		{"non ascii", explicit + "&tag=caf\u00e9", []string{RuleTagCharset}},
		{"long and bad", explicit + "&tag=" + strings.Repeat("é", 101), []string{RuleTagCharset, RuleTagLength}},
		{"empty", explicit + "&tag=", []string{RuleEmptyValue}},
		{"twice", explicit + "&tag=a&tag=b", []string{RuleDuplicateComponent}},
	})
}

func TestUnknownComponentHints(t *testing.T) {
	cases := map[string]string{
		"patient.identifier": "Patient.identifier",
		"MessageHeader.evnt": "MessageHeader.event",
		"servicetype":        "serviceType",
		" tag":               "tag",
		"_count":             "result parameters",
	}
	for name, hint := range cases {
		_, fs := Parse(generic + "&" + name + "=x")
		got := fs.ByRule(RuleUnknownComponent)
		if len(got) != 1 || !strings.Contains(got[0].Message, hint) {
			t.Errorf("%q: want an unknown-component finding mentioning %q, got %v", name, hint, fs)
		}
	}
}

// TestPositions checks that findings point at the offending text of the
// string as written, through percent-encoding and multi-byte characters.
func TestPositions(t *testing.T) {
	cases := []struct {
		criteria string
		rule     string
		text     string // src[Offset:Offset+Length], the last occurrence
	}{
		{strings.Replace(explicit, "9434765919", "9434765918", 1), RuleNHSNumberCheckDigit, "9434765918"},
		{strings.Replace(explicit, "|9434765919", "%7C9434765918", 1), RuleNHSNumberCheckDigit, "9434765918"},
		{strings.Replace(explicit, "nhs-number|", "nhs-number%7c", 1), RulePercentEncoded, "Patient.identifier=http://fhir.nhs.net/Id/nhs-number%7c9434765919"},
		{explicit + "&tag=ab%20c", RuleTagCharset, "%20"},
		{"/Bundle?type=message&tag=é&tag=x y&Patient.identifier=" + nhsOK + "&MessageHeader.event=vaccinations-1", RuleDuplicateComponent, "tag=x y"},
		{explicit + "&MessageHeader.event=pds-person-death-1", RuleEventUnknown, "pds-person-death-1"},
		{generic + "&MessageHeader.event=vaccinations-1", RuleEventCardinality, "MessageHeader.event=vaccinations-1"},
		{strings.Replace(generic, "X2458", "x2458", 1), RuleODSCodeFormat, "x2458"},
		{explicit + "&Patient.age=lt14.5", RuleAgeFormat, "lt14.5"},
		{explicit + "&&tag=a", RuleEmptyComponent, ""},
		{"/Bundle?type=message&amp;tag=a", RuleXMLEscapedAmpersand, "&amp;"},
		{explicit + "&tag=abc%7", RulePercentEncoding, "%7"},
		{"/Bundle?type=message", RuleKindMissing, "/Bundle?type=message"},
	}
	for _, tc := range cases {
		_, fs := Parse(tc.criteria)
		got := fs.ByRule(tc.rule)
		if len(got) != 1 {
			t.Errorf("%q: want one %s, got %v", tc.criteria, tc.rule, fs)
			continue
		}
		f := got[0]
		off := strings.LastIndex(tc.criteria, tc.text)
		if tc.text == "" {
			off = strings.Index(tc.criteria, "&&") + 1
		}
		column := utf8.RuneCountInString(tc.criteria[:off]) + 1
		if text := tc.criteria[f.Offset : f.Offset+f.Length]; text != tc.text || f.Offset != off || f.Column != column {
			t.Errorf("%q: %s points at %q offset %d column %d, want %q offset %d column %d", tc.criteria, tc.rule, text, f.Offset, f.Column, tc.text, off, column)
		}
	}
}

func TestColumnCountsCharacters(t *testing.T) {
	s := "/Bundle?type=message&tag=é&tag=x&Patient.identifier=" + nhsOK + "&MessageHeader.event=vaccinations-1"
	_, fs := Parse(s)
	f := fs.ByRule(RuleDuplicateComponent)
	if len(f) != 1 || f[0].Offset != 28 || f[0].Column != 28 {
		t.Errorf("want duplicate tag at byte 28, column 28 (é is two bytes), got %v", fs)
	}
	_, fs = Parse(strings.Replace(explicit, "9434765919", "9434765918", 1))
	want := explicit[:strings.Index(explicit, "9434765919")] + "9434765918" + explicit[strings.Index(explicit, "9434765919")+10:] + "\n" +
		strings.Repeat(" ", 74) + strings.Repeat("^", 10)
	if got := fs[0].Excerpt(strings.Replace(explicit, "9434765919", "9434765918", 1)); got != want {
		t.Errorf("Excerpt =\n%s\nwant\n%s", got, want)
	}
}

func TestFindingFields(t *testing.T) {
	for _, r := range Rules() {
		if !strings.HasPrefix(r.ID, "criteria:") || r.Summary == "" || r.IssueType == "" || r.HTTPStatus == 0 {
			t.Errorf("rule %+v incomplete", r)
		}
		if (r.Severity == issue.SeverityError) != (r.HTTPStatus >= 400) {
			t.Errorf("rule %s: severity %s with HTTP %d", r.ID, r.Severity, r.HTTPStatus)
		}
		if r.Severity == issue.SeverityError && r.SpineCode == "" {
			t.Errorf("rule %s: error without Spine code", r.ID)
		}
	}
	_, fs := Parse(strings.Replace(explicit, "9434765919", "9434765918", 1))
	if len(fs) != 1 {
		t.Fatalf("got %v", fs)
	}
	f := fs[0]
	if f.Spine != "INVALID_NHS_NUMBER" || rulesByID[f.Rule].HTTPStatus != 400 || f.Code != "value" || f.Component != NamePatientIdentifier {
		t.Errorf("unexpected finding %+v", f)
	}
	if !fs.HasErrors() {
		t.Error("HasErrors = false")
	}
	want := "col 75: error criteria:nhs-number-check-digit: NHS number 9434765918 fails the modulus-11 check: its last digit is 8 but the first nine digits require 9"
	if f.String() != want {
		t.Errorf("String() =\n%s\nwant\n%s", f, want)
	}
}

func TestNHSCheckDigit(t *testing.T) {
	cases := []struct {
		number string
		check  int
		ok     bool
	}{
		{"9434765919", 9, true},
		{"9912003888", 8, true},
		{"5900005879", 9, true},
		{"1112223330", 9, true},
		{"6101231234", 2, true},
		{"0000000000", 0, true},
		{"1000000010", 10, false},
	}
	for _, tc := range cases {
		check, ok := nhsCheckDigit(tc.number)
		if check != tc.check || ok != tc.ok {
			t.Errorf("nhsCheckDigit(%s) = %d, %v; want %d, %v", tc.number, check, ok, tc.check, tc.ok)
		}
	}
}
