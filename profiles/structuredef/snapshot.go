package structuredef

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// snapshotOf returns the snapshot elements of sd: its own snapshot when it
// has one, else its differential applied to the snapshot of its base.
func (r *Registry) snapshotOf(sd *structureDefinition, building map[string]int) ([]*elementDefinition, error) {
	if sd.Snapshot != nil && len(sd.Snapshot.Element) > 0 {
		return sd.Snapshot.Element, nil
	}
	if sd.Differential == nil || len(sd.Differential.Element) == 0 {
		return nil, errors.New("neither snapshot nor differential")
	}
	base, err := r.baseElements(sd, building)
	if err != nil {
		return nil, err
	}
	out, err := applyDifferential(r.model, base, sd.Differential.Element, r.extensionRoot)
	if err != nil {
		return nil, err
	}
	sd.Snapshot = &struct {
		Element []*elementDefinition `json:"element"`
	}{out}
	return out, nil
}

// baseElements returns a private copy of the snapshot of sd's base: a
// loaded profile, or the STU3 type from the model.
func (r *Registry) baseElements(sd *structureDefinition, building map[string]int) ([]*elementDefinition, error) {
	bu := canonical(sd.BaseDefinition)
	if bu == "" {
		return nil, errors.New("no baseDefinition to apply the differential to")
	}
	if _, ok := r.sds[bu]; ok {
		bp, err := r.build(bu, building)
		if err != nil {
			var ce *CycleError
			if errors.As(err, &ce) && ce.has(canonical(sd.URL)) {
				return nil, ce // sd is in the cycle, which names it
			}
			return nil, fmt.Errorf("base %s: %w", bu, err)
		}
		if bp != nil {
			return cloneElements(r.sds[bu].Snapshot.Element), nil
		}
	}
	if strings.HasPrefix(bu, coreBase) {
		if t := r.model.Type(strings.TrimPrefix(bu, coreBase)); t != nil {
			return modelElements(t, t.Name, t.Name), nil
		}
	}
	return nil, fmt.Errorf("base %s is neither loaded nor an STU3 type", sd.BaseDefinition)
}

func cloneElements(in []*elementDefinition) []*elementDefinition {
	out := make([]*elementDefinition, len(in))
	for i, e := range in {
		c := *e
		c.Type = append([]typeRef(nil), e.Type...)
		c.Constraint = append([]constraint(nil), e.Constraint...)
		out[i] = &c
	}
	return out
}

// modelElements renders the snapshot of a model type as element
// definitions, with paths and ids moved from the type's own name to at (so
// that Identifier's elements can be placed under Patient.identifier).
func modelElements(t *schemas.Type, at, atID string) []*elementDefinition {
	out := make([]*elementDefinition, 0, len(t.Elements))
	for _, e := range t.Elements {
		rest := strings.TrimPrefix(e.Path, t.Name)
		min := e.Min
		d := &elementDefinition{
			ID: atID + rest, Path: at + rest, Min: &min, Max: e.MaxText,
			ContentReference: e.ContentReference,
		}
		bmin := e.Min
		d.Base = &struct {
			Path string `json:"path"`
			Min  *int   `json:"min"`
			Max  string `json:"max"`
		}{e.Path, &bmin, e.MaxText}
		for _, tr := range e.Types {
			d.Type = append(d.Type, typeRef{Code: tr.Code, Profile: tr.Profiles, TargetProfile: tr.TargetProfiles})
		}
		if e.Binding != nil {
			d.Binding = &binding{Strength: e.Binding.Strength, ValueSet: e.Binding.ValueSet}
		}
		if e.Fixed != nil {
			d.Fixed, _ = newFHIRValue(e.Fixed.Type, e.Fixed.Value)
		}
		if e.Pattern != nil {
			d.Pattern, _ = newFHIRValue(e.Pattern.Type, e.Pattern.Value)
		}
		out = append(out, d)
	}
	return out
}

// elementIDs computes the id of every element of a snapshot from its path
// and slice names ("Patient.identifier:nhsNumber.system"), whatever ids the
// file carried, so that differential ids can be matched reliably.
func elementIDs(list []*elementDefinition) {
	type open struct{ path, id string }
	var stack []open
	for _, e := range list {
		var parentID string
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			if e.SliceName != "" && e.Path == top.path {
				// A slice: its id extends the sliced element's id, which
				// is the top's id without the top's own slice name.
				parentID = top.id
				if i := strings.LastIndexByte(parentID, ':'); i > strings.LastIndexByte(parentID, '.') {
					parentID = parentID[:i]
				}
				stack = stack[:len(stack)-1]
				break
			}
			if strings.HasPrefix(e.Path, top.path+".") {
				parentID = top.id + "." + lastSegment(e.Path)
				break
			}
			stack = stack[:len(stack)-1]
		}
		if parentID == "" {
			parentID = e.Path
		}
		e.ID = parentID
		if e.SliceName != "" {
			e.ID += ":" + e.SliceName
		}
		stack = append(stack, open{e.Path, e.ID})
	}
}

