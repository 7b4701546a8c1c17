package structuredef

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// coreBase is the canonical prefix of the STU3 core StructureDefinitions.
const coreBase = "http://hl7.org/fhir/StructureDefinition/"

// Registry holds the profiles, value sets and code systems read by [Load].
// It is read-only once Load returns, so the checks and the lookups may be called
// from many goroutines at once.
type Registry struct {
	model    *schemas.Model
	sds      map[string]*structureDefinition
	profiles map[string]*Profile
	vs       map[string]*valueSet
	cs       map[string]*codeSystem
	// questionnaires are the loaded Questionnaires by canonical url, and
	// by id for relative references (questionnaire.go).
	questionnaires   map[string]*tree.Node
	questionnaireIDs map[string][]*tree.Node
	// coreKeys are the constraint keys of the STU3 model, which package
	// validate already evaluates; profiles repeat them in their snapshots.
	coreKeys map[string]bool

	expansions sync.Map // value set URL -> *expansion, filled on first use

	// warnings are parts of loaded profiles that the check cannot evaluate.
	warnings []*FileError
	// builtin marks the registry of the built-in extension definitions,
	// whose findings carry rule ids of their own (see ruleID).
	builtin bool
	// lazy, on the built-in registry, compiles each definition the first
	// time it is asked for; Profile then goes through it.
	lazy *lazyDefs
}

func newRegistry(m *schemas.Model) *Registry {
	return &Registry{
		model:    m,
		sds:      map[string]*structureDefinition{},
		profiles: map[string]*Profile{},
		vs:       map[string]*valueSet{},
		cs:       map[string]*codeSystem{},
	}
}

func (r *Registry) addStructure(sd *structureDefinition) {
	u := canonical(sd.URL)
	if _, dup := r.sds[u]; !dup {
		r.sds[u] = sd
	}
}

func (r *Registry) addValueSet(vs *valueSet) {
	u := canonical(vs.URL)
	if u == "" {
		return
	}
	old, dup := r.vs[u]
	switch {
	case !dup:
		r.vs[u] = vs
	case old.Expansion == nil && vs.Expansion != nil:
		// An IG's expansions bundle adds what the definition lacks.
		old.Expansion = vs.Expansion
	}
}

func (r *Registry) addCodeSystem(cs *codeSystem) {
	u := canonical(cs.URL)
	if _, dup := r.cs[u]; u != "" && !dup {
		r.cs[u] = cs
	}
}

// compile turns every loaded StructureDefinition into a Profile, building
// snapshots from differentials where needed.
func (r *Registry) compile(errs *LoadErrors) {
	r.loadCoreKeys()
	urls := make([]string, 0, len(r.sds))
	for u := range r.sds {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	building := map[string]int{}
	for _, u := range urls {
		if _, err := r.build(u, building); err != nil {
			*errs = append(*errs, r.sds[u].from.errorf(err))
		}
	}
}

// loadCoreKeys fills coreKeys from the model.
func (r *Registry) loadCoreKeys() {
	r.coreKeys = map[string]bool{}
	for _, name := range r.model.TypeNames() {
		for _, c := range r.model.Type(name).Constraints {
			r.coreKeys[c.Key] = true
		}
	}
}

// build compiles the profile with canonical URL u, and first its base when
// that is a loaded profile without a snapshot of its own. building holds
// the profiles being built, each with its depth in the chain of bases.
func (r *Registry) build(u string, building map[string]int) (*Profile, error) {
	if p, ok := r.profiles[u]; ok {
		return p, nil
	}
	sd := r.sds[u]
	if sd == nil {
		return nil, nil
	}
	if d, ok := building[u]; ok {
		return nil, cycleFrom(building, d, u)
	}
	building[u] = len(building)
	defer delete(building, u)

	fromDiff := sd.Snapshot == nil || len(sd.Snapshot.Element) == 0
	elems, err := r.snapshotOf(sd, building)
	if err != nil {
		var ce *CycleError
		if errors.As(err, &ce) && ce.has(u) {
			return nil, ce // the cycle names this profile already
		}
		return nil, fmt.Errorf("StructureDefinition %s: %w", sd.URL, err)
	}
	p, err := r.newProfile(sd, elems)
	if err != nil {
		return nil, fmt.Errorf("StructureDefinition %s: %w", sd.URL, err)
	}
	p.FromDifferential = fromDiff
	r.profiles[u] = p
	return p, nil
}

// cycleFrom is the cycle of bases met when u, at depth d, is reached again.
func cycleFrom(building map[string]int, d int, u string) *CycleError {
	urls := make([]string, len(building)-d, len(building)-d+1)
	for v, dv := range building {
		if dv >= d {
			urls[dv-d] = v
		}
	}
	return &CycleError{URLs: append(urls, u)}
}

// warn records that part of sd cannot be checked.
func (r *Registry) warn(sd *structureDefinition, err error) {
	r.warnings = append(r.warnings, sd.from.errorf(fmt.Errorf("StructureDefinition %s: %w", sd.URL, err)))
}

// Warnings lists the parts of loaded profiles that the profile check cannot evaluate
// (a constraint whose FHIRPath does not compile, slicing by an unsupported
// discriminator), each with the file it comes from. The rest of each
// profile is checked.
func (r *Registry) Warnings() []*FileError { return append([]*FileError(nil), r.warnings...) }

// Profile returns the profile with the canonical URL u (a "|version" suffix
// is ignored), or nil when none was loaded.
func (r *Registry) Profile(u string) *Profile {
	if r.lazy != nil {
		return r.lazy.profile(r, canonical(u))
	}
	return r.profiles[canonical(u)]
}

// Profiles returns the canonical URLs of the loaded profiles and extension
// definitions, sorted.
func (r *Registry) Profiles() []string {
	out := make([]string, 0, len(r.profiles))
	for u := range r.profiles {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// ValueSets returns the canonical URLs of the loaded value sets, sorted.
func (r *Registry) ValueSets() []string {
	out := make([]string, 0, len(r.vs))
	for u := range r.vs {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// CodeSystems returns the canonical URLs of the loaded code systems, sorted.
func (r *Registry) CodeSystems() []string {
	out := make([]string, 0, len(r.cs))
	for u := range r.cs {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// isCore reports whether u names an STU3 core definition (a base type or a
// core profile), which the base validator already covers.
func isCore(u string) bool { return strings.HasPrefix(canonical(u), coreBase) }
