package fhirpath

// CompileUnshared compiles src without the sharing of independent parts
// across iterations, for tests outside the package to compare with.
func CompileUnshared(src string) (*Expression, error) {
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	return &Expression{src: src, root: root}, nil
}

// SharedParts returns the number of parts of e shared across iterations.
func SharedParts(e *Expression) int { return e.slots }
