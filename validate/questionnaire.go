package validate

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/bridge"
	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// RuleQuestionnaire is the check of a QuestionnaireResponse against its
// Questionnaire (STU3 Questionnaire and QuestionnaireResponse pages).
const RuleQuestionnaire = "fhir:questionnaire"

// enableWhenBudget bounds the steps spent choosing, among repeated items
// with the same linkId, the one an enableWhen refers to, so that a hostile
// response cannot make the check quadratic without bound.
const enableWhenBudget = 1 << 20

// checkQuestionnaireResponses checks every QuestionnaireResponse in the
// tree (at the root, in a Bundle, contained) against its Questionnaire
// when that can be found: contained in the response's container, an entry
// of the same Bundle, or loaded with Options.IG. A response whose
// Questionnaire cannot be found says so in one issue.
// The resources are those of the tree in document order, as the structure
// walk met them.
func (v *Validator) checkQuestionnaireResponses(resources []*tree.Node, issues *[]Issue) {
	for _, n := range resources {
		if n.Type == "QuestionnaireResponse" {
			v.checkResponse(n, issues)
		}
	}
}

// qrCheck is the state of one response's check.
type qrCheck struct {
	v      *Validator
	q      *tree.Node // the Questionnaire
	resp   *tree.Node // the QuestionnaireResponse
	issues *[]Issue
	// strict: the response is complete (status completed or amended), so
	// a required item left unanswered is an error rather than a warning.
	strict bool
	// qByLinkID are the Questionnaire's items by linkId, at any depth.
	qByLinkID map[string]*tree.Node
	// rByLinkID are the response's items by linkId, at any depth, for
	// enableWhen.
	rByLinkID map[string][]*tree.Node
	budget    int
	// toldUnknown: the issue that some enableWhen could not be evaluated
	// has been given.
	toldUnknown bool
}

func (v *Validator) checkResponse(qr *tree.Node, issues *[]Issue) {
	add := func(n *tree.Node, sev Severity, code, msg string) {
		*issues = append(*issues, qrIssue(n, sev, code, msg))
	}
	ref := qr.Child("questionnaire")
	refValue := ""
	if ref != nil {
		refValue = childText(ref, "reference")
	}
	if refValue == "" {
		at := qr
		if ref != nil {
			at = ref
		}
		add(at, SeverityInformation, "informational",
			"the QuestionnaireResponse names no Questionnaire by reference, so its items were not checked against one")
		return
	}
	q := v.findQuestionnaire(qr, refValue)
	if q == nil {
		// The reference validator warns here too ("The questionnaire could
		// not be resolved").
		add(ref, SeverityWarning, "not-found", fmt.Sprintf(
			"the Questionnaire %q is neither contained, nor in the same Bundle, nor among the loaded definitions (--ig), so the response was not checked against it", refValue))
		return
	}
	c := &qrCheck{v: v, q: q, resp: qr, issues: issues, budget: enableWhenBudget,
		qByLinkID: map[string]*tree.Node{}, rByLinkID: map[string][]*tree.Node{}}
	switch childText(qr, "status") {
	case "completed", "amended":
		c.strict = true
	}
	var indexQ func(n *tree.Node)
	indexQ = func(n *tree.Node) {
		for _, it := range n.ChildrenNamed("item") {
			if id := childText(it, "linkId"); id != "" {
				if _, dup := c.qByLinkID[id]; !dup {
					c.qByLinkID[id] = it
				}
			}
			indexQ(it)
		}
	}
	indexQ(q)
	var indexR func(n *tree.Node)
	indexR = func(n *tree.Node) {
		for _, it := range n.ChildrenNamed("item") {
			if id := childText(it, "linkId"); id != "" {
				c.rByLinkID[id] = append(c.rByLinkID[id], it)
			}
			indexR(it)
			for _, a := range it.ChildrenNamed("answer") {
				indexR(a)
			}
		}
	}
	indexR(qr)
	c.items(q.ChildrenNamed("item"), qr)
}

