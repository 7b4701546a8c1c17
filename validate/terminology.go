package validate

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/profiles/structuredef"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// Rule ids of the offline terminology checks.
const (
	// RuleCodeSystem is a code that its code system, held in full, does
	// not define.
	RuleCodeSystem = "fhir:code-system"
	// RuleDisplay is a display that is not the code system's for the code.
	RuleDisplay = "fhir:display"
	// RuleTerminologyOffline names, once per run, a code system whose codes
	// were met but cannot be checked offline, or a bound value set that
	// cannot be expanded offline.
	RuleTerminologyOffline = "fhir:terminology-offline"
)

// terminology checks codes against what is known offline: the value sets
// and code systems of the STU3 package and of the NHS assets
// (schemas.STU3Terminology, beside the required value sets of the model)
// and those loaded with Options.IG.
//
// Severities follow the reference validator: a code outside a value set
// bound extensible is a warning, preferred information, example nothing
// (required bindings stay errors, in structure.binding); a code that a
// code system held in full does not define is an error. A wrong display is
// a warning, as the reference gives it with -display-issues-are-warnings
// and as validators of the STU3 era did (the current reference defaults to
// error): a display is for people and does not change what the code means.
type terminology struct {
	term *schemas.Terminology
	ig   *structuredef.Registry // nil without Options.IG
	// required caches the model's value set of each required binding
	// (*schemas.Binding -> *schemas.ValueSet, nil kept): the model's
	// look-up hashes the URL and builds a label every time.
	required sync.Map
	// systems caches the package's code systems by URL (string ->
	// *schemas.CodeSystem), for the same reason.
	systems sync.Map
}

// codeSystem is t.term.CodeSystem(url), remembered when the package holds
// the code system (a bounded set; a URL it lacks is asked again).
func (t *terminology) codeSystem(url string) *schemas.CodeSystem {
	if cs, ok := t.systems.Load(url); ok {
		return cs.(*schemas.CodeSystem)
	}
	cs := t.term.CodeSystem(url)
	if cs != nil {
		t.systems.Store(url, cs)
	}
	return cs
}

// requiredValueSet is m.ValueSet(b.ValueSet), remembered per binding.
func (t *terminology) requiredValueSet(m *schemas.Model, b *schemas.Binding) *schemas.ValueSet {
	if vs, ok := t.required.Load(b); ok {
		return vs.(*schemas.ValueSet)
	}
	vs := m.ValueSet(b.ValueSet)
	t.required.Store(b, vs)
	return vs
}

// binding checks a coded element bound with strength extensible or
// preferred against the value set, when its members are all known.
func (t *terminology) binding(s *structure, n *tree.Node, b *schemas.Binding) {
	sev := SeverityWarning
	switch b.Strength {
	case "extensible":
	case "preferred":
		sev = SeverityInformation
	default:
		return // example bindings are not judged, nor by the reference
	}
	var codes [][2]string // system, code
	switch n.Type {
	case "code":
		if n.HasValue && n.Value != "" {
			codes = append(codes, [2]string{"", n.Value})
		}
	case "Coding":
		if c, ok := codingOfNode(n); ok {
			codes = append(codes, c)
		}
	case "CodeableConcept":
		for _, cn := range n.ChildrenNamed("coding") {
			if c, ok := codingOfNode(cn); ok {
				codes = append(codes, c)
			}
		}
	}
	if len(codes) == 0 {
		return // text alone is allowed with these strengths
	}
	for _, c := range codes {
		in, judged := t.inValueSet(b.ValueSet, c[0], c[1])
		if in {
			return
		}
		if !judged {
			// Not every member is known: the run says so.
			s.uncheckedValueSet(b.ValueSet, t.reason(b.ValueSet))
			return
		}
	}
	shown := make([]string, len(codes))
	for i, c := range codes {
		shown[i] = strconv.Quote(c[1])
		if c[0] != "" {
			shown[i] = c[0] + "|" + c[1]
		}
	}
	what := "a code from it should be used unless none fits"
	if b.Strength == "preferred" {
		what = "a code from it is recommended"
	}
	msg := strings.Join(shown, ", ") + " is not in the value set " + b.ValueSet + ", bound " + b.Strength + ": " + what
	if len(codes) > 1 {
		msg = "none of the codings " + strings.Join(shown, ", ") + " is in the value set " + b.ValueSet + ", bound " + b.Strength + ": " + what
	}
	s.add(n, sev, "code-invalid", SpineInvalidCodeValue, RuleBinding, msg)
}

