package batch

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func count(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestRunWindowAndOrder: while the first item is stuck, the others run
// ahead only as far as the window; once it is freed the results all come,
// in order.
func TestRunWindowAndOrder(t *testing.T) {
	const workers, window = 3, 5
	release := make(chan struct{})
	var started atomic.Int64
	work := func(_ context.Context, index, item int) int {
		started.Add(1)
		if index == 0 {
			<-release
		}
		return item * 10
	}
	done := make(chan []int)
	go func() {
		var got []int
		err := Run(context.Background(), slices.Values(count(40)), Options[int]{Workers: workers, Window: window}, work, func(r int) error {
			got = append(got, r)
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	for started.Load() < window {
		time.Sleep(time.Millisecond)
	}
	// Room for more to start, if the window let them.
	time.Sleep(20 * time.Millisecond)
	if n := started.Load(); n != window {
		t.Errorf("%d items started while the first was stuck; the window is %d", n, window)
	}
	close(release)
	got := <-done
	if len(got) != 40 {
		t.Fatalf("%d results for 40 items", len(got))
	}
	for i, r := range got {
		if r != i*10 {
			t.Fatalf("result %d is %d: out of order", i, r)
		}
	}
}

// TestRunStopsWithoutWaiting: a cancelled Run returns at once, even while a
// worker is blocked (on standard input, say), and yields nothing more.
func TestRunStopsWithoutWaiting(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	ctx, cancel := context.WithCancel(context.Background())
	work := func(_ context.Context, index, item int) int {
		if index == 2 {
			cancel()
			<-block // never returns during the test
		}
		return item
	}
	var got []int
	err := Run(ctx, slices.Values(count(100)), Options[int]{Workers: 1}, work, func(r int) error {
		got = append(got, r)
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if len(got) > 2 {
		t.Errorf("%d results yielded; the cancellation came with the third", len(got))
	}
}

// TestRunOneWindow: with one worker (runOne), while yield holds the first
// result the worker runs ahead only as far as the window (window results
// done or under way, plus the one yield holds), then all come in order.
func TestRunOneWindow(t *testing.T) {
	const window = 4
	release := make(chan struct{})
	var started atomic.Int64
	work := func(_ context.Context, index, item int) int {
		started.Add(1)
		return item * 10
	}
	done := make(chan []int)
	go func() {
		var got []int
		err := Run(context.Background(), slices.Values(count(40)), Options[int]{Workers: 1, Window: window}, work, func(r int) error {
			if len(got) == 0 {
				<-release
			}
			got = append(got, r)
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	for started.Load() < window+1 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if n := started.Load(); n != window+1 {
		t.Errorf("%d items started while yield held the first; the window is %d", n, window)
	}
	close(release)
	got := <-done
	if len(got) != 40 {
		t.Fatalf("%d results for 40 items", len(got))
	}
	for i, r := range got {
		if r != i*10 {
			t.Fatalf("result %d is %d: out of order", i, r)
		}
	}
}

// TestRunYieldError: an error of yield stops the run and is returned, and
// nothing more is yielded, with one worker and with several.
func TestRunYieldError(t *testing.T) {
	stop := errors.New("report not written")
	for _, workers := range []int{1, 4} {
		n := 0
		err := Run(context.Background(), slices.Values(count(50)), Options[int]{Workers: workers}, func(_ context.Context, _, item int) int { return item }, func(r int) error {
			n++
			if r == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 4 {
			t.Errorf("workers %d: got %v after %d results, want the yield error after 4", workers, err, n)
		}
	}
}

// TestRunBudget: the cost of the items under way or waiting stays within
// the budget, and an item costing more than all of it still runs, alone;
// with one worker and with several.
func TestRunBudget(t *testing.T) {
	for _, workers := range []int{1, 8} {
		testRunBudget(t, workers)
	}
}

func testRunBudget(t *testing.T, workers int) {
	costs := []int64{4, 4, 4, 12, 1, 1, 1, 1, 5, 5}
	var held, most atomic.Int64
	work := func(_ context.Context, _ int, c int64) int64 {
		h := held.Add(min(c, 10))
		for {
			m := most.Load()
			if h <= m || most.CompareAndSwap(m, h) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		return c
	}
	n := 0
	err := Run(context.Background(), slices.Values(costs), Options[int64]{Workers: workers, Budget: 10, Cost: func(c int64) int64 { return c }}, work, func(c int64) error {
		held.Add(-min(c, 10))
		n++
		return nil
	})
	if err != nil || n != len(costs) {
		t.Fatalf("workers %d: %v after %d of %d results", workers, err, n, len(costs))
	}
	if m := most.Load(); m > 10 {
		t.Errorf("workers %d: %d held at once, over the budget of 10", workers, m)
	}
}
