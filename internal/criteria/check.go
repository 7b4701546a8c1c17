package criteria

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// expected says, per component, what a value should look like; used in
// messages about empty or malformed values.
var expected = map[string]string{
	NameType:                   "message",
	NameServiceType:            "one of " + quoteList(ServiceTypes),
	NamePatientIdentifier:      NHSNumberSystem + "|<10-digit NHS number>",
	NameEvent:                  "an EventType-1 code such as pds-change-of-address-1",
	NamePatientAge:             "lt<years> or gt<years>, e.g. lt14 or gt60",
	NameGPRegistration:         "RegisteredOnly or UnregisteredOnly",
	NameRuleType:               "one of " + quoteList(RuleTypes),
	NameOrganizationIdentifier: "an ODS or area code such as X2458",
	NameTag:                    "1 to 100 characters from A-Z a-z 0-9 - _ | ,",
}

// multiValued are the components that may repeat, with their maximum.
var multiValued = map[string]bool{NameEvent: true, NamePatientAge: true}

func (p *parser) checkComponents() {
	byName := map[string][]*comp{}
	for _, c := range p.comps {
		if !contains(knownNames, c.Name) {
			p.unknownComponent(c)
			continue
		}
		if c.Modifier != "" {
			p.addName(RuleModifier, c, "modifier %q on %s: the criteria grammar uses no search modifiers; write %s=%s", ":"+c.Modifier, c.Name, c.Name, expected[c.Name])
		}
		if c.Value == "" {
			c.bad = true
			p.addComp(RuleEmptyValue, c, "%s has an empty value; expected %s", c.Name, expected[c.Name])
		}
		byName[c.Name] = append(byName[c.Name], c)
	}
	single := func(name string) *comp {
		list := byName[name]
		if len(list) == 0 {
			return nil
		}
		if !multiValued[name] {
			for _, c := range list[1:] {
				p.addComp(RuleDuplicateComponent, c, "%s appears again (first at column %d); it may appear at most once", name, p.column(list[0].Offset))
			}
		}
		return list[0]
	}

	p.checkType(single(NameType))
	if c := single(NameServiceType); c != nil {
		p.crit.ServiceType = c.Value
		p.checkEnum(RuleServiceType, c, ServiceTypes)
	}
	pid, rt, org := single(NamePatientIdentifier), single(NameRuleType), single(NameOrganizationIdentifier)
	if rt != nil {
		p.crit.RuleType = rt.Value
		p.checkRuleType(rt)
	}
	p.checkKind(pid, rt, org)
	if pid != nil && !pid.bad {
		p.checkPatientIdentifier(pid)
	}
	if org != nil && !org.bad {
		p.checkOrganization(org, rt)
	}
	p.checkEvents(byName[NameEvent], pid == nil && rt == nil && org != nil)
	p.checkAges(byName[NamePatientAge])
	if c := single(NameGPRegistration); c != nil {
		p.crit.GPRegistration = c.Value
		p.checkEnum(RuleGPRegistration, c, GPRegistrations)
		p.checkGPRegistrationWithRule(c, rt)
	}
	if c := single(NameTag); c != nil && !c.bad {
		p.checkTag(c)
	}
}

func (p *parser) column(off int) int {
	return utf8.RuneCountInString(p.src[:off]) + 1
}

func (p *parser) unknownComponent(c *comp) {
	full := c.Name
	if c.Modifier != "" {
		full += ":" + c.Modifier
	}
	if c.Name == "_format" {
		p.addName(RuleFormatParameter, c, "_format=%s is not a criteria component: NEMS delivers every event message as XML whatever the subscription says (spec 1.8); remove it", clip(c.Value))
		return
	}
	hint := ""
	if m, ok := caseInsensitiveMatch(knownNames, c.Name); ok {
		hint = fmt.Sprintf("; did you mean %s? (names are case-sensitive and take no spaces)", m)
	} else if m, ok := nearest(knownNames, c.Name); ok {
		hint = fmt.Sprintf("; did you mean %s?", m)
	} else if strings.HasPrefix(c.Name, "_") {
		hint = "; FHIR search result parameters have no meaning in a subscription"
	}
	p.addName(RuleUnknownComponent, c, "unknown component %q%s; the criteria grammar has %s", clip(full), hint, quoteList(knownNames))
}

