package apicheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// userProgram uses the library as a supplier's service would, from a
// module of its own: it can only name what the public packages export.
const userProgram = `package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/issue"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

func main() {
	v, err := validate.New(validate.Options{Interaction: issue.SubscriptionCreate})
	if err != nil {
		fmt.Println("new:", err)
		os.Exit(2)
	}
	src := []byte("<Patient xmlns=\"http://hl7.org/fhir\">\n  <gender value=\"mail\"/>\n</Patient>")
	res := v.Validate("patient.xml", src)
	var issues []issue.Issue = res.Issues
	for _, is := range issues {
		fmt.Printf("validate: %s %s %s %d:%d %q\n", is.Severity, is.Rule, is.Path, is.Line, is.Column, src[is.Offset:is.Offset+is.Length])
	}
	fmt.Printf("outcome: %d bytes of JSON\n", len(res.Outcome().JSON()))

	j, _, err := transform.XMLToJSON([]byte("<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\"/></Patient>"), transform.Options{})
	fmt.Printf("convert: %s %v\n", j, err)
	_, _, err = transform.XMLToJSON([]byte("<Patient xmlns=\"http://hl7.org/fhir\"><nope/></Patient>"), transform.Options{})
	var list transform.ErrorList
	if l, ok := err.(transform.ErrorList); ok {
		list = l
	}
	for _, e := range list {
		fmt.Printf("convert error: %d:%d %s\n", e.Line, e.Column, e.Message)
	}

	c, err := request.New(request.Options{})
	if err != nil {
		fmt.Println("request:", err)
		os.Exit(2)
	}
	resp := c.Check(&request.Request{Interaction: request.SubscriptionRead, Method: "PUT", Target: "/STU3/Subscription/ea0a485187204b49b978bdcf7102388c", Header: http.Header{}})
	fmt.Println("request:", resp.StatusLine())
}
`

// TestExternalModule builds and runs userProgram in a module of its own
// that requires this one through a replace directive, offline, from the
// module cache the repository's own build fills.
func TestExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program: skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(abs, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/supplier\n\ngo 1.26.0\n\nrequire github.com/nemsfhir/nemsfhir v0.0.0\n\nreplace github.com/nemsfhir/nemsfhir => " + abs + "\n"
	for name, body := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": []byte(userProgram)} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goTool, "run", "-mod=mod", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-buildvcs=false", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the program does not build or run: %v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{
		`validate: error fhir:binding Patient.gender 2:3 "<gender value=\"mail\"/>"`,
		"outcome: ",
		`convert: {"resourceType":"Patient","active":true} <nil>`,
		"convert error: 1:38 unknown element <nope> in Patient",
		"request: HTTP/1.1 405 Method Not Allowed",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
