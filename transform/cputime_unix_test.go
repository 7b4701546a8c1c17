//go:build unix

package transform

import (
	"syscall"
	"time"
)

// cpuTime is the user and system time the process has used so far. The
// benchmarks report throughput per CPU-second as well as per wall-second:
// on a shared machine the wall clock also counts time spent waiting.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
