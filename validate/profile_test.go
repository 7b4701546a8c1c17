package validate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

const emsSubscription = "https://fhir.nhs.uk/STU3/StructureDefinition/EMS-Subscription-1"

// TestIGProfiles validates Subscriptions against EMS-Subscription-1 loaded
// from the NHS STU3 assets, as --ig and --profile do.
func TestIGProfiles(t *testing.T) {
	ig := requireShared(t, "fhir/nhs/STU3-FHIR-Assets/StructureDefinitions")
	v, err := validate.New(validate.Options{IG: []string{ig}, Profiles: []string{emsSubscription}, NoRules: true})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(requireShared(t, "corpus/nems-examples/subscription-create-explicit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if res := v.Validate("explicit", src); !res.Valid() {
		t.Errorf("the create example breaks EMS-Subscription-1: %v", res.Issues)
	}
	// Subscription.error is 0..0 in the profile, 0..1 in STU3.
	bad := strings.Replace(string(src), "<channel>", "<error value=\"not allowed here\"/>\n\t<channel>", 1)
	res := v.Validate("with-error", []byte(bad))
	found := false
	for _, is := range res.Issues {
		if strings.HasPrefix(is.Rule, "profile:") && is.Path == "Subscription.error" && is.Severity.IsError() {
			found = true
		}
	}
	if !found {
		t.Errorf("Subscription.error not reported against the profile: %v", res.Issues)
	}

	if _, err := validate.New(validate.Options{IG: []string{ig}, Profiles: []string{"https://example.org/no-such-profile"}}); err == nil {
		t.Error("an unknown --profile URL was accepted")
	}
	if _, err := validate.New(validate.Options{IG: []string{filepath.Join(ig, "no-such-folder")}}); err == nil {
		t.Error("a missing IG path was accepted")
	}
}
