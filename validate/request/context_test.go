package request

import (
	"context"
	"errors"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/tripctx"
)

// TestCheckContextCancelled: a request whose check is cancelled, before or
// during the validation of its body, has no answer but context.Canceled,
// never an acceptance judged on part of it.
func TestCheckContextCancelled(t *testing.T) {
	c := checkerFor(t, Options{})
	req := goodRequest(t, Publish)
	full := tripctx.Never()
	resp, err := c.CheckContext(full, req)
	if err != nil || resp == nil || !resp.Accepted() {
		t.Fatalf("uncancelled good request: %v, %v", resp, err)
	}
	total := full.Checks()
	if total < 10 {
		t.Fatalf("a full check asked the context only %d times", total)
	}
	for _, after := range []int64{0, 2, total / 2, total - 1} {
		ctx := tripctx.New(after)
		resp, err := c.CheckContext(ctx, req)
		if resp != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled after %d checks: got %v, %v; want no answer and context.Canceled", after, resp, err)
		}
		if got := ctx.Checks(); got > after+20 {
			t.Errorf("cancelled after %d checks: went on to %d (a full check is %d)", after, got, total)
		}
	}
	// Check, without a context, still answers.
	if resp := c.Check(req); resp == nil || !resp.Accepted() {
		t.Fatalf("Check: %v", resp)
	}
}
