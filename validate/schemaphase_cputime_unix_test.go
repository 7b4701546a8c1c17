//go:build unix

package validate_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used so far: on a shared
// machine it varies less than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
