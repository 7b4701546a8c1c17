package apicheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// root is the module root, from this package's folder.
const root = "../.."

// publicPackage reports whether the folder dir (relative to the module
// root, slash-separated) holds a package users of the module may import:
// not internal, not a command, not the repository's own tooling.
func publicPackage(dir string) bool {
	for _, part := range strings.Split(dir, "/") {
		switch part {
		case "internal", "cmd", "testdata", "bench", "corpus", "release", "gen":
			return false
		}
	}
	return true
}

// TestNoInternalTypesInPublicAPI parses every public package and fails on
// each exported function, method, type, field, variable or constant whose
// declared type names a type from an internal package.
func TestNoInternalTypesInPublicAPI(t *testing.T) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != root) {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel != "." && publicPackage(rel) && hasGoFiles(p) {
			dirs = append(dirs, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 8 {
		t.Fatalf("found only %d public packages: %v", len(dirs), dirs)
	}
	var leaks []string
	for _, dir := range dirs {
		leaks = append(leaks, packageLeaks(t, dir)...)
	}
	sort.Strings(leaks)
	for _, l := range leaks {
		t.Error(l)
	}
	t.Logf("%d public packages checked", len(dirs))
}

func hasGoFiles(dir string) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			return true
		}
	}
	return false
}

// packageLeaks lists the exported declarations of the package in dir that
// name an internal type, as "file:line: what names pkg.Type".
func packageLeaks(t *testing.T, dir string) []string {
	fset := token.NewFileSet()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name == "main" {
			continue
		}
		internal := map[string]string{} // local import name -> path
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !strings.Contains("/"+path+"/", "/internal/") {
				continue
			}
			local := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				local = imp.Name.Name
			}
			internal[local] = path
		}
		if len(internal) == 0 {
			continue
		}
		report := func(what string, expr ast.Expr) {
			for _, ref := range internalRefs(expr, internal) {
				pos := fset.Position(expr.Pos())
				rel, _ := filepath.Rel(root, pos.Filename)
				out = append(out, rel+":"+strconv.Itoa(pos.Line)+": "+what+" names "+ref)
			}
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				what := d.Name.Name
				if d.Recv != nil {
					recv := receiverName(d.Recv.List[0].Type)
					if !ast.IsExported(recv) {
						continue // a method of an unexported type is not reachable by name
					}
					what = recv + "." + what
				}
				report(what, d.Type)
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						report("type "+s.Name.Name, exportedPart(s.Type))
					case *ast.ValueSpec:
						for i, n := range s.Names {
							if !n.IsExported() {
								continue
							}
							if s.Type != nil {
								report(n.Name, s.Type)
							} else if i < len(s.Values) {
								report(n.Name, s.Values[i])
							}
						}
					}
				}
			}
		}
	}
	return out
}

func receiverName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return receiverName(x.X)
	case *ast.IndexExpr:
		return receiverName(x.X)
	case *ast.IndexListExpr:
		return receiverName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// exportedPart returns what of a type expression users see: a struct
// without its unexported fields, an interface without its unexported
// methods.
func exportedPart(e ast.Expr) ast.Expr {
	st, ok := e.(*ast.StructType)
	if !ok {
		return e
	}
	fields := &ast.FieldList{}
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 {
			// Embedded: promoted when its type name is exported.
			if ast.IsExported(receiverName(f.Type)) || isSelectorOfExported(f.Type) {
				fields.List = append(fields.List, f)
			}
			continue
		}
		for _, n := range f.Names {
			if n.IsExported() {
				fields.List = append(fields.List, f)
				break
			}
		}
	}
	return &ast.StructType{Struct: st.Struct, Fields: fields}
}

func isSelectorOfExported(e ast.Expr) bool {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.IsExported()
}

// internalRefs lists the pkg.Name references into internal packages in
// expr. In a value expression (a variable without a declared type) a call
// of an internal function counts too: its result is of an internal type
// more often than not, and the test is there to make one look.
func internalRefs(expr ast.Expr, internal map[string]string) []string {
	var refs []string
	ast.Inspect(expr, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false // a body is not part of the API
		}
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok {
			if path, ok := internal[id.Name]; ok {
				refs = append(refs, path+"."+sel.Sel.Name)
			}
		}
		return true
	})
	return refs
}
