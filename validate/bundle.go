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
)

// bundleIndex maps the ways an entry can be referred to onto its resource:
// by fullUrl and by "Type/id". It is built once per Bundle, so that
// resolving every reference costs time linear in the size of the Bundle.
type bundleIndex struct {
	byFullURL  map[string]*tree.Node
	byTypeID   map[string]*tree.Node
	entryOf    map[*tree.Node]string // resource -> its entry's fullUrl
	mustExist  bool                  // message Bundles are self-contained
	bundleType string
}

// checkBundles runs the Bundle checks on every Bundle in the tree, nested
// ones included.
func checkBundles(root *tree.Node, issues *[]Issue) {
	root.Walk(func(n *tree.Node) bool {
		if n.Resource && n.Type == "Bundle" {
			checkBundle(n, issues)
		}
		return true
	})
}

func checkBundle(b *tree.Node, issues *[]Issue) {
	idx := &bundleIndex{
		byFullURL: map[string]*tree.Node{},
		byTypeID:  map[string]*tree.Node{},
		entryOf:   map[*tree.Node]string{},
	}
	if t := b.Child("type"); t != nil {
		idx.bundleType = t.Value
	}
	// Messages travel alone: every local reference must resolve inside.
	idx.mustExist = idx.bundleType == "message"

	// fullUrl must be unique, unless the entries are versions of one
	// resource (bdl-7).
	seen := map[string]*tree.Node{}
	for _, e := range b.ChildrenNamed("entry") {
		r := e.Child("resource")
		fu := e.Child("fullUrl")
		if fu != nil && fu.HasValue {
			key := fu.Value + "\x00" + versionID(r)
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
				idx.byTypeID[r.Type+"/"+id.Value] = r
			}
		}
	}

	for _, e := range b.ChildrenNamed("entry") {
		r := e.Child("resource")
		if r == nil {
			continue
		}
		idx.references(r, r, issues)
	}
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

func (idx *bundleIndex) reference(ref, res *tree.Node, issues *[]Issue) {
	rv := ref.Child("reference")
	if rv == nil || !rv.HasValue || rv.Value == "" || strings.HasPrefix(rv.Value, "#") {
		return // identifier-only, display-only, or a contained reference
	}
	target, found, local := idx.resolve(rv.Value, res)
	if !found {
		if local && idx.mustExist {
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
	var names []string
	for _, tp := range ref.Elem.Types {
		if tp.Code == "Reference" {
			for _, p := range tp.TargetProfiles {
				names = append(names, path.Base(p))
			}
		}
	}
	*issues = append(*issues, Issue{
		Severity: SeverityError, Code: "structure", Spine: SpineInvalidResource, Rule: RuleReferenceType,
		Path: rv.Path(), Line: rv.Line, Column: rv.Col,
		Message: "reference " + strconv.Quote(rv.Value) + " points to a " + target.Type + ": expected " + strings.Join(names, " or "),
	})
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
	if t := idx.byTypeID[ref]; t != nil {
		return t, true, true
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
