package fhirpath

// expr is a node of a compiled expression. Every node records the byte
// offset it starts at, so evaluation errors can point into the source.
type expr interface{ offset() int }

type (
	// literalExpr is a constant: a single value, or nothing for {}.
	literalExpr struct {
		at   int
		val  Value      // nil for the empty collection
		coll Collection // val as a collection, built once
	}
	// identExpr navigates from the focus to the children called name; at
	// the start of a path it may also be a type name (Bundle.entry).
	identExpr struct {
		at   int
		name string
	}
	// memberExpr navigates from recv to its children called name.
	memberExpr struct {
		at   int
		recv expr
		name string
	}
	// callExpr invokes a function on recv, or on the focus when recv is nil.
	callExpr struct {
		at   int
		recv expr
		name string
		args []expr
		fn   *function
		typ  *typeSpec // the type argument of is(), as() and ofType()
		// ofDescendants marks descendants().ofType(T), evaluated in one
		// walk that keeps only the elements of type T.
		ofDescendants bool
	}
	indexExpr struct {
		at        int
		recv, idx expr
	}
	unaryExpr struct {
		at int
		op string
		x  expr
	}
	binaryExpr struct {
		at   int
		op   string
		l, r expr
	}
	// typeExpr is the is / as operator.
	typeExpr struct {
		at int
		op string
		x  expr
		t  typeSpec
	}
	// varExpr is $this, $index or $total.
	varExpr struct {
		at   int
		name string
	}
	// constExpr is an external constant such as %resource or %"vs-name".
	constExpr struct {
		at   int
		name string
	}
)

// typeSpec names a type, optionally qualified by its namespace (FHIR or
// System).
type typeSpec struct {
	ns, name string
	// Worked out once, for nodeIsType: whether a built-in type derives
	// from name.
	isBase bool
}

func newTypeSpec(ns, name string) typeSpec {
	return typeSpec{ns: ns, name: name, isBase: isBuiltinBase(name)}
}

func (t typeSpec) String() string {
	if t.ns != "" {
		return t.ns + "." + t.name
	}
	return t.name
}

func newLiteral(at int, v Value) *literalExpr {
	return &literalExpr{at: at, val: v, coll: Collection{ValueItem(v)}[:1:1]}
}

func (e *literalExpr) offset() int { return e.at }
func (e *identExpr) offset() int   { return e.at }
func (e *memberExpr) offset() int  { return e.at }
func (e *callExpr) offset() int    { return e.at }
func (e *indexExpr) offset() int   { return e.at }
func (e *unaryExpr) offset() int   { return e.at }
func (e *binaryExpr) offset() int  { return e.at }
func (e *typeExpr) offset() int    { return e.at }
func (e *varExpr) offset() int     { return e.at }
func (e *constExpr) offset() int   { return e.at }
