// Package structuredef uses FHIR STU3 StructureDefinitions as profiles: it
// loads them, with the ValueSets and CodeSystems they bind to, from folders
// or FHIR packages, and package validate checks payloads against them
// (validate.Options.IG and Profiles).
//
//	reg, err := structuredef.Load("defs/", "hl7.fhir.uk.core.tgz")
//	if err != nil {
//		return err // a LoadErrors: each file that cannot be used, with its line:col
//	}
//	// reg.Warnings() names the parts of profiles that cannot be evaluated.
//
// The check validates every resource of a payload (the root, Bundle entries,
// contained resources) against the profiles its meta.profile names, the
// root also against the profiles the caller names, and every extension
// against its definition when that is loaded. Each finding has a rule id
// "profile:<StructureDefinition name>:<kind>", where kind is one of
// cardinality, fixed, pattern, binding, type, reference, slice,
// constraint, context, maxLength, minValue or maxValue; a profile URL that
// is not loaded gives a warning with rule [RuleUnknownProfile]. Findings
// carry the Spine code INVALID_RESOURCE (HTTP 422), except wrong codes
// (INVALID_CODE_VALUE), wrong code systems (INVALID_CODE_SYSTEM) and wrong
// identifier systems (INVALID_IDENTIFIER_SYSTEM), which NEMS answers with
// HTTP 400.
//
// Profiles only add to base STU3 validation (package validate): a profile
// cardinality equal to the base one, a required binding the base already
// has and the base invariants are left to it, so nothing is reported twice.
//
// # Supported constructs
//
//   - Loading: StructureDefinition, ValueSet and CodeSystem in XML or JSON,
//     from folders (recursive), single files, Bundles of them (such as an
//     IG's expansions) and FHIR package .tgz files (package/*.json).
//   - Snapshots: the published snapshot when present; otherwise the
//     differential applied to the base (an STU3 type from the model, or a
//     loaded profile, recursively), including new slices and paths into
//     datatypes that the base does not expand.
//   - Cardinality narrowed by the profile, max 0 (forbidden elements).
//   - fixed[x] (exact) and pattern[x] (partial, deep: CodeableConcept,
//     Coding, Identifier, ...).
//   - Required (error) and extensible (warning) bindings on code, Coding,
//     CodeableConcept, string and uri, with value sets expanded from their
//     expansion, compose.include concepts, whole loaded code systems and
//     imported value sets, filters (is-a, descendant-of, is-not-a, =,
//     regex, in, not-in) over code systems held in full, or the STU3
//     model's own expansions. A code is only called wrong when the value
//     set is fully known, or when its system is one the value set does not
//     draw on.
//   - Types: restriction of choice elements and nested resources, STU3
//     renamed choices (valueDateTime standing for value[x]), profiles on
//     types (extension definitions, profiled datatypes), and
//     targetProfile of references whose target is in the same Bundle or
//     contained.
//   - Slicing with value, pattern, type, exists and profile discriminators
//     on paths of names, $this, extension('url'), resolve() and
//     ofType(Type) (the last three evaluated with the FHIRPath engine);
//     value and pattern slices defined by a binding instead of a value
//     take the codes of the bound value set, and a code whose membership
//     cannot be judged offline (or a reference that does not resolve in
//     the payload) is a warning naming the slice, neither placed in it nor
//     rejected; extensions are sliced by url even without a discriminator;
//     per-slice cardinality, rules closed and openAtEnd, ordered slicing;
//     re-slicing (slice "a/b" slices the members of slice a); nested
//     extension slices (complex extensions) and their value[x] types.
//   - Profile constraints in FHIRPath that compile with the project's
//     engine; base constraint keys are skipped.
//   - Extension definitions: value type and nested structure, modifier
//     use, occurrences against the root's max, and context (contextType
//     resource, datatype or extension; names, paths, base types, "*",
//     Element, Resource, and Any, any datatype; paths through a
//     contentReference and renamed choices; contextType mapping cannot be
//     judged and says so in an information finding); an extension
//     inside the value an ElementDefinition gives (fixed[x], pattern[x],
//     defaultValue[x], minValue[x], maxValue[x], example) is judged on the
//     element being defined.
//   - maxLength narrowed by the profile.
//   - minValue[x] and maxValue[x]: integers and decimals; dates, dateTimes,
//     instants and times compared by FHIRPath (a precision that allows no
//     answer is a warning); Quantities in the same unit, or in UCUM units
//     converted through internal/ucum (other units, and a comparator that
//     leaves the side open, are warnings).
//
// # Not supported
//
//   - Discriminator paths with other functions (where(), first(), ...) and
//     slicing without discriminators other than on extensions and choices.
//   - Filters over code systems not held in full (is-a over SNOMED CT and
//     the like), on properties other than the code, or hierarchical ones
//     where the code system does not state an is-a hierarchy by nesting;
//     external code systems: codes there are not judged.
//   - minValue/maxValue of other types, mustSupport, isModifier and the
//     conformance of references whose target is outside the payload.
//   - Constraints that need memberOf or conformsTo, or fail to compile.
//
// [Supported] returns the same list as data.
package structuredef

// Construct is one StructureDefinition feature and how far the profile check honours it.
type Construct struct {
	Name      string
	Supported bool
	Note      string
}

// Supported lists the constructs of StructureDefinitions that the profile check
// evaluates, and those it does not.
func Supported() []Construct {
	return []Construct{
		{"snapshot", true, "used as published"},
		{"differential", true, "applied to an STU3 type or a loaded profile when there is no snapshot"},
		{"cardinality", true, "min/max narrowed by the profile, max 0"},
		{"fixed[x]", true, "exact match, complex values included"},
		{"pattern[x]", true, "partial deep match (CodeableConcept, Coding, Identifier, ...)"},
		{"binding", true, "required is an error, extensible a warning; value sets from loaded expansions, includes and code systems"},
		{"type", true, "choice and resource type restrictions, renamed STU3 choices, profiles on types"},
		{"targetProfile", true, "for references resolved within the Bundle or contained resources"},
		{"slicing:value", true, "paths of names, $this, extension('url'), resolve(), ofType(); a binding instead of a value means value set membership"},
		{"slicing:pattern", true, "as value"},
		{"slicing:type", true, ""},
		{"slicing:exists", true, ""},
		{"slicing:profile", true, "against loaded profiles"},
		{"slicing:rules", true, "closed, open, openAtEnd"},
		{"slicing:ordered", true, ""},
		{"extension", true, "url slicing, nested extensions, value[x] types, context"},
		{"constraint", true, "FHIRPath that compiles and needs no terminology or conformsTo"},
		{"maxLength", true, ""},
		{"discriminator functions", true, "extension('url'), resolve() and ofType(Type); other functions are load warnings"},
		{"re-slicing", true, "slice a/b slices the members of slice a"},
		{"value set filters", true, "is-a, descendant-of, is-not-a, =, regex, in, not-in over code systems held in full; others need a terminology server"},
		{"minValue/maxValue", true, "numbers, dates and times, Quantities (UCUM)"},
		{"mustSupport", false, "has no meaning for a validator"},
		{"external references", false, "targets outside the payload are not fetched"},
	}
}
