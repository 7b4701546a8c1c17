package structuredef

import (
	"os"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

const (
	emsSubscription    = "https://fhir.nhs.uk/STU3/StructureDefinition/EMS-Subscription-1"
	eventMessageHeader = "https://fhir.nhs.uk/STU3/StructureDefinition/Event-MessageHeader-1"
)

func TestLoadNHSAssets(t *testing.T) {
	r := nhsRegistry(t)
	for _, u := range []string{
		emsSubscription, eventMessageHeader,
		"https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-EMS-Patient-1",
		"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-RoutingDemographics-1",
		"https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1",
		"https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RegistrationDetails-1",
	} {
		if r.Profile(u) == nil {
			t.Errorf("profile %s not loaded", u)
		}
	}
	// The one NHS profile published without a snapshot is built from its
	// differential.
	if p := r.Profile("https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-PractitionerRole-1"); p == nil || !p.FromDifferential {
		t.Errorf("Extension-GPConnect-PractitionerRole-1: want a snapshot built from the differential, got %+v", p)
	}
	if n := len(r.Profiles()); n < 270 {
		t.Errorf("%d profiles loaded, want at least 270 (179 NHS + 100 Core IG + 1)", n)
	}
	// The only files refused are four NHS Data Dictionary CodeSystems
	// published outside the FHIR namespace, and the Core IG expansions
	// bundle, whose R4 valueCanonical extensions are dropped; one NHS
	// CodeSystem is read without the empty <definition/> it holds (ele-1).
	var le LoadErrors
	if nhsErr != nil {
		le = nhsErr.(LoadErrors)
	}
	for _, e := range le {
		switch {
		case strings.Contains(e.File, "CodeSystem-NHSDataDictionary-") && strings.Contains(e.Err.Error(), "not in the FHIR namespace"):
		case strings.HasSuffix(e.File, "expansions.xml"):
		case strings.HasSuffix(e.File, "CodeSystem-EMS-FailsafeAlertReason-1.xml") && strings.Contains(e.Err.Error(), "<definition> has neither a value"):
		default:
			t.Errorf("unexpected load error: %v", e)
		}
	}
}

// find returns the findings with the given rule and path.
func find(fs []issue.Issue, rule, path string) []issue.Issue {
	var out []issue.Issue
	for _, f := range fs {
		if f.Rule == rule && f.Path == path {
			out = append(out, f)
		}
	}
	return out
}

func TestSubscriptionExplicit(t *testing.T) {
	r := nhsRegistry(t)
	src, err := os.ReadFile(sharedPath(t, "corpus/nems-examples/subscription-create-explicit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if fs := r.Check(parse(t, "sub.xml", src), nil); len(fs) != 0 {
		t.Errorf("subscription-create-explicit.xml: want no findings, got %d", len(fs))
		dump(t, fs)
	}
	noMeta := strings.Replace(string(src), `<profile value="`+emsSubscription+`"/>`, "", 1)

	cases := []struct {
		name, old, new string
		extra          []string
		rule, path     string
		line           int
		severity       string
		spine          issue.SpineCode
	}{
		{"error element present", "\t<channel>", "\t<error value=\"failed\"/>\n\t<channel>", nil,
			"profile:EMS-Subscription-1:cardinality", "Subscription.error", 13, "error", issue.SpineInvalidResource},
		{"Subscription.tag present", "</Subscription>", "\t<tag><system value=\"urn:x\"/><code value=\"t\"/></tag>\n</Subscription>", nil,
			"profile:EMS-Subscription-1:cardinality", "Subscription.tag[0]", 17, "error", issue.SpineInvalidResource},
		{"contact.system absent", "\t\t<system value=\"url\"/>\n", "", nil,
			"profile:EMS-Subscription-1:cardinality", "Subscription.contact[0].system", 6, "error", issue.SpineInvalidResource},
		{"contact.use absent", "\t\t<use value=\"work\"/>\n", "", nil,
			"profile:EMS-Subscription-1:cardinality", "Subscription.contact[0].use", 6, "error", issue.SpineInvalidResource},
		{"contact absent", "\t<contact>\n\t\t<system value=\"url\"/>\n\t\t<value value=\"https://directory.spineservices.nhs.uk/STU3/Organization/RR8\"/>\n\t\t<use value=\"work\"/>\n\t</contact>\n", "", nil,
			"profile:EMS-Subscription-1:cardinality", "Subscription.contact", 1, "error", issue.SpineInvalidResource},
		{"contained other than Provenance", "\t<status value", "\t<contained><Patient><id value=\"p\"/></Patient></contained>\n\t<status value", nil,
			"profile:EMS-Subscription-1:type", "Subscription.contained[0]", 5, "error", issue.SpineInvalidResource},
		{"profile named by the caller", "", "", []string{emsSubscription},
			"profile:EMS-Subscription-1:cardinality", "Subscription.error", 13, "error", issue.SpineInvalidResource},
		{"unknown profile", "", "", []string{"https://example.org/StructureDefinition/Nope"},
			RuleUnknownProfile, "Subscription", 1, "warning", issue.SpineInvalidResource},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := string(src)
			if tc.extra != nil {
				base = noMeta
			}
			mutated := strings.Replace(base, tc.old, tc.new, 1)
			if tc.name == "profile named by the caller" {
				mutated = strings.Replace(noMeta, "\t<channel>", "\t<error value=\"failed\"/>\n\t<channel>", 1)
			}
			if mutated == base && tc.old != "" {
				t.Fatalf("mutation did not apply")
			}
			fs := r.Check(parse(t, "sub.xml", []byte(mutated)), tc.extra)
			got := find(fs, tc.rule, tc.path)
			if len(got) != 1 || len(fs) != 1 {
				t.Errorf("want one %s at %s, got:", tc.rule, tc.path)
				dump(t, fs)
				return
			}
			f := got[0]
			if f.Line != tc.line || string(f.Severity) != tc.severity || f.Spine != tc.spine {
				t.Errorf("got line %d severity %s spine %s, want %d %s %s", f.Line, f.Severity, f.Spine, tc.line, tc.severity, tc.spine)
			}
			if f.Message == "" {
				t.Error("empty message")
			}
		})
	}
}

