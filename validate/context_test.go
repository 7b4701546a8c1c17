package validate_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"time"

	"github.com/nemsfhir/nemsfhir/internal/tripctx"
	"github.com/nemsfhir/nemsfhir/validate"
)

// bigBundle is a collection Bundle of n Patients, each with a few
// elements for the phases to walk and the invariants to judge.
func bigBundle(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"fullUrl":"urn:uuid:00000000-0000-0000-0000-%012d","resource":{"resourceType":"Patient","id":"p%d","active":true,`+
			`"name":[{"family":"Smith","given":["Ann","Marie"]}],"gender":"female","birthDate":"1970-01-%02d",`+
			`"telecom":[{"system":"phone","value":"0100 000 %04d"}]}}`, i, i, i%28+1, i%10000)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// TestValidateContextCancelledMidway cancels the validation of a large
// payload part way through its phases: it returns context.Canceled and no
// result, having asked the context far fewer times than a full run does.
func TestValidateContextCancelledMidway(t *testing.T) {
	v, err := validate.New(validate.Options{MaxSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	src := bigBundle(2000)

	full := tripctx.Never()
	res, err := v.ValidateContext(full, "big.json", src)
	if err != nil || res == nil {
		t.Fatalf("uncancelled: %v, %v", res, err)
	}
	total := full.Checks()
	if total < 1000 {
		t.Fatalf("a full run asked the context %d times: too few for cancellation to land mid-way", total)
	}

	for _, after := range []int64{0, 3, total / 10, total / 2} {
		ctx := tripctx.New(after)
		res, err := v.ValidateContext(ctx, "big.json", src)
		if !errors.Is(err, context.Canceled) || res != nil {
			t.Fatalf("cancelled after %d checks: got %v, %v; want no result and context.Canceled", after, res, err)
		}
		// Work stops at the next check: a few more for the phases still
		// to skip and the final look, not the rest of the run.
		t.Logf("cancelled after %d of %d checks: stopped at %d", after, total, ctx.Checks())
		if got := ctx.Checks(); got > after+20 {
			t.Errorf("cancelled after %d checks: went on to %d (a full run is %d)", after, got, total)
		}
	}
}

// TestValidateContextCancelledIsNeverValid: a payload whose validation was
// cancelled has no result at all, even a small valid one.
func TestValidateContextCancelledIsNeverValid(t *testing.T) {
	v, err := validate.New(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := []byte(`{"resourceType":"Patient","active":true}`)
	if res, err := v.ValidateContext(context.Background(), "p.json", src); err != nil || res == nil {
		t.Fatalf("not cancelled: %v, %v", res, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res, err := v.ValidateContext(ctx, "p.json", src); res != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("ValidateContext: got %v, %v; want no result and context.Canceled", res, err)
	}
	if res, err := v.ValidateReaderContext(ctx, "p.json", strings.NewReader(string(src))); res != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("ValidateReaderContext: got %v, %v; want no result and context.Canceled", res, err)
	}
	if _, err := validate.NewContext(ctx, validate.Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("NewContext: got %v, want context.Canceled", err)
	}
}

// TestValidateReaderContextStopsReading: a stream is read no further once
// the context has ended.
func TestValidateReaderContextStopsReading(t *testing.T) {
	v, err := validate.New(validate.Options{MaxSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &cancellingReader{cancel: cancel, after: 3}
	res, err := v.ValidateReaderContext(ctx, "stream", r)
	if res != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, %v; want no result and context.Canceled", res, err)
	}
	if r.reads != 3 {
		t.Errorf("%d reads; want 3, the reads before the cancellation", r.reads)
	}
}

// cancellingReader is an endless payload that cancels its context after
// `after` reads.
type cancellingReader struct {
	cancel func()
	after  int
	reads  int
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	r.reads++
	if r.reads == r.after {
		r.cancel()
	}
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestOptionsNowIsTheClock: the clock of Options.Now is read for the date
// rules, so that one fixed clock makes a run reproducible.
func TestOptionsNowIsTheClock(t *testing.T) {
	calls := 0
	v, err := validate.New(validate.Options{Now: func() time.Time { calls++; return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	v.Validate("p.json", []byte(`{"resourceType":"Patient","active":true}`))
	if calls == 0 {
		t.Fatal("Options.Now was never read")
	}
}
