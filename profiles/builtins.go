package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/nhsid"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
)

// builtinCheck is a check written in Go for what a FHIRPath expression
// cannot say (check digits, the criteria grammar, comparisons across
// resources, date arithmetic, source order).
type builtinCheck struct {
	// Doc is one line for README and listings.
	Doc string
	// needsPath says the check works on the values the rule's path selects.
	needsPath bool
	// parse decodes and checks the rule's params; nil means none allowed.
	parse func(json.RawMessage) (any, error)
	// run checks one context node; items are what the path selected.
	run func(r *run, rule *Rule, at *tree.Node, items []*tree.Node)
}

var builtins map[string]*builtinCheck

func init() {
	builtins = map[string]*builtinCheck{
		"nhs-number":           {Doc: "values are NHS numbers: 10 digits, modulus-11 check digit (8.1)", needsPath: true, run: runNHSNumber},
		"uuid":                 {Doc: "values are UUIDs; params form: bare (8-4-4-4-12) or urn (urn:uuid:, lower case)", needsPath: true, parse: parseUUID, run: runUUID},
		"ods-code":             {Doc: "values are ODS codes; params kind: organisation or site, prefix: text to strip first (an ODS API URL)", needsPath: true, parse: parseODS, run: runODS},
		"criteria":             {Doc: "values are Subscription.criteria strings, checked by the grammar of 7.3 (findings carry the criteria:* rule ids)", needsPath: true, run: runCriteria},
		"routing-demographics": {Doc: "routing demographics of the MessageHeader match the Patient the event is about (5.3, G10); params parts, patient", parse: parseRouting, run: runRouting},
		"reference-target":     {Doc: "references resolve (in the Bundle when inBundle or urn:uuid) to one of params types", needsPath: true, parse: parseRefTarget, run: runRefTarget},
		"lifecycle":            {Doc: "the messageEventType extension (5.4): once, system MessageEventType-1, code in params allowed, display present", parse: parseLifecycle, run: runLifecycle},
		"date-order":           {Doc: "the date params earlier selects is not after the one params later selects", parse: parseDateOrder, run: runDateOrder},
		"age-range":            {Doc: "age in whole years between params birthDate and at (default now) is within minYears..maxYears", parse: parseAgeRange, run: runAgeRange},
		"datetime-format":      {Doc: "every date, dateTime and instant below the context matches the guide's regex (5.9, G20)", run: runDateTimeFormat},
		"element-order":        {Doc: "elements below the context are in STU3 schema order (XML input only; 5.10, G04)", run: runElementOrder},
		"entry-identity":       {Doc: "Bundle entries: params part fullUrl (urn:uuid form), id (equals the fullUrl uuid) or references (urn:uuid references resolve) (G21)", parse: parseEntryIdentity, run: runEntryIdentity},
		"max-size":             {Doc: "payload size (validate: the payload size) at most params bytes (G24)", parse: parseMaxSize, run: runMaxSize},
		"content-type":         {Doc: "request Content-Type (the request Content-Type) is one of params accepted (G25)", parse: parseContentType, run: runContentType},
		"root-type":            {Doc: "the payload root is a params type resource (G01)", parse: parseRootType, run: runRootType},
		"event-code-in":        {Doc: "reports event messages whose event code is in params codes; params state says why (deprecated, no-longer-supported, withdrawn, unsupported)", parse: parseEventCodeIn, run: runEventCodeIn},
	}
}

