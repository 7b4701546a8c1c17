//go:build unix

// Command spawn times the start-up of a command: it starts the command N
// times, one at a time, and measures each run from the fork/exec to the
// end of the wait, with nothing else spawned in between (a shell loop
// around `date` would add two more process starts to every figure).
//
//	spawn [-runs 20] [-warmup 2] [-name NAME] -- COMMAND [ARGS...]
//
// It prints one tab-separated line:
//
//	NAME  median-wall-ms  median-cpu-ms  min-wall-ms  max-wall-ms  runs  exit-codes
//
// where CPU is the user plus system time of the command (its rusage),
// which, unlike wall time, does not count the time other processes held
// the core. The command's output goes to /dev/null. Pin the spawner to a
// core (taskset -c 1 spawn ...) and the command inherits the pin without
// a taskset start of its own in the figure.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("runs", 20, "timed runs; the median is printed")
	warmup := flag.Int("warmup", 2, "untimed runs first (page cache, CPU frequency)")
	name := flag.String("name", "", "first column of the output (default: the command line)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 || *runs < 1 || *warmup < 0 {
		fmt.Fprintln(os.Stderr, "usage: spawn [-runs N] [-warmup N] [-name NAME] -- COMMAND [ARGS...]")
		os.Exit(2)
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "spawn:", err)
		os.Exit(2)
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "spawn:", err)
		os.Exit(2)
	}
	attr := &os.ProcAttr{Files: []*os.File{null, null, null}}
	var walls, cpus []float64
	codes := map[int]bool{}
	for i := range *warmup + *runs {
		wall, cpu, code, err := once(path, args, attr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "spawn: %s: %v\n", args[0], err)
			os.Exit(2)
		}
		if i < *warmup {
			continue
		}
		walls = append(walls, ms(wall))
		cpus = append(cpus, ms(cpu))
		codes[code] = true
	}
	label := *name
	if label == "" {
		label = strings.Join(args, " ")
	}
	var seen []string
	for c := range codes {
		seen = append(seen, strconv.Itoa(c))
	}
	sort.Strings(seen)
	fmt.Printf("%s\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%s\n", label, median(walls), median(cpus),
		slices.Min(walls), slices.Max(walls), len(walls), strings.Join(seen, ","))
}

// once runs the command to its end and returns its wall time, its user
// plus system CPU time and its exit code.
func once(path string, args []string, attr *os.ProcAttr) (wall, cpu time.Duration, code int, err error) {
	t0 := time.Now()
	p, err := os.StartProcess(path, args, attr)
	if err != nil {
		return 0, 0, 0, err
	}
	st, err := p.Wait()
	wall = time.Since(t0)
	if err != nil {
		return 0, 0, 0, err
	}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return wall, cpu, st.ExitCode(), nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
