package structuredef

import (
	"archive/tar"
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

// maxFileSize bounds one definition file; the largest published STU3
// profile is a few MB.
const maxFileSize = 64 << 20

// FileError is a file (or package entry) the loader could not use, and why.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// LoadErrors lists every problem met by [Load]. The registry it comes with
// holds everything else.
type LoadErrors []*FileError

func (l LoadErrors) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As reach each FileError.
func (l LoadErrors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Load reads StructureDefinitions, ValueSets and CodeSystems from each path:
// a folder (walked recursively; .xml and .json files), a FHIR package
// (.tgz, whose package/*.json entries are read) or a single file. Bundles
// are opened and their conformance resources taken; other resources, such
// as examples, are skipped. In a folder, an XML file with a JSON twin of
// the same base name is taken to be the same resource and not read. When the same canonical URL is loaded twice (an
// IG publishes XML and JSON twins) the first one wins.
//
// A path that cannot be opened is fatal and Load returns a nil Registry. A
// file that cannot be parsed, or a profile whose snapshot cannot be built,
// is not: Load returns the Registry with everything else and a [LoadErrors]
// naming each file and its problem.
func Load(paths ...string) (*Registry, error) {
	l := &loader{reg: newRegistry(schemas.STU3())}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		switch {
		case st.IsDir():
			err = l.folder(p)
		case isPackage(p):
			err = l.pkg(p)
		default:
			l.file(p)
		}
		if err != nil {
			return nil, err
		}
	}
	l.reg.compile(&l.errs)
	if len(l.errs) > 0 {
		return l.reg, l.errs
	}
	return l.reg, nil
}

func isPackage(p string) bool {
	return strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz")
}

type loader struct {
	reg  *Registry
	errs LoadErrors
}

func (l *loader) fail(file string, err error) {
	l.errs = append(l.errs, &FileError{File: file, Err: err})
}

func (l *loader) folder(root string) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch {
		case isPackage(p):
			files = append(files, p)
		case strings.HasSuffix(p, ".xml"), strings.HasSuffix(p, ".json"):
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Sorted so that "first one wins" does not depend on the file system.
	sort.Strings(files)
	have := make(map[string]bool, len(files))
	for _, f := range files {
		have[f] = true
	}
	for _, f := range files {
		// An IG publishes each resource as XML and JSON twins; reading
		// the JSON alone halves the work.
		if strings.HasSuffix(f, ".xml") && have[strings.TrimSuffix(f, ".xml")+".json"] {
			continue
		}
		if isPackage(f) {
			if err := l.pkg(f); err != nil {
				l.fail(f, err)
			}
			continue
		}
		l.file(f)
	}
	return nil
}

func (l *loader) file(p string) {
	f, err := os.Open(p)
	if err != nil {
		l.fail(p, err)
		return
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		l.fail(p, err)
		return
	}
	if len(src) > maxFileSize {
		l.fail(p, errors.New("file larger than 64 MB"))
		return
	}
	l.source(p, src)
}

func (l *loader) pkg(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: not a gzip-compressed FHIR package: %w", p, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			l.fail(p, fmt.Errorf("reading package: %w", err))
			return nil
		}
		name := path.Clean(h.Name)
		// Only the package's own resources; examples live in sub-folders.
		if h.Typeflag != tar.TypeReg || path.Dir(name) != "package" || !strings.HasSuffix(name, ".json") || path.Base(name) == "package.json" {
			continue
		}
		if h.Size > maxFileSize {
			l.fail(p+"!"+name, errors.New("entry larger than 64 MB"))
			continue
		}
		src, err := io.ReadAll(tr)
		if err != nil {
			l.fail(p+"!"+name, err)
			return nil
		}
		l.source(p+"!"+name, src)
	}
}

// wanted are the resource types the loader keeps.
var wanted = map[string]bool{"StructureDefinition": true, "ValueSet": true, "CodeSystem": true, "Bundle": true}