// BuiltinNames lists the names of the built-in checks.
func BuiltinNames() []string {
	out := make([]string, 0, len(builtins))
	for n := range builtins {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// BuiltinDoc returns the one-line description of a built-in check.
func BuiltinDoc(name string) string {
	if b := builtins[name]; b != nil {
		return b.Doc
	}
	return ""
}

// decode reads params strictly into a T; check may validate it further.
func decode[T any](raw json.RawMessage, check func(*T) error) (any, error) {
	p := new(T)
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(p); err != nil {
			return nil, err
		}
	}
	if check != nil {
		if err := check(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func compileParam(name, src string) (*fhirpath.Expression, error) {
	if src == "" {
		return nil, nil
	}
	e, err := fhirpath.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("%s: bad FHIRPath: %v", name, err)
	}
	return e, nil
}

func (r *run) reportVals(rule *Rule, n *tree.Node, vals map[string]string) {
	path := n.Path()
	vals["path"] = path
	vals["event"] = r.in.Event
	vals["lifecycle"] = r.in.Lifecycle
	r.addFinding(rule, n, path, expandMessage(rule.Message, func(name string) (string, bool) {
		v, ok := vals[name]
		return v, ok
	}))
}

// --- identifiers -----------------------------------------------------------

func runNHSNumber(r *run, rule *Rule, _ *tree.Node, items []*tree.Node) {
	for _, n := range items {
		if err := nhsid.CheckNHSNumber(n.Value); err != nil {
			r.reportVals(rule, n, map[string]string{"found": quote(n.Value), "expected": "10 digits with a valid modulus-11 check digit", "problem": err.Error()})
		}
	}
}

type uuidParams struct {
	Form string `json:"form"`
}

func parseUUID(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *uuidParams) error {
		if p.Form == "" {
			p.Form = "bare"
		}
		if p.Form != "bare" && p.Form != "urn" {
			return fmt.Errorf("form is %q; expected bare or urn", p.Form)
		}
		return nil
	})
}

func runUUID(r *run, rule *Rule, _ *tree.Node, items []*tree.Node) {
	p := rule.params.(*uuidParams)
	for _, n := range items {
		check, exp := nhsid.CheckUUID, "a UUID (8-4-4-4-12 hex digits)"
		if p.Form == "urn" {
			check, exp = nhsid.CheckURNUUID, "urn:uuid: and a lower-case UUID"
		}
		if err := check(n.Value); err != nil {
			r.reportVals(rule, n, map[string]string{"found": quote(n.Value), "expected": exp, "problem": err.Error()})
		}
	}
}

type odsParams struct {
	Kind   string `json:"kind"`
	Prefix string `json:"prefix"`
}

func parseODS(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *odsParams) error {
		if p.Kind == "" {
			p.Kind = "organisation"
		}
		if p.Kind != "organisation" && p.Kind != "site" {
			return fmt.Errorf("kind is %q; expected organisation or site", p.Kind)
		}
		return nil
	})
}

func runODS(r *run, rule *Rule, _ *tree.Node, items []*tree.Node) {
	p := rule.params.(*odsParams)
	for _, n := range items {
		v := n.Value
		if p.Prefix != "" {
			if !strings.HasPrefix(v, p.Prefix) {
				continue // the prefix itself is a pattern rule's business
			}
			v = strings.TrimPrefix(v, p.Prefix)
		}
		check := nhsid.CheckODSOrganisationCode
		if p.Kind == "site" {
			check = nhsid.CheckODSSiteCode
		}
		if err := check(v); err != nil {
			r.reportVals(rule, n, map[string]string{"found": quote(v), "expected": "an ODS " + p.Kind + " code", "problem": err.Error()})
		}
	}
}

// --- criteria --------------------------------------------------------------

func runCriteria(r *run, rule *Rule, _ *tree.Node, items []*tree.Node) {
	for _, n := range items {
		_, fs := r.rs.crit.Parse(n.Value)
		for _, cf := range fs {
			f := cf.Issue
			f.Message = fmt.Sprintf("criteria, column %d: %s", cf.Column, cf.Message)
			f.Offset, f.Length = 0, 0 // cf's are in the criteria string
			r.out = append(r.out, tree.IssueAt(f, n))
		}
	}
}