func (p *parser) checkType(c *comp) {
	if c == nil {
		p.addWhole(RuleTypeMissing, "no type component; the criteria must start /Bundle?type=message")
		return
	}
	p.crit.Type = c.Value
	if c.bad {
		return
	}
	if c.Value != "message" {
		p.addValue(RuleTypeValue, c, 0, len(c.Value), "type is %q; NEMS subscriptions are for message Bundles, expected type=message", clip(c.Value))
	}
	if p.comps[0] != c {
		p.addComp(RuleTypeNotFirst, c, "type=message is not the first component; the guide writes /Bundle?type=message as a literal prefix, so put it first")
	}
}

// checkEnum checks a value against a closed list of codes.
func (p *parser) checkEnum(id string, c *comp, allowed []string) {
	if c.bad || contains(allowed, c.Value) {
		return
	}
	hint := ""
	if m, ok := caseInsensitiveMatch(allowed, c.Value); ok {
		hint = fmt.Sprintf(" (did you mean %s? codes are case-sensitive)", m)
	}
	p.addValue(id, c, 0, len(c.Value), "%s is %q%s; expected one of %s", c.Name, clip(c.Value), hint, quoteList(allowed))
}

func (p *parser) checkRuleType(c *comp) {
	if c.bad || contains(RuleTypes, c.Value) {
		return
	}
	if c.Value == "HSS" {
		p.addValue(RuleRuleType, c, 0, len(c.Value), "subscriptionRuleType HSS was renamed COUNTRYCODE in guide 2.9.1; expected one of %s", quoteList(RuleTypes))
		return
	}
	p.checkEnum(RuleRuleType, c, RuleTypes)
}

// checkKind decides explicit versus generic (spec 7.3: explicit iff
// Patient.identifier, generic iff subscriptionRuleType) and checks the
// components each kind forbids or requires.
func (p *parser) checkKind(pid, rt, org *comp) {
	switch {
	case pid != nil && rt != nil:
		p.addComp(RuleKindConflict, rt, "both Patient.identifier (explicit, column %d) and subscriptionRuleType (generic); a subscription is one or the other", p.column(pid.Offset))
	case pid != nil:
		p.crit.Kind = KindExplicit
		if org != nil {
			p.addComp(RuleComponentNotAllowed, org, "Organization.identifier is not allowed in an explicit subscription (one with Patient.identifier); it belongs with subscriptionRuleType in a generic one")
		}
	case rt != nil:
		p.crit.Kind = KindGeneric
		if org == nil {
			p.addWhole(RuleOrganizationMissing, "generic subscription (%s) without Organization.identifier; expected the code the rule matches, e.g. Organization.identifier=X2458", rt.Value)
		}
	case org != nil:
		p.addComp(RuleRuleTypeMissing, org, "Organization.identifier without subscriptionRuleType: a generic subscription needs subscriptionRuleType (one of %s), an explicit one needs Patient.identifier instead", quoteList(RuleTypes))
	default:
		p.addWhole(RuleKindMissing, "neither Patient.identifier (explicit subscription) nor subscriptionRuleType (generic subscription); expected exactly one of them")
	}
}

func (p *parser) checkPatientIdentifier(c *comp) {
	v := c.Value
	bar := strings.IndexByte(v, '|')
	if bar < 0 {
		if !allDigits(v) {
			p.addValue(RuleNHSNumberSystem, c, 0, len(v), "Patient.identifier is %q; expected %s", clip(v), expected[NamePatientIdentifier])
			return
		}
		p.crit.NHSNumber = v
		p.addValue(RuleNHSNumberSystem, c, 0, len(v), "Patient.identifier %q has no system; expected %s|%s", v, NHSNumberSystem, v)
		p.checkNHSNumber(c, 0)
		return
	}
	sys := v[:bar]
	p.crit.NHSNumberSystem, p.crit.NHSNumber = sys, v[bar+1:]
	switch {
	case sys == NHSNumberSystem:
	case sys == messageNHSNumberSystem:
		p.addValue(RuleNHSNumberSystem, c, 0, bar, "Patient.identifier system is %s, the one event messages use; subscription criteria use %s (spec 8.1)", sys, NHSNumberSystem)
	case sys == "":
		p.addValue(RuleNHSNumberSystem, c, 0, bar+1, "Patient.identifier has an empty system before '|'; expected %s", NHSNumberSystem)
	default:
		p.addValue(RuleNHSNumberSystem, c, 0, bar, "Patient.identifier system is %q; expected %s", clip(sys), NHSNumberSystem)
	}
	p.checkNHSNumber(c, bar+1)
}

