package fhirpath

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		expr     string
		col      int
		expected string
	}{
		{"name.given.", 12, "a name or function after '.'"},
		{"name.where(use = 'x'", 21, "',' or ')'"},
		{"(1 + 2", 7, "')'"},
		{"1 +", 4, "an expression"},
		{"a and and b", 7, "an expression"},
		{"name given", 6, "an operator or the end of the expression"},
		{"name.foo()", 6, "a FHIRPath function name"},
		{"count(1)", 6, "no arguments to count()"},
		{"where()", 6, "1 argument(s) to where()"},
		{"substring(1, 2, 3)", 10, "1 to 2 arguments to substring()"},
		{"'abc", 1, "a closing '"},
		{"x = @2014-13-01", 5, "a date (@2015-02-04), date-time (@2015-02-04T14:34:28Z) or time (@T14:34)"},
		{"a # b", 3, "an operator, name or literal"},
		{"ofType(1 + 2)", 8, "a type name as the argument of ofType()"},
		{"x is 5", 6, "a type name"},
		{"$foo", 1, "$this, $index or $total"},
		{"% + 1", 3, "a constant name after '%'"},
		{"a[1", 4, "']'"},
		{"{1}", 2, "'}'"},
		{"/* open", 1, "'*/' to close the comment"},
		{"'\\u12'", 2, "four hex digits after \\u"},
		{"a.\n  b c", 5, "an operator or the end of the expression"},
	} {
		_, err := Compile(c.expr)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: want a ParseError, got %v", c.expr, err)
			continue
		}
		if pe.Column != c.col || pe.Expected != c.expected {
			t.Errorf("%q: got column %d expected %q (%v), want column %d expected %q", c.expr, pe.Column, pe.Expected, pe, c.col, c.expected)
		}
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Compile("name.where(use = 'x' and)")
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
	if got, want := err.Error(), "fhirpath: 1:25: expected an expression, found ')'"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if got, want := pe.Snippet(), "name.where(use = 'x' and)\n                        ^"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	_, err = Compile("a.\n  b c")
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Snippet() != "  b c\n    ^" {
		t.Errorf("multi-line position wrong: %v\n%s", err, pe.Snippet())
	}
}

// TestPrecedence checks the grouping the grammar prescribes by comparing
// results of expressions with their explicitly parenthesised forms.
func TestPrecedence(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"1 + 2 * 3", "1 + (2 * 3)"},
		{"10 - 4 - 3", "(10 - 4) - 3"},
		{"-2.abs", "-(2.abs)"},
		{"1 | 2 = 1 | 2", "(1 | 2) = (1 | 2)"},
		{"1 < 2 = true", "(1 < 2) = true"},
		{"true or false and false", "true or (false and false)"},
		{"false implies false or true", "false implies (false or true)"},
		{"true xor true implies false", "(true xor true) implies false"},
		{"1 in (1 | 2) = true", "1 in ((1 | 2) = true)"},
		{"2 is Integer = true", "(2 is Integer) = true"},
		{"'a' + 'b' is String", "('a' + 'b') is String"},
		{"1 + 2 | 3", "(1 + 2) | 3"},
		{"3 = 3 and 1 ~ 1", "(3 = 3) and (1 ~ 1)"},
		{"(1|2).count() * 2 - 1", "(((1|2).count()) * 2) - 1"},
	} {
		ra, err := MustCompile(c.a).Evaluate(context.Background(), nil, nil)
		if err != nil {
			t.Errorf("%s: %v", c.a, err)
			continue
		}
		rb, err := MustCompile(c.b).Evaluate(context.Background(), nil, nil)
		if err != nil {
			t.Errorf("%s: %v", c.b, err)
			continue
		}
		if render(ra.Collection) != render(rb.Collection) {
			t.Errorf("%s = %s but %s = %s", c.a, render(ra.Collection), c.b, render(rb.Collection))
		}
	}
}

func TestKeywordsAsNames(t *testing.T) {
	// After a dot every keyword is a name: contains() the function, and
	// elements that happen to share a keyword's spelling.
	root := fromJSON(t, `{"as":"x","is":"y","contains":[{"div":"z"}]}`)
	runCases(t, root, testEnv(), []evalCase{
		{"$this.as", "['x']"},
		{"$this.is.contains('y')", "[true]"},
		{"$this.contains.div", "['z']"},
		{"`as` & `is`", "['xy']"},
		// At the start of a term too, for as, contains, in and is.
		{"repeat(contains).div", "['z']"},
		{"as & is", "['xy']"},
		{"select(contains.div)", "['z']"},
	})
	for _, src := range []string{"and", "select(div)", "or.x"} {
		if _, err := Compile(src); err == nil {
			t.Errorf("%s: want a compile error, an operator keyword is not a name", src)
		}
	}
}

func TestDeepNestingIsAnErrorNotACrash(t *testing.T) {
	deep := strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000)
	if _, err := Compile(deep); err == nil {
		t.Fatal("want an error for absurd nesting")
	}
	ok := strings.Repeat("(", 150) + "1" + strings.Repeat(")", 150)
	if _, err := Compile(ok); err != nil {
		t.Fatalf("150 levels should compile: %v", err)
	}
	long := strings.Repeat("a.", 50000) + "b"
	e, err := Compile(long)
	if err != nil {
		t.Fatalf("long path should compile: %v", err)
	}
	// A long flat path is deep for the evaluator, which must stop cleanly.
	if _, err := e.Evaluate(context.Background(), fromJSON(t, `{"a":{}}`), nil); !errors.Is(err, ErrBudget) {
		t.Fatalf("want ErrBudget, got %v", err)
	}
}

func TestConcurrentEvaluation(t *testing.T) {
	e := MustCompile("name.where(use = 'official').given.first() & '/' & (descendants().count() > 5).toString()")
	roots := []*tnode{fromJSON(t, patientJSON), fromJSON(t, observationJSON)}
	want := make([]string, len(roots))
	for i, r := range roots {
		res, err := e.Evaluate(context.Background(), r, testEnv())
		if err != nil {
			t.Fatal(err)
		}
		want[i] = render(res.Collection)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				k := (g + i) % len(roots)
				res, err := e.Evaluate(context.Background(), roots[k], &Env{Now: time.Now()})
				if err != nil || render(res.Collection) != want[k] {
					t.Errorf("goroutine %d: got %s %v want %s", g, render(res.Collection), err, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}
