package validate

import (
	"path"
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// Rule ids of the Bundle checks.
const (
	RuleFullURLUnique = "fhir:invariant:bdl-7"
	RuleReference     = "fhir:reference"
	RuleReferenceType = "fhir:reference-type"
	// RuleDocument is the rules of the STU3 Documents page on a Bundle of
	// type document: a Composition first, a date (the identifier is
	// bdl-9's).
	RuleDocument = "fhir:document"
)

// bundleIndex maps the ways an entry can be referred to onto its resource:
// by fullUrl and by "Type/id". It is built once per Bundle, so that
// resolving every reference costs time linear in the size of the Bundle.
type bundleIndex struct {
	byFullURL map[string]*tree.Node
	byTypeID  map[typeID]*tree.Node
	entryOf   map[*tree.Node]string // resource -> its entry's fullUrl
	mustExist bool                  // message Bundles are self-contained
	// urnMustExist: a urn: reference must resolve (messages, documents).
	urnMustExist bool
	bundleType   string
	// composition is the first entry's Composition of a document Bundle:
	// every resource it refers to must be in the Bundle, even by an
	// absolute URL.
	composition *tree.Node
}

// checkBundles runs the Bundle checks on every Bundle in the tree, nested
// ones included. Each Bundle is its own scope: the references of its
// entries resolve among its own entries, never among those of a Bundle
// around it, and a nested Bundle's references are checked with that
// Bundle alone.
// The resources come in document order, as the structure walk met them.
func checkBundles(resources []*tree.Node, issues *[]Issue) {
	for _, n := range resources {
		if n.Type == "Bundle" {
			checkBundle(n, issues)
		}
	}
}

// typeID is a resource's type and id, the key of a relative reference
// "Type/id" (a resource type has no slash); a pair, so that indexing an
// entry builds no string.
type typeID struct{ typ, id string }

// fullURLVersion is what bdl-7 keeps unique: a fullUrl and a versionId.
type fullURLVersion struct{ fullURL, version string }

func checkBundle(b *tree.Node, issues *[]Issue) {
	entries := b.ChildrenNamed("entry")
	idx := &bundleIndex{
		byFullURL: make(map[string]*tree.Node, len(entries)),
		byTypeID:  make(map[typeID]*tree.Node, len(entries)),
		entryOf:   make(map[*tree.Node]string, len(entries)),
	}
	if t := b.Child("type"); t != nil {
		idx.bundleType = t.Value
	}
	// Messages travel alone: every local reference must resolve inside.
	// So do documents, but there the Documents page lets the resources
	// the Composition's targets refer to stay outside: a relative
	// reference from them may name the sender's server (the official
	// discharge summary's MedicationRequest does), and only a urn:
	// reference, which can mean nothing outside, must resolve.
	idx.mustExist = idx.bundleType == "message"
	idx.urnMustExist = idx.bundleType == "message" || idx.bundleType == "document"
	if idx.bundleType == "document" {
		idx.composition = checkDocument(b, issues)
	}

	// fullUrl must be unique, unless the entries are versions of one
	// resource (bdl-7).
	seen := make(map[fullURLVersion]*tree.Node, len(entries))
	for _, e := range entries {
		r := e.Child("resource")
		fu := e.Child("fullUrl")
		if fu != nil && fu.HasValue {
			key := fullURLVersion{fu.Value, versionID(r)}
			if prev := seen[key]; prev != nil {
				*issues = append(*issues, Issue{
					Severity: SeverityError, Code: "invariant", Spine: SpineInvalidResource, Rule: RuleFullURLUnique,
					Path: fu.Path(), Line: fu.Line, Column: fu.Col,
					Message: "fullUrl " + strconv.Quote(fu.Value) + " is used by an earlier entry too (line " + strconv.Itoa(prev.Line) + "): fullUrl must be unique in a Bundle",
				})
			} else {
				seen[key] = fu
			}
			if r != nil {
				idx.byFullURL[fu.Value] = r
				idx.entryOf[r] = fu.Value
			}
		}
		if r != nil {
			if id := r.Child("id"); id != nil && id.HasValue {
				idx.byTypeID[typeID{r.Type, id.Value}] = r
			}
		}
	}

	for _, e := range entries {
		r := e.Child("resource")
		if r == nil || r.Type == "Bundle" {
			continue // a Bundle entry is a scope of its own, checked on its own
		}
		idx.references(r, r, issues)
	}
}

// checkDocument checks the rules of the STU3 Documents page that a Bundle
// of type document must meet by itself and returns its Composition, or nil
// when the first entry is not one. The page makes the document date
// (Bundle.meta.lastUpdated, when the document was assembled) mandatory, as
// it does the document identifier, which bdl-9 of the 3.0.2 package
// checks (with a system and a value); the Composition's own date is 1..1
// in Composition.
//
// Where this differs from the HL7 reference validator, it follows the
// 3.0.2 text: the reference asks only Composition.subject and
// section.entry to resolve in the Bundle, where the page says every
// resource the Composition refers to SHALL be included; it does not ask
// for Bundle.meta.lastUpdated, the STU3 document date (R4 moved the date
// to Bundle.timestamp, bdl-10); and the page lets the supporting
// resources refer outside the document, so their relative and absolute
// references are not required to resolve, only their urn: ones.
func checkDocument(b *tree.Node, issues *[]Issue) *tree.Node {
	add := func(n *tree.Node, code, msg string) {
		*issues = append(*issues, Issue{
			Severity: SeverityError, Code: code, Spine: SpineInvalidResource, Rule: RuleDocument,
			Path: n.Path(), Line: n.Line, Column: n.Col, Message: msg,
		})
	}
	var comp *tree.Node
	entries := b.ChildrenNamed("entry")
	switch first := firstOf(entries); {
	case first == nil:
		add(b, "required", "a document Bundle has no entries: its first entry must be the document's Composition")
	case first.Child("resource") == nil:
		add(first, "required", "the first entry of a document Bundle has no resource: it must be the document's Composition")
	case first.Child("resource").Type != "Composition":
		r := first.Child("resource")
		add(r, "structure", "the first entry of a document Bundle is a "+r.Type+": it must be the document's Composition")
	default:
		comp = first.Child("resource")
	}
	var last *tree.Node
	if m := b.Child("meta"); m != nil {
		last = m.Child("lastUpdated")
	}
	if last == nil || !last.HasValue {
		add(b, "required", "a document Bundle has no date: Bundle.meta.lastUpdated is the document date, when the document was assembled, and is mandatory")
	}
	return comp
}

func firstOf(ns []*tree.Node) *tree.Node {
	if len(ns) == 0 {
		return nil
	}
	return ns[0]
}

func versionID(r *tree.Node) string {
	if r == nil {
		return ""
	}
	if m := r.Child("meta"); m != nil {
		if v := m.Child("versionId"); v != nil {
			return v.Value
		}
	}
	return ""
}

// references checks every Reference below n, which belongs to the entry
// resource res. It does not descend into nested Bundles, which are checked
// on their own.
func (idx *bundleIndex) references(n, res *tree.Node, issues *[]Issue) {
	for _, c := range n.Children {
		if c.Resource && c.Type == "Bundle" {
			continue
		}
		if c.Type == "Reference" {
			idx.reference(c, res, issues)
		}
		idx.references(c, res, issues)
	}
}

// holder returns the resource that holds n.
func holder(n *tree.Node) *tree.Node {
	for p := n; p != nil; p = p.Parent {
		if p.Resource {
			return p
		}
	}
	return nil
}

func (idx *bundleIndex) reference(ref, res *tree.Node, issues *[]Issue) {
	rv := ref.Child("reference")
	if rv == nil || !rv.HasValue || rv.Value == "" || strings.HasPrefix(rv.Value, "#") {
		return // identifier-only, display-only, or a contained reference
	}
	target, found, local := idx.resolve(rv.Value, res)
	if !found {
		if idx.composition != nil && holder(ref) == idx.composition {
			*issues = append(*issues, Issue{
				Severity: SeverityError, Code: "not-found", Spine: SpineReferenceNotFound, Rule: RuleReference,
				Path: rv.Path(), Line: rv.Line, Column: rv.Col,
				Message: "reference " + strconv.Quote(rv.Value) + " of the document's Composition does not resolve to an entry of this document Bundle: the resources a Composition refers to must be included in the document",
			})
			return
		}
		if local && (idx.mustExist || idx.urnMustExist && strings.HasPrefix(rv.Value, "urn:")) {
			*issues = append(*issues, Issue{
				Severity: SeverityError, Code: "not-found", Spine: SpineReferenceNotFound, Rule: RuleReference,
				Path: rv.Path(), Line: rv.Line, Column: rv.Col,
				Message: "reference " + strconv.Quote(rv.Value) + " does not resolve to an entry of this " + idx.bundleType + " Bundle: expected an entry with that fullUrl",
			})
		}
		return
	}
	if targetAllowed(ref, target.Type) {
		return
	}
	*issues = append(*issues, wrongTarget(ref, rv, target.Type))
}

// wrongTarget is the issue for Reference ref, whose reference rv points to
// a resource of type typ that the element does not allow.
func wrongTarget(ref, rv *tree.Node, typ string) Issue {
	var names []string
	for _, tp := range ref.Elem.Types {
		if tp.Code == "Reference" {
			for _, p := range tp.TargetProfiles {
				names = append(names, path.Base(p))
			}
		}
	}
	return Issue{
		Severity: SeverityError, Code: "structure", Spine: SpineInvalidResource, Rule: RuleReferenceType,
		Path: rv.Path(), Line: rv.Line, Column: rv.Col,
		Message: "reference " + strconv.Quote(rv.Value) + " points to a " + typ + ": expected " + strings.Join(names, " or "),
	}
}

// checkContainedReferences checks, in every resource with contained
// resources (at the root, in a Bundle entry, anywhere), that each "#id"
// reference of the resource or of its contained resources names a
// contained resource of a type the element allows. Each container is its
// own scope; a "#id" that names nothing there is ref-1's to report. Every
// node is visited once for its nearest container, so the check is linear.
// The resources are those of the tree in document order, as the structure
// walk met them.
func checkContainedReferences(resources []*tree.Node, issues *[]Issue) {
	for _, n := range resources {
		if n.Name == "contained" {
			continue
		}
		var byID map[string]*tree.Node
		for _, c := range n.Children {
			if c.Name != "contained" || !c.Resource {
				continue
			}
			if id := c.ElementID(); id != "" {
				if byID == nil {
					byID = map[string]*tree.Node{}
				}
				if _, dup := byID[id]; !dup {
					byID[id] = c
				}
			}
		}
		if byID == nil {
			continue
		}
		var walk func(x *tree.Node)
		walk = func(x *tree.Node) {
			for _, c := range x.Children {
				if c.Resource && c.Name != "contained" {
					continue // a resource carried inside is a container of its own
				}
				if c.Type == "Reference" && c.Elem != nil {
					if rv := c.Child("reference"); rv != nil && rv.HasValue && len(rv.Value) > 1 && rv.Value[0] == '#' {
						if t := byID[rv.Value[1:]]; t != nil && !targetAllowed(c, t.Type) {
							*issues = append(*issues, wrongTarget(c, rv, t.Type))
						}
					}
				}
				walk(c)
			}
		}
		walk(n)
	}
}

// resolve finds the entry a reference names. local is true when the
// reference can only mean something inside the Bundle: urn:uuid:,
// urn:oid: and relative references. Absolute http(s) references may point
// outside the Bundle (for example to the ODS API).
func (idx *bundleIndex) resolve(ref string, from *tree.Node) (target *tree.Node, found, local bool) {
	ref = stripHistory(ref)
	if t := idx.byFullURL[ref]; t != nil {
		return t, true, false
	}
	if strings.HasPrefix(ref, "urn:") {
		return nil, false, true
	}
	if strings.Contains(ref, "://") {
		return nil, false, false
	}
	// Relative: against the base of the referring entry's fullUrl when it
	// is a RESTful URL (a miss then points at that server, outside the
	// Bundle), else by type and id.
	if fu := idx.entryOf[from]; strings.Contains(fu, "://") {
		if base, ok := restBase(fu); ok {
			t := idx.byFullURL[base+ref]
			return t, t != nil, false
		}
	}
	if typ, id, ok := strings.Cut(ref, "/"); ok {
		if t := idx.byTypeID[typeID{typ, id}]; t != nil {
			return t, true, true
		}
	}
	return nil, false, true
}

// stripHistory removes a /_history/version suffix.
func stripHistory(ref string) string {
	if i := strings.Index(ref, "/_history/"); i > 0 {
		return ref[:i]
	}
	return ref
}

// restBase returns the service base of a fullUrl of the form
// [base]/Type/id, with its trailing slash.
func restBase(fullURL string) (string, bool) {
	u := stripHistory(fullURL)
	i := strings.LastIndexByte(u, '/')
	if i <= 0 {
		return "", false
	}
	j := strings.LastIndexByte(u[:i], '/')
	if j <= 0 {
		return "", false
	}
	return u[:j+1], true
}

// targetAllowed reports whether a Reference element may point to a
// resource of type typ: its target profiles name that type or Resource, or
// there are none.
func targetAllowed(ref *tree.Node, typ string) bool {
	if ref.Elem == nil {
		return true
	}
	restricted := false
	for _, tp := range ref.Elem.Types {
		if tp.Code != "Reference" {
			continue
		}
		for _, p := range tp.TargetProfiles {
			restricted = true
			if b := path.Base(p); b == typ || b == "Resource" {
				return true
			}
		}
	}
	return !restricted
}