// eventLifecycle gathers the life-cycle states of event types from the
// event-code-in rules, for the criteria checker (4.2 applies to
// subscriptions too).
func (rs *RuleSet) eventLifecycle() map[string]criteria.EventLifecycle {
	out := map[string]criteria.EventLifecycle{}
	for _, r := range rs.Rules() {
		p, ok := r.params.(*eventCodeInParams)
		if !ok || r.Check.Name != "event-code-in" {
			continue
		}
		var st criteria.LifecycleState
		switch p.State {
		case "deprecated":
			st = criteria.Deprecated
		case "no-longer-supported":
			st = criteria.NoLongerSupported
		case "withdrawn":
			st = criteria.Withdrawn
		default:
			continue
		}
		for _, c := range p.Codes {
			out[c] = criteria.EventLifecycle{State: st, Note: p.Notes[c]}
		}
	}
	return out
}

// --- routing demographics ----------------------------------------------------

type routingParams struct {
	Parts   []string `json:"parts"`
	Patient string   `json:"patient"`
	patient *fhirpath.Expression
}

func parseRouting(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *routingParams) error {
		if len(p.Parts) == 0 {
			p.Parts = []string{"nhsNumber", "name", "birthDate"}
		}
		for _, s := range p.Parts {
			if s != "nhsNumber" && s != "name" && s != "birthDate" {
				return fmt.Errorf("parts: %q is not nhsNumber, name or birthDate", s)
			}
		}
		var err error
		p.patient, err = compileParam("patient", p.Patient)
		return err
	})
}

// subjectPatient is the Patient an event message is about: the focus when
// it is a Patient, else the focus's subject or patient, else the only
// Patient of the Bundle.
func (r *run) subjectPatient() *tree.Node {
	if r.focus != nil {
		if r.focus.Type == "Patient" {
			return r.focus
		}
		for _, name := range []string{"subject", "patient"} {
			if t := r.lookupReference(r.focus.Child(name)); t != nil && t.Type == "Patient" {
				return t
			}
		}
	}
	var only *tree.Node
	if r.root.Type == "Bundle" {
		for _, e := range r.root.Children {
			if e.Name != "entry" {
				continue
			}
			if res := e.Child("resource"); res != nil && res.Type == "Patient" {
				if only != nil {
					return nil
				}
				only = res
			}
		}
	}
	return only
}

func runRouting(r *run, rule *Rule, at *tree.Node, _ []*tree.Node) {
	p := rule.params.(*routingParams)
	rd := firstExtension(at, ExtRoutingDemographics)
	if rd == nil {
		return // presence is G08's business
	}
	patient := r.patient
	if p.patient != nil {
		patient = nil
		if col, ok := r.eval(rule, p.patient, at, r.root); ok && len(col) > 0 {
			patient = treepath.TreeNode(col[0])
		}
	}
	if patient == nil {
		return
	}
	for _, part := range p.Parts {
		switch part {
		case "nhsNumber":
			sub := firstExtension(rd, "nhsNumber")
			if sub == nil {
				continue
			}
			v := sub.Child("valueIdentifier")
			if v == nil {
				continue
			}
			got := valueOf(v.Child("value"))
			want, _ := patientNHSNumber(patient)
			if want != "" && got != "" && got != want {
				r.reportVals(rule, v, map[string]string{"part": "NHS number", "found": got, "expected": want})
			}
		case "name":
			sub := firstExtension(rd, "name")
			if sub == nil || sub.Child("valueHumanName") == nil {
				continue
			}
			hn := sub.Child("valueHumanName")
			pn := patientName(patient)
			if pn == nil {
				continue
			}
			gf, gg := nameParts(hn)
			wf, wg := nameParts(pn)
			if !strings.EqualFold(gf, wf) || (gg != "" && wg != "" && !strings.EqualFold(gg, wg)) {
				r.reportVals(rule, hn, map[string]string{"part": "name", "found": strings.TrimSpace(gg + " " + gf), "expected": strings.TrimSpace(wg + " " + wf)})
			}
		case "birthDate":
			sub := firstExtension(rd, "birthDateTime")
			if sub == nil || sub.Child("valueDateTime") == nil {
				continue
			}
			v := sub.Child("valueDateTime")
			bd := patient.Child("birthDate")
			if bd == nil || !bd.HasValue {
				continue
			}
			if datePart(v.Value) != datePart(bd.Value) {
				r.reportVals(rule, v, map[string]string{"part": "birth date", "found": v.Value, "expected": bd.Value})
			}
		}
	}
}

