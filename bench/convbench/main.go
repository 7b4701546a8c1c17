//go:build unix

// Command convbench measures the throughput of the nemsfhir converter for
// bench/convert.sh: XML to JSON over the XML files given, and JSON to XML
// over the JSON that the first step wrote.
//
//	go run ./bench/convbench -out bench/out -rounds 5 FILE.xml...
//
// Files the converter rejects are reported on stderr and left out, so that
// every tool in the comparison reads the same files. The files used are
// listed in OUT/xml.list and OUT/json.list (one path a line) for the other
// tools. Results go to stdout as tab-separated lines:
//
//	tool  operation  bytes  median-MB/s  MB/s-of-each-round...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nemsfhir/nemsfhir/transform"
)

func main() {
	out := flag.String("out", "bench/out", "folder for the JSON files and the file lists")
	rounds := flag.Int("rounds", 5, "timed rounds per operation; the median is reported")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed rounds to `FILE`")
	minRound := flag.Duration("min-round", 300*time.Millisecond, "shortest round: small corpora are converted several times per round")
	flag.Parse()
	if flag.NArg() == 0 || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "usage: convbench [-out DIR] [-rounds N] FILE.xml...")
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "convbench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*out, *rounds, *minRound, flag.Args()); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "convbench:", err)
		os.Exit(1)
	}
}

func run(outDir string, rounds int, minRound time.Duration, paths []string) error {
	jsonDir := filepath.Join(outDir, "json")
	if err := os.MkdirAll(jsonDir, 0o755); err != nil {
		return err
	}
	var xmlSrc, jsonSrc [][]byte
	var xmlList, jsonList strings.Builder
	for i, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		js, _, err := transform.XMLToJSON(src, transform.Options{})
		if err != nil {
			first := err.Error()
			if i := strings.IndexByte(first, '\n'); i >= 0 {
				first = first[:i]
			}
			fmt.Fprintf(os.Stderr, "convbench: leaving out %s: %s\n", p, first)
			continue
		}
		// Check the way back once, outside the timing.
		if _, _, err := transform.JSONToXML(js, transform.Options{}); err != nil {
			fmt.Fprintf(os.Stderr, "convbench: leaving out %s: its JSON does not convert back: %v\n", p, err)
			continue
		}
		jp, _ := filepath.Abs(filepath.Join(jsonDir, fmt.Sprintf("%03d-%s.json", i, strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)))))
		if err := os.WriteFile(jp, js, 0o644); err != nil {
			return err
		}
		ap, _ := filepath.Abs(p)
		xmlList.WriteString(ap + "\n")
		jsonList.WriteString(jp + "\n")
		xmlSrc = append(xmlSrc, src)
		jsonSrc = append(jsonSrc, js)
	}
	if len(xmlSrc) == 0 {
		return fmt.Errorf("no file converts")
	}
	if err := os.WriteFile(filepath.Join(outDir, "xml.list"), []byte(xmlList.String()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, "json.list"), []byte(jsonList.String()), 0o644); err != nil {
		return err
	}
	measure("XML->JSON", xmlSrc, rounds, minRound, transform.XMLToJSON)
	measure("JSON->XML", jsonSrc, rounds, minRound, transform.JSONToXML)
	return nil
}

type convertFunc func([]byte, transform.Options) ([]byte, *transform.Report, error)

// measure converts all of srcs in each round, repeating the set as often
// as it takes to fill minRound (found in a warm-up), and prints the
// median throughput in MB/s (10^6 bytes of input per second).
func measure(op string, srcs [][]byte, rounds int, minRound time.Duration, f convertFunc) {
	total := 0
	for _, s := range srcs {
		total += len(s)
	}
	pass := func() {
		for _, s := range srcs {
			if _, _, err := f(s, transform.Options{}); err != nil {
				panic(err) // checked before timing
			}
		}
	}
	start := time.Now()
	pass()
	reps := 1
	if d := time.Since(start); d < minRound {
		reps = int(minRound/max(d, time.Microsecond)) + 1
	}
	var wall, cpu []float64
	for range rounds {
		runtime.GC()
		start, cpu0 := time.Now(), cpuTime()
		for range reps {
			pass()
		}
		mb := float64(total*reps) / 1e6
		wall = append(wall, mb/time.Since(start).Seconds())
		cpu = append(cpu, mb/(cpuTime()-cpu0).Seconds())
	}
	for _, m := range []struct {
		clock  string
		speeds []float64
	}{{"wall", wall}, {"cpu", cpu}} {
		var b bytes.Buffer
		fmt.Fprintf(&b, "nemsfhir\t%s\t%d\t%s\t%.2f", op, total, m.clock, median(m.speeds))
		for _, s := range m.speeds {
			b.WriteString("\t" + strconv.FormatFloat(s, 'f', 2, 64))
		}
		fmt.Println(b.String())
	}
}

// cpuTime returns the user and system time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}
