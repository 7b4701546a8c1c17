// Package extgen derives the extension definitions built into nemsfhir: the
// STU3 core extensions of the official package, and the NHS England and
// CareConnect extensions of the NHS assets, each reduced to what checking an
// extension needs (context, elements with their cardinality, types,
// fixed and pattern values, bindings, slicing and constraints). Narrative,
// descriptions and mappings are dropped. The output is one JSON object per
// line, sorted by URL, and the same inputs always give the same bytes.
package extgen

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// Sources of extension definitions, as the "source" of each line names them.
const (
	SourceCore        = "core"
	SourceNHS         = "nhs"
	SourceCareConnect = "careconnect"
)

// NHSFolders are the folders, under the NHS assets folder, whose
// StructureDefinitions of type Extension are built in.
var NHSFolders = []string{
	"STU3-FHIR-Assets/StructureDefinitions",
	"CareConnect-STU3-Core-IG",
	"CareConnect-profiles-STU3",
}

// maxFile bounds the size of one definition file read from the assets.
const maxFile = 16 << 20

// Def is one extension definition in its compact form.
type Def struct {
	URL    string
	Source string
	// From names the file (or package member) it was derived from.
	From string
	line []byte
}

// Header is the first line of the output.
type Header struct {
	Extensions string         `json:"extensions"`
	Package    string         `json:"package"`
	Counts     map[string]int `json:"counts"`
}

// compactSD is the part of a StructureDefinition kept, in a fixed order.
type compactSD struct {
	Source         string           `json:"source"`
	ResourceType   string           `json:"resourceType"`
	URL            string           `json:"url"`
	Name           string           `json:"name"`
	Kind           string           `json:"kind,omitempty"`
	Type           string           `json:"type"`
	BaseDefinition string           `json:"baseDefinition,omitempty"`
	Derivation     string           `json:"derivation,omitempty"`
	ContextType    string           `json:"contextType,omitempty"`
	Context        json.RawMessage  `json:"context,omitempty"`
	Snapshot       *compactElements `json:"snapshot,omitempty"`
	Differential   *compactElements `json:"differential,omitempty"`
}

type compactElements struct {
	Element []map[string]json.RawMessage `json:"element"`
}

// rawSD is what is read of a StructureDefinition.
type rawSD struct {
	ResourceType   string          `json:"resourceType"`
	URL            string          `json:"url"`
	Name           string          `json:"name"`
	ID             string          `json:"id"`
	Kind           string          `json:"kind"`
	Type           string          `json:"type"`
	BaseDefinition string          `json:"baseDefinition"`
	Derivation     string          `json:"derivation"`
	ContextType    string          `json:"contextType"`
	Context        json.RawMessage `json:"context"`
	Snapshot       *struct {
		Element []map[string]json.RawMessage `json:"element"`
	} `json:"snapshot"`
	Differential *struct {
		Element []map[string]json.RawMessage `json:"element"`
	} `json:"differential"`
}

// keptElementKeys are the ElementDefinition members an extension check
// reads; fixed[x] and pattern[x] are kept besides, whatever their type.
var keptElementKeys = map[string]bool{
	"id": true, "path": true, "sliceName": true, "min": true, "max": true,
	"base": true, "type": true, "contentReference": true, "binding": true,
	"constraint": true, "slicing": true, "maxLength": true, "isModifier": true,
}

// compact derives the compact form of an extension definition read from
// js. ok is false when js is not a StructureDefinition of an extension.
func compact(js []byte, source, from string, coreKeys map[string]bool) (Def, bool, error) {
	var sd rawSD
	if err := json.Unmarshal(js, &sd); err != nil {
		return Def{}, false, fmt.Errorf("%s: %v", from, err)
	}
	if sd.ResourceType != "StructureDefinition" || sd.Type != "Extension" || sd.Derivation != "constraint" {
		return Def{}, false, nil
	}
	if sd.URL == "" {
		return Def{}, false, fmt.Errorf("%s: extension definition without url", from)
	}
	name := sd.Name
	if name == "" {
		name = sd.ID
	}
	out := compactSD{
		Source: source, ResourceType: "StructureDefinition", URL: sd.URL, Name: name,
		Kind: sd.Kind, Type: sd.Type, BaseDefinition: sd.BaseDefinition, Derivation: sd.Derivation,
		ContextType: sd.ContextType, Context: compactJSON(sd.Context),
	}
	switch {
	case sd.Snapshot != nil && len(sd.Snapshot.Element) > 0:
		els, err := compactList(sd.Snapshot.Element, coreKeys)
		if err != nil {
			return Def{}, false, fmt.Errorf("%s: snapshot: %v", from, err)
		}
		out.Snapshot = &compactElements{els}
	case sd.Differential != nil && len(sd.Differential.Element) > 0:
		els, err := compactList(sd.Differential.Element, coreKeys)
		if err != nil {
			return Def{}, false, fmt.Errorf("%s: differential: %v", from, err)
		}
		out.Differential = &compactElements{els}
	default:
		return Def{}, false, fmt.Errorf("%s: extension %s has neither snapshot nor differential", from, sd.URL)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return Def{}, false, fmt.Errorf("%s: %v", from, err)
	}
	return Def{URL: sd.URL, Source: source, From: from, line: bytes.TrimRight(b.Bytes(), "\n")}, true, nil
}

