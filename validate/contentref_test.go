package validate_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// invariantAt reports whether res has an issue for constraint key on path.
func invariantAt(res *validate.Result, key, path string) bool {
	for _, is := range res.Issues {
		if is.Rule == "fhir:invariant:"+key && is.Path == path {
			return true
		}
	}
	return false
}

// TestContentReferenceInvariants: an element defined by contentReference
// (ValueSet.compose.exclude, Composition.section.section,
// Questionnaire.item.item) meets the constraints of the element it refers
// to, in XML and in JSON, as the same content at the top level does.
func TestContentReferenceInvariants(t *testing.T) {
	v := validator(t)
	for _, tc := range []struct {
		name, src string
		want      [][2]string // constraint key, path
	}{
		{"exclude xml", `<ValueSet xmlns="http://hl7.org/fhir"><status value="draft"/><compose>` +
			`<include><system value="http://loinc.org"/></include>` +
			`<exclude><concept><code value="x"/></concept></exclude></compose></ValueSet>`,
			[][2]string{{"vsd-1", "ValueSet.compose.exclude[0]"}, {"vsd-2", "ValueSet.compose.exclude[0]"}}},
		{"exclude json", `{"resourceType":"ValueSet","status":"draft","compose":{` +
			`"include":[{"system":"http://loinc.org"}],` +
			`"exclude":[{"concept":[{"code":"x"}]}]}}`,
			[][2]string{{"vsd-1", "ValueSet.compose.exclude[0]"}, {"vsd-2", "ValueSet.compose.exclude[0]"}}},
		{"nested section xml", `<Composition xmlns="http://hl7.org/fhir"><status value="final"/><type><text value="t"/></type>` +
			`<subject><display value="s"/></subject><date value="2020-01-01"/><author><display value="a"/></author><title value="t"/>` +
			`<section><title value="outer"/><section><title value="empty"/></section></section></Composition>`,
			[][2]string{{"cmp-1", "Composition.section[0].section[0]"}}},
		{"nested section json", `{"resourceType":"Composition","status":"final","type":{"text":"t"},` +
			`"subject":{"display":"s"},"date":"2020-01-01","author":[{"display":"a"}],"title":"t",` +
			`"section":[{"title":"outer","section":[{"title":"empty"}]}]}`,
			[][2]string{{"cmp-1", "Composition.section[0].section[0]"}}},
		{"nested item xml", `<Questionnaire xmlns="http://hl7.org/fhir"><status value="draft"/>` +
			`<item><linkId value="1"/><type value="group"/>` +
			`<item><linkId value="1.1"/><text value="note"/><type value="display"/><required value="true"/></item></item></Questionnaire>`,
			[][2]string{{"que-6", "Questionnaire.item[0].item[0]"}}},
		{"nested item json", `{"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1","type":"group",` +
			`"item":[{"linkId":"1.1","text":"note","type":"display","required":true}]}]}`,
			[][2]string{{"que-6", "Questionnaire.item[0].item[0]"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Validate(tc.name, []byte(tc.src))
			for _, w := range tc.want {
				if !invariantAt(res, w[0], w[1]) {
					t.Errorf("no %s on %s; issues: %v", w[0], w[1], res.Issues)
				}
			}
		})
	}
}

// TestContentReferenceRestated: where the package restates the referred
// element's rules for the reused place (TestScript.test.action.operation
// carries inv-8 for the setup's inv-7), only the restatement is reported.
func TestContentReferenceRestated(t *testing.T) {
	v := validator(t)
	src := `{"resourceType":"TestScript","url":"http://example.org/ts","name":"ts","status":"draft",` +
		`"test":[{"action":[{"operation":{"type":{"code":"read"},"description":"no target"}}]}]}`
	res := v.Validate("testscript.json", []byte(src))
	var keys []string
	for _, is := range res.Issues {
		if strings.HasPrefix(is.Path, "TestScript.test[0].action[0].operation") {
			keys = append(keys, strings.TrimPrefix(is.Rule, "fhir:invariant:"))
		}
	}
	if !slices.Equal(keys, []string{"inv-8"}) {
		t.Errorf("constraints on the test operation = %v, want [inv-8]; issues: %v", keys, res.Issues)
	}
}
