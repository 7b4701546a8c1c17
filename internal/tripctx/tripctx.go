// Package tripctx is a context for tests of cancellation: it ends after
// its Err has been asked a given number of times, so that a cancellation
// lands part way through the work at a point that does not depend on
// timing, and it counts the questions, so that a test can tell how much
// work went on after it.
package tripctx

import (
	"context"
	"sync/atomic"
)

// Context ends, for every caller of Err, once Err has been asked more than
// After times. Done is that of context.Background: the code under test
// must look at Err, as the validator's loops do.
type Context struct {
	context.Context
	after  int64
	checks atomic.Int64
}

// New returns a Context that ends after `after` questions.
func New(after int64) *Context {
	return &Context{Context: context.Background(), after: after}
}

// Never returns a Context that does not end, to count the questions of a
// whole run.
func Never() *Context { return New(1 << 62) }

// Err returns context.Canceled once the questions are used up.
func (c *Context) Err() error {
	if c.checks.Add(1) > c.after {
		return context.Canceled
	}
	return nil
}

// Checks is how many times Err has been asked.
func (c *Context) Checks() int64 { return c.checks.Load() }
