package validate

import (
	"context"

	"github.com/nemsfhir/nemsfhir/internal/bridge"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/profiles/structuredef"
)

// loadIG loads the StructureDefinitions of Options.IG. Anything in them
// that cannot be used (a path that cannot be opened, a file that is not
// well-formed, a profile whose snapshot cannot be built, an input over the
// loader's limits) is an error, a structuredef.LoadErrors naming each file
// and place: a profile left out would let payloads pass unjudged. So is a
// profile named in Options.Profiles that is not loaded. Parts of loaded
// profiles that cannot be evaluated become LoadWarnings.
func (v *Validator) loadIG(ctx context.Context) error {
	reg, err := structuredef.LoadContext(ctx, v.opts.IG...)
	if err != nil {
		return err
	}
	for _, url := range v.opts.Profiles {
		if reg.Profile(url) == nil {
			return &UnknownProfileError{URL: url}
		}
	}
	for _, w := range reg.Warnings() {
		v.loadWarnings = append(v.loadWarnings, w.Error())
	}
	v.ig = reg
	return nil
}

// UnknownProfileError is a profile of Options.Profiles that is not among
// the StructureDefinitions loaded from Options.IG.
type UnknownProfileError struct {
	URL string
}

func (e *UnknownProfileError) Error() string {
	return "profile " + e.URL + " is not among the loaded StructureDefinitions (give its package or folder with IG)"
}

// LoadWarnings lists the parts of the profiles of Options.IG that cannot
// be evaluated (a constraint whose FHIRPath does not compile, say), each
// with its file; the rest of those profiles is checked.
func (v *Validator) LoadWarnings() []string { return append([]string(nil), v.loadWarnings...) }

// profilePhase checks the payload against the loaded profiles. Once ctx
// has ended the check stops part way; the caller drops the result.
func (v *Validator) profilePhase(ctx context.Context, root *tree.Node, res *Result) {
	v.addProfileFindings(bridge.CheckProfiles(ctx, v.ig, root, v.opts.Profiles), res)
}

// addProfileFindings turns the findings of a profile or extension check
// into issues, except that bindings it could not judge offline join the
// run's unchecked terminology (UncheckedTerminology), said once a run
// rather than in every result.
func (v *Validator) addProfileFindings(fs []Issue, res *Result) {
	var unjudged map[string]string
	for _, f := range fs {
		if u, why, ok := bridge.UnjudgedBinding(f); ok {
			if unjudged == nil {
				unjudged = map[string]string{}
			}
			unjudged[u] = why
			continue
		}
		res.Issues = append(res.Issues, f)
	}
	v.offline.add(nil, unjudged)
}
