package fhirpath

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// function describes a FHIRPath function: its arity, whether its argument
// is a type name, and its implementation.
type function struct {
	name             string
	minArgs, maxArgs int
	typeArg          bool
	// unsupported marks functions the engine cannot evaluate faithfully.
	unsupported bool
	impl        func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error)
}

func (f *function) arity() string {
	switch {
	case f.maxArgs == 0:
		return "no arguments to " + f.name + "()"
	case f.minArgs == f.maxArgs:
		return itoa(f.minArgs) + " argument(s) to " + f.name + "()"
	}
	return itoa(f.minArgs) + " to " + itoa(f.maxArgs) + " arguments to " + f.name + "()"
}

var functionTable = map[string]*function{}

func lookupFunction(name string) *function { return functionTable[name] }

// Functions returns the names of the functions the engine knows, for
// documentation and for rule-pack linting.
func Functions() []string {
	out := make([]string, 0, len(functionTable))
	for n := range functionTable {
		out = append(out, n)
	}
	sortStrings(out)
	return out
}

type implFunc = func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error)

func def(name string, minArgs, maxArgs int, impl implFunc) {
	functionTable[name] = &function{name: name, minArgs: minArgs, maxArgs: maxArgs, impl: impl}
}

func init() {
	// Existence.
	def("empty", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		return boolean(len(in) == 0), nil
	})
	def("exists", 0, 1, func(ev *evaluator, c *callExpr, in, _ Collection, fr *frame) (Collection, error) {
		if len(c.args) == 0 {
			return boolean(len(in) > 0), nil
		}
		out, err := ev.where(in, c.args[0], fr)
		return boolean(len(out) > 0), err
	})
	def("all", 1, 1, func(ev *evaluator, c *callExpr, in, _ Collection, fr *frame) (Collection, error) {
		ok := true
		err := ev.each(in, c.args[0], fr, func(_ Item, res Collection) (bool, error) {
			t, err := truthOf(res, "all")
			if t != True {
				ok = false
			}
			return !ok, err
		})
		if err != nil {
			return nil, err
		}
		return boolean(ok), nil
	})
	for _, name := range []string{"allTrue", "anyTrue", "allFalse", "anyFalse"} {
		want := Boolean(strings.HasSuffix(name, "True"))
		every := strings.HasPrefix(name, "all")
		def(name, 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
			for _, it := range in {
				v, _ := valueOf(it)
				b, isBool := v.(Boolean)
				if !isBool {
					return nil, evalErrorf("%s() needs booleans, got %s", name, it)
				}
				if every && b != want {
					return boolean(false), nil
				}
				if !every && b == want {
					return boolean(true), nil
				}
			}
			return boolean(every), nil
		})
	}
	def("count", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		return integer(len(in)), nil
	})
	def("distinct", 0, 0, func(ev *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		return ev.union(in, nil)
	})
	def("isDistinct", 0, 0, func(ev *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		d, err := ev.union(in, nil)
		return boolean(len(d) == len(in)), err
	})
	def("subsetOf", 1, 1, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		other, err := ev.eval(c.args[0], scope, fr)
		if err != nil {
			return nil, err
		}
		return ev.subset(in, other)
	})
	def("supersetOf", 1, 1, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		other, err := ev.eval(c.args[0], scope, fr)
		if err != nil {
			return nil, err
		}
		return ev.subset(other, in)
	})

	// Filtering and projection.
	def("where", 1, 1, func(ev *evaluator, c *callExpr, in, _ Collection, fr *frame) (Collection, error) {
		return ev.where(in, c.args[0], fr)
	})
	def("select", 1, 1, func(ev *evaluator, c *callExpr, in, _ Collection, fr *frame) (Collection, error) {
		var out Collection
		err := ev.each(in, c.args[0], fr, func(_ Item, res Collection) (bool, error) {
			out = append(out, res...)
			return false, ev.step(len(res))
		})
		return out, err
	})
	def("repeat", 1, 1, func(ev *evaluator, c *callExpr, in, _ Collection, fr *frame) (Collection, error) {
		return ev.repeat(in, c.args[0], fr)
	})
	typeFn := func(name string, impl implFunc) {
		functionTable[name] = &function{name: name, minArgs: 1, maxArgs: 1, typeArg: true, impl: impl}
	}
	typeFn("ofType", func(ev *evaluator, c *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		return ev.ofType(in, *c.typ), nil
	})
	typeFn("as", func(ev *evaluator, c *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		return ev.asType(in, *c.typ)
	})
	typeFn("is", func(ev *evaluator, c *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		return ev.isType(in, *c.typ)
	})

	// Subsetting.
	def("single", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		if len(in) > 1 {
			return nil, evalErrorf("single() found %d items", len(in))
		}
		return in, nil
	})
	def("first", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		if len(in) == 0 {
			return nil, nil
		}
		return in[:1], nil
	})
	def("last", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		if len(in) == 0 {
			return nil, nil
		}
		return in[len(in)-1:], nil
	})
	def("tail", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		if len(in) < 2 {
			return nil, nil
		}
		return in[1:], nil
	})
	def("skip", 1, 1, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		n, ok, err := ev.integerArg(c.args[0], scope, fr, "skip()")
		if err != nil || !ok {
			return nil, err
		}
		if n <= 0 {
			return in, nil
		}
		if n >= int64(len(in)) {
			return nil, nil
		}
		return in[n:], nil
	})
	def("take", 1, 1, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		n, ok, err := ev.integerArg(c.args[0], scope, fr, "take()")
		if err != nil || !ok || n <= 0 {
			return nil, err
		}
		if n >= int64(len(in)) {
			return in, nil
		}
		return in[:n], nil
	})
	def("intersect", 1, 1, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		return ev.filterBy(c, in, scope, fr, true, true)
	})
	def("exclude", 1, 1, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		return ev.filterBy(c, in, scope, fr, false, false)
	})

	// Combining.
	def("union", 1, 1, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		other, err := ev.eval(c.args[0], scope, fr)
		if err != nil {
			return nil, err
		}
		return ev.union(in, other)
	})
	def("combine", 1, 1, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		other, err := ev.eval(c.args[0], scope, fr)
		if err != nil {
			return nil, err
		}
		if err := ev.step(len(in) + len(other)); err != nil {
			return nil, err
		}
		return append(append(Collection{}, in...), other...), nil
	})

	// Conversion and logic.
	def("iif", 2, 3, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		if c.recv != nil {
			// iif() is not a filter: called on several items it has no
			// single $this to decide for.
			if len(in) > 1 {
				return nil, evalErrorf("iif() needs a single item as its input, got %d", len(in))
			}
			scope = in
		}
		cond, err := ev.eval(c.args[0], scope, fr)
		if err != nil {
			return nil, err
		}
		t, err := truthOf(cond, "iif")
		if err != nil {
			return nil, err
		}
		if t == True {
			return ev.eval(c.args[1], scope, fr)
		}
		if len(c.args) == 3 {
			return ev.eval(c.args[2], scope, fr)
		}
		return nil, nil
	})
	def("not", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		t, err := truthOf(in, "not()")
		switch {
		case err != nil || t == Empty:
			return nil, err
		case t == True:
			return boolean(false), nil
		}
		return boolean(true), nil
	})
	def("toString", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		s, ok, err := singleText(in, "toString()")
		if err != nil || !ok {
			return nil, err
		}
		return str(s), nil
	})
	def("toInteger", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		v, ok, err := singleValue(in, "toInteger()")
		if err != nil || !ok {
			return nil, err
		}
		switch v := v.(type) {
		case Integer:
			return Collection{ValueItem(v)}, nil
		case Boolean:
			if v {
				return Collection{ValueItem(Integer(1))}, nil
			}
			return Collection{ValueItem(Integer(0))}, nil
		case String:
			s := strings.TrimPrefix(strings.TrimPrefix(string(v), "+"), "-")
			if s != "" && allDigits(s) {
				if d, ok := ParseDecimal(string(v)); ok && d.r.Num().IsInt64() {
					return Collection{ValueItem(Integer(d.r.Num().Int64()))}, nil
				}
			}
		}
		return nil, nil
	})
	def("toDecimal", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		v, ok, err := singleValue(in, "toDecimal()")
		if err != nil || !ok {
			return nil, err
		}
		switch v := v.(type) {
		case Integer:
			return Collection{ValueItem(decimalFromInt(int64(v)))}, nil
		case Decimal:
			return Collection{ValueItem(v)}, nil
		case Boolean:
			if v {
				return Collection{ValueItem(decimalFromInt(1))}, nil
			}
			return Collection{ValueItem(decimalFromInt(0))}, nil
		case String:
			if d, ok := ParseDecimal(string(v)); ok && !strings.ContainsAny(string(v), "eE") {
				return Collection{ValueItem(d)}, nil
			}
		}
		return nil, nil
	})
	def("toBoolean", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		v, ok, err := singleValue(in, "toBoolean()")
		if err != nil || !ok {
			return nil, err
		}
		switch v := v.(type) {
		case Boolean:
			return Collection{ValueItem(v)}, nil
		case Integer:
			if v == 0 || v == 1 {
				return boolean(v == 1), nil
			}
		case String:
			switch strings.ToLower(string(v)) {
			case "true", "t", "yes", "y", "1", "1.0":
				return boolean(true), nil
			case "false", "f", "no", "n", "0", "0.0":
				return boolean(false), nil
			}
		}
		return nil, nil
	})

	// Strings. Each takes a single string (or primitive, read as its text);
	// empty input gives empty output.
	strFn := func(name string, minArgs, maxArgs int, f func(ev *evaluator, s string, args []Collection, c *callExpr) (Collection, error)) {
		what := name + "()"
		def(name, minArgs, maxArgs, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
			s, ok, err := singleText(in, what)
			if err != nil || !ok {
				return nil, err
			}
			// The arguments go on the evaluator's stack, which arguments
			// that call string functions themselves push above.
			mark := len(ev.args)
			defer func() {
				clear(ev.args[mark:])
				ev.args = ev.args[:mark]
			}()
			for i, a := range c.args {
				arg, err := ev.eval(a, scope, fr)
				if err != nil {
					return nil, err
				}
				if len(arg) == 0 {
					return nil, nil
				}
				if len(arg) > 1 {
					return nil, evalErrorf("%s(): argument %d has %d items", name, i+1, len(arg))
				}
				ev.args = append(ev.args, arg)
			}
			return f(ev, s, ev.args[mark:], c)
		})
	}
	argText := func(c Collection) string {
		s, _, _ := singleText(c, "")
		return s
	}
	strFn("startsWith", 1, 1, func(_ *evaluator, s string, a []Collection, _ *callExpr) (Collection, error) {
		return boolean(strings.HasPrefix(s, argText(a[0]))), nil
	})
	strFn("endsWith", 1, 1, func(_ *evaluator, s string, a []Collection, _ *callExpr) (Collection, error) {
		return boolean(strings.HasSuffix(s, argText(a[0]))), nil
	})
	strFn("contains", 1, 1, func(_ *evaluator, s string, a []Collection, _ *callExpr) (Collection, error) {
		return boolean(strings.Contains(s, argText(a[0]))), nil
	})
	strFn("indexOf", 1, 1, func(_ *evaluator, s string, a []Collection, _ *callExpr) (Collection, error) {
		i := strings.Index(s, argText(a[0]))
		if i > 0 {
			i = utf8.RuneCountInString(s[:i])
		}
		return Collection{ValueItem(Integer(i))}, nil
	})
	strFn("substring", 1, 2, func(_ *evaluator, s string, a []Collection, _ *callExpr) (Collection, error) {
		rs := []rune(s)
		start, ok := intOf(a[0])
		if !ok {
			return nil, evalErrorf("substring(): start must be an integer")
		}
		if start < 0 || start >= int64(len(rs)) {
			return nil, nil
		}
		end := int64(len(rs))
		if len(a) == 2 {
			n, ok := intOf(a[1])
			if !ok {
				return nil, evalErrorf("substring(): length must be an integer")
			}
			if n < 0 {
				n = 0
			}
			end = min(end, start+n)
		}
		return str(string(rs[start:end])), nil
	})
	strFn("upper", 0, 0, func(_ *evaluator, s string, _ []Collection, _ *callExpr) (Collection, error) {
		return str(strings.ToUpper(s)), nil
	})
	strFn("lower", 0, 0, func(_ *evaluator, s string, _ []Collection, _ *callExpr) (Collection, error) {
		return str(strings.ToLower(s)), nil
	})
	strFn("trim", 0, 0, func(_ *evaluator, s string, _ []Collection, _ *callExpr) (Collection, error) {
		return str(strings.TrimSpace(s)), nil
	})
	strFn("length", 0, 0, func(_ *evaluator, s string, _ []Collection, _ *callExpr) (Collection, error) {
		return Collection{ValueItem(Integer(utf8.RuneCountInString(s)))}, nil
	})
	strFn("replace", 2, 2, func(ev *evaluator, s string, a []Collection, _ *callExpr) (Collection, error) {
		pat, sub := argText(a[0]), argText(a[1])
		if pat == "" && len(sub)*(len(s)+1) > maxStringLen || pat != "" && len(sub) > len(pat) && len(sub)*(len(s)/len(pat)+1) > maxStringLen {
			return nil, evalErrorf("replace(): result could exceed %d bytes", maxStringLen)
		}
		if pat == "" {
			// An empty pattern puts the substitution around every character.
			var b strings.Builder
			b.WriteString(sub)
			for _, r := range s {
				b.WriteRune(r)
				b.WriteString(sub)
			}
			return ev.stringResult(b.String())
		}
		return ev.stringResult(strings.ReplaceAll(s, pat, sub))
	})
	strFn("matches", 1, 1, func(_ *evaluator, s string, a []Collection, c *callExpr) (Collection, error) {
		re, err := regexFor(argText(a[0]))
		if err != nil {
			return nil, err
		}
		return boolean(re.MatchString(s)), nil
	})
	strFn("replaceMatches", 2, 2, func(ev *evaluator, s string, a []Collection, c *callExpr) (Collection, error) {
		// An empty pattern matches nowhere rather than between every
		// character: the input comes back unchanged.
		if argText(a[0]) == "" {
			return ev.stringResult(s)
		}
		re, err := regexFor(argText(a[0]))
		if err != nil {
			return nil, err
		}
		return ev.replaceMatches(re, s, argText(a[1]))
	})
	def("toChars", 0, 0, func(ev *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		s, ok, err := singleText(in, "toChars()")
		if err != nil || !ok {
			return nil, err
		}
		if err := ev.step(len(s)); err != nil {
			return nil, err
		}
		var out Collection
		for _, r := range s {
			out = append(out, ValueItem(String(string(r))))
		}
		return out, nil
	})

	// Tree navigation.
	def("children", 0, 0, func(ev *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		var out Collection
		for _, it := range in {
			if it.node == nil {
				continue
			}
			if ca, ok := it.node.(ChildAppender); ok {
				n0 := len(out)
				out = ca.AppendAllChildren(out)
				if err := ev.step(len(out) - n0 + 1); err != nil {
					return nil, err
				}
				continue
			}
			kids := it.node.AllChildren()
			if err := ev.step(len(kids) + 1); err != nil {
				return nil, err
			}
			out = slices.Grow(out, len(kids))
			for _, k := range kids {
				if k != nil {
					out = append(out, NodeItem(k))
				}
			}
		}
		return out, nil
	})
	def("descendants", 0, 0, func(ev *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		return ev.descendants(in)
	})

	// Utility.
	def("trace", 1, 2, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		if ev.env.Trace == nil {
			return in, nil
		}
		name, err := ev.eval(c.args[0], scope, fr)
		if err != nil {
			return nil, err
		}
		shown := in
		if len(c.args) == 2 {
			shown = nil
			err := ev.each(in, c.args[1], fr, func(_ Item, res Collection) (bool, error) {
				shown = append(shown, res...)
				return false, nil
			})
			if err != nil {
				return nil, err
			}
		}
		label, _, _ := singleText(name, "")
		ev.env.Trace(label, append(Collection(nil), shown...)) // the arena is reused
		return in, nil
	})
	def("now", 0, 0, func(ev *evaluator, _ *callExpr, _, _ Collection, _ *frame) (Collection, error) {
		t := ev.clock()
		_, off := t.Zone()
		d := DateTime{Year: t.Year(), Month: int(t.Month()), Day: t.Day(), Hour: t.Hour(), Minute: t.Minute(),
			Second: t.Second(), Nanosecond: t.Nanosecond() / 1e6 * 1e6, Precision: PrecMillisecond,
			HasZone: true, ZoneMinutes: off / 60}
		return Collection{ValueItem(d)}, nil
	})
	def("today", 0, 0, func(ev *evaluator, _ *callExpr, _, _ Collection, _ *frame) (Collection, error) {
		t := ev.clock().In(ev.loc)
		d := DateTime{Year: t.Year(), Month: int(t.Month()), Day: t.Day(), Precision: PrecDay, DateOnly: true}
		return Collection{ValueItem(d)}, nil
	})
	def("timeOfDay", 0, 0, func(ev *evaluator, _ *callExpr, _, _ Collection, _ *frame) (Collection, error) {
		t := ev.clock().In(ev.loc)
		return Collection{ValueItem(Time{Hour: t.Hour(), Minute: t.Minute(), Second: t.Second(),
			Nanosecond: t.Nanosecond() / 1e6 * 1e6, Precision: PrecMillisecond})}, nil
	})

	// FHIR additions.
	def("hasValue", 0, 0, func(_ *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		if len(in) != 1 {
			return boolean(false), nil
		}
		if in[0].node == nil {
			return boolean(true), nil
		}
		return boolean(isPrimitiveNode(in[0])), nil
	})
	def("extension", 1, 1, func(ev *evaluator, c *callExpr, in, scope Collection, fr *frame) (Collection, error) {
		urlC, err := ev.eval(c.args[0], scope, fr)
		if err != nil {
			return nil, err
		}
		url, ok, err := singleText(urlC, "extension()")
		if err != nil || !ok {
			return nil, err
		}
		exts, err := ev.navigate(in, "extension", false)
		if err != nil {
			return nil, err
		}
		// The url children are read into arena scratch, so the positions
		// kept wait on the picks stack until the result can be carved.
		mark := len(ev.picks)
		for i, x := range exts {
			if ca, ok := x.node.(ChildAppender); ok {
				for _, u := range ca.AppendChildren(ev.carve(), "url") {
					if t, ok := u.node.Value(); ok && t == url {
						ev.picks = append(ev.picks, i)
						break
					}
				}
				continue
			}
			for _, u := range x.node.Children("url") {
				if t, ok := u.Value(); ok && t == url {
					ev.picks = append(ev.picks, i)
					break
				}
			}
		}
		out := ev.carve()
		for _, j := range ev.picks[mark:] {
			out = append(out, exts[j])
		}
		ev.picks = ev.picks[:mark]
		return ev.keep(out), nil
	})
	def("resolve", 0, 0, func(ev *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		return ev.resolve(in)
	})
	unsupported := func(name string, n int) {
		def(name, n, n, func(ev *evaluator, _ *callExpr, _, _ Collection, _ *frame) (Collection, error) {
			ev.flagUnsupported(name)
			return nil, nil
		})
		functionTable[name].unsupported = true
	}
	unsupported("conformsTo", 1)
	unsupported("memberOf", 1)
	def("htmlchecks", 0, 0, func(ev *evaluator, _ *callExpr, in, _ Collection, _ *frame) (Collection, error) {
		if len(in) == 0 {
			return nil, nil
		}
		for _, it := range in {
			if err := ev.step(1); err != nil {
				return nil, err
			}
			if len(CheckNarrative(it.node)) > 0 {
				return boolean(false), nil
			}
		}
		return boolean(true), nil
	})
}

