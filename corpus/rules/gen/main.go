// Command gen writes the golden rule corpus of corpus/rules: a valid payload
// for every event type and life-cycle and for both kinds of subscription
// (taken from the synthetic generator corpus/gen and laid out one element a
// line), and for every NEMS rule one payload made from a valid one by a
// single targeted edit (the table in edits.go). Event messages and
// subscriptions are written in XML and, converted by the project's own
// converter, in JSON. It also writes INDEX.tsv (payload, target rule, the
// other rules the edit cannot help breaking and why) and EXCEPTIONS.tsv (the
// rules no payload can break, and why).
//
// Run it from the repository root:
//
//	go run ./corpus/rules/gen
//
// then refresh the golden files with
//
//	go test ./corpus -run TestGolden -update
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nemsfhir/nemsfhir/transform"
)

func main() {
	out := flag.String("o", "corpus/rules", "output folder")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	bases, err := loadBases()
	if err != nil {
		return err
	}
	validDir, invalidDir := filepath.Join(out, "valid"), filepath.Join(out, "invalid")
	for _, dir := range []string{validDir, invalidDir} {
		if err := clean(dir); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(bases))
	for name := range bases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := write(validDir, name, render(bases[name]), false); err != nil {
			return err
		}
	}
	var index strings.Builder
	index.WriteString("# payload\ttarget rule\tother rules expected\twhy\n")
	seen := map[string]bool{}
	for _, e := range edits {
		base, ok := bases[e.base]
		if !ok {
			return fmt.Errorf("%s: no base payload %q", e.rule, e.base)
		}
		name := fileName(e.rule)
		if e.variant != "" {
			name += "-" + e.variant
		}
		if seen[name] {
			return fmt.Errorf("two payloads named %s", name)
		}
		seen[name] = true
		d := &doc{root: clone(base), seed: name}
		if err := apply(e, d); err != nil {
			return err
		}
		if err := write(invalidDir, name, render(d.root), e.xmlOnly); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		why := e.why
		if why == "" {
			why = "-"
		}
		also := strings.Join(strings.Fields(e.also), " ")
		if also == "" {
			also = "-"
		}
		fmt.Fprintf(&index, "%s\t%s\t%s\t%s\n", name, e.rule, also, why)
	}
	if err := os.WriteFile(filepath.Join(out, "INDEX.tsv"), []byte(index.String()), 0o644); err != nil {
		return err
	}
	var ex strings.Builder
	ex.WriteString("# rule\twhy no payload breaks it\n")
	for _, x := range exceptions {
		fmt.Fprintf(&ex, "%s\t%s\n", x.rule, x.why)
	}
	return os.WriteFile(filepath.Join(out, "EXCEPTIONS.tsv"), []byte(ex.String()), 0o644)
}

// apply runs one edit, turning a panic of the path helpers into an error
// that names the rule.
func apply(e edit, d *doc) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("edit for %s on %s: %v", e.rule, e.base, r)
		}
	}()
	e.fn(d)
	return nil
}

// fileName turns a rule id into a file name: nems:6.2:home-address becomes
// nems-6.2-home-address.
func fileName(rule string) string { return strings.ReplaceAll(rule, ":", "-") }

// write stores the XML payload and, unless xmlOnly, its JSON twin.
func write(dir, name string, xmlDoc []byte, xmlOnly bool) error {
	if err := os.WriteFile(filepath.Join(dir, name+".xml"), xmlDoc, 0o644); err != nil {
		return err
	}
	if xmlOnly {
		return nil
	}
	js, _, err := transform.XMLToJSON(xmlDoc, transform.Options{Pretty: true})
	if err != nil {
		return fmt.Errorf("JSON twin: %v", err)
	}
	return os.WriteFile(filepath.Join(dir, name+".json"), js, 0o644)
}

// clean removes the payloads of a folder, keeping the golden files (the
// golden test reports those left without a payload).
func clean(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	list, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, f := range list {
		n := f.Name()
		if !strings.HasSuffix(n, ".golden.json") && (strings.HasSuffix(n, ".xml") || strings.HasSuffix(n, ".json")) {
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

func clone(n *node) *node {
	c := &node{name: n.name, attrs: append(n.attrs[:0:0], n.attrs...), text: n.text}
	for _, k := range n.kids {
		c.kids = append(c.kids, clone(k))
	}
	return c
}

// loadBases runs corpus/gen for one valid payload of each plan (the first
// 19 of its cycle are the XML ones: 17 event type and life-cycle pairs and
// the two kinds of subscription) and returns them by plan name, such as
// "vaccinations-1-update" or "subscription-generic".
func loadBases() (map[string]*node, error) {
	tmp, err := os.MkdirTemp("", "nemsfhir-rules-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "run", "./corpus/gen", "-n", "19", "-invalid", "0", "-seed", "1", "-o", tmp)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("corpus/gen: %v", err)
	}
	f, err := os.Open(filepath.Join(tmp, "manifest.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]*node{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			Path, Kind, EventType, Lifecycle, Format string
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, err
		}
		if e.Format != "xml" {
			continue
		}
		src, err := os.ReadFile(filepath.Join(tmp, e.Path))
		if err != nil {
			return nil, err
		}
		root, err := parseXML(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", e.Path, err)
		}
		name := e.EventType + "-" + e.Lifecycle
		if e.Kind == "subscription" {
			// 000017-subscription-explicit-valid.xml
			_, kind, _ := strings.Cut(filepath.Base(e.Path), "-subscription-")
			name = "subscription-" + strings.TrimSuffix(kind, "-valid.xml")
		}
		out[name] = root
	}
	return out, sc.Err()
}
