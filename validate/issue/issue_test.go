package issue

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSeverityOrder(t *testing.T) {
	worstFirst := []Severity{SeverityFatal, SeverityError, SeverityWarning, SeverityInformation}
	for i, a := range worstFirst {
		if !a.Valid() {
			t.Errorf("%s is not valid", a)
		}
		for j, b := range worstFirst {
			if got, want := a.AtLeast(b), i <= j; got != want {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", a, b, got, want)
			}
		}
		if got, want := a.IsError(), i < 2; got != want {
			t.Errorf("%s.IsError() = %v, want %v", a, got, want)
		}
	}
	if Severity("severe").Valid() {
		t.Error(`"severe" is taken for a severity`)
	}
}

func TestInteractionNames(t *testing.T) {
	for _, in := range Interactions() {
		got, err := ParseInteraction(in.String())
		if err != nil || got != in {
			t.Errorf("ParseInteraction(%q) = %v, %v", in.String(), got, err)
		}
		if in != Publish {
			if got, err := ParseInteraction(in.Verb()); err != nil || got != in {
				t.Errorf("ParseInteraction(%q) = %v, %v", in.Verb(), got, err)
			}
			if id := in.InteractionID(); id == "" {
				t.Errorf("%s has no InteractionID", in)
			} else if back, _, ok := InteractionFromID(id); !ok || back != in {
				t.Errorf("InteractionFromID(%q) = %v, %v", id, back, ok)
			}
		}
		if in.Method() == "" || in.Path() == "" || in.RequiredScope() == "" {
			t.Errorf("%s: method %q, path %q, scope %q", in, in.Method(), in.Path(), in.RequiredScope())
		}
	}
	if _, err := ParseInteraction("update"); err == nil || !strings.Contains(err.Error(), "update") {
		t.Errorf("ParseInteraction(update) error = %v", err)
	}
	if in, code, ok := InteractionFromID("urn:nhs:names:services:events:Vaccinations.Write"); !ok || in != Publish || code != "Vaccinations" {
		t.Errorf("publish InteractionID read as %v %q %v", in, code, ok)
	}
	if _, _, ok := InteractionFromID("urn:nhs:names:services:events:.Write"); ok {
		t.Error("a publish InteractionID without an event code is accepted")
	}
	var zero Interaction
	if zero.Valid() || zero.Method() != "" || zero.Verb() != "" {
		t.Error("the zero Interaction passes for an interaction")
	}
}

func TestIssueJSON(t *testing.T) {
	is := Issue{Severity: SeverityError, Code: TypeValue, Spine: SpineInvalidCodeValue, Rule: "fhir:binding",
		Path: "Patient.gender", Line: 3, Column: 5, Offset: 40, Length: 26, Message: "bad"}
	b, err := json.Marshal(is)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"severity":"error","code":"value","spineCode":"INVALID_CODE_VALUE","rule":"fhir:binding","expression":"Patient.gender","line":3,"column":5,"offset":40,"length":26,"message":"bad"}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	if got := is.String(); got != "3:5: error fhir:binding [INVALID_CODE_VALUE] Patient.gender: bad" {
		t.Errorf("String() = %q", got)
	}
	if is.Location() != "3:5" || (Issue{}).Location() != "" {
		t.Errorf("Location() = %q", is.Location())
	}
}

func TestSpineCodeTable(t *testing.T) {
	if len(SpineCodes) != 45 {
		t.Errorf("%d Spine codes, the code system has 45", len(SpineCodes))
	}
	for code, info := range SpineCodes {
		if info.Display == "" {
			t.Errorf("%s has no display", code)
		}
		if info.Severity != "" && !info.Severity.Valid() {
			t.Errorf("%s maps to severity %q", code, info.Severity)
		}
	}
	if SpineCode("NO_SUCH").Status() != 400 || SpineCode("NO_SUCH").Display() != "NO_SUCH" {
		t.Error("an unknown Spine code is not answered with 400 and its own name")
	}
	if SpineInvalidResource.Status() != 422 || SpineCode("INVALID_VALUE").Status() != 400 {
		t.Errorf("INVALID_RESOURCE answers %d", SpineInvalidResource.Status())
	}
}

func TestInteractionFromID(t *testing.T) {
	tests := []struct {
		id   string
		in   Interaction
		code string
		ok   bool
	}{
		{"urn:nhs:names:services:events:Vaccinations.Write", Publish, "Vaccinations", true},
		{"urn:nhs:names:services:events:Bloodspottestoutcome.Write", Publish, "Bloodspottestoutcome", true},
		{InteractionIDSubscriptionCreate, SubscriptionCreate, "", true},
		{InteractionIDSubscriptionRead, SubscriptionRead, "", true},
		{InteractionIDSubscriptionDelete, SubscriptionDelete, "", true},
		{"urn:nhs:names:services:events:.Write", 0, "", false},
		{"urn:nhs:names:services:events:Vaccinations.write", 0, "", false},
		{"urn:nhs:names:services:clinicals-sync:SubscriptionsApiPut", 0, "", false},
		{"", 0, "", false},
	}
	for _, tt := range tests {
		in, code, ok := InteractionFromID(tt.id)
		if in != tt.in || code != tt.code || ok != tt.ok {
			t.Errorf("InteractionFromID(%q) = %v, %q, %v", tt.id, in, code, ok)
		}
	}
	for in, scope := range map[Interaction]string{Publish: ScopeBundleWrite, SubscriptionCreate: ScopeSubscriptionWrite,
		SubscriptionRead: ScopeSubscriptionRead, SubscriptionDelete: ScopeSubscriptionWrite, 0: ""} {
		if got := in.RequiredScope(); got != scope {
			t.Errorf("%v.RequiredScope() = %q, want %q", in, got, scope)
		}
	}
}