// singleText returns the text of a single primitive: the instance text for
// an element, the rendering of a System value otherwise.
func singleText(in Collection, what string) (string, bool, error) {
	switch len(in) {
	case 0:
		return "", false, nil
	case 1:
		if t, ok := rawText(in[0]); ok {
			return t, true, nil
		}
		if v, ok := valueOf(in[0]); ok {
			return v.String(), true, nil
		}
		return "", false, evalErrorf("%s needs a primitive value, got %s", what, in[0])
	}
	return "", false, evalErrorf("%s needs a single item, got %d", what, len(in))
}

func intOf(c Collection) (int64, bool) {
	v, _ := valueOf(c[0])
	i, ok := v.(Integer)
	return int64(i), ok
}

// maxRegexLen bounds patterns built at run time.
const maxRegexLen = 4096

// regexFor compiles a FHIRPath regular expression with Go's RE2 engine, in
// single-line mode as FHIRPath asks ('.' matches a newline too). RE2 has no
// look-around or back-references; a pattern that uses them is an evaluation
// error rather than a silent mismatch.
func regexFor(pat string) (*regexp.Regexp, error) {
	if len(pat) > maxRegexLen {
		return nil, evalErrorf("regular expression longer than %d bytes", maxRegexLen)
	}
	if re, ok := regexCache.get(pat); ok {
		return re, nil
	}
	re, err := regexp.Compile("(?s)" + pat)
	if err != nil {
		return nil, evalErrorf("bad regular expression %q: %v", pat, err)
	}
	regexCache.put(pat, re)
	return re, nil
}

