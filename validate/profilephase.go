package validate

import (
	"errors"
	"fmt"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/profiles/structuredef"
)

// loadIG loads the StructureDefinitions of Options.IG. A path that cannot
// be opened, or a profile named in Options.Profiles that is not loaded, is
// an error; a file inside that cannot be used only becomes a warning (see
// LoadWarnings), so one broken file does not stop an IG from working.
func (v *Validator) loadIG() error {
	reg, err := structuredef.Load(v.opts.IG...)
	if reg == nil {
		return err
	}
	var loadErrs structuredef.LoadErrors
	if errors.As(err, &loadErrs) {
		for _, e := range loadErrs {
			v.loadWarnings = append(v.loadWarnings, e.Error())
		}
	} else if err != nil {
		return err
	}
	for _, url := range v.opts.Profiles {
		if reg.Profile(url) == nil {
			return fmt.Errorf("profile %s is not among the loaded StructureDefinitions (give its package or folder with IG)", url)
		}
	}
	v.ig = reg
	return nil
}

// LoadWarnings lists the files of Options.IG that could not be used, each
// with its problem.
func (v *Validator) LoadWarnings() []string { return append([]string(nil), v.loadWarnings...) }

// profilePhase checks the payload against the loaded profiles.
func (v *Validator) profilePhase(root *tree.Node, res *Result) {
	for _, f := range v.ig.Check(root, v.opts.Profiles) {
		res.Issues = append(res.Issues, issueOf(f))
	}
}