func childText(n *tree.Node, name string) string {
	if c := n.Child(name); c != nil {
		return c.Value
	}
	return ""
}

func qrIssue(n *tree.Node, sev Severity, code, msg string) Issue {
	spine := SpineInvalidResource
	if code == "code-invalid" {
		spine = SpineInvalidCodeValue
	}
	return Issue{Severity: sev, Code: code, Spine: spine, Rule: RuleQuestionnaire,
		Path: n.Path(), Line: n.Line, Column: n.Col, Message: msg}
}

func (c *qrCheck) add(n *tree.Node, sev Severity, code, format string, args ...any) {
	*c.issues = append(*c.issues, qrIssue(n, sev, code, fmt.Sprintf(format, args...)))
}

// findQuestionnaire resolves the response's questionnaire reference: "#id"
// among the contained resources of its container; otherwise among the
// entries of the Bundle it is an entry of (by fullUrl, by Type/id as
// bundle.go resolves relative references, or by canonical url); otherwise
// among the Questionnaires loaded with Options.IG.
func (v *Validator) findQuestionnaire(qr *tree.Node, ref string) *tree.Node {
	container := qr
	if qr.Name == "contained" && qr.Parent != nil {
		container = qr.Parent
	}
	if strings.HasPrefix(ref, "#") {
		for _, r := range container.ChildrenNamed("contained") {
			if r.Resource && r.Type == "Questionnaire" && r.ElementID() == ref[1:] {
				return r
			}
		}
		return nil
	}
	if entry := container.Parent; container.Name == "resource" && entry != nil && entry.Name == "entry" &&
		entry.Parent != nil && entry.Parent.Type == "Bundle" {
		if q := questionnaireInBundle(entry.Parent, childText(entry, "fullUrl"), ref); q != nil {
			return q
		}
	}
	if v.ig != nil {
		return bridge.Questionnaire(v.ig, ref)
	}
	return nil
}

func questionnaireInBundle(b *tree.Node, fromFullURL, ref string) *tree.Node {
	plain := stripHistory(ref)
	canon := ref
	if i := strings.IndexByte(canon, '|'); i >= 0 {
		canon = canon[:i]
	}
	relative := !strings.Contains(plain, ":")
	if relative && strings.Contains(fromFullURL, "://") {
		// A relative reference from an entry with a RESTful fullUrl means
		// that server's resource.
		if base, ok := restBase(fromFullURL); ok {
			plain, relative = base+plain, false
		}
	}
	for _, e := range b.ChildrenNamed("entry") {
		r := e.Child("resource")
		if r == nil || !r.Resource || r.Type != "Questionnaire" {
			continue
		}
		switch {
		case childText(e, "fullUrl") == plain,
			relative && plain == "Questionnaire/"+r.ElementID(),
			childText(r, "url") == canon:
			return r
		}
	}
	return nil
}