// each evaluates e once per item of in, with the item as $this and its
// position as $index, and hands the results to fn until it says stop.
func (ev *evaluator) each(in Collection, e expr, fr *frame, fn func(it Item, res Collection) (stop bool, err error)) error {
	inner := ev.newFrame(fr.total, true)
	defer ev.freeFrame(inner)
	ev.iterating++
	defer func() { ev.iterating-- }()
	for i, it := range in {
		inner.index = i
		res, err := ev.eval(e, in[i:i+1], inner)
		if err != nil {
			return err
		}
		stop, err := fn(it, res)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

// where keeps the items whose criterion is true. The criterion may carve
// from the arena, so the positions kept go on a stack shared by nested
// where() calls, and the result is carved once all are known.
func (ev *evaluator) where(in Collection, e expr, fr *frame) (Collection, error) {
	mark := len(ev.picks)
	i := 0
	err := ev.each(in, e, fr, func(_ Item, res Collection) (bool, error) {
		t, err := truthOf(res, "where")
		if t == True {
			ev.picks = append(ev.picks, i)
		}
		i++
		return false, err
	})
	out := ev.carve()
	for _, j := range ev.picks[mark:] {
		out = append(out, in[j])
	}
	ev.picks = ev.picks[:mark]
	return ev.keep(out), err
}

// repeat applies e to the input, then to what it returned, and so on, and
// returns everything reached. An element or value already reached is not
// expanded again, so cycles end.
func (ev *evaluator) repeat(in Collection, e expr, fr *frame) (Collection, error) {
	var out Collection
	seen := newIdentitySet(ev)
	queue := append(Collection{}, in...)
	ev.iterating++
	defer func() { ev.iterating-- }()
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		res, err := ev.eval(e, Collection{it}, &frame{total: fr.total})
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			fresh, err := seen.add(r)
			if err != nil {
				return nil, err
			}
			if fresh {
				out = append(out, r)
				queue = append(queue, r)
			}
		}
	}
	return out, nil
}

