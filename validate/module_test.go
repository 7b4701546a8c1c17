package validate_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// outsideProgram uses the library as a supplier's service would, from its
// own module and through the public API only: it validates a payload and
// reads its issues (with their byte ranges),
// validates a folder as a batch, converts a payload and a batch, and
// checks a request.
const outsideProgram = `package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/inputs"
	"github.com/nemsfhir/nemsfhir/validate/issue"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

func main() {
	ctx := context.Background()
	dir := os.Args[1]
	v, err := validate.NewContext(ctx, validate.Options{NoRules: true})
	if err != nil {
		fmt.Println("new:", err)
		os.Exit(1)
	}
	src := []byte(` + "`" + `{"resourceType":"Patient","gender":"nope"}` + "`" + `)
	res, err := v.ValidateContext(ctx, "p.json", src)
	if err != nil {
		fmt.Println("validate:", err)
		os.Exit(1)
	}
	fmt.Println("validate:", res.Valid(), len(res.Outcome().XML()) > 0)
	var issues []issue.Issue = res.Issues
	for _, is := range issues {
		fmt.Printf("issue: %s %s %s %d:%d %q\n", is.Severity, is.Rule, is.Path, is.Line, is.Column, src[is.Offset:is.Offset+is.Length])
	}

	walk := inputs.Walk(ctx, []string{dir}, inputs.Options{})
	err = v.ValidateAll(ctx, walk, validate.BatchOptions{Workers: 2}, func(r validate.BatchResult) error {
		fmt.Println("batch:", filepath.Base(r.Input.Name), r.Err == nil && r.Result.Valid())
		return nil
	})
	if err != nil {
		fmt.Println("batch:", err)
		os.Exit(1)
	}

	out, _, err := transform.XMLToJSON([]byte(` + "`" + `<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>` + "`" + `), transform.Options{})
	fmt.Println("convert:", string(out), err)
	_, _, err = transform.XMLToJSON([]byte(` + "`" + `<Patient xmlns="http://hl7.org/fhir"><nope/></Patient>` + "`" + `), transform.Options{})
	if list, ok := err.(transform.ErrorList); ok {
		for _, e := range list {
			fmt.Printf("convert error: %d:%d %s\n", e.Line, e.Column, e.Message)
		}
	}
	walk = inputs.Walk(ctx, []string{dir}, inputs.Options{Exts: []string{".xml"}, NoSniff: true})
	err = transform.ConvertAll(ctx, walk, transform.BatchOptions{To: transform.JSON, Workers: 2}, func(r transform.BatchResult) error {
		fmt.Println("convert batch:", filepath.Base(r.Input.Name), string(r.Output), r.ReadErr, r.Err)
		return nil
	})
	if err != nil {
		fmt.Println("convert batch:", err)
		os.Exit(1)
	}

	c, err := request.New(request.Options{Validator: v})
	if err != nil {
		fmt.Println("request:", err)
		os.Exit(1)
	}
	resp, err := c.CheckContext(ctx, &request.Request{Interaction: request.SubscriptionRead, Method: "PUT", Target: request.PathSubscription + "/abc"})
	if err != nil {
		fmt.Println("request:", err)
		os.Exit(1)
	}
	fmt.Println("request:", resp.StatusLine())
}
`

// TestOutsideModule builds and runs a small program in a module of its
// own that uses the library through a replace directive, as a supplier
// embedding nemsfhir would: it proves that the public API is enough to
// validate, run a batch, convert and check a request. It builds offline,
// from the module cache (GOPROXY=off).
func TestOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program in a separate module")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build a separate module")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.HasPrefix(string(gomod), "module github.com/nemsfhir/nemsfhir\n") {
		t.Fatalf("%s is not the root of the nemsfhir module: %v", root, err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(mod, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mod, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/supplier\n\ngo 1.26.0\n\nrequire github.com/nemsfhir/nemsfhir v0.0.0\n\nreplace github.com/nemsfhir/nemsfhir => "+root+"\n")
	// The library's own checksums: the build must not ask the network.
	write("go.sum", string(sum))
	write("main.go", outsideProgram)
	write("payloads/a.json", `{"resourceType":"Patient","active":true}`)
	write("payloads/b.xml", `<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>`)
	write("payloads/c.xml", `<Patient xmlns="http://hl7.org/fhir"><active value="maybe"/></Patient>`)

	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local")
	exe := filepath.Join(mod, "supplier")
	build := exec.Command(gobin, "build", "-o", exe, ".")
	build.Dir, build.Env = mod, env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the separate module: %v\n%s", err, out)
	}
	run := exec.Command(exe, filepath.Join(mod, "payloads"))
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("the program failed: %v\n%s", err, out)
	}
	want := `validate: false true
issue: error fhir:binding Patient.gender 1:27 "\"gender\""
batch: a.json true
batch: b.xml true
batch: c.xml false
convert: {"resourceType":"Patient","active":true} <nil>
convert error: 1:38 unknown element <nope> in Patient
convert batch: b.xml {"resourceType":"Patient","active":true} <nil> <nil>
convert batch: c.xml  <nil> 1:38: Patient.active: value "maybe" is not a valid boolean (true or false)
request: HTTP/1.1 404 Not Found
`
	if got := string(out); got != want {
		t.Errorf("the program printed:\n%s\nwant:\n%s", got, want)
	}
}