// inValueSet looks a code up in a value set: first the package's (the model
// holds the required ones, the terminology the others), then those loaded
// with Options.IG.
func (t *terminology) inValueSet(url, system, code string) (in, judged bool) {
	vs := t.term.ValueSet(url)
	if t.ig != nil && (vs == nil || t.ig.HoldsValueSet(url)) {
		return t.ig.InValueSet(url, system, code)
	}
	if vs == nil || !vs.Complete {
		return false, false
	}
	if system == "" {
		return vs.ContainsCode(code), true
	}
	return vs.Contains(system, code), true
}

// reason says why a value set cannot be expanded offline, when the
// package knows.
func (t *terminology) reason(url string) string {
	if vs := t.term.ValueSet(url); vs != nil {
		return vs.Reason
	}
	if t.ig != nil && t.ig.HoldsValueSet(url) {
		return "" // loaded with the IG, drawing on what is not loaded in full
	}
	return "the package does not define it"
}

// uncheckedValueSet records a value set whose members are not all known
// offline, met with a code to judge; the run reports it once.
func (s *structure) uncheckedValueSet(url, reason string) {
	if s.uncheckedVS == nil {
		return
	}
	if i := strings.IndexByte(url, '|'); i >= 0 {
		url = url[:i]
	}
	if reason == "" {
		reason = "not every member is known offline"
	}
	s.uncheckedVS[url] = reason
}

// coding checks one Coding against its code system, when the package or
// Options.IG holds it in full: the code must be one of its concepts and
// the display, if any, the concept's. A system held nowhere is recorded in
// unchecked, to be reported once per run.
func (t *terminology) coding(s *structure, n *tree.Node, unchecked map[string]bool) {
	sys := n.Child("system")
	if sys == nil || !sys.HasValue || sys.Value == "" {
		return
	}
	code := n.Child("code")
	if code == nil || !code.HasValue || code.Value == "" {
		return
	}
	var display string
	var alternatives []string
	var found bool
	held := false
	if t.ig != nil {
		display, found, held = t.ig.CodeSystem(sys.Value, code.Value)
	}
	if !held {
		if unchecked[sys.Value] {
			return // already found held nowhere, in this payload
		}
		cs := t.codeSystem(sys.Value)
		if cs == nil {
			unchecked[sys.Value] = true
			return
		}
		held = true
		var c schemas.Concept
		c, found = cs.Lookup(code.Value)
		display, alternatives = c.Display, c.Designations
	}
	if !found {
		s.add(code, SeverityError, "code-invalid", SpineInvalidCodeValue, RuleCodeSystem,
			"code "+strconv.Quote(code.Value)+" is not defined by the code system "+sys.Value)
		return
	}
	d := n.Child("display")
	if d == nil || !d.HasValue || display == "" {
		return
	}
	if sameDisplay(d.Value, display) {
		return
	}
	for _, a := range alternatives {
		if sameDisplay(d.Value, a) {
			return
		}
	}
	want := strconv.Quote(display)
	for _, a := range alternatives {
		want += " or " + strconv.Quote(a)
	}
	s.add(d, SeverityWarning, "invalid", SpineInvalidCodeValue, RuleDisplay,
		"display "+strconv.Quote(d.Value)+" for "+sys.Value+"|"+code.Value+" should be "+want)
}

// sameDisplay compares displays as the reference does: ignoring case and
// runs of white space.
//
// It compares word by word in place: case folding never maps a letter to
// white space, so the words line up as they would in the two texts joined
// by single spaces.
func sameDisplay(a, b string) bool {
	if a == b {
		return true
	}
	for {
		a = strings.TrimLeftFunc(a, unicode.IsSpace)
		b = strings.TrimLeftFunc(b, unicode.IsSpace)
		if a == "" || b == "" {
			return a == "" && b == ""
		}
		i := strings.IndexFunc(a, unicode.IsSpace)
		if i < 0 {
			i = len(a)
		}
		j := strings.IndexFunc(b, unicode.IsSpace)
		if j < 0 {
			j = len(b)
		}
		if !strings.EqualFold(a[:i], b[:j]) {
			return false
		}
		a, b = a[i:], b[j:]
	}
}

func codingOfNode(n *tree.Node) (c [2]string, ok bool) {
	code := n.Child("code")
	if code == nil || !code.HasValue || code.Value == "" {
		return c, false
	}
	c[1] = code.Value
	if sys := n.Child("system"); sys != nil && sys.HasValue {
		c[0] = sys.Value
	}
	return c, true
}

// offlineSystems counts, over a Validator's run, the payloads carrying
// codes of each code system that cannot be checked offline.
// and the value sets met with codes to judge whose members are not all
// known offline.
type offlineSystems struct {
	mu       sync.Mutex
	payloads map[string]int
	vsCount  map[string]int
	vsReason map[string]string
	overflow int // codes of systems or value sets past maxTracked
}