// descendants walks the subtree below each input element, depth first, in
// document order, without recursion.
func (ev *evaluator) descendants(in Collection) (Collection, error) {
	// Within one evaluation the descendants of an element are the same
	// every time: dom-3 asks for %resource.descendants() once per
	// contained resource.
	var key Node
	if len(in) == 1 && in[0].node != nil {
		key = in[0].node
		if all, ok := ev.descendantsOf[key]; ok {
			return all, ev.step(2*len(all) + 1)
		}
	}
	if all, ok, err := ev.appendDescendants(in); ok {
		if err != nil {
			return nil, err
		}
		all = ev.keep(all)
		if key != nil {
			if ev.descendantsOf == nil {
				ev.descendantsOf = map[Node]Collection{}
			}
			ev.descendantsOf[key] = all
		}
		return all, nil
	}
	// The walk evaluates nothing, so it can build its result in the arena
	// and keep its stack for the next walk.
	stack := ev.stack[:0]
	defer func() { clear(stack); ev.stack = stack[:0] }()
	out := ev.carve()
	for _, it := range in {
		if it.node == nil {
			continue
		}
		if err := ev.pushChildren(&stack, it.node); err != nil {
			return nil, err
		}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			out = append(out, n)
			if err := ev.pushChildren(&stack, n.node); err != nil {
				return nil, err
			}
		}
	}
	return ev.keep(out), nil
}

