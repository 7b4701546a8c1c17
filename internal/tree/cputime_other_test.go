//go:build !unix

package tree

import "time"

// cpuTime is not measured here; the CPU metric is then left out.
func cpuTime() time.Duration { return 0 }
