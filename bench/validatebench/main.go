// Command validatebench times nemsfhir validation in-process, the way
// bench/run.sh times its peers (FHIR.js and google/fhir after loading), so
// that the figures compare like with like: no process start-up, no file
// reading, one goroutine.
//
//	validatebench -rounds N -list FILE [-format XML|JSON] [-now TIME]
//
// It validates the listed files once to warm up and count the valid ones,
// then times N rounds for each set of phases (a round repeats the pass
// until it lasts -min-round), and prints one tab-separated line per set:
//
//	nemsfhir  OPERATION  files  bytes  valid  median-seconds-per-pass  seconds-of-each-round...
//
// The sets: every phase with the schema audit (--schema), the CLI's default
// (every model phase, no schema audit), and base STU3 only (--no-rules:
// structure, bundles and invariants, the work the peers do).
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nemsfhir/nemsfhir/validate"
)

func main() {
	list := flag.String("list", "", "file naming the inputs, one path a line")
	rounds := flag.Int("rounds", 3, "timed passes over the inputs per set of phases; the median is printed")
	format := flag.String("format", "JSON", "format named in the operation column")
	now := flag.String("now", "2025-01-01T00:00:00Z", "clock for the date and age rules (RFC 3339)")
	minRound := flag.Duration("min-round", 300*time.Millisecond, "shortest round: a small corpus is validated several times per round")
	flag.Parse()
	clock, err := time.Parse(time.RFC3339, *now)
	if *list == "" || *rounds < 1 || err != nil {
		fmt.Fprintln(os.Stderr, "usage: validatebench -list FILE [-rounds N] [-format XML|JSON] [-now RFC3339]")
		os.Exit(2)
	}
	names, err := os.ReadFile(*list)
	if err != nil {
		fmt.Fprintln(os.Stderr, "validatebench:", err)
		os.Exit(2)
	}
	var inputs [][]byte
	total := 0
	for _, p := range strings.Fields(string(names)) {
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "validatebench:", err)
			os.Exit(2)
		}
		inputs = append(inputs, b)
		total += len(b)
	}
	sets := []struct {
		name string
		opts validate.Options
	}{
		{"--schema", validate.Options{Now: func() time.Time { return clock }, Schema: true}},
		{"default", validate.Options{Now: func() time.Time { return clock }}},
		{"base STU3", validate.Options{Now: func() time.Time { return clock }, NoRules: true}},
	}
	for _, set := range sets {
		v, err := validate.New(set.opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "validatebench:", err)
			os.Exit(2)
		}
		valid := 0
		for _, in := range inputs { // warm-up pass; compiles the schemas
			if v.Validate("", in).Valid() {
				valid++
			}
		}
		pass := func() {
			for _, in := range inputs {
				v.Validate("", in)
			}
		}
		start := time.Now()
		pass()
		reps := 1
		if one := time.Since(start); one < *minRound {
			reps = int(*minRound/max(one, time.Microsecond)) + 1
		}
		var secs []float64 // per pass
		for range *rounds {
			start := time.Now()
			for range reps {
				pass()
			}
			secs = append(secs, time.Since(start).Seconds()/float64(reps))
		}
		sorted := slices.Clone(secs)
		slices.Sort(sorted)
		med := sorted[len(sorted)/2]
		if len(sorted)%2 == 0 {
			med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
		}
		line := []string{"nemsfhir", "validate " + *format + ", in-process, " + set.name,
			fmt.Sprint(len(inputs)), fmt.Sprint(total), fmt.Sprint(valid), fmt.Sprintf("%.6f", med)}
		for _, s := range secs {
			line = append(line, fmt.Sprintf("%.6f", s))
		}
		fmt.Println(strings.Join(line, "\t"))
	}
}