func patientNHSNumber(p *tree.Node) (string, *tree.Node) {
	for _, id := range p.Children {
		if id.Name == "identifier" && valueOf(id.Child("system")) == nhsid.SystemNHSNumber {
			return valueOf(id.Child("value")), id
		}
	}
	return "", nil
}

// patientName is the official name, else the first name.
func patientName(p *tree.Node) *tree.Node {
	var first *tree.Node
	for _, n := range p.Children {
		if n.Name != "name" {
			continue
		}
		if valueOf(n.Child("use")) == "official" {
			return n
		}
		if first == nil {
			first = n
		}
	}
	return first
}

func nameParts(hn *tree.Node) (family, given string) {
	family = strings.TrimSpace(valueOf(hn.Child("family")))
	if g := hn.Child("given"); g != nil {
		given = strings.TrimSpace(g.Value)
	}
	return
}

// datePart is the YYYY-MM-DD (or shorter) head of a date or dateTime.
func datePart(s string) string {
	if i := strings.IndexByte(s, 'T'); i >= 0 {
		return s[:i]
	}
	return s
}

// --- references --------------------------------------------------------------

type refTargetParams struct {
	Types    []string `json:"types"`
	InBundle bool     `json:"inBundle"`
	// TypeOnly judges only references that resolve: one that does not is
	// left to the rule that checks resolution (G21), so a dangling
	// reference is reported once.
	TypeOnly bool `json:"typeOnly"`
	// expected is what a finding says was expected.
	expected string
}

func parseRefTarget(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *refTargetParams) error {
		p.expected = "a resource in the Bundle"
		if len(p.Types) > 0 {
			p.expected = "a " + strings.Join(p.Types, " or ") + " in the Bundle"
		}
		return nil
	})
}

func runRefTarget(r *run, rule *Rule, _ *tree.Node, items []*tree.Node) {
	p := rule.params.(*refTargetParams)
	exp := p.expected
	for _, n := range items {
		ref := valueOf(n.Child("reference"))
		if n.HasValue { // a reference given as a plain string
			ref = n.Value
		}
		if ref == "" {
			continue
		}
		t := r.lookup(ref, n)
		if t == nil {
			if p.TypeOnly {
				continue
			}
			if p.InBundle || strings.HasPrefix(ref, "urn:") || strings.HasPrefix(ref, "#") {
				r.reportVals(rule, n, map[string]string{"found": ref + " (not in the Bundle)", "expected": exp})
			}
			continue
		}
		if len(p.Types) > 0 && !matchAny(p.Types, t.Type) {
			at := n
			if c := n.Child("reference"); c != nil && p.TypeOnly {
				// Where the base STU3 reference-type check reports, so that
				// a rule restating it is reported once.
				at = c
			}
			r.reportVals(rule, at, map[string]string{"found": ref + " (a " + t.Type + ")", "expected": exp})
		}
	}
}

// --- lifecycle -----------------------------------------------------------------

type lifecycleParams struct {
	Allowed  []string `json:"allowed"`
	CodeOnly bool     `json:"codeOnly"`
}

func parseLifecycle(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *lifecycleParams) error {
		if len(p.Allowed) == 0 {
			return errors.New("allowed: give the lifecycle codes allowed")
		}
		return nil
	})
}