func (o *offlineSystems) add(systems map[string]bool, valueSets map[string]string) {
	if len(systems) == 0 && len(valueSets) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.payloads == nil {
		o.payloads, o.vsCount, o.vsReason = map[string]int{}, map[string]int{}, map[string]string{}
	}
	for s := range systems {
		if _, known := o.payloads[s]; known || len(o.payloads) < maxTracked {
			o.payloads[s]++
		} else {
			o.overflow++
		}
	}
	for u, why := range valueSets {
		if _, known := o.vsCount[u]; known || len(o.vsCount) < maxTracked {
			o.vsCount[u]++
			o.vsReason[u] = why
		} else {
			o.overflow++
		}
	}
}

// maxTracked bounds the code systems (and the value sets) a Validator
// remembers over its life, as payloads choose the URLs: the rest are only
// counted.
const maxTracked = 512

func payloadCount(n int) string {
	if n == 1 {
		return "1 payload"
	}
	return strconv.Itoa(n) + " payloads"
}

// knownTerminologies names the code systems users meet most, for messages.
var knownTerminologies = map[string]string{
	"http://snomed.info/sct":                      "SNOMED CT",
	"http://loinc.org":                            "LOINC",
	"http://unitsofmeasure.org":                   "UCUM",
	"https://dmd.nhs.uk":                          "dm+d",
	"http://hl7.org/fhir/sid/icd-10":              "ICD-10",
	"urn:ietf:bcp:47":                             "BCP-47 language tags",
	"urn:iso:std:iso:3166":                        "ISO 3166 country codes",
	"http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
}

// UncheckedTerminology returns one information issue per code system whose
// codes the payloads validated so far carried but that cannot be checked
// offline: neither the STU3 package, the built-in NHS assets nor
// Options.IG defines it in full (SNOMED CT, LOINC, ...), so membership and
// display of its codes were not judged; then one per bound value set that could not be expanded offline
// (a filter on SNOMED CT, say) although codes bound to it were met. It is a property of the run rather than of one payload, so it is
// kept here and not repeated in every Result; callers validating many
// payloads report it once at the end. Sorted by system; safe to call at
// any time.
func (v *Validator) UncheckedTerminology() []Issue {
	v.offline.mu.Lock()
	defer v.offline.mu.Unlock()
	systems := make([]string, 0, len(v.offline.payloads))
	for s := range v.offline.payloads {
		systems = append(systems, s)
	}
	sort.Strings(systems)
	out := make([]Issue, 0, len(systems))
	for _, s := range systems {
		name := s
		if k := knownTerminologies[s]; k != "" {
			name = s + " (" + k + ")"
		}
		out = append(out, Issue{
			Severity: SeverityInformation, Code: "informational", Spine: SpineInvalidCodeSystem, Rule: RuleTerminologyOffline,
			Message: "codes of " + name + " in " + payloadCount(v.offline.payloads[s]) + " not checked: neither the STU3 package, the built-in NHS assets nor the IG defines the code system in full, so membership and display are unknown offline",
		})
	}
	vss := make([]string, 0, len(v.offline.vsCount))
	for u := range v.offline.vsCount {
		vss = append(vss, u)
	}
	sort.Strings(vss)
	for _, u := range vss {
		out = append(out, Issue{
			Severity: SeverityInformation, Code: "informational", Spine: SpineInvalidCodeValue, Rule: RuleTerminologyOffline,
			Message: "codes bound to the value set " + u + " in " + payloadCount(v.offline.vsCount[u]) + " not checked for membership: it cannot be expanded offline (" + v.offline.vsReason[u] + ")",
		})
	}
	if n := v.offline.overflow; n > 0 {
		out = append(out, Issue{
			Severity: SeverityInformation, Code: "informational", Spine: SpineInvalidCodeSystem, Rule: RuleTerminologyOffline,
			Message: "codes of " + strconv.Itoa(n) + " more code systems or value sets (past the first " + strconv.Itoa(maxTracked) + " of each) not checked offline",
		})
	}
	return out
}

// hasCode reports whether a coded element carries a code to judge.
func hasCode(n *tree.Node) bool {
	switch n.Type {
	case "Coding":
		_, ok := codingOfNode(n)
		return ok
	case "CodeableConcept":
		for _, c := range n.ChildrenNamed("coding") {
			if _, ok := codingOfNode(c); ok {
				return true
			}
		}
		return false
	default:
		return n.HasValue && n.Value != ""
	}
}