// source reads one file's bytes, in either format.
func (l *loader) source(name string, src []byte) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(src, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if len(trimmed) == 0 {
		l.fail(name, errors.New("empty file"))
		return
	}
	if trimmed[0] == '{' {
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		if err := json.Unmarshal(src, &head); err != nil {
			l.fail(name, fmt.Errorf("invalid JSON: %w", err))
			return
		}
		if !wanted[head.ResourceType] {
			return // an example or another resource: not ours to judge
		}
		l.resource(name, head.ResourceType, src)
		return
	}
	if trimmed[0] != '<' {
		l.fail(name, errors.New("neither JSON nor XML"))
		return
	}
	if !wanted[xmlRootName(trimmed)] {
		return
	}
	doc, err := tree.ParseXML(src, l.reg.model)
	if doc == nil || doc.Root == nil {
		if err == nil {
			err = errors.New("no resource")
		}
		l.fail(name, err)
		return
	}
	if err != nil {
		// The tree keeps what it could read; say what was dropped.
		l.fail(name, fmt.Errorf("read with errors (the rest is used): %w", err))
	}
	js, werr := tree.WriteJSON(doc.Root, false)
	if werr != nil {
		l.fail(name, werr)
		return
	}
	l.resource(name, doc.Root.Type, js)
}

// xmlRootName returns the local name of the first element of an XML
// document, so that examples are skipped without being parsed.
func xmlRootName(src []byte) string {
	for i := 0; i < len(src); {
		j := bytes.IndexByte(src[i:], '<')
		if j < 0 {
			return ""
		}
		i += j + 1
		if i >= len(src) {
			return ""
		}
		switch src[i] {
		case '?':
			k := bytes.Index(src[i:], []byte("?>"))
			if k < 0 {
				return ""
			}
			i += k
			continue
		case '!':
			end := []byte(">")
			if bytes.HasPrefix(src[i:], []byte("!--")) {
				end = []byte("-->")
			}
			k := bytes.Index(src[i:], end)
			if k < 0 {
				return ""
			}
			i += k
			continue
		}
		k := i
		for k < len(src) && !strings.ContainsRune(" \t\r\n/>", rune(src[k])) {
			k++
		}
		name := string(src[i:k])
		if c := strings.IndexByte(name, ':'); c >= 0 {
			name = name[c+1:]
		}
		return name
	}
	return ""
}

// resource decodes one conformance resource (or a Bundle of them) from its
// JSON form.
func (l *loader) resource(name, typ string, js []byte) {
	switch typ {
	case "StructureDefinition":
		sd := &structureDefinition{file: name}
		if err := json.Unmarshal(js, sd); err != nil {
			l.fail(name, fmt.Errorf("StructureDefinition: %w", err))
			return
		}
		if sd.URL == "" {
			l.fail(name, errors.New("StructureDefinition without url"))
			return
		}
		l.reg.addStructure(sd)
	case "ValueSet":
		vs := &valueSet{file: name}
		if err := json.Unmarshal(js, vs); err != nil {
			l.fail(name, fmt.Errorf("ValueSet: %w", err))
			return
		}
		l.reg.addValueSet(vs)
	case "CodeSystem":
		cs := &codeSystem{file: name}
		if err := json.Unmarshal(js, cs); err != nil {
			l.fail(name, fmt.Errorf("CodeSystem: %w", err))
			return
		}
		l.reg.addCodeSystem(cs)
	case "Bundle":
		var b struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(js, &b); err != nil {
			l.fail(name, fmt.Errorf("Bundle: %w", err))
			return
		}
		for i, e := range b.Entry {
			var head struct {
				ResourceType string `json:"resourceType"`
			}
			if json.Unmarshal(e.Resource, &head) != nil || head.ResourceType == "Bundle" || !wanted[head.ResourceType] {
				continue
			}
			l.resource(fmt.Sprintf("%s#entry[%d]", name, i), head.ResourceType, e.Resource)
		}
	}
}