// appendDescendants lists the descendants of every element of in, when
// all of them can append their own, into arena scratch (not kept), and
// charges what the walk in descendants() charges: every element listed
// and every element visited, the input ones included. ok is false when an
// element cannot, or when that would go over budget: the walk then runs
// and stops where it always did.
func (ev *evaluator) appendDescendants(in Collection) (all Collection, ok bool, err error) {
	for _, it := range in {
		if _, can := it.node.(ChildAppender); it.node != nil && !can {
			return nil, false, nil
		}
	}
	all = ev.carve()
	visited := 0
	for _, it := range in {
		if it.node != nil {
			all = it.node.(ChildAppender).AppendDescendants(all)
			visited++
		}
	}
	charge := 2*len(all) + visited
	if ev.steps+charge > ev.maxSteps {
		clear(all)
		return nil, false, nil
	}
	return all, true, ev.step(charge)
}

// pushChildren puts the children of n on the stack, last child first, and
// charges them against the budget.
func (ev *evaluator) pushChildren(stack *Collection, n Node) error {
	n0 := len(*stack)
	listed := 0
	if ca, ok := n.(ChildAppender); ok {
		*stack = ca.AppendAllChildren(*stack)
		listed = len(*stack) - n0
	} else {
		kids := n.AllChildren()
		listed = len(kids)
		for _, k := range kids {
			if k != nil {
				*stack = append(*stack, NodeItem(k))
			}
		}
	}
	slices.Reverse((*stack)[n0:])
	return ev.step(listed + 1)
}

