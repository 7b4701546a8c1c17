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
package fhirpath
