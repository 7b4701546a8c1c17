package validate

import (
	"strconv"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/ucum"
)

// RuleUCUM checks that a Quantity coded in UCUM carries a valid UCUM unit.
const RuleUCUM = "fhir:ucum"

// UCUMSystem is the code system URI of UCUM units.
const UCUMSystem = "http://unitsofmeasure.org"

// ucumQuantity reports whether typ is Quantity or one of the STU3 types
// constrained from it. Money is left out: its codes are ISO 4217
// currencies. A switch, as it is asked of every element.
func ucumQuantity(typ string) bool {
	switch typ {
	case "Quantity", "SimpleQuantity", "Age", "Distance", "Duration", "Count":
		return true
	}
	return false
}

// ucum reports the code of a UCUM-coded quantity that is not valid UCUM,
// on the code element, as an error, for every quantity type and with or
// without a binding: the HL7 reference validator checks a Quantity's code in
// its code system and reports an unknown code at severity error
// (validate/TERMINOLOGY.md gives the details and the STU3 grounds).
func (s *structure) ucum(n *tree.Node) {
	if !ucumQuantity(n.Type) {
		return
	}
	sys, code := n.Child("system"), n.Child("code")
	if sys == nil || !sys.HasValue || sys.Value != UCUMSystem || code == nil || !code.HasValue || code.Value == "" {
		return
	}
	if err := ucum.Validate(code.Value); err != nil {
		s.add(code, SeverityError, "code-invalid", SpineInvalidCodeValue, RuleUCUM,
			"code "+strconv.Quote(code.Value)+" of system "+UCUMSystem+" is not a valid UCUM unit: "+err.Error())
	}
}
