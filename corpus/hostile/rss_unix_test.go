//go:build unix

package hostile

import (
	"os"
	"runtime"
	"syscall"
)

// peakRSS is the peak resident memory of an ended process in KB; 0 when
// unknown.
func peakRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) >> 10 // bytes there
	}
	return int64(ru.Maxrss)
}