// applyDifferential merges diff onto a copy of the base snapshot: matching
// elements take the differential's constraints, new slices copy the sliced
// element and its descendants, and paths into a datatype expand that
// datatype's elements from the model first.
func applyDifferential(m *schemas.Model, base, diff []*elementDefinition, extRoot func(string) *elementDefinition) ([]*elementDefinition, error) {
	s := &snap{m: m, list: base, extRoot: extRoot}
	if len(base) > 0 && len(diff) > 0 {
		// A constraint on a type keeps the type's root path.
		root := strings.SplitN(diff[0].Path, ".", 2)[0]
		broot := base[0].Path
		if root != broot {
			return nil, fmt.Errorf("differential starts at %s, base at %s", root, broot)
		}
	}
	elementIDs(s.list)
	sliceCtx := map[string]string{} // path -> id of the slice now being described
	for _, de := range diff {
		id := de.ID
		if id == "" || !strings.HasPrefix(id, strings.SplitN(de.Path, ".", 2)[0]) {
			id = idFromPath(de, sliceCtx)
		}
		if de.SliceName != "" {
			sliceCtx[de.Path] = id
		}
		i, err := s.find(id, de.SliceName)
		if err != nil {
			return nil, err
		}
		if de.SliceName != "" && s.extRoot != nil {
			s.fromExtension(s.list[i], de)
		}
		merge(s.list[i], de)
	}
	return s.list, nil
}

// idFromPath makes an id for a differential element without one, using the
// slices the differential opened before it.
func idFromPath(de *elementDefinition, sliceCtx map[string]string) string {
	segs := strings.Split(de.Path, ".")
	id := segs[0]
	p := segs[0]
	for _, seg := range segs[1:] {
		p += "." + seg
		id += "." + seg
		if sid, ok := sliceCtx[p]; ok && p != de.Path {
			id = sid
		}
	}
	if de.SliceName != "" {
		id += ":" + de.SliceName
	}
	return id
}

type snap struct {
	m    *schemas.Model
	list []*elementDefinition
	// extRoot returns the root element of a loaded extension definition,
	// whose cardinality a new extension slice starts from.
	extRoot func(url string) *elementDefinition
}

func (s *snap) index(id string) int {
	for i, e := range s.list {
		if e.ID == id {
			return i
		}
	}
	return -1
}

// end returns the index after the last element that belongs under id
// (its descendants and its slices).
func (s *snap) end(i int) int {
	id := s.list[i].ID
	j := i + 1
	for j < len(s.list) {
		o := s.list[j].ID
		if !strings.HasPrefix(o, id+".") && !strings.HasPrefix(o, id+":") {
			break
		}
		j++
	}
	return j
}

// find returns the index of the element with the given id, creating it if
// it is a new slice or lies inside a datatype not yet expanded.
func (s *snap) find(id, sliceName string) (int, error) {
	if i := s.index(id); i >= 0 {
		return i, nil
	}
	if sliceName != "" && strings.HasSuffix(id, ":"+sliceName) {
		baseID := strings.TrimSuffix(id, ":"+sliceName)
		bi, err := s.find(baseID, "")
		if err != nil {
			return 0, err
		}
		// The sliced element may have been found under another id (a
		// renamed choice stands for "value[x]").
		baseID = s.list[bi].ID
		if i := s.index(baseID + ":" + sliceName); i >= 0 {
			return i, nil
		}
		// A "type slice" of a choice (value[x]:valueBoolean) is how STU3
		// tools restrict the choice to one type: constrain the choice.
		if alt, ok := choiceName(sliceName); ok && alt == lastSegment(s.list[bi].Path) {
			return bi, nil
		}
		// The new slice copies the sliced element and what lies under it
		// (but not its other slices), and goes after all of them.
		var copied []*elementDefinition
		for j := bi; j < s.end(bi); j++ {
			o := s.list[j]
			if j > bi && !strings.HasPrefix(o.ID, baseID+".") {
				continue
			}
			if strings.Contains(strings.TrimPrefix(o.ID, baseID), ":") {
				continue // a slice of a child: not part of a new slice
			}
			c := *o
			c.ID = id + strings.TrimPrefix(o.ID, baseID)
			c.Type = append([]typeRef(nil), o.Type...)
			c.Constraint = append([]constraint(nil), o.Constraint...)
			if j == bi {
				// A slice starts from no minimum: the sliced element's
				// minimum counts all its slices together.
				zero := 0
				c.SliceName, c.Slicing, c.Min = sliceName, nil, &zero
			}
			copied = append(copied, &c)
		}
		at := s.end(bi)
		s.list = append(s.list[:at], append(copied, s.list[at:]...)...)
		return at, nil
	}
	dot := strings.LastIndexByte(id, '.')
	if dot < 0 {
		return 0, fmt.Errorf("no element %s in the base", id)
	}
	parentID, name := id[:dot], id[dot+1:]
	pi, err := s.find(parentID, "")
	if err != nil {
		// A renamed choice ("valueQuantity") stands for "value[x]".
		if alt, ok := choiceID(parentID); ok {
			pi, err = s.find(alt, "")
			if err == nil {
				return s.findUnder(pi, alt+"."+name)
			}
		}
		return 0, err
	}
	// The parent may have been found under another id (a renamed choice).
	parentID = s.list[pi].ID
	if i := s.index(parentID + "." + name); i >= 0 {
		return i, nil
	}
	if alt, ok := choiceName(name); ok {
		if i := s.index(parentID + "." + alt); i >= 0 {
			return i, nil
		}
	}
	return s.findUnder(pi, parentID+"."+name)
}

