package request

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// tripContext ends after its Err has been asked `after` times.
type tripContext struct {
	context.Context
	after  int64
	checks atomic.Int64
}

func (c *tripContext) Err() error {
	if c.checks.Add(1) > c.after {
		return context.Canceled
	}
	return nil
}

// TestCheckContextCancelled: a request whose check is cancelled, before or
// during the validation of its body, has no answer but context.Canceled,
// never an acceptance judged on part of it.
func TestCheckContextCancelled(t *testing.T) {
	c := checkerFor(t, Options{})
	req := goodRequest(t, Publish)
	full := &tripContext{Context: context.Background(), after: 1 << 62}
	resp, err := c.CheckContext(full, req)
	if err != nil || resp == nil || !resp.Accepted() {
		t.Fatalf("uncancelled good request: %v, %v", resp, err)
	}
	total := full.checks.Load()
	if total < 10 {
		t.Fatalf("a full check asked the context only %d times", total)
	}
	for _, after := range []int64{0, 2, total / 2, total - 1} {
		ctx := &tripContext{Context: context.Background(), after: after}
		resp, err := c.CheckContext(ctx, req)
		if resp != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled after %d checks: got %v, %v; want no answer and context.Canceled", after, resp, err)
		}
		if got := ctx.checks.Load(); got > after+20 {
			t.Errorf("cancelled after %d checks: went on to %d (a full check is %d)", after, got, total)
		}
	}
	// Check, without a context, still answers.
	if resp := c.Check(req); resp == nil || !resp.Accepted() {
		t.Fatalf("Check: %v", resp)
	}
}
