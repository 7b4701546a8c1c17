package cputime

import "testing"

// TestProcessGrows checks that work shows as CPU time.
func TestProcessGrows(t *testing.T) {
	a, ok := Process()
	if !ok {
		t.Skip("no CPU time on this platform")
	}
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	b, _ := Process()
	if b <= a {
		t.Errorf("CPU time went from %v to %v over a busy loop (%d)", a, b, x)
	}
}