// findUnder expands the datatype of element pi from the model when its
// children are not in the list yet, then looks id up again.
func (s *snap) findUnder(pi int, id string) (int, error) {
	if i := s.index(id); i >= 0 {
		return i, nil
	}
	p := s.list[pi]
	if s.end(pi) > pi+1 && s.list[pi+1].ID != "" && strings.HasPrefix(s.list[pi+1].ID, p.ID+".") {
		return 0, fmt.Errorf("no element %s in the base", id)
	}
	for _, t := range p.Type[min(1, len(p.Type)):] {
		if t.Code != p.Type[0].Code {
			return 0, fmt.Errorf("cannot expand %s: it has %d types", p.ID, len(p.Type))
		}
	}
	if len(p.Type) == 0 {
		return 0, fmt.Errorf("cannot expand %s: it has no type", p.ID)
	}
	t := s.m.Type(p.Type[0].Code)
	if t == nil || t.Kind == schemas.KindPrimitive && len(t.Elements) < 2 {
		return 0, fmt.Errorf("no element %s: %s has no children", id, p.Type[0].Code)
	}
	kids := modelElements(t, p.Path, p.ID)[1:]
	at := pi + 1
	s.list = append(s.list[:at], append(kids, s.list[at:]...)...)
	if i := s.index(id); i >= 0 {
		return i, nil
	}
	if alt, ok := choiceID(id); ok {
		if i := s.index(alt); i >= 0 {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no element %s in %s", id, t.Name)
}

// choiceName maps "valueQuantity" to "value[x]".
func choiceName(name string) (string, bool) {
	for i := 1; i < len(name); i++ {
		if unicode.IsUpper(rune(name[i])) {
			return name[:i] + "[x]", true
		}
	}
	return "", false
}

func choiceID(id string) (string, bool) {
	dot := strings.LastIndexByte(id, '.')
	if dot < 0 {
		return "", false
	}
	alt, ok := choiceName(id[dot+1:])
	return id[:dot+1] + alt, ok
}

// merge lays a differential element over its snapshot element.
func merge(dst, de *elementDefinition) {
	if de.Min != nil {
		v := *de.Min
		dst.Min = &v
	}
	if de.Max != "" {
		dst.Max = de.Max
	}
	if len(de.Type) > 0 {
		dst.Type = append([]typeRef(nil), de.Type...)
	} else if alt, ok := choiceName(lastSegment(de.Path)); ok && strings.HasSuffix(dst.Path, alt) {
		// A renamed choice restricts the element to that one type.
		code := strings.TrimPrefix(lastSegment(de.Path), strings.TrimSuffix(alt, "[x]"))
		for _, t := range dst.Type {
			if strings.EqualFold(t.Code, code) {
				dst.Type = []typeRef{t}
				break
			}
		}
	}
	if de.Binding != nil {
		dst.Binding = de.Binding
	}
	if de.Slicing != nil {
		dst.Slicing = de.Slicing
	}
	if de.Fixed != nil {
		dst.Fixed = de.Fixed
	}
	if de.Pattern != nil {
		dst.Pattern = de.Pattern
	}
	if de.MinValue != nil {
		dst.MinValue = de.MinValue
	}
	if de.MaxValue != nil {
		dst.MaxValue = de.MaxValue
	}
	if de.MaxLength > 0 {
		dst.MaxLength = de.MaxLength
	}
	if de.ContentReference != "" {
		dst.ContentReference = de.ContentReference
	}
	dst.Constraint = append(dst.Constraint, de.Constraint...)
}

// fromExtension gives a new extension slice the cardinality of the
// extension's own definition, as published snapshots do, before the
// differential narrows it further.
func (s *snap) fromExtension(dst, de *elementDefinition) {
	types := de.Type
	if len(types) == 0 {
		types = dst.Type
	}
	if len(types) != 1 || types[0].Code != "Extension" || len(types[0].Profile) != 1 {
		return
	}
	root := s.extRoot(types[0].Profile[0])
	if root == nil {
		return
	}
	if root.Max != "" && root.Max != "*" && (dst.Max == "*" || dst.Max == "") {
		dst.Max = root.Max
	}
}

// extensionRoot returns the snapshot root of the loaded extension
// definition u, or nil.
func (r *Registry) extensionRoot(u string) *elementDefinition {
	sd := r.sds[canonical(u)]
	if sd == nil || sd.Snapshot == nil || len(sd.Snapshot.Element) == 0 {
		return nil
	}
	return sd.Snapshot.Element[0]
}