func runLifecycle(r *run, rule *Rule, at *tree.Node, _ []*tree.Node) {
	p := rule.params.(*lifecycleParams)
	rep := func(n *tree.Node, found, expected string) {
		r.reportVals(rule, n, map[string]string{"found": found, "expected": expected})
	}
	ext, second, count := extensionCount(at, ExtMessageEventType)
	if ext == nil {
		if !p.CodeOnly {
			found := "no messageEventType extension"
			if firstExtension(at, legacyExtMessageEvent) != nil {
				found = "the legacy extension " + legacyExtMessageEvent
			}
			rep(at, found, "one extension "+ExtMessageEventType)
		}
		return
	}
	if count > 1 && !p.CodeOnly {
		rep(second, strconv.Itoa(count)+" messageEventType extensions", "exactly one")
	}
	cc := ext.Child("valueCodeableConcept")
	var coding *tree.Node
	if cc != nil {
		coding = cc.Child("coding")
	}
	if coding == nil {
		if !p.CodeOnly {
			rep(ext, "no valueCodeableConcept.coding", "a coding of "+SystemMessageEventType)
		}
		return
	}
	if !p.CodeOnly {
		if sys := valueOf(coding.Child("system")); sys != SystemMessageEventType {
			rep(coding, "system "+quote(sys), "system "+SystemMessageEventType)
		}
		if d := coding.Child("display"); d == nil || strings.TrimSpace(d.Value) == "" {
			rep(coding, "no display", "a display")
		}
	}
	code := valueOf(coding.Child("code"))
	if !matchAny(p.Allowed, code) {
		n := coding.Child("code")
		if n == nil {
			n = coding
		}
		rep(n, "code "+quote(code), strings.Join(p.Allowed, ", "))
	}
}

// --- dates ------------------------------------------------------------------------

type dateOrderParams struct {
	Earlier string `json:"earlier"`
	Later   string `json:"later"`
	e, l    *fhirpath.Expression
}

func parseDateOrder(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *dateOrderParams) error {
		if p.Earlier == "" || p.Later == "" {
			return errors.New("earlier and later are both required")
		}
		var err error
		if p.e, err = compileParam("earlier", p.Earlier); err != nil {
			return err
		}
		p.l, err = compileParam("later", p.Later)
		return err
	})
}

func firstNode(c fhirpath.Collection) *tree.Node {
	for _, it := range c {
		if n := treepath.TreeNode(it); n != nil && n.HasValue {
			return n
		}
	}
	return nil
}

func runDateOrder(r *run, rule *Rule, at *tree.Node, _ []*tree.Node) {
	p := rule.params.(*dateOrderParams)
	ec, ok1 := r.eval(rule, p.e, at, r.root)
	lc, ok2 := r.eval(rule, p.l, at, r.root)
	if !ok1 || !ok2 {
		return
	}
	e, l := firstNode(ec), firstNode(lc)
	if e == nil || l == nil {
		return
	}
	if cmp, ok := compareDates(e.Value, l.Value); ok && cmp > 0 {
		r.reportVals(rule, l, map[string]string{"found": l.Value, "expected": "not before " + e.Value})
	}
}

// compareDates compares two FHIR dates or dateTimes at the precision they
// share: instants as instants, otherwise by their common date prefix.
func compareDates(a, b string) (int, bool) {
	// RFC 3339 needs the T: a date alone is not tried, as the failed
	// parse costs an error.
	if strings.IndexByte(a, 'T') >= 0 && strings.IndexByte(b, 'T') >= 0 {
		ta, errA := time.Parse(time.RFC3339, a)
		tb, errB := time.Parse(time.RFC3339, b)
		if errA == nil && errB == nil {
			return ta.Compare(tb), true
		}
	}
	da, db := datePart(a), datePart(b)
	n := min(len(da), len(db))
	if n < 4 {
		return 0, false
	}
	return strings.Compare(da[:n], db[:n]), true
}

