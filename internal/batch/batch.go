// Package batch runs work over a stream of items with a fixed number of
// workers and hands the results back in the order of the items, holding a
// bounded number of them: the one ordered pool behind
// validate.Validator.ValidateAll and transform.ConvertAll.
package batch

import (
	"context"
	"io"
	"iter"
	"sync"
)

// Options bound a Run.
type Options[I any] struct {
	// Workers is how many items are worked on at once; less than 1 means 1.
	Workers int
	// Window is how many results may be done or under way before the
	// oldest is handed on; less than Workers means 2*Workers. It bounds
	// what is held while a slow item keeps the ones after it waiting.
	Window int
	// Budget, when positive, bounds the sum of Cost over the items under
	// way or waiting to be handed on (the bytes of input held, say). An
	// item costing more than the budget is taken as costing all of it, so
	// that it runs alone rather than never.
	Budget int64
	Cost   func(I) int64
}

// Run calls work on every item of in (with its index in in, from 0), on
// opts.Workers goroutines, and
// yield with the results in the order of in, each as soon as it and those
// before it are done. At most opts.Window results are done or under way at
// once, plus the one yield holds.
//
// Run stops when in ends and every result has been yielded (it returns
// nil), when yield returns an error (it returns that error) or when ctx
// ends (it returns ctx.Err(), also when a result was ready at the same
// time). work gets a context that ends then too. On an early stop, Run
// does not wait for the work under way: it ends in the background and its
// results are dropped, so that a worker blocked on a read (standard input)
// cannot hold the caller.
func Run[I, R any](ctx context.Context, in iter.Seq[I], opts Options[I], work func(ctx context.Context, index int, item I) R, yield func(R) error) error {
	workers := max(opts.Workers, 1)
	window := opts.Window
	if window < workers {
		window = 2 * workers
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if workers == 1 {
		return runOne(ctx, in, opts, window, work, yield)
	}

	type job struct {
		index int
		item  I
		slot  chan R
		cost  int64
	}
	// order holds one slot per item in flight, in item order; its
	// capacity, less the one taken by the yield loop, is the window.
	order := make(chan job, window-1)
	jobs := make(chan job)
	bud := newBudget(opts.Budget)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.slot <- work(ctx, j.index, j.item)
			}
		}()
	}
	go func() {
		defer func() {
			close(jobs)
			close(order)
		}()
		index := 0
		for item := range in {
			j := job{index: index, item: item, slot: make(chan R, 1)}
			index++
			if opts.Cost != nil {
				j.cost = opts.Cost(item)
			}
			if !bud.acquire(ctx, j.cost) {
				return
			}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	for j := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		var r R
		select {
		case r = <-j.slot:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		err := yield(r)
		bud.release(j.cost)
		if err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Every slot was filled: the workers are done or about to be.
	wg.Wait()
	return nil
}

// runOne is Run with one worker, which also takes the items from in: one
// goroutine besides the caller's instead of two, and one hand-off per item
// (the result, already in order) instead of three (the item to the
// worker, its slot to the caller, the result). On a machine with idle
// cores each hand-off wakes one to run the goroutine handed to, so fewer
// of them is less time spent waking threads and moving the work between
// cores. ctx is Run's own, cancelled when Run returns.
func runOne[I, R any](ctx context.Context, in iter.Seq[I], opts Options[I], window int, work func(ctx context.Context, index int, item I) R, yield func(R) error) error {
	type done struct {
		r    R
		cost int64
	}
	// Window-1 results wait here while the worker works on one more: the
	// window, as Run's.
	results := make(chan done, window-1)
	bud := newBudget(opts.Budget)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer close(results)
		index := 0
		for item := range in {
			var cost int64
			if opts.Cost != nil {
				cost = opts.Cost(item)
			}
			if !bud.acquire(ctx, cost) || ctx.Err() != nil {
				return
			}
			d := done{work(ctx, index, item), cost}
			index++
			select {
			case results <- d:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var d done
		var ok bool
		select {
		case d, ok = <-results:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !ok {
			break
		}
		err := yield(d.r)
		bud.release(d.cost)
		if err != nil {
			return err
		}
	}
	// results was closed: the worker is done or about to be.
	<-finished
	return nil
}

// budget bounds the cost of the items in flight. One goroutine acquires, in
// item order; any may release.
type budget struct {
	mu    sync.Mutex
	total int64 // 0: no bound
	free  int64
	wake  chan struct{}
}

func newBudget(total int64) *budget {
	return &budget{total: max(total, 0), free: max(total, 0), wake: make(chan struct{}, 1)}
}

// NewBudget returns a bound of total on the cost in flight, for callers
// that need one outside Run.
func NewBudget(total int64) *Budget { return (*Budget)(newBudget(total)) }

// Budget is the bound of Options.Budget, for callers that pace work of
// their own.
type Budget budget

// Acquire takes n, waiting for releases while too little is free; it
// returns false if ctx ends first.
func (b *Budget) Acquire(ctx context.Context, n int64) bool { return (*budget)(b).acquire(ctx, n) }

// Release gives back n.
func (b *Budget) Release(n int64) { (*budget)(b).release(n) }

func (b *budget) acquire(ctx context.Context, n int64) bool {
	if b.total == 0 {
		return true
	}
	n = min(max(n, 0), b.total)
	for {
		b.mu.Lock()
		if n <= b.free {
			b.free -= n
			b.mu.Unlock()
			return true
		}
		b.mu.Unlock()
		select {
		case <-b.wake:
		case <-ctx.Done():
			return false
		}
	}
}

func (b *budget) release(n int64) {
	if b.total == 0 {
		return
	}
	n = min(max(n, 0), b.total)
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Reader returns a reader of r that stops, with ctx.Err(), at the first
// read after ctx has ended: a payload read in the work of Run stops with
// it.
func Reader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