// checkNHSNumber checks the NHS number that starts at byte from of c's value.
func (p *parser) checkNHSNumber(c *comp, from int) {
	num := c.Value[from:]
	end := len(c.Value)
	if len(num) != 10 || !allDigits(num) {
		digits := 0
		for i := 0; i < len(num); i++ {
			if num[i] >= '0' && num[i] <= '9' {
				digits++
			}
		}
		switch {
		case num == "":
			p.addValue(RuleNHSNumberFormat, c, from, end, "no NHS number after '|'; expected 10 digits")
		case digits == 10:
			p.addValue(RuleNHSNumberFormat, c, from, end, "NHS number %q contains separators; write the 10 digits without spaces or hyphens", clip(num))
		default:
			p.addValue(RuleNHSNumberFormat, c, from, end, "NHS number %q has %d characters; expected exactly 10 digits", clip(num), utf8.RuneCountInString(num))
		}
		return
	}
	check, ok := nhsCheckDigit(num)
	switch {
	case !ok:
		p.addValue(RuleNHSNumberCheckDigit, c, from, end, "NHS number %s is invalid: its first nine digits give a modulus-11 check value of 10, which no NHS number can have", num)
	case int(num[9]-'0') != check:
		p.addValue(RuleNHSNumberCheckDigit, c, from, end, "NHS number %s fails the modulus-11 check: its last digit is %c but the first nine digits require %d", num, num[9], check)
	}
}

// checkOrganization checks Organization.identifier against the rule type.
func (p *parser) checkOrganization(c *comp, rt *comp) {
	v, from := c.Value, 0
	if bar := strings.IndexByte(v, '|'); bar >= 0 {
		sys := v[:bar]
		p.crit.OrganizationSystem = sys
		if sys != odsOrganizationSystem && sys != odsSiteSystem {
			p.addValue(RuleOrganizationSystem, c, 0, bar, "Organization.identifier system is %q; expected a bare code (as the guide writes it) or %s|<code>", clip(sys), odsOrganizationSystem)
		}
		from = bar + 1
	}
	code := v[from:]
	p.crit.Organization = code
	if code == "" {
		p.addValue(RuleODSCodeFormat, c, from, len(v), "Organization.identifier has no code after '|'; expected %s", expected[NameOrganizationIdentifier])
		return
	}
	for i := 0; i < len(code); i++ {
		b := code[i]
		if 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' {
			continue
		}
		if up := strings.ToUpper(code); up != code && isUpperAlnum(up) {
			p.addValue(RuleODSCodeFormat, c, from, len(v), "Organization.identifier %q is in lower case; ODS and area codes are upper case: %s", clip(code), up)
		} else {
			p.addValue(RuleODSCodeFormat, c, from+i, from+i+1, "Organization.identifier %q contains %q; ODS and area codes are upper-case letters and digits", clip(code), string(rune(b)))
		}
		return
	}
	if rt == nil || rt.bad {
		return
	}
	n := len(code)
	switch rt.Value {
	case RuleTypeCountryCode:
		if _, ok := CountryCodes[code]; !ok {
			p.addValue(RuleCountryCode, c, from, len(v), "COUNTRYCODE needs a country code; found %q, expected one of E92000001 (England), W92000004 (Wales), S92000003 (Scotland), N92000002 (Northern Ireland), L93000001 (Channel Islands), M83000003 (Isle of Man)", code)
		}
	case RuleTypeGPGPGP:
		if n != 6 {
			p.addValue(RuleODSCodeLength, c, from, len(v), "GP_GP_GP matches a GP practice code, which is 6 characters (e.g. B86056); found %q (%d)", code, n)
		}
	case RuleTypeCHOPostcodeCCG, RuleTypeCHOGPCCG:
		if n != 3 && n != 5 {
			p.addValue(RuleODSCodeLength, c, from, len(v), "%s matches an ICB sub-location code, 3 characters (e.g. 02V; the guide's example X2458 has 5); found %q (%d)", rt.Value, code, n)
		}
	}
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !('A' <= s[i] && s[i] <= 'Z' || '0' <= s[i] && s[i] <= '9') {
			return false
		}
	}
	return true
}

