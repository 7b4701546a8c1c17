package corpus_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/validate"
)

// TestBenignVariants: legitimate variations of the valid payloads stay
// valid, one or more per class of rule the traceability matrix added
// (profiles/traceability.tsv): reordered entries, optional elements added,
// other spellings of the same thing. A variant that does not change its
// base is an error, so none passes by failing to apply.
func TestBenignVariants(t *testing.T) {
	v, err := validate.New(validate.Options{Now: func() time.Time { return goldenNow }})
	if err != nil {
		t.Fatal(err)
	}
	entries := regexp.MustCompile(`(?s)\n  <entry>.*?\n  </entry>`)
	reorder := func(s string) string {
		// Every entry after the MessageHeader, in reverse order.
		all := entries.FindAllStringIndex(s, -1)
		if len(all) < 3 {
			return s
		}
		var rest []string
		for i := len(all) - 1; i >= 1; i-- {
			rest = append(rest, s[all[i][0]:all[i][1]])
		}
		return s[:all[1][0]] + strings.Join(rest, "") + s[all[len(all)-1][1]:]
	}
	replace := func(old, new string) func(string) string {
		return func(s string) string { return strings.Replace(s, old, new, 1) }
	}
	for _, tc := range []struct {
		name, base string
		fn         func(string) string
	}{
		{"entries reordered after the header", "vaccinations-1-new", reorder},
		{"screening entries reordered", "nipe-outcome-1-new", reorder},
		{"PDS entries reordered", "pds-birth-notification-1-new", reorder},
		{"phone contact with a national number", "vaccinations-1-new", replace(`<system value="email"/>
            <value value="support64@example.nhs.uk"/>`, `<system value="phone"/>
            <value value="0113 397 3970"/>`)},
		{"phone contact with an international number", "vaccinations-1-new", replace(`<system value="email"/>
            <value value="support64@example.nhs.uk"/>`, `<system value="phone"/>
            <value value="+44 (0)113 397-3970"/>`)},
		{"focus with a display beside its reference", "vaccinations-1-new", replace(`<reference value="urn:uuid:ab52dd80-6b73-4641-8858-5f5652f5c238"/>
        </focus>`, `<reference value="urn:uuid:ab52dd80-6b73-4641-8858-5f5652f5c238"/>
          <display value="the vaccination"/>
        </focus>`)},
		{"sender is the in-Bundle Organization", "vaccinations-1-new", replace(`<timestamp value=`, `<sender><reference value="urn:uuid:241cc962-a893-4ab2-9226-720a39d1733a"/></sender>
        <timestamp value=`)},
		{"sender is an Organization by its ODS API URL", "vaccinations-1-new", replace(`<timestamp value=`, `<sender><reference value="https://directory.spineservices.nhs.uk/STU3/Organization/K61734"/></sender>
        <timestamp value=`)},
		{"routing sub-extensions in another order", "vaccinations-1-new", moveRoutingName},
		{"criteria events in another order", "subscription-explicit", replace(`MessageHeader.event=nipe-outcome-1&amp;MessageHeader.event=pds-death-notification-1`, `MessageHeader.event=pds-death-notification-1&amp;MessageHeader.event=nipe-outcome-1`)},
		{"criteria serviceType after the patient", "subscription-explicit", replace(`serviceType=EPCHR&amp;Patient.identifier=http://fhir.nhs.net/Id/nhs-number|9993778133`, `Patient.identifier=http://fhir.nhs.net/Id/nhs-number|9993778133&amp;serviceType=EPCHR`)},
		{"criteria age range written upper bound first", "subscription-generic", replace(`MessageHeader.event=pds-record-change-1"`, `MessageHeader.event=pds-record-change-1&amp;Patient.age=lt19&amp;Patient.age=gt5"`)},
		{"criteria organisation before the rule type", "subscription-generic", replace(`subscriptionRuleType=GP_GP_GP&amp;Organization.identifier=X69174`, `Organization.identifier=X69174&amp;subscriptionRuleType=GP_GP_GP`)},
		{"criteria with a tag of every allowed kind of character", "subscription-generic", replace(`MessageHeader.event=pds-record-change-1"`, `MessageHeader.event=pds-record-change-1&amp;tag=Site_123-a,b"`)},
		{"criteria NHS number separator percent-encoded", "subscription-explicit", replace(`nhs-number|9993778133`, `nhs-number%7C9993778133`)},
		{"subscription without an end (perpetual)", "subscription-generic", replace(`  <end value="2024-10-08T08:00:00+00:00"/>
`, ``)},
		{"MessageHeader without the optional sequence number", "vaccinations-1-new", replace(`          <versionId value="18"/>
`, ``)},
		{"formal death notification with the date and time of death", "pds-death-notification-1-new", func(s string) string {
			s = strings.Replace(s, `<code value="U"/>
                <display value="Removed"/>`, `<code value="2"/>
                <display value="Formal - death notice received from Registrar of Deaths"/>`, 1)
			return strings.Replace(s, `<birthDate value="1936-08-04"/>`, `<birthDate value="1936-08-04"/>
        <deceasedDateTime value="2024-05-01T10:15:00+01:00"/>`, 1)
		}},
		{"vaccination procedure with a second, local coding", "vaccinations-1-new", replace(`<display value="Administration of second dose of measles/mumps/rubella vaccine"/>
            </coding>`, `<display value="Administration of second dose of measles/mumps/rubella vaccine"/>
            </coding>
            <coding>
              <system value="https://example.nhs.uk/local-vaccination-codes"/>
              <code value="MMR2"/>
            </coding>`)},
	} {
		path := filepath.Join("rules", "valid", tc.base+".xml")
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out := tc.fn(string(src))
		if out == string(src) {
			t.Errorf("%s: the variant did not change %s", tc.name, path)
			continue
		}
		res := v.Validate(tc.base+"-variant.xml", []byte(out))
		for _, is := range res.Issues {
			if is.Severity.AtLeast(validate.SeverityWarning) {
				t.Errorf("%s (%s): %v", tc.name, tc.base, is)
			}
		}
	}
}

// moveRoutingName puts the routing name after the birth date.
func moveRoutingName(s string) string {
	re := regexp.MustCompile(`(?s)(\n\s*<extension url="name">.*?</extension>)(\n\s*<extension url="birthDateTime">.*?</extension>)`)
	return re.ReplaceAllString(s, "$2$1")
}
