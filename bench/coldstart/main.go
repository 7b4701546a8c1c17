// Command coldstart splits the start-up of one validation into its phases,
// to show where the wall time of `nemsfhir validate one.xml` goes:
//
//	go run ./bench/coldstart [-cpuprofile FILE] [-memprofile FILE] [-schema] [-overlap] FILE
//
// Each phase is timed once, in a fresh process, in the order the CLI meets
// them: validate.New (model, invariants, rule packs), the first Validate of
// the file (which compiles the schema and decodes model types on first use)
// and a second Validate (the steady state).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/schema"
)

func main() {
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole start-up to `FILE`")
	memProfile := flag.String("memprofile", "", "write a profile of every allocation after package initialisation to `FILE`")
	withSchema := flag.Bool("schema", false, "run the schema audit too, as --schema does")
	overlap := flag.Bool("overlap", false, "compile the XSD in the background while validate.New runs, to measure what overlapping them would save")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: coldstart [-cpuprofile FILE] [-memprofile FILE] [-schema] FILE")
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "coldstart:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		runtime.MemProfileRate = 1
		defer func() {
			f, err := os.Create(*memProfile)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "coldstart:", err)
			}
		}()
	}
	src, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
	t0 := time.Now()
	if *overlap && *withSchema {
		schema.Warm()
	}
	v, err := validate.New(validate.Options{Schema: *withSchema})
	if err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
	t1 := time.Now()
	res := v.Validate(flag.Arg(0), src)
	t2 := time.Now()
	v.Validate(flag.Arg(0), src)
	t3 := time.Now()
	fmt.Printf("validate.New\t%.1f ms\n", ms(t1.Sub(t0)))
	fmt.Printf("first Validate\t%.1f ms\t(%d issues)\n", ms(t2.Sub(t1)), len(res.Issues))
	fmt.Printf("second Validate\t%.1f ms\n", ms(t3.Sub(t2)))
	fmt.Printf("total\t%.1f ms\n", ms(t2.Sub(t0)))
	// What the process allocated, package initialisation included: each
	// fresh page of heap is a page fault, a large share of a cold start.
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	fmt.Printf("allocated\t%.1f MB\t(%d objects, %d collections, heap %.1f MB)\n",
		float64(mem.TotalAlloc)/1e6, mem.Mallocs, mem.NumGC, float64(mem.HeapSys)/1e6)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