// checkEvents checks MessageHeader.event: 1..* explicit, 1..1 generic.
// looksGeneric is set when the kind is unknown but Organization.identifier
// shows a generic subscription was meant.
func (p *parser) checkEvents(list []*comp, looksGeneric bool) {
	if len(list) == 0 {
		p.addWhole(RuleEventMissing, "no MessageHeader.event component; expected at least one, e.g. MessageHeader.event=pds-change-of-address-1")
		return
	}
	if len(list) > 1 && (p.crit.Kind == KindGeneric || looksGeneric) {
		first, last := list[1], list[len(list)-1]
		what := "a generic subscription"
		if looksGeneric {
			what = "a generic subscription (as Organization.identifier suggests)"
		}
		p.add(RuleEventCardinality, NameEvent, first.Offset, last.Offset+last.Length-first.Offset,
			"%d MessageHeader.event components; %s takes exactly one event type (create one subscription per event type)", len(list), what)
	}
	seen := map[string]int{}
	for _, c := range list {
		if c.bad {
			continue
		}
		code, from := c.Value, 0
		if bar := strings.IndexByte(code, '|'); bar >= 0 {
			if sys := code[:bar]; sys != EventTypeSystem {
				p.addValue(RuleEventSystem, c, 0, bar, "MessageHeader.event system is %q; expected a bare code (as the guide writes it) or %s|<code>", clip(sys), EventTypeSystem)
			}
			code, from = code[bar+1:], bar+1
		}
		p.crit.Events = append(p.crit.Events, code)
		if code == "" {
			p.addValue(RuleEmptyValue, c, from, len(c.Value), "MessageHeader.event has no code after '|'; expected %s", expected[NameEvent])
			continue
		}
		if prev, dup := seen[code]; dup {
			p.addComp(RuleEventDuplicate, c, "event %s is already subscribed at column %d; remove the repeat", code, prev)
			continue
		}
		seen[code] = p.column(c.Offset)
		p.checkEventCode(c, code, from)
	}
}

func (p *parser) checkEventCode(c *comp, code string, from int) {
	end := len(c.Value)
	if l, ok := p.chk.lifecycle[code]; ok && l.State != Active {
		note := ""
		if l.Note != "" {
			note = ": " + l.Note
		}
		switch l.State {
		case Deprecated:
			p.addValue(RuleEventDeprecated, c, from, end, "event type %s is deprecated; the subscription is still created%s", code, note)
		case NoLongerSupported:
			p.addValue(RuleEventNoLongerSupport, c, from, end, "event type %s is no longer supported; new subscriptions to it are rejected%s", code, note)
		default:
			p.addValue(RuleEventWithdrawn, c, from, end, "event type %s has been withdrawn; subscriptions to it are rejected%s", code, note)
		}
		return
	}
	switch {
	case contains(SupportedEvents, code):
	case legacyEvents[code] != "":
		p.addValue(RuleEventLegacy, c, from, end, "%s is a legacy EMS-EventType-1 code from before guide 2.0.0; use the EventType-1 code %s", code, legacyEvents[code])
	case unsupportedEvents[code]:
		p.addValue(RuleEventUnsupported, c, from, end, "%s is an EventType-1 code but not one of the ten event types NEMS supports (%s)", code, quoteList(SupportedEvents))
	default:
		hint := ""
		if h, ok := eventHints[code]; ok {
			hint = " " + h
		} else if m, ok := caseInsensitiveMatch(SupportedEvents, code); ok {
			hint = fmt.Sprintf(" Did you mean %s? Codes are case-sensitive and have no spaces.", m)
		} else if m, ok := nearest(SupportedEvents, code); ok {
			hint = fmt.Sprintf(" Did you mean %s?", m)
		}
		p.addValue(RuleEventUnknown, c, from, end, "event code %q is not an EventType-1 code; expected one of %s.%s", clip(code), quoteList(SupportedEvents), hint)
	}
}

type ageBound struct {
	c  *comp
	op string // "gt" or "lt"
	n  int
}

// checkAges checks Patient.age: at most two, each lt<n> or gt<n>, and
// together one lower and one upper bound.
func (p *parser) checkAges(list []*comp) {
	var bounds []ageBound
	for i, c := range list {
		if i >= 2 {
			p.addComp(RuleAgeCardinality, c, "Patient.age appears %d times; at most two are allowed (one gt and one lt bound)", len(list))
			break
		}
		if b, ok := p.parseAge(c); ok {
			bounds = append(bounds, b)
		}
	}
	if len(bounds) == 2 && bounds[0].op == bounds[1].op {
		p.addComp(RuleAgeCardinality, bounds[1].c, "two %s bounds (columns %d and %d); a range needs one gt and one lt, e.g. Patient.age=gt5&Patient.age=lt19", bounds[0].op, p.column(bounds[0].c.Offset), p.column(bounds[1].c.Offset))
		bounds = bounds[:1]
	}
	a := &p.crit.Age
	for _, b := range bounds {
		if b.op == "gt" {
			a.GT, a.HasGT = b.n, true
		} else {
			a.LT, a.HasLT = b.n, true
		}
	}
	switch {
	case a.HasLT && a.LT == 0:
		p.addComp(RuleAgeRange, lastBound(bounds, "lt"), "Patient.age=lt0 matches no patient: ages are whole years from 0")
	case a.HasGT && a.HasLT && a.LT <= a.GT+1:
		p.addComp(RuleAgeRange, lastBound(bounds, "lt"), "Patient.age gt%d and lt%d leave no whole-year age between them; no patient matches", a.GT, a.LT)
	case a.HasGT && a.GT >= 130:
		p.addComp(RuleAgeRange, lastBound(bounds, "gt"), "Patient.age=gt%d matches no living patient", a.GT)
	}
}

