// Command googlefhir measures github.com/google/fhir/go reading FHIR STU3
// JSON with its validating unmarshaller (jsonformat.NewUnmarshaller), for
// bench/run.sh. It lives in its own module so that the main go.mod never
// depends on it.
//
//	googlefhir -rounds N -list FILE     # throughput over the listed files
//	googlefhir FILE                     # one file, exit 1 when rejected
//
// With -list it prints one tab-separated line for bench/run.sh:
//
//	google/fhir  validate JSON  files  bytes  accepted  median-seconds-per-pass  seconds-of-each-round...
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

func main() {
	list := flag.String("list", "", "file naming the JSON inputs, one path a line")
	rounds := flag.Int("rounds", 3, "timed passes over the inputs; the median is printed")
	flag.Parse()
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.STU3)
	if err != nil {
		fmt.Fprintln(os.Stderr, "googlefhir:", err)
		os.Exit(2)
	}
	if *list == "" {
		if flag.NArg() != 1 {
			fmt.Fprintln(os.Stderr, "usage: googlefhir [-rounds N -list FILE | FILE]")
			os.Exit(2)
		}
		src, err := os.ReadFile(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "googlefhir:", err)
			os.Exit(2)
		}
		if _, err := u.Unmarshal(src); err != nil {
			fmt.Println(strings.SplitN(err.Error(), "\n", 2)[0])
			os.Exit(1)
		}
		return
	}
	names, err := os.ReadFile(*list)
	if err != nil {
		fmt.Fprintln(os.Stderr, "googlefhir:", err)
		os.Exit(2)
	}
	var inputs [][]byte
	total := 0
	for _, p := range strings.Fields(string(names)) {
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "googlefhir:", err)
			os.Exit(2)
		}
		inputs = append(inputs, b)
		total += len(b)
	}
	accepted := 0
	for _, in := range inputs { // warm-up pass, also counts verdicts
		if _, err := u.Unmarshal(in); err == nil {
			accepted++
		}
	}
	var secs []float64
	for range *rounds {
		start := time.Now()
		for _, in := range inputs {
			_, _ = u.Unmarshal(in)
		}
		secs = append(secs, time.Since(start).Seconds())
	}
	sorted := slices.Clone(secs)
	slices.Sort(sorted)
	med := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	line := []string{"google/fhir", "validate JSON", fmt.Sprint(len(inputs)), fmt.Sprint(total), fmt.Sprint(accepted), fmt.Sprintf("%.4f", med)}
	for _, s := range secs {
		line = append(line, fmt.Sprintf("%.4f", s))
	}
	fmt.Println(strings.Join(line, "\t"))
}
