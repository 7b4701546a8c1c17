//go:build !unix

package validate_test

import "time"

// cpuTime is not measured here; the CPU metric then reads 0.
func cpuTime() time.Duration { return 0 }