type ageRangeParams struct {
	BirthDate string `json:"birthDate"`
	At        string `json:"at"`
	MinYears  *int   `json:"minYears"`
	MaxYears  *int   `json:"maxYears"`
	bd, at    *fhirpath.Expression
}

func parseAgeRange(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *ageRangeParams) error {
		if p.BirthDate == "" || (p.MinYears == nil && p.MaxYears == nil) {
			return errors.New("birthDate and one of minYears, maxYears are required")
		}
		var err error
		if p.bd, err = compileParam("birthDate", p.BirthDate); err != nil {
			return err
		}
		p.at, err = compileParam("at", p.At)
		return err
	})
}

// ageInYears is the number of whole years from birth to at.
func ageInYears(birth, at time.Time) int {
	y := at.Year() - birth.Year()
	if at.Month() < birth.Month() || (at.Month() == birth.Month() && at.Day() < birth.Day()) {
		y--
	}
	return y
}

func parseDay(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", datePart(s))
	return t, err == nil
}

func runAgeRange(r *run, rule *Rule, at *tree.Node, _ []*tree.Node) {
	p := rule.params.(*ageRangeParams)
	bc, ok := r.eval(rule, p.bd, at, r.root)
	if !ok {
		return
	}
	bn := firstNode(bc)
	if bn == nil {
		return
	}
	birth, ok := parseDay(bn.Value)
	if !ok {
		return
	}
	when := r.in.Now
	if p.at != nil {
		ac, ok := r.eval(rule, p.at, at, r.root)
		if !ok {
			return
		}
		an := firstNode(ac)
		if an == nil {
			return
		}
		if when, ok = parseDay(an.Value); !ok {
			return
		}
	}
	age := ageInYears(birth, when)
	lo, hi := "0", "*"
	bad := false
	if p.MinYears != nil {
		lo = strconv.Itoa(*p.MinYears)
		bad = bad || age < *p.MinYears
	}
	if p.MaxYears != nil {
		hi = strconv.Itoa(*p.MaxYears)
		bad = bad || age > *p.MaxYears
	}
	if bad {
		r.reportVals(rule, bn, map[string]string{"found": strconv.Itoa(age) + " years", "expected": lo + ".." + hi + " years"})
	}
}

// guideDateTime and guideDate read the guide's dateTime regex (5.9) and
// its date-only form, as TestGuideDateFormsAreTheRegex states them:
//
//	^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$
//
// by hand, as the regular expression cost more than the rest of the check.
func guideDateTime(s string) bool {
	rest, ok := guideDatePart(s)
	if !ok || rest == "" {
		return ok
	}
	// A time only after a full date.
	if len(s)-len(rest) != 10 || rest[0] != 'T' || len(rest) < 10 {
		return false
	}
	t := rest[1:]
	if !twoDigits(t[0:2], 0, 23) || t[2] != ':' || !twoDigits(t[3:5], 0, 59) || t[5] != ':' || !twoDigits(t[6:8], 0, 60) {
		return false
	}
	t = t[8:]
	if t != "" && t[0] == '.' {
		i := 1
		for i < len(t) && isDigit(t[i]) {
			i++
		}
		if i == 1 {
			return false
		}
		t = t[i:]
	}
	switch {
	case t == "Z":
		return true
	case len(t) == 6 && (t[0] == '+' || t[0] == '-') && t[3] == ':':
		if t[1:] == "14:00" {
			return true
		}
		return twoDigits(t[1:3], 0, 13) && twoDigits(t[4:6], 0, 59)
	}
	return false
}

func guideDate(s string) bool {
	rest, ok := guideDatePart(s)
	return ok && rest == ""
}

