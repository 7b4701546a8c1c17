// Package fhirpath is nemsfhir's own FHIRPath engine: the FHIRPath of the
// STU3 era (the normative N1 subset the STU3 invariants are written in), with
// a few later additions that rule packs find handy.
//
// An expression is compiled once with [Compile] and then evaluated any number
// of times, from any number of goroutines, against a tree of FHIR elements
// seen through the [Node] interface:
//
//	expr, err := fhirpath.Compile("entry.search.empty() or (type = 'searchset')")
//	if err != nil {
//		// err is a *ParseError with the line, column and what was expected
//	}
//	res, err := expr.Evaluate(ctx, bundle, &fhirpath.Env{Resource: bundle})
//	switch res.Truth() {
//	case fhirpath.True:  // invariant holds
//	case fhirpath.False: // invariant violated
//	case fhirpath.Empty: // nothing to say
//	}
//
// Evaluation never panics on well-behaved Node implementations; it is bounded
// by a step budget and a recursion limit ([Env.MaxSteps], [Env.MaxDepth]) and
// honours context cancellation. Functions that cannot be evaluated faithfully
// here (memberOf, conformsTo, resolve without an [Env.Resolver]) evaluate to
// empty and are named in [Result.Unsupported] so the caller can say so.
//
// # Where the engine departs from the letter of the specification
//
// Each departure is deliberate and serves the STU3 invariants as their
// authors meant them, or keeps a batch validator running:
//
//   - A FHIR primitive compared with = to a string literal compares its
//     instance text (mad-3 writes notGiven = 'false').
//   - A primitive element with only extensions reads as empty in & and in
//     arithmetic (eld-13 concatenates such a code).
//   - Unknown string escapes keep their backslash ('\-' in eld-16 reaches
//     the regex engine as written).
//   - Regular expressions are Go's RE2: matches() finds a match anywhere
//     (anchor with ^ and $); look-around and back-references are errors.
//   - Quantities compare only in the same unit (calendar keywords and their
//     UCUM codes count as the same); other units give empty, not a UCUM
//     conversion.
//   - Text that does not parse as its declared primitive type is kept as a
//     String; the structure phase reports the format error.
package fhirpath