func lastBound(bounds []ageBound, op string) *comp {
	for _, b := range bounds {
		if b.op == op {
			return b.c
		}
	}
	return bounds[0].c
}

func (p *parser) parseAge(c *comp) (ageBound, bool) {
	if c.bad {
		return ageBound{}, false
	}
	v := c.Value
	fail := func(format string, args ...any) (ageBound, bool) {
		p.addValue(RuleAgeFormat, c, 0, len(v), "Patient.age is %q: "+format+"; expected %s", append([]any{clip(v)}, append(args, expected[NamePatientAge])...)...)
		return ageBound{}, false
	}
	if allDigits(v) {
		return fail("no prefix")
	}
	if len(v) < 2 {
		return fail("too short")
	}
	pre, rest := v[:2], v[2:]
	switch pre {
	case "lt", "gt":
	case "le", "ge", "eq", "ne", "sa", "eb", "ap":
		return fail("prefix %q is a FHIR search prefix that NEMS does not support for Patient.age (only lt and gt)", pre)
	default:
		if l := strings.ToLower(pre); l == "lt" || l == "gt" {
			return fail("prefixes are lower case")
		}
		return fail("no lt or gt prefix")
	}
	switch {
	case rest == "":
		return fail("no number of years after %q", pre)
	case strings.HasPrefix(rest, "-"):
		return fail("ages cannot be negative")
	case strings.ContainsAny(rest, ".,"):
		return fail("ages are whole years")
	case !allDigits(rest):
		return fail("%q is not a number of years", clip(rest))
	case len(rest) > 3:
		return fail("%s years is out of range", clip(rest))
	}
	n, _ := strconv.Atoi(rest)
	return ageBound{c: c, op: pre, n: n}, true
}

// checkGPRegistrationWithRule applies the guide's advice not to combine
// GPRegistration with rule types that need a registered GP (spec 7.3).
func (p *parser) checkGPRegistrationWithRule(c, rt *comp) {
	if c.bad || rt == nil || rt.bad || (rt.Value != RuleTypeCHOGPCCG && rt.Value != RuleTypeGPGPGP) {
		return
	}
	switch c.Value {
	case "RegisteredOnly":
		p.addComp(RuleGPRegistrationRule, c, "GPRegistration=RegisteredOnly is redundant with %s, which only matches patients with a registered GP; the guide says not to combine them", rt.Value)
	case "UnregisteredOnly":
		p.addComp(RuleGPRegistrationRule, c, "GPRegistration=UnregisteredOnly with %s matches no patient: the rule needs a registered GP; the guide says not to combine them", rt.Value)
	}
}

// checkTag checks the tag charset and length (spec 7.3, guide 2.7.0).
func (p *parser) checkTag(c *comp) {
	v := c.Value
	p.crit.Tag = v
	firstBad, bad := -1, 0
	var badRune rune
	for i, r := range v {
		if !tagChar(r) {
			if firstBad < 0 {
				firstBad, badRune = i, r
			}
			bad++
		}
	}
	if firstBad >= 0 {
		_, size := utf8.DecodeRuneInString(v[firstBad:])
		p.addValue(RuleTagCharset, c, firstBad, firstBad+size, "tag has %d character(s) not allowed, the first %q; a tag may hold only A-Z a-z 0-9 - _ | ,", bad, badRune)
	}
	if n := utf8.RuneCountInString(v); n > MaxTagLength {
		cut, count := len(v), 0
		for i := range v {
			if count == MaxTagLength {
				cut = i
				break
			}
			count++
		}
		p.addValue(RuleTagLength, c, cut, len(v), "tag is %d characters; at most %d are allowed", n, MaxTagLength)
	}
	if i := strings.IndexByte(v, '|'); i >= 0 {
		p.addValue(RuleTagPipe, c, i, i+1, "tag contains '|', which NEMS also uses between subscription id and tag in the Mex-Partnerid header; receivers must split on the first '|' (spec 1.8, section 10 item 22)")
	}
}

func tagChar(r rune) bool {
	return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '|' || r == ','
}