// guideDatePart reads YYYY, YYYY-MM or YYYY-MM-DD from the start of s (a
// year of four digits, not 0000) and returns what follows.
func guideDatePart(s string) (rest string, ok bool) {
	if len(s) < 4 || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) || s[:4] == "0000" {
		return "", false
	}
	s = s[4:]
	if s == "" || s[0] != '-' {
		return s, s == "" || s[0] == 'T'
	}
	if len(s) < 3 || !twoDigits(s[1:3], 1, 12) {
		return "", false
	}
	s = s[3:]
	if s == "" || s[0] != '-' {
		return s, s == "" || s[0] == 'T'
	}
	if len(s) < 3 || !twoDigits(s[1:3], 1, 31) {
		return "", false
	}
	return s[3:], true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// twoDigits reports whether s is two digits with a value from lo to hi.
func twoDigits(s string, lo, hi int) bool {
	if len(s) != 2 || !isDigit(s[0]) || !isDigit(s[1]) {
		return false
	}
	v := int(s[0]-'0')*10 + int(s[1]-'0')
	return lo <= v && v <= hi
}

func runDateTimeFormat(r *run, rule *Rule, at *tree.Node, _ []*tree.Node) {
	for _, n := range r.temporals(at) {
		var ok bool
		var exp string
		switch n.Type {
		case "dateTime":
			ok, exp = guideDateTime(n.Value), "YYYY, YYYY-MM, YYYY-MM-DD or a full date-time with seconds and a zone of at most ±14:00"
		case "instant":
			ok, exp = guideDateTime(n.Value) && strings.Contains(n.Value, "T"), "a full date-time with seconds and a zone"
		case "date":
			ok, exp = guideDate(n.Value), "YYYY, YYYY-MM or YYYY-MM-DD"
		default:
			continue
		}
		if !ok {
			r.reportVals(rule, n, map[string]string{"found": quote(n.Value), "expected": exp})
		}
	}
}

// --- structure ------------------------------------------------------------------

func runElementOrder(r *run, rule *Rule, at *tree.Node, _ []*tree.Node) {
	if strings.EqualFold(r.in.Format, "json") {
		return // JSON has no element order
	}
	for _, n := range r.subtree(at) {
		if len(n.Children) < 2 {
			continue // nothing to be out of order
		}
		var prev *tree.Node
		for _, c := range n.Children {
			if c.Elem == nil || c.IsAttr() {
				continue
			}
			if prev != nil && c.Elem.Index < prev.Elem.Index {
				r.reportVals(rule, c, map[string]string{"found": "<" + c.Name + "> after <" + prev.Name + ">", "expected": "<" + c.Name + "> before <" + prev.Name + ">"})
				continue
			}
			prev = c
		}
	}
}

type entryIdentityParams struct {
	Part string `json:"part"`
}

func parseEntryIdentity(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *entryIdentityParams) error {
		switch p.Part {
		case "fullUrl", "id", "references":
			return nil
		}
		return fmt.Errorf("part is %q; expected fullUrl, id or references", p.Part)
	})
}

func runEntryIdentity(r *run, rule *Rule, at *tree.Node, _ []*tree.Node) {
	p := rule.params.(*entryIdentityParams)
	if at.Type != "Bundle" {
		return
	}
	switch p.Part {
	case "fullUrl":
		for _, e := range at.Children {
			if e.Name != "entry" {
				continue
			}
			fu := e.Child("fullUrl")
			if fu == nil {
				r.reportVals(rule, e, map[string]string{"found": "no fullUrl", "expected": "urn:uuid:<uuid>"})
				continue
			}
			if err := nhsid.CheckURNUUID(fu.Value); err != nil {
				r.reportVals(rule, fu, map[string]string{"found": quote(fu.Value), "expected": "urn:uuid:<uuid>", "problem": err.Error()})
			}
		}
	case "id":
		for _, e := range at.Children {
			if e.Name != "entry" {
				continue
			}
			fu, res := e.Child("fullUrl"), e.Child("resource")
			if fu == nil || res == nil {
				continue
			}
			want := strings.TrimPrefix(fu.Value, nhsid.URNUUIDPrefix)
			if nhsid.CheckUUID(want) != nil {
				continue
			}
			id := res.Child("id")
			if id == nil || !strings.EqualFold(id.Value, want) {
				n := res
				got := "no id"
				if id != nil {
					n, got = id, quote(id.Value)
				}
				r.reportVals(rule, n, map[string]string{"found": got, "expected": quote(want) + " (from fullUrl)"})
			}
		}
	case "references":
		for _, n := range r.references(at) {
			if strings.HasPrefix(n.Value, nhsid.URNUUIDPrefix) && r.lookup(n.Value, n) == nil {
				r.reportVals(rule, n, map[string]string{"found": n.Value, "expected": "the fullUrl of an entry of the Bundle"})
			}
		}
	}
}