// descendantsOfType evaluates c, an ofType(T) whose receiver is
// descendants(), without building the collection of every descendant. It
// charges the budget exactly as the two calls would.
func (ev *evaluator) descendantsOfType(c *callExpr, scope Collection, fr *frame) (Collection, error) {
	d := c.recv.(*callExpr)
	// What eval would charge on entering descendants().
	if err := ev.step(1); err != nil {
		return nil, err
	}
	ev.depth++
	defer func() { ev.depth-- }()
	if ev.depth > ev.maxDepth {
		return nil, ErrBudget
	}
	in := scope
	if d.recv != nil {
		var err error
		if in, err = ev.eval(d.recv, scope, fr); err != nil {
			return nil, err
		}
	}
	if all, ok, err := ev.appendDescendants(in); ok {
		if err != nil {
			return nil, err
		}
		// Keep the elements of the type, in place.
		out := all[:0]
		for _, n := range all {
			if ev.itemIsType(n, *c.typ) {
				out = append(out, n)
			}
		}
		clear(all[len(out):])
		return ev.keep(out), nil
	}
	var stack Collection
	out := ev.carve()
	for _, it := range in {
		if it.node == nil {
			continue
		}
		stack = stack[:0]
		if err := ev.pushChildren(&stack, it.node); err != nil {
			return nil, err
		}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if ev.itemIsType(n, *c.typ) {
				out = append(out, n)
			}
			if err := ev.pushChildren(&stack, n.node); err != nil {
				return nil, err
			}
		}
	}
	return ev.keep(out), nil
}