// items checks the response items under parent (the response, an item or
// an answer) against qItems, the Questionnaire items defined at that place.
func (c *qrCheck) items(qItems []*tree.Node, parent *tree.Node) {
	index := make(map[string]int, len(qItems))
	for i, qi := range qItems {
		if id := childText(qi, "linkId"); id != "" {
			if _, dup := index[id]; !dup {
				index[id] = i
			}
		}
	}
	groups := map[string][]*tree.Node{}
	last, lastID := -1, ""
	for _, ri := range parent.ChildrenNamed("item") {
		id := childText(ri, "linkId")
		if id == "" {
			c.add(ri, SeverityError, "required", "the item has no linkId, so it cannot be checked against the Questionnaire")
			continue
		}
		i, ok := index[id]
		if !ok {
			if c.qByLinkID[id] != nil {
				c.add(ri, SeverityError, "structure", "item %q is in the wrong place: the Questionnaire defines it %s", id, c.placeOf(id))
			} else {
				c.add(ri, SeverityError, "not-found", "linkId %q is not in the Questionnaire", id)
			}
			continue
		}
		if i < last {
			c.add(ri, SeverityError, "structure", "item %q is out of order: the Questionnaire puts it before item %q", id, lastID)
		} else {
			last, lastID = i, id
		}
		groups[id] = append(groups[id], ri)
	}
	for _, qi := range qItems {
		id := childText(qi, "linkId")
		got := groups[id]
		enabled, known := c.enabled(qi, parent)
		if known && !enabled {
			for _, ri := range got {
				if hasAnswerBelow(ri) {
					c.add(ri, SeverityError, "invalid", "item %q is disabled (none of its enableWhen conditions holds), so it must not be answered", id)
				}
			}
		}
		active := enabled && known
		if len(got) == 0 {
			if active && isTrue(qi, "required") {
				c.required(parent, "the required item %q is missing from the response", id)
			}
			continue
		}
		if len(got) > 1 && !isTrue(qi, "repeats") {
			c.add(got[1], SeverityError, "invalid", "item %q appears %d times, but it does not repeat in the Questionnaire", id, len(got))
		}
		for _, ri := range got {
			c.item(qi, ri, active)
		}
	}
}

// placeOf says where the Questionnaire defines the item with linkId id.
func (c *qrCheck) placeOf(id string) string {
	qi := c.qByLinkID[id]
	if p := qi.Parent; p != nil && p.Name == "item" {
		return fmt.Sprintf("under item %q", childText(p, "linkId"))
	}
	return "at the top level"
}

// required reports a required item left out: an error in a completed
// response, a warning in one still in progress (or stopped, or entered in
// error), as the reference validator does for in-progress responses.
func (c *qrCheck) required(n *tree.Node, format string, args ...any) {
	sev := SeverityWarning
	if c.strict {
		sev = SeverityError
	}
	msg := fmt.Sprintf(format, args...)
	if !c.strict {
		msg += " (allowed while the response is not completed)"
	}
	*c.issues = append(*c.issues, qrIssue(n, sev, "required", msg))
}

func isTrue(n *tree.Node, name string) bool { return childText(n, name) == "true" }

// hasAnswerBelow reports whether ri or an item nested in it has an answer.
func hasAnswerBelow(ri *tree.Node) bool {
	for _, ch := range ri.Children {
		switch ch.Name {
		case "answer":
			return true
		case "item":
			if hasAnswerBelow(ch) {
				return true
			}
		}
	}
	return false
}

// item checks one response item against its Questionnaire item qi. active
// is false when the item need not be answered (disabled by enableWhen, or
// its enableWhen could not be evaluated).
func (c *qrCheck) item(qi, ri *tree.Node, active bool) {
	id := childText(qi, "linkId")
	typ := childText(qi, "type")
	answers := ri.ChildrenNamed("answer")
	kids := qi.ChildrenNamed("item")
	switch typ {
	case "group", "display":
		for _, a := range answers {
			c.add(a, SeverityError, "structure", "item %q is of type %s, which takes no answer", id, typ)
		}
		// STU3 Questionnaire.item.required: a required group must contain
		// at least one item.
		if typ == "group" && active && isTrue(qi, "required") && len(ri.ChildrenNamed("item")) == 0 {
			c.required(ri, "the required group %q contains no item", id)
		}
		c.items(kids, ri)
		return
	}
	// STU3 QuestionnaireResponse.item: the items nested in a question go
	// under each of its answers, never directly under the item.
	for _, n := range ri.ChildrenNamed("item") {
		c.add(n, SeverityError, "structure", "item %q is a question (type %s): the items nested in it belong under its answers, not directly under the item", id, typ)
	}
	if active && isTrue(qi, "required") && len(answers) == 0 {
		c.required(ri, "the required item %q has no answer", id)
	}
	if len(answers) > 1 && !isTrue(qi, "repeats") {
		c.add(answers[1], SeverityError, "invalid", "item %q has %d answers, but it does not repeat in the Questionnaire", id, len(answers))
	}
	for _, a := range answers {
		c.answer(qi, typ, a)
		if len(kids) > 0 || len(a.ChildrenNamed("item")) > 0 {
			c.items(kids, a)
		}
	}
}