// --- transport ----------------------------------------------------------------------

type maxSizeParams struct {
	Bytes int64 `json:"bytes"`
}

func parseMaxSize(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *maxSizeParams) error {
		if p.Bytes <= 0 {
			return errors.New("bytes must be positive")
		}
		return nil
	})
}

func runMaxSize(r *run, rule *Rule, at *tree.Node, _ []*tree.Node) {
	p := rule.params.(*maxSizeParams)
	if r.in.Size > p.Bytes {
		r.reportVals(rule, at, map[string]string{"found": strconv.FormatInt(r.in.Size, 10) + " bytes", "expected": "at most " + strconv.FormatInt(p.Bytes, 10) + " bytes"})
	}
}

type contentTypeParams struct {
	Accepted []string `json:"accepted"`
}

func parseContentType(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *contentTypeParams) error {
		if len(p.Accepted) == 0 {
			return errors.New("accepted: give the accepted media types")
		}
		return nil
	})
}

func runContentType(r *run, rule *Rule, at *tree.Node, _ []*tree.Node) {
	p := rule.params.(*contentTypeParams)
	if r.in.ContentType == "" {
		return
	}
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(r.in.ContentType, ";", 2)[0]))
	for _, a := range p.Accepted {
		if strings.EqualFold(a, mt) {
			return
		}
	}
	r.reportVals(rule, at, map[string]string{"found": quote(r.in.ContentType), "expected": strings.Join(p.Accepted, ", ")})
}

type rootTypeParams struct {
	Type string `json:"type"`
}

func parseRootType(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *rootTypeParams) error {
		if p.Type == "" {
			return errors.New("type is required")
		}
		return nil
	})
}

func runRootType(r *run, rule *Rule, _ *tree.Node, _ []*tree.Node) {
	p := rule.params.(*rootTypeParams)
	if r.root.Type != p.Type {
		r.reportVals(rule, r.root, map[string]string{"found": r.root.Type, "expected": p.Type})
	}
}

type eventCodeInParams struct {
	State string            `json:"state"`
	Codes []string          `json:"codes"`
	Notes map[string]string `json:"notes"`
}

func parseEventCodeIn(raw json.RawMessage) (any, error) {
	return decode(raw, func(p *eventCodeInParams) error {
		switch p.State {
		case "deprecated", "no-longer-supported", "withdrawn", "unsupported":
			return nil
		}
		return fmt.Errorf("state is %q; expected deprecated, no-longer-supported, withdrawn or unsupported", p.State)
	})
}

func runEventCodeIn(r *run, rule *Rule, at *tree.Node, _ []*tree.Node) {
	p := rule.params.(*eventCodeInParams)
	if r.header == nil {
		return
	}
	ev := r.header.Child("event")
	if ev == nil {
		return
	}
	code := ev.Child("code")
	// An empty list means no event type is in this state (matchAny would
	// read it as "any").
	if code == nil || len(p.Codes) == 0 || !matchAny(p.Codes, code.Value) {
		return
	}
	r.reportVals(rule, code, map[string]string{"found": code.Value, "expected": "an event type that is not " + p.State, "note": p.Notes[code.Value]})
}