// The NEMS pages call MessageHeader.source.name mandatory (G12), but
// Event-MessageHeader-1 itself leaves it 0..1: a profile check cannot
// report it; the NEMS rule pack does.
func TestEventMessageHeader(t *testing.T) {
	r := nhsRegistry(t)
	src, err := os.ReadFile(sharedPath(t, "corpus/nems-examples/PDS-Record-Change.xml"))
	if err != nil {
		t.Fatal(err)
	}
	p := r.Profile(eventMessageHeader)
	if d := sliceElem(p.root, "source.name"); d == nil || d.min != 0 {
		t.Fatalf("Event-MessageHeader-1 source.name: want 0..1 in the profile, got %+v", d)
	}
	mh := "Bundle.entry[0].resource"
	onlyMH := func(fs []issue.Issue) []issue.Issue {
		var out []issue.Issue
		for _, f := range fs {
			if strings.HasPrefix(f.Path, mh) && !strings.HasPrefix(f.Path, "Bundle.entry[1]") {
				out = append(out, f)
			}
		}
		return out
	}
	if fs := onlyMH(r.Check(parse(t, "m.xml", src), nil)); len(fs) != 0 {
		t.Errorf("PDS-Record-Change.xml MessageHeader: want no findings, got")
		dump(t, fs)
	}

	cases := []struct {
		name, old, new string
		rule, path     string
		line           int
		spine          issue.SpineCode
	}{
		{"event display absent", "\t\t\t\t\t<display value=\"PDS Record Change\"/>\n", "",
			"profile:Event-MessageHeader-1:cardinality", mh + ".event.display", 42, issue.SpineInvalidResource},
		{"messageEventType extension absent", `<extension url="https://fhir.nhs.uk/STU3/StructureDefinition/Extension-MessageEventType-1">`, `<extension url="https://example.org/other">`,
			"profile:Event-MessageHeader-1:slice", mh + ".extension", 9, issue.SpineInvalidResource},
		{"routing NHS number system wrong", `<system value="https://fhir.nhs.uk/Id/nhs-number"/>
							<value value="9912003888"/>`, `<system value="http://fhir.nhs.net/Id/nhs-number"/>
							<value value="9912003888"/>`,
			"profile:Extension-RoutingDemographics-1:fixed", mh + ".extension[0].extension[0].valueIdentifier.system", 18, issue.SpineInvalidIdentifierSys},
		{"second routing name", `<extension url="birthDateTime">`, `<extension url="name"><valueHumanName><family value="X"/></valueHumanName></extension>
					<extension url="birthDateTime">`,
			"profile:Extension-RoutingDemographics-1:slice", mh + ".extension[0].extension[2]", 29, issue.SpineInvalidResource},
		{"routing value of the wrong type", `<valueDateTime value="2017-10-02T12:00:00+00:00"/>`, `<valueString value="2017-10-02"/>`,
			"profile:Extension-RoutingDemographics-1:type", mh + ".extension[0].extension[2].valueString", 30, issue.SpineInvalidResource},
		{"receiver forbidden", "\t\t\t\t<responsible>", "\t\t\t\t<receiver><reference value=\"Organization/x\"/></receiver>\n\t\t\t\t<responsible>",
			"profile:Event-MessageHeader-1:cardinality", mh + ".receiver", 55, issue.SpineInvalidResource},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mutated := strings.Replace(string(src), tc.old, tc.new, 1)
			if mutated == string(src) {
				t.Fatal("mutation did not apply")
			}
			fs := onlyMH(r.Check(parse(t, "m.xml", []byte(mutated)), nil))
			got := find(fs, tc.rule, tc.path)
			if len(got) != 1 {
				t.Errorf("want one %s at %s, got:", tc.rule, tc.path)
				dump(t, fs)
				return
			}
			if got[0].Line != tc.line || got[0].Spine != tc.spine {
				t.Errorf("got line %d spine %s, want %d %s", got[0].Line, got[0].Spine, tc.line, tc.spine)
				dump(t, fs)
			}
		})
	}
}