func compactList(in []map[string]json.RawMessage, coreKeys map[string]bool) ([]map[string]json.RawMessage, error) {
	out := make([]map[string]json.RawMessage, 0, len(in))
	for _, e := range in {
		ce := map[string]json.RawMessage{}
		for k, v := range e {
			switch {
			case keptElementKeys[k]:
			case strings.HasPrefix(k, "fixed") && len(k) > len("fixed"):
			case strings.HasPrefix(k, "pattern") && len(k) > len("pattern"):
			default:
				continue
			}
			v, err := trimMember(k, v, coreKeys)
			if err != nil {
				return nil, fmt.Errorf("element %s: %s: %v", e["path"], k, err)
			}
			if v != nil {
				ce[k] = compactJSON(v)
			}
		}
		out = append(out, ce)
	}
	return out, nil
}

// trimMember drops the descriptive parts of a binding, slicing and
// constraints (descriptions, the XPath form), which no check reads, and
// the constraints of the STU3 model (coreKeys), which the base validation
// evaluates on every element already. It returns nil when nothing is left.
func trimMember(k string, v json.RawMessage, coreKeys map[string]bool) (json.RawMessage, error) {
	switch k {
	case "binding":
		var b map[string]json.RawMessage
		if err := json.Unmarshal(v, &b); err != nil {
			return nil, err
		}
		delete(b, "description")
		delete(b, "extension")
		return marshal(b)
	case "slicing":
		var sl map[string]json.RawMessage
		if err := json.Unmarshal(v, &sl); err != nil {
			return nil, err
		}
		delete(sl, "description")
		return marshal(sl)
	case "constraint":
		var cs []map[string]json.RawMessage
		if err := json.Unmarshal(v, &cs); err != nil {
			return nil, err
		}
		kept := cs[:0]
		for _, c := range cs {
			var key string
			_ = json.Unmarshal(c["key"], &key)
			if coreKeys[key] {
				continue
			}
			kept = append(kept, c)
			for ck := range c {
				switch ck {
				case "key", "severity", "human", "expression", "source":
				default:
					delete(c, ck)
				}
			}
		}
		if len(kept) == 0 {
			return nil, nil
		}
		return marshal(kept)
	case "type":
		var ts []map[string]json.RawMessage
		if err := json.Unmarshal(v, &ts); err != nil {
			return nil, err
		}
		for _, t := range ts {
			for tk := range t {
				switch tk {
				case "code", "profile", "targetProfile", "aggregation":
				default:
					delete(t, tk)
				}
			}
		}
		return marshal(ts)
	}
	return v, nil
}

// marshal writes v as JSON without escaping <, > and &, as the package
// writes them.
func marshal(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// CoreKeys returns the constraint keys of the model's types.
func CoreKeys(m *schemas.Model) map[string]bool {
	keys := map[string]bool{}
	for _, name := range m.TypeNames() {
		for _, c := range m.Type(name).Constraints {
			keys[c.Key] = true
		}
	}
	return keys
}

func compactJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// ReadCore reads the core extension definitions of the official STU3
// package tarball.
func ReadCore(r io.Reader, name string, m *schemas.Model) ([]Def, error) {
	coreKeys := CoreKeys(m)
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("%s: not a gzip tarball: %v", name, err)
	}
	tr := tar.NewReader(zr)
	var out []Def
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		base := path.Base(h.Name)
		if h.Typeflag != tar.TypeReg || !strings.HasPrefix(base, "StructureDefinition-") || !strings.HasSuffix(base, ".json") {
			continue
		}
		if h.Size > maxFile {
			return nil, fmt.Errorf("%s: %s: %d bytes, more than %d", name, h.Name, h.Size, maxFile)
		}
		js, err := io.ReadAll(io.LimitReader(tr, maxFile))
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", name, h.Name, err)
		}
		d, ok, err := compact(js, SourceCore, h.Name, coreKeys)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no extension definitions", name)
	}
	return out, nil
}

