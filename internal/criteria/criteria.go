package criteria

// Kind says whether a subscription is for one patient or rule-based.
type Kind int

// The kinds of subscription (spec 7.1). KindUnknown is the kind of a
// criteria string that has neither Patient.identifier nor
// subscriptionRuleType, or both.
const (
	KindUnknown Kind = iota
	KindExplicit
	KindGeneric
)

func (k Kind) String() string {
	switch k {
	case KindExplicit:
		return "explicit"
	case KindGeneric:
		return "generic"
	}
	return "unknown"
}

// AgeRange holds the Patient.age bounds, in whole years at the time of the
// event: a patient matches when age > GT (if HasGT) and age < LT (if HasLT).
type AgeRange struct {
	GT, LT       int
	HasGT, HasLT bool
}

// Matches reports whether a patient aged age years meets the bounds. A range
// without bounds matches everyone.
func (a AgeRange) Matches(age int) bool {
	return (!a.HasGT || age > a.GT) && (!a.HasLT || age < a.LT)
}

// Component is one name=value pair of the criteria string, after
// percent-decoding.
type Component struct {
	Name     string // component name without modifier, e.g. "Patient.age"
	Modifier string // text after ':' in the name, "" when none
	Value    string
	// Offset and Length give the byte range of the whole raw component in
	// the criteria string; ValueOffset is where its raw value starts.
	Offset, Length, ValueOffset int
}

// Criteria is a parsed Subscription.criteria. Its fields hold what the
// string says, valid or not: a wrong NHS number is still in NHSNumber. The
// Findings returned with it say what is wrong. When a single-valued
// component is repeated, the fields hold the first occurrence.
type Criteria struct {
	Kind Kind
	Path string // text before '?', "/Bundle" when valid
	Type string // value of type, "message" when valid

	ServiceType string
	// NHSNumberSystem and NHSNumber are the two halves of
	// Patient.identifier (explicit subscriptions).
	NHSNumberSystem, NHSNumber string
	// Events are the MessageHeader.event codes in order, without system.
	Events         []string
	Age            AgeRange
	GPRegistration string
	// RuleType is subscriptionRuleType (generic subscriptions).
	RuleType string
	// OrganizationSystem and Organization are Organization.identifier;
	// the system is empty when the value is a bare code, as in the guide.
	OrganizationSystem, Organization string
	Tag                              string

	// Components lists every component in order, known or not.
	Components []Component
}

// LifecycleState is the life-cycle state of an event type (spec 4.2).
type LifecycleState int

// The life-cycle states of an event type.
const (
	Active LifecycleState = iota
	Deprecated
	NoLongerSupported
	Withdrawn
)

// EventLifecycle is the state of one event type and the text NEMS adds to
// its notice (dates and a link), which ends up in the finding's message.
type EventLifecycle struct {
	State LifecycleState
	Note  string
}

// Options configure a [Checker].
type Options struct {
	// Lifecycle gives the life-cycle state of event types by EventType-1
	// code. Codes not listed are active. The guide (2.15.0) lists no event
	// type as deprecated, so the default is empty; set it when NHS England
	// announces a deprecation. A withdrawn code need not be one of the ten
	// supported codes.
	Lifecycle map[string]EventLifecycle
}

// MaxLength is the longest criteria string parsed, in bytes. The guide sets
// no limit; 8 KiB is the usual limit of HTTP servers for a URL and far
// above any real criteria (all ten events in one explicit subscription take
// under 500 bytes).
const MaxLength = 8 << 10

// Checker parses and checks criteria strings. It is safe for concurrent use.
type Checker struct {
	lifecycle map[string]EventLifecycle
}

// New returns a Checker with the given options.
func New(opts Options) *Checker {
	c := &Checker{lifecycle: make(map[string]EventLifecycle, len(opts.Lifecycle))}
	for code, l := range opts.Lifecycle {
		c.lifecycle[code] = l
	}
	return c
}

var defaultChecker = New(Options{})

// Parse parses and checks a criteria string with the default options (no
// deprecated event types). The string is the decoded value of
// Subscription.criteria: in XML the attribute's "&amp;" already turned into
// "&". Parse never fails; problems are reported as findings, and the
// returned Criteria is never nil.
func Parse(criteria string) (*Criteria, Findings) {
	return defaultChecker.Parse(criteria)
}

// Parse parses and checks a criteria string; see the package function
// [Parse].
func (c *Checker) Parse(criteria string) (*Criteria, Findings) {
	p := &parser{chk: c, src: criteria, crit: &Criteria{}}
	p.run()
	p.finish()
	return p.crit, p.out
}
