// Package cputime reads the CPU time the process has used, for benchmarks
// that report cost per message on a machine shared with other work: wall
// time there counts the time other processes hold the core, CPU time does
// not.
package cputime

import (
	"testing"
	"time"
)

// Process returns the user and system CPU time the process has used so
// far; ok is false where the platform does not say.
func Process() (d time.Duration, ok bool) { return process() }

// Meter measures a benchmark loop that handles msgs messages an
// iteration; Report adds the wall and CPU time a message as ns/msg and
// cpu-ns/msg.
type Meter struct {
	cpu time.Duration
	ok  bool
}

// Start begins a measurement; call it just before the loop.
func Start() Meter {
	d, ok := Process()
	return Meter{cpu: d, ok: ok}
}

// Report adds the metrics of the loop measured since Start.
func (m Meter) Report(b *testing.B, msgs int) {
	if b.N == 0 || msgs == 0 {
		return
	}
	n := float64(b.N * msgs)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/msg")
	if d, ok := Process(); ok && m.ok {
		b.ReportMetric(float64((d-m.cpu).Nanoseconds())/n, "cpu-ns/msg")
	}
}