// ReadNHS reads the extension definitions of the NHS assets folder (the
// NHSFolders under dir), in JSON where a file has a JSON twin and from
// XML otherwise. Each is tagged nhs (https://fhir.nhs.uk/) or careconnect
// (https://fhir.hl7.org.uk/) by its URL; m parses the XML.
func ReadNHS(dir string, m *schemas.Model) ([]Def, error) {
	coreKeys := CoreKeys(m)
	var out []Def
	keep := func(fn string) bool { return strings.Contains(fn, "Extension") }
	fail := func(_ string, err error) error { return err }
	err := WalkNHS(dir, NHSFolders, keep, "StructureDefinition", m, fail, func(rel string, js []byte) error {
		var head struct {
			URL string `json:"url"`
		}
		_ = json.Unmarshal(js, &head)
		source := SourceOf(head.URL)
		if source == "" {
			return nil // not an NHS or CareConnect definition
		}
		d, ok, err := compact(js, source, rel, coreKeys)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// SourceOf tags a canonical URL of the NHS assets by its publisher: nhs
// for https://fhir.nhs.uk/, careconnect for https://fhir.hl7.org.uk/, ""
// otherwise.
func SourceOf(url string) string {
	switch {
	case strings.HasPrefix(url, "https://fhir.nhs.uk/"):
		return SourceNHS
	case strings.HasPrefix(url, "https://fhir.hl7.org.uk/"):
		return SourceCareConnect
	}
	return ""
}

// WalkNHS calls fn, in file name order, with the JSON form of each
// resource of type kind in the given folders under the NHS assets folder
// dir whose file name keep accepts: the file itself when it is JSON, else
// the XML parsed with m, unless a JSON twin of the same name is there
// (the published JSON is read instead). rel names the file for messages.
// A file that cannot be read or parsed is passed to bad, whose error (if
// any) ends the walk.
func WalkNHS(dir string, folders []string, keep func(name string) bool, kind string, m *schemas.Model,
	bad func(rel string, err error) error, fn func(rel string, js []byte) error) error {
	for _, sub := range folders {
		root := filepath.Join(dir, filepath.FromSlash(sub))
		entries, err := os.ReadDir(root)
		if err != nil {
			return fmt.Errorf("NHS assets: %v (give the folder with -nhs)", err)
		}
		names := map[string]bool{}
		for _, e := range entries {
			names[e.Name()] = true
		}
		for _, e := range entries {
			name := e.Name()
			if !e.Type().IsRegular() || !keep(name) {
				continue
			}
			ext := filepath.Ext(name)
			if ext != ".json" && ext != ".xml" {
				continue
			}
			if ext == ".xml" && names[strings.TrimSuffix(name, ext)+".json"] {
				continue // the published JSON twin is read instead
			}
			rel := sub + "/" + name
			js, err := readResource(filepath.Join(root, name), ext, kind, m)
			if err != nil {
				if err := bad(rel, fmt.Errorf("%s: %v", rel, err)); err != nil {
					return err
				}
				continue
			}
			if js == nil {
				continue
			}
			if err := fn(rel, js); err != nil {
				return err
			}
		}
	}
	return nil
}

// readResource returns the JSON form of one file, nil when it is XML but
// not a resource of type kind (a JSON file is returned as it is, for the
// caller to check).
func readResource(p, ext, kind string, m *schemas.Model) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(src) > maxFile {
		return nil, fmt.Errorf("more than %d bytes", maxFile)
	}
	src = tree.TrimBOM(src)
	if ext == ".json" {
		return src, nil
	}
	if !bytes.Contains(src, []byte("<"+kind)) {
		return nil, nil
	}
	doc, err := tree.ParseXML(src, m)
	if err != nil {
		return nil, err
	}
	if doc == nil || doc.Root == nil || doc.Root.Type != kind {
		return nil, nil
	}
	return tree.WriteJSON(doc.Root, false)
}

// Write writes the header and the definitions, sorted by URL. Two
// definitions of one URL are an error unless they are the same.
func Write(w io.Writer, defs []Def, pkg string) (map[string]int, error) {
	sort.SliceStable(defs, func(i, j int) bool { return defs[i].URL < defs[j].URL })
	counts := map[string]int{}
	var kept []Def
	for i, d := range defs {
		if i > 0 && defs[i-1].URL == d.URL {
			if !bytes.Equal(defs[i-1].line, d.line) {
				return nil, fmt.Errorf("extension %s is defined differently in %s and %s", d.URL, defs[i-1].From, d.From)
			}
			continue
		}
		kept = append(kept, d)
		counts[d.Source]++
	}
	bw := bufio.NewWriter(w)
	head, err := json.Marshal(Header{Extensions: "nemsfhir STU3 extension definitions", Package: pkg, Counts: counts})
	if err != nil {
		return nil, err
	}
	bw.Write(head)
	bw.WriteByte('\n')
	for _, d := range kept {
		bw.Write(d.line)
		bw.WriteByte('\n')
	}
	return counts, bw.Flush()
}

// Generate reads both sources and writes the output: the core package at
// pkgPath, the NHS assets under nhsDir, XML parsed with m.
func Generate(w io.Writer, pkgPath, nhsDir string, m *schemas.Model) (map[string]int, error) {
	f, err := os.Open(pkgPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	core, err := ReadCore(f, pkgPath, m)
	if err != nil {
		return nil, err
	}
	if nhsDir == "" {
		return nil, errors.New("no NHS assets folder given")
	}
	if _, err := fs.Stat(os.DirFS(nhsDir), "."); err != nil {
		return nil, fmt.Errorf("NHS assets: %v (give the folder with -nhs or $NEMSFHIR_NHS_ASSETS)", err)
	}
	nhs, err := ReadNHS(nhsDir, m)
	if err != nil {
		return nil, err
	}
	return Write(w, append(core, nhs...), filepath.Base(pkgPath))
}