// answerTypes are the answer value[x] types (the suffix after "value")
// each STU3 item type takes; choice and open-choice add the types of
// their options.
var answerTypes = map[string][]string{
	"boolean":     {"Boolean"},
	"decimal":     {"Decimal"},
	"integer":     {"Integer"},
	"date":        {"Date"},
	"dateTime":    {"DateTime"},
	"time":        {"Time"},
	"string":      {"String"},
	"text":        {"String"},
	"url":         {"Uri"},
	"attachment":  {"Attachment"},
	"reference":   {"Reference"},
	"quantity":    {"Quantity"},
	"choice":      {"Coding"},
	"open-choice": {"Coding", "String"},
}

// valueOf returns the child of n whose name starts with prefix (value[x],
// answer[x]), or nil.
func valueOf(n *tree.Node, prefix string) *tree.Node {
	for _, ch := range n.Children {
		if len(ch.Name) > len(prefix) && strings.HasPrefix(ch.Name, prefix) {
			return ch
		}
	}
	return nil
}

func (c *qrCheck) answer(qi *tree.Node, typ string, a *tree.Node) {
	id := childText(qi, "linkId")
	val := valueOf(a, "value")
	if val == nil {
		return // an answer that only carries nested items
	}
	got := strings.TrimPrefix(val.Name, "value")
	base, ok := answerTypes[typ]
	if !ok {
		// "question" is abstract in STU3, and an unknown type is the
		// Questionnaire's binding error: the answer's type cannot be judged.
		c.add(val, SeverityInformation, "informational", "item %q is of type %q, which names no answer type, so the answer's type was not checked", id, typ)
		return
	}
	allowed := append([]string(nil), base...)
	if typ == "choice" || typ == "open-choice" {
		for _, o := range qi.ChildrenNamed("option") {
			if ov := valueOf(o, "value"); ov != nil {
				t := strings.TrimPrefix(ov.Name, "value")
				if !contains(allowed, t) {
					allowed = append(allowed, t)
				}
			}
		}
	}
	if !contains(allowed, got) {
		want := "value" + allowed[0]
		if len(allowed) > 1 {
			want = "one of value" + strings.Join(allowed, ", value")
		}
		c.add(val, SeverityError, "structure", "the answer to item %q (type %s) must be %s, not %s", id, typ, want, val.Name)
		return
	}
	if typ == "choice" || typ == "open-choice" {
		c.option(qi, typ, val)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// option checks a choice answer against the item's option list or its
// options value set.
func (c *qrCheck) option(qi *tree.Node, typ string, val *tree.Node) {
	id := childText(qi, "linkId")
	open := typ == "open-choice"
	if open && val.Name == "valueString" {
		return // free text is what open-choice adds
	}
	if opts := qi.ChildrenNamed("option"); len(opts) > 0 {
		for _, o := range opts {
			if ov := valueOf(o, "value"); ov != nil && ov.Name == val.Name && sameValue(ov, val) {
				return
			}
		}
		c.add(val, SeverityError, "code-invalid", "%s is not one of the options of item %q", describeValue(val), id)
		return
	}
	vs := qi.Child("options")
	if vs == nil {
		c.add(val, SeverityInformation, "informational", "item %q has neither option nor options, so its answer was not checked against a list", id)
		return
	}
	ref := childText(vs, "reference")
	system, code := childText(val, "system"), childText(val, "code")
	if code == "" {
		if open && system == "" && childText(val, "display") != "" {
			return // a display alone is open-choice's free text as a Coding
		}
		c.add(val, SeverityError, "code-invalid", "the answer to item %q has no code, so it is not in the options value set %s", id, ref)
		return
	}
	member, known := c.inValueSet(ref, system, code)
	switch {
	case member:
	case known:
		c.add(val, SeverityError, "code-invalid", "%s is not in the options value set %s of item %q", describeValue(val), ref, id)
	default:
		c.add(val, SeverityInformation, "informational", "the options value set %s of item %q is not available offline in full, so %s was not checked against it", ref, id, describeValue(val))
	}
}

// inValueSet looks a code up in the options value set ref: a ValueSet
// contained in the Questionnaire ("#id"), or one of the loaded definitions
// (Options.IG) or of the STU3 model. known is false when membership cannot
// be decided offline.
func (c *qrCheck) inValueSet(ref, system, code string) (member, known bool) {
	if strings.HasPrefix(ref, "#") {
		// "#id" names a resource contained in the Questionnaire's
		// container: the Questionnaire itself, or the resource that
		// contains it (contained resources contain nothing).
		container := c.q
		if c.q.Name == "contained" && c.q.Parent != nil {
			container = c.q.Parent
		}
		for _, r := range container.ChildrenNamed("contained") {
			if r.Resource && r.Type == "ValueSet" && r.ElementID() == ref[1:] {
				return containedMembership(r, system, code)
			}
		}
		return false, false
	}
	if ref == "" {
		return false, false
	}
	if c.v.ig != nil {
		return c.v.ig.InValueSet(ref, system, code)
	}
	mv := c.v.model.ValueSet(ref)
	if mv == nil {
		return false, false
	}
	if system == "" {
		member = mv.ContainsCode(code)
	} else {
		member = mv.Contains(system, code)
	}
	return member, mv.Complete
}

// containedMembership decides membership in a ValueSet carried inside the
// Questionnaire from what it enumerates: its expansion, or a compose that
// lists concepts (no filter, no imported value set, no whole code system).
// Anything else needs definitions that are not at hand.
func containedMembership(vs *tree.Node, system, code string) (member, known bool) {
	match := func(sys, cd string) bool { return cd == code && (system == "" || sys == system) }
	if exp := vs.Child("expansion"); exp != nil {
		found := false
		var walk func(n *tree.Node)
		walk = func(n *tree.Node) {
			for _, ct := range n.ChildrenNamed("contains") {
				if match(childText(ct, "system"), childText(ct, "code")) {
					found = true
				}
				walk(ct)
			}
		}
		walk(exp)
		total := childText(exp, "total")
		return found, found || total == "" || total == fmt.Sprint(len(exp.ChildrenNamed("contains")))
	}
	comp := vs.Child("compose")
	if comp == nil {
		return false, false
	}
	enumerated := func(inc *tree.Node) bool {
		return inc.Child("valueSet") == nil && inc.Child("filter") == nil && len(inc.ChildrenNamed("concept")) > 0
	}
	in := func(incs []*tree.Node) bool {
		for _, inc := range incs {
			for _, ct := range inc.ChildrenNamed("concept") {
				if match(childText(inc, "system"), childText(ct, "code")) {
					return true
				}
			}
		}
		return false
	}
	incs, excs := comp.ChildrenNamed("include"), comp.ChildrenNamed("exclude")
	complete := true
	for _, inc := range append(append([]*tree.Node(nil), incs...), excs...) {
		complete = complete && enumerated(inc)
	}
	member = in(incs) && !in(excs)
	return member, member || complete
}

// sameValue compares an answer value with an option or enableWhen value of
// the same type: Coding by system and code, Quantity by value and unit
// code, Reference by reference, Attachment by url, decimals by number and
// other primitives as written.
func sameValue(a, b *tree.Node) bool {
	if strings.HasSuffix(a.Name, "Coding") {
		return childText(a, "system") == childText(b, "system") && childText(a, "code") == childText(b, "code")
	}
	switch a.Type {
	case "Quantity":
		return sameNumber(childText(a, "value"), childText(b, "value")) &&
			childText(a, "system") == childText(b, "system") && childText(a, "code") == childText(b, "code") &&
			(childText(a, "code") != "" || childText(a, "unit") == childText(b, "unit"))
	case "Reference":
		return childText(a, "reference") == childText(b, "reference") && childText(a, "reference") != ""
	case "Attachment":
		return childText(a, "url") == childText(b, "url") && childText(a, "url") != ""
	case "decimal":
		return sameNumber(a.Value, b.Value)
	}
	return a.HasValue && b.HasValue && a.Value == b.Value
}

func sameNumber(x, y string) bool {
	a, ok1 := new(big.Rat).SetString(x)
	b, ok2 := new(big.Rat).SetString(y)
	if !ok1 || !ok2 {
		return x == y && x != ""
	}
	return a.Cmp(b) == 0
}

func describeValue(v *tree.Node) string {
	if strings.HasSuffix(v.Name, "Coding") {
		return fmt.Sprintf("the code %s|%s", childText(v, "system"), childText(v, "code"))
	}
	return fmt.Sprintf("%s %q", v.Name, v.Value)
}

// enabled evaluates the item's enableWhen conditions for the response
// items under context. In STU3 several conditions are joined by "or" (the
// item is enabled when any holds). known is false when some condition
// could not be evaluated and none holds.
func (c *qrCheck) enabled(qi, context *tree.Node) (enabled, known bool) {
	conds := qi.ChildrenNamed("enableWhen")
	if len(conds) == 0 {
		return true, true
	}
	unknown := false
	for _, cond := range conds {
		holds, ok := c.condition(cond, context)
		if !ok {
			unknown = true
			continue
		}
		if holds {
			return true, true
		}
	}
	if unknown && !c.toldUnknown {
		c.toldUnknown = true
		c.add(qi, SeverityInformation, "informational",
			"the enableWhen of item %q could not be evaluated, so whether it must or must not be answered was not checked", childText(qi, "linkId"))
	}
	return false, !unknown
}

// condition evaluates one enableWhen: hasAnswer, or an answer equal to
// answer[x], among the answers of the question it names.
func (c *qrCheck) condition(cond, context *tree.Node) (holds, ok bool) {
	targets, ok := c.nearest(childText(cond, "question"), context)
	if !ok {
		return false, false
	}
	var answers []*tree.Node
	for _, t := range targets {
		answers = append(answers, t.ChildrenNamed("answer")...)
	}
	if h := cond.Child("hasAnswer"); h != nil {
		return (len(answers) > 0) == (h.Value == "true"), true
	}
	want := valueOf(cond, "answer")
	if want == nil {
		return false, false // que-7's to report: neither hasAnswer nor answer[x]
	}
	for _, a := range answers {
		if av := valueOf(a, "value"); av != nil &&
			strings.TrimPrefix(av.Name, "value") == strings.TrimPrefix(want.Name, "answer") && sameValue(av, want) {
			return true, true
		}
	}
	return false, true
}

// nearest returns the response items with linkId id that an enableWhen
// evaluated at context refers to: when the question repeats (in a
// repeating group, say), the occurrences closest to context, those sharing
// its deepest ancestor.
func (c *qrCheck) nearest(id string, context *tree.Node) ([]*tree.Node, bool) {
	cands := c.rByLinkID[id]
	if len(cands) <= 1 {
		return cands, true
	}
	depth := map[*tree.Node]int{}
	d := 0
	for p := context; p != nil && p != c.resp.Parent; p = p.Parent {
		d++
	}
	for p := context; p != nil && p != c.resp.Parent; p = p.Parent {
		depth[p] = d
		d--
	}
	best, out := -1, []*tree.Node(nil)
	for _, t := range cands {
	up:
		for p := t; p != nil; p = p.Parent {
			if c.budget--; c.budget < 0 {
				return nil, false
			}
			if dd, ok := depth[p]; ok {
				switch {
				case dd > best:
					best, out = dd, []*tree.Node{t}
				case dd == best:
					out = append(out, t)
				}
				break up
			}
		}
	}
	return out, true
}
