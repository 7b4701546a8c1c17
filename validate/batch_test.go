package validate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

// countedInputs is a source of n in-memory payloads that counts how many
// inputs were taken from it and how many were opened. Every seventh payload
// is a large Bundle, so that results finish out of order.
type countedInputs struct {
	n              int
	pulled, opened atomic.Int64
}

func (c *countedInputs) seq() iter.Seq[inputs.Input] {
	return func(yield func(inputs.Input) bool) {
		for i := range c.n {
			c.pulled.Add(1)
			src := fmt.Sprintf(`{"resourceType":"Patient","id":"p%d","active":true}`, i)
			if i%7 == 0 {
				src = string(bigBundle(150))
			}
			in := inputs.Input{Name: fmt.Sprintf("in%04d", i), Open: func() (io.ReadCloser, error) {
				c.opened.Add(1)
				return io.NopCloser(strings.NewReader(src)), nil
			}}
			if !yield(in) {
				return
			}
		}
	}
}

// TestValidateAllOrderAndBound: results come in input order whatever
// order they finish in, and a slow consumer holds the workers to at most
// 2*Workers inputs ahead of it.
func TestValidateAllOrderAndBound(t *testing.T) {
	v, err := validate.New(validate.Options{MaxSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	const workers = 3
	src := &countedInputs{n: 60}
	i := 0
	maxAhead := int64(0)
	err = v.ValidateAll(context.Background(), src.seq(), validate.BatchOptions{Workers: workers}, func(r validate.BatchResult) error {
		if want := fmt.Sprintf("in%04d", i); r.Input.Name != want || r.Result == nil || r.Result.Source != want {
			t.Fatalf("result %d is %q (%v, %v); want %s", i, r.Input.Name, r.Result, r.Err, want)
		}
		// Opened: this one, those before it, and those under way.
		ahead := src.opened.Load() - int64(i)
		maxAhead = max(maxAhead, ahead)
		if ahead > 2*workers {
			t.Errorf("at result %d, %d inputs opened: %d ahead of the consumer, more than 2*workers", i, src.opened.Load(), ahead)
		}
		if pulled := src.pulled.Load() - int64(i); pulled > 2*workers+1 {
			t.Errorf("at result %d, %d inputs taken from the source: %d ahead", i, src.pulled.Load(), pulled)
		}
		i++
		time.Sleep(2 * time.Millisecond) // a slow consumer
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != src.n {
		t.Fatalf("%d results for %d inputs", i, src.n)
	}
	if maxAhead < 2 {
		t.Errorf("the workers were never more than %d ahead of the consumer: the batch did not run in parallel", maxAhead)
	}
}

// TestValidateAllCancelled: a batch cancelled part way returns
// context.Canceled, yields nothing after the cancellation, and takes no
// more than a window of inputs past the last result.
func TestValidateAllCancelled(t *testing.T) {
	v, err := validate.New(validate.Options{MaxSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	const workers = 2
	src := &countedInputs{n: 5000}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	yielded := 0
	err = v.ValidateAll(ctx, src.seq(), validate.BatchOptions{Workers: workers}, func(r validate.BatchResult) error {
		yielded++
		if yielded == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if yielded != 10 {
		t.Errorf("%d results yielded; want the 10 before the cancellation", yielded)
	}
	if pulled := src.pulled.Load(); pulled > 10+2*workers+1 {
		t.Errorf("%d of %d inputs taken: the batch went on past the cancellation", pulled, src.n)
	}
}

// TestValidateAllYieldError: an error from yield stops the batch and is
// returned.
func TestValidateAllYieldError(t *testing.T) {
	v, err := validate.New(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := &countedInputs{n: 1000}
	stop := errors.New("report full")
	n := 0
	err = v.ValidateAll(context.Background(), src.seq(), validate.BatchOptions{Workers: 2}, func(validate.BatchResult) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Fatalf("got %v after %d results; want the yield's error after 3", err, n)
	}
	if pulled := src.pulled.Load(); pulled > 3+2*2+1 {
		t.Errorf("%d inputs taken after the consumer stopped at 3", pulled)
	}
}

// TestValidateAllFolder runs a batch over a folder walked by inputs.Walk:
// an unreadable path keeps its place as a result with Err, a file without
// an extension is taken when it is JSON and skipped when it is neither,
// the payload is kept with KeepSource, and a byte order mark is no
// obstacle.
func TestValidateAllFolder(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.json":   `{"resourceType":"Patient","active":true}`,
		"b.xml":    "\ufeff<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\"/></Patient>",
		"c":        `{"resourceType":"Patient","active":"yes"}`,
		"notes":    "not a payload",
		"d.txt":    "not read",
		".hidden/": "",
	}
	for name, body := range files {
		if strings.HasSuffix(name, "/") {
			os.Mkdir(filepath.Join(dir, name), 0o755)
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v, err := validate.New(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.json")
	var got []string
	err = v.ValidateAll(context.Background(), inputs.Walk(context.Background(), []string{missing, dir}, inputs.Options{}), validate.BatchOptions{Workers: 2, KeepSource: true}, func(r validate.BatchResult) error {
		name := filepath.Base(r.Input.Name)
		switch {
		case r.Err != nil:
			got = append(got, name+": unreadable")
		case r.Skipped:
			got = append(got, name+": skipped")
		default:
			if string(r.Source) != files[name] {
				t.Errorf("%s: source %q, want %q", name, r.Source, files[name])
			}
			got = append(got, fmt.Sprintf("%s: valid=%v", name, r.Result.Valid()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "missing.json: unreadable, a.json: valid=true, b.xml: valid=true, c: valid=false, notes: skipped"
	if strings.Join(got, ", ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, ", "), want)
	}
}