func (ev *evaluator) subset(sub, super Collection) (Collection, error) {
	set := newItemSet(ev)
	for _, it := range super {
		if _, err := set.add(it); err != nil {
			return nil, err
		}
	}
	for _, it := range sub {
		has, err := set.has(it)
		if err != nil || !has {
			return boolean(false), err
		}
	}
	return boolean(true), nil
}

// filterBy keeps the items of in that are (keep) or are not (!keep) in the
// argument; dedup drops repeated items as intersect() requires.
func (ev *evaluator) filterBy(c *callExpr, in, scope Collection, fr *frame, keep, dedup bool) (Collection, error) {
	other, err := ev.eval(c.args[0], scope, fr)
	if err != nil {
		return nil, err
	}
	set := newItemSet(ev)
	for _, it := range other {
		if _, err := set.add(it); err != nil {
			return nil, err
		}
	}
	emitted := newItemSet(ev)
	var out Collection
	for _, it := range in {
		has, err := set.has(it)
		if err != nil {
			return nil, err
		}
		if has != keep {
			continue
		}
		if dedup {
			fresh, err := emitted.add(it)
			if err != nil {
				return nil, err
			}
			if !fresh {
				continue
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// itemSet is a set of items keyed by FHIRPath equality.
type itemSet struct {
	ev   *evaluator
	keys map[string]bool
}

func newItemSet(ev *evaluator) *itemSet { return &itemSet{ev: ev, keys: map[string]bool{}} }

func (s *itemSet) add(it Item) (bool, error) {
	k, err := s.ev.itemKey(it, 0)
	if err != nil || s.keys[k] {
		return false, err
	}
	s.keys[k] = true
	return true, nil
}

func (s *itemSet) has(it Item) (bool, error) {
	k, err := s.ev.itemKey(it, 0)
	return s.keys[k], err
}

// resolve follows references through the Env's Resolver.
func (ev *evaluator) resolve(in Collection) (Collection, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if ev.env.Resolver == nil {
		ev.flagUnsupported("resolve")
		return nil, nil
	}
	var out Collection
	for _, it := range in {
		if err := ev.step(1); err != nil {
			return nil, err
		}
		var ref string
		var from Node
		if it.node != nil {
			if t, ok := it.node.Value(); ok {
				ref = t
			} else if ca, ok := it.node.(ChildAppender); ok {
				if rs := ca.AppendChildren(ev.carve(), "reference"); len(rs) == 1 { // scratch
					ref, _ = rs[0].node.Value()
					from = it.node
				}
			} else if rs := it.node.Children("reference"); len(rs) == 1 && rs[0] != nil {
				ref, _ = rs[0].Value()
				from = it.node
			}
		} else if s, ok := it.val.(String); ok {
			ref = string(s)
		}
		if ref == "" {
			continue
		}
		if n, ok := ev.env.Resolver.Resolve(ref, from); ok && n != nil {
			out = append(out, NodeItem(n))
		}
	}
	return out, nil
}

// replaceMatches substitutes every match of re in s, expanding $1 and
// ${name} references, and stops as soon as the result grows too large.
func (ev *evaluator) replaceMatches(re *regexp.Regexp, s, sub string) (Collection, error) {
	var out []byte
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		out = append(out, s[last:m[0]]...)
		out = re.ExpandString(out, sub, s, m)
		last = m[1]
		if len(out) > maxStringLen {
			return nil, evalErrorf("replaceMatches(): result longer than %d bytes", maxStringLen)
		}
		if err := ev.step(1); err != nil {
			return nil, err
		}
	}
	out = append(out, s[last:]...)
	return ev.stringResult(string(out))
}
