package fhirpath

import (
	"context"
	"strings"
	"testing"
)

// Real STU3 invariants, as the package states them.
const (
	ele1  = `hasValue() | (children().count() > id.count())`
	dom1  = `contained.text.empty()`
	dom2  = `contained.contained.empty()`
	dom3  = `contained.where(('#'+id in %resource.descendants().reference).not()).empty()`
	dom4  = `contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()`
	bdl1  = `total.empty() or (type = 'searchset') or (type = 'history')`
	bdl2  = `entry.search.empty() or (type = 'searchset')`
	bdl3  = `entry.request.empty() or type = 'batch' or type = 'transaction' or type = 'history'`
	bdl4  = `entry.response.empty() or type = 'batch-response' or type = 'transaction-response'`
	bdl5  = `resource.exists() or request.exists() or response.exists()` // on Bundle.entry
	bdl7  = `entry.where(fullUrl).select(fullUrl&resource.meta.versionId).isDistinct()`
	bdl8  = `fullUrl.contains('/_history/').not()` // on Bundle.entry
	bdl9  = `type = 'document' implies (identifier.system.exists() and identifier.value.exists())`
	rng2  = `low.empty() or high.empty() or (low <= high)`
	per1  = `start.empty() or end.empty() or (start <= end)`
	qty3  = `code.empty() or system.exists()`
	ext1  = `extension.exists() != value.exists()`
	ref1  = `reference.startsWith('#').not() or (reference.substring(1).trace('url') in %resource.contained.id.trace('ids'))`
	eld16 = `sliceName.empty() or sliceName.matches('^[a-zA-Z0-9\\/\\-\\_]+$')`
	sdf19 = `kind = 'logical' or (differential.element.type.code.all(hasValue() implies matches('^[a-zA-Z0-9]+$')) and snapshot.element.type.code.all(hasValue() implies matches('^[a-zA-Z0-9]+$')))`
	txt1  = `htmlchecks()`
	obs7  = `value.empty() or component.code.where( (coding.code = %resource.code.coding.code) and (coding.system = %resource.code.coding.system)).empty()`
	ras2  = `probability is decimal implies probability.as(decimal) <= 100`
	con4  = `abatement.empty() or (abatement as boolean).not()  or clinicalStatus='resolved' or clinicalStatus='remission' or clinicalStatus='inactive'`
	mad3  = `reasonCode.empty() or notGiven.empty() or notGiven = 'false'`
	eld3  = `empty() or ($this = '*') or (toInteger() >= 0)`
	que1  = `(type='group' implies item.empty().not()) and (type.trace('type')='display' implies item.trace('item').empty())`
)

// NEMS rule-pack style checks (no msh-* or sub-* invariants exist in STU3:
// MessageHeader and Subscription carry only dom-1..4).
const (
	nemsG05 = `id.matches('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')`
	nemsG06 = `event.system = 'https://fhir.nhs.uk/STU3/CodeSystem/EventType-1' and event.code.exists() and event.display.exists()`
	nemsG07 = `extension(%msgTypeExt).count() = 1 and extension(%msgTypeExt).value.coding.exists(system = %msgTypeCS and (code in ('new' | 'update' | 'delete')))`
	nemsBdl = `Bundle.type = 'message' and entry.first().resource is MessageHeader and entry.resource.ofType(MessageHeader).focus.reference.all(%resource.entry.fullUrl contains $this)`
	nemsSub = `Subscription.criteria.startsWith('/Bundle?type=message&') and channel.type = 'message' and (end.empty() or end > now())`
)

type invariantCase struct {
	name  string
	expr  string
	at    string // path from the resource to the context elements; "" for the resource
	json  string
	want  Truth
	extra map[string]Collection
}

func TestSTU3Invariants(t *testing.T) {
	env := func(c invariantCase, res Node) *Env {
		e := testEnv()
		e.Resource = res
		e.Vars = c.extra
		return e
	}
	msgVars := map[string]Collection{
		"msgTypeExt": str("https://fhir.nhs.uk/STU3/StructureDefinition/Extension-MessageEventType-1"),
		"msgTypeCS":  str("https://fhir.nhs.uk/STU3/CodeSystem/MessageEventType-1"),
	}
	const header = `{"resourceType":"MessageHeader","id":"0ab1c5c7-2e3b-4c5a-9d1e-6f7a8b9c0d1e",
	  "extension":[{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-MessageEventType-1",
	    "valueCodeableConcept":{"coding":[{"system":"https://fhir.nhs.uk/STU3/CodeSystem/MessageEventType-1","code":"new","display":"New event message"}]}}],
	  "event":{"system":"https://fhir.nhs.uk/STU3/CodeSystem/EventType-1","code":"pds-change-of-address-1","display":"PDS Change of Address"},
	  "focus":{"reference":"urn:uuid:p1"}}`
	cases := []invariantCase{
		{"ele-1 primitive with value", ele1, "gender", `{"resourceType":"Patient","gender":"male"}`, True, nil},
		{"ele-1 primitive with extension only", ele1, "birthDate", `{"resourceType":"Patient","_birthDate":{"extension":[{"url":"x","valueString":"y"}]}}`, True, nil},
		{"ele-1 empty complex element", ele1, "meta", `{"resourceType":"Patient","meta":{}}`, False, nil},
		{"ele-1 element with only an id", ele1, "meta", `{"resourceType":"Patient","meta":{"id":"m"}}`, False, nil},
		{"ele-1 complex element", ele1, "meta", `{"resourceType":"Patient","meta":{"versionId":"1"}}`, True, nil},

		{"dom-1 pass", dom1, "", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o"}]}`, True, nil},
		{"dom-1 fail", dom1, "", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o","text":{"status":"empty","div":"<div>x</div>"}}]}`, False, nil},
		{"dom-2 pass", dom2, "", `{"resourceType":"Patient"}`, True, nil},
		{"dom-2 fail", dom2, "", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o","contained":[{"resourceType":"Location","id":"l"}]}]}`, False, nil},
		{"dom-3 referenced", dom3, "", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o"}],"managingOrganization":{"reference":"#o"}}`, True, nil},
		{"dom-3 orphan", dom3, "", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o"}],"managingOrganization":{"reference":"#x"}}`, False, nil},
		{"dom-3 no contained", dom3, "", `{"resourceType":"Patient"}`, True, nil},
		{"dom-4 pass", dom4, "", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o","meta":{"profile":["x"]}}]}`, True, nil},
		{"dom-4 versionId", dom4, "", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o","meta":{"versionId":"2"}}]}`, False, nil},
		{"dom-4 lastUpdated", dom4, "", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o","meta":{"lastUpdated":"2020-01-01T00:00:00Z"}}]}`, False, nil},

		{"bdl-1 searchset total", bdl1, "", `{"resourceType":"Bundle","type":"searchset","total":3}`, True, nil},
		{"bdl-1 message total", bdl1, "", `{"resourceType":"Bundle","type":"message","total":3}`, False, nil},
		{"bdl-2 pass", bdl2, "", `{"resourceType":"Bundle","type":"searchset","entry":[{"search":{"mode":"match"}}]}`, True, nil},
		{"bdl-2 fail", bdl2, "", `{"resourceType":"Bundle","type":"message","entry":[{"search":{"mode":"match"}}]}`, False, nil},
		{"bdl-3 pass", bdl3, "", `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"Patient"}}]}`, True, nil},
		{"bdl-3 fail", bdl3, "", `{"resourceType":"Bundle","type":"message","entry":[{"request":{"method":"POST","url":"Patient"}}]}`, False, nil},
		{"bdl-4 pass", bdl4, "", `{"resourceType":"Bundle","type":"batch-response","entry":[{"response":{"status":"200"}}]}`, True, nil},
		{"bdl-4 fail", bdl4, "", `{"resourceType":"Bundle","type":"collection","entry":[{"response":{"status":"200"}}]}`, False, nil},
		{"bdl-5 pass", bdl5, "entry", `{"resourceType":"Bundle","type":"message","entry":[{"fullUrl":"urn:uuid:a","resource":{"resourceType":"Patient"}}]}`, True, nil},
		{"bdl-5 fail", bdl5, "entry", `{"resourceType":"Bundle","type":"message","entry":[{"fullUrl":"urn:uuid:a"}]}`, False, nil},
		{"bdl-7 distinct", bdl7, "", `{"resourceType":"Bundle","type":"message","entry":[{"fullUrl":"urn:uuid:a","resource":{"resourceType":"Patient"}},{"fullUrl":"urn:uuid:b","resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Patient"}}]}`, True, nil},
		{"bdl-7 duplicate", bdl7, "", `{"resourceType":"Bundle","type":"message","entry":[{"fullUrl":"urn:uuid:a","resource":{"resourceType":"Patient"}},{"fullUrl":"urn:uuid:a","resource":{"resourceType":"Patient"}}]}`, False, nil},
		{"bdl-7 same url other version", bdl7, "", `{"resourceType":"Bundle","type":"history","entry":[{"fullUrl":"http://x/Patient/1","resource":{"resourceType":"Patient","meta":{"versionId":"1"}}},{"fullUrl":"http://x/Patient/1","resource":{"resourceType":"Patient","meta":{"versionId":"2"}}}]}`, True, nil},
		{"bdl-8 pass", bdl8, "entry", `{"resourceType":"Bundle","entry":[{"fullUrl":"http://x/Patient/1"}]}`, True, nil},
		{"bdl-8 fail", bdl8, "entry", `{"resourceType":"Bundle","entry":[{"fullUrl":"http://x/Patient/1/_history/2"}]}`, False, nil},
		{"bdl-9 document with identifier", bdl9, "", `{"resourceType":"Bundle","type":"document","identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:1"}}`, True, nil},
		{"bdl-9 document without", bdl9, "", `{"resourceType":"Bundle","type":"document"}`, False, nil},
		{"bdl-9 not a document", bdl9, "", `{"resourceType":"Bundle","type":"message"}`, True, nil},

		{"rng-2 pass", rng2, "referenceRange", `{"resourceType":"Observation","referenceRange":[{"low":{"value":1,"code":"kg"},"high":{"value":2,"code":"kg"}}]}`, True, nil},
		{"rng-2 fail", rng2, "referenceRange", `{"resourceType":"Observation","referenceRange":[{"low":{"value":3,"code":"kg"},"high":{"value":2,"code":"kg"}}]}`, False, nil},
		{"rng-2 other units", rng2, "referenceRange", `{"resourceType":"Observation","referenceRange":[{"low":{"value":3,"code":"g"},"high":{"value":2,"code":"kg"}}]}`, True, nil},
		{"rng-2 other units fail", rng2, "referenceRange", `{"resourceType":"Observation","referenceRange":[{"low":{"value":3,"code":"kg"},"high":{"value":2000,"code":"g"}}]}`, False, nil},
		{"rng-2 incommensurable units", rng2, "referenceRange", `{"resourceType":"Observation","referenceRange":[{"low":{"value":3,"code":"g"},"high":{"value":2,"code":"mL"}}]}`, Empty, nil},
		{"per-1 pass", per1, "period", `{"resourceType":"Encounter","period":{"start":"2020-01-01","end":"2020-01-02T10:00:00Z"}}`, True, nil},
		{"per-1 fail", per1, "period", `{"resourceType":"Encounter","period":{"start":"2020-01-03","end":"2020-01-02T10:00:00Z"}}`, False, nil},
		{"per-1 same day", per1, "period", `{"resourceType":"Encounter","period":{"start":"2020-01-02","end":"2020-01-02T10:00:00Z"}}`, Empty, nil},
		{"qty-3 fail", qty3, "value", `{"resourceType":"Observation","valueQuantity":{"value":1,"code":"kg"}}`, False, nil},
		{"ext-1 pass", ext1, "extension", `{"resourceType":"Patient","extension":[{"url":"x","valueString":"v"}]}`, True, nil},
		{"ext-1 both", ext1, "extension", `{"resourceType":"Patient","extension":[{"url":"x","valueString":"v","extension":[{"url":"y","valueString":"w"}]}]}`, False, nil},
		{"ref-1 pass", ref1, "managingOrganization", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o"}],"managingOrganization":{"reference":"#o"}}`, True, nil},
		{"ref-1 fail", ref1, "managingOrganization", `{"resourceType":"Patient","managingOrganization":{"reference":"#o"}}`, False, nil},
		{"eld-16 pass", eld16, "", `{"sliceName":"a/b-c_d"}`, True, nil},
		{"eld-16 fail", eld16, "", `{"sliceName":"a b"}`, False, nil},
		{"sdf-19 pass", sdf19, "", `{"resourceType":"StructureDefinition","kind":"resource","snapshot":{"element":[{"type":[{"code":"string"}]}]}}`, True, nil},
		{"sdf-19 fail", sdf19, "", `{"resourceType":"StructureDefinition","kind":"resource","snapshot":{"element":[{"type":[{"code":"a b"}]}]}}`, False, nil},
		{"txt-1 pass", txt1, "text.div", `{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Hi <b>there</b></p></div>"}}`, True, nil},
		{"txt-1 script", txt1, "text.div", `{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><script>x()</script>Hi</div>"}}`, False, nil},
		{"txt-1 event attribute", txt1, "text.div", `{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p onclick=\"x()\">Hi</p></div>"}}`, False, nil},
		{"txt-1 SCRIPT upper case", txt1, "text.div", `{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><SCRIPT>x()</SCRIPT>Hi</div>"}}`, False, nil},
		{"txt-1 iframe", txt1, "text.div", `{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><iframe srcdoc=\"x\"/>Hi</div>"}}`, False, nil},
		{"txt-1 ins", txt1, "text.div", `{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><ins>Hi</ins></div>"}}`, False, nil},
		{"txt-1 javascript: link", txt1, "text.div", `{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"JavaScript:x()\">Hi</a></div>"}}`, False, nil},
		{"txt-1 url(javascript:) style", txt1, "text.div", `{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p style=\"background:url(javascript:x())\">Hi</p></div>"}}`, False, nil},
		{"txt-1 data: image", txt1, "text.div", `{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"x\"/></div>"}}`, True, nil},
		{"txt-2 whitespace only", txt1, "text.div", `{"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"> </div>"}}`, False, nil},
		{"obs-7 pass", obs7, "", observationJSON, True, nil},
		{"obs-7 fail", obs7, "", `{"resourceType":"Observation","code":{"coding":[{"system":"s","code":"c"}]},"valueString":"x","component":[{"code":{"coding":[{"system":"s","code":"c"}]}}]}`, False, nil},
		{"ras-2 pass", ras2, "prediction", `{"resourceType":"RiskAssessment","prediction":[{"probabilityDecimal":50}]}`, True, nil},
		{"ras-2 fail", ras2, "prediction", `{"resourceType":"RiskAssessment","prediction":[{"probabilityDecimal":150.5}]}`, False, nil},
		{"ras-2 range", ras2, "prediction", `{"resourceType":"RiskAssessment","prediction":[{"probabilityRange":{"low":{"value":1}}}]}`, True, nil},
		{"con-4 pass", con4, "", `{"resourceType":"Condition","abatementBoolean":true,"clinicalStatus":"resolved"}`, True, nil},
		{"con-4 fail", con4, "", `{"resourceType":"Condition","abatementBoolean":true,"clinicalStatus":"active"}`, False, nil},
		// `as boolean` on a dateTime is empty and empty or false is empty:
		// the caller decides what an empty invariant means.
		{"con-4 date", con4, "", `{"resourceType":"Condition","abatementDateTime":"2020-01-01","clinicalStatus":"active"}`, Empty, nil},
		{"mad-3 pass", mad3, "", `{"resourceType":"MedicationAdministration","notGiven":false,"reasonCode":[{"text":"x"}]}`, True, nil},
		{"mad-3 fail", mad3, "", `{"resourceType":"MedicationAdministration","notGiven":true,"reasonCode":[{"text":"x"}]}`, False, nil},
		{"eld-3 star", eld3, "max", `{"max":"*"}`, True, nil},
		{"eld-3 number", eld3, "max", `{"max":"2"}`, True, nil},
		{"eld-3 negative", eld3, "max", `{"max":"-1"}`, False, nil},
		{"que-1 group", que1, "item", `{"resourceType":"Questionnaire","item":[{"type":"group","item":[{"type":"string"}]}]}`, True, nil},
		{"que-1 display with items", que1, "item", `{"resourceType":"Questionnaire","item":[{"type":"display","item":[{"type":"string"}]}]}`, False, nil},

		{"NEMS G05 uuid", nemsG05, "", header, True, msgVars},
		{"NEMS G05 not uuid", nemsG05, "", `{"resourceType":"MessageHeader","id":"12345"}`, False, msgVars},
		{"NEMS G06 pass", nemsG06, "", header, True, msgVars},
		{"NEMS G06 wrong system", nemsG06, "", strings.Replace(header, "CodeSystem/EventType-1", "CodeSystem/Other", 1), False, msgVars},
		{"NEMS G07 pass", nemsG07, "", header, True, msgVars},
		{"NEMS G07 bad code", nemsG07, "", strings.Replace(header, `"code":"new"`, `"code":"old"`, 1), False, msgVars},
		{"NEMS G07 missing", nemsG07, "", `{"resourceType":"MessageHeader"}`, False, msgVars},
		{"NEMS bundle focus present", nemsBdl, "", `{"resourceType":"Bundle","type":"message","entry":[{"fullUrl":"urn:uuid:h","resource":` + header + `},{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient"}}]}`, True, nil},
		{"NEMS bundle focus missing", nemsBdl, "", `{"resourceType":"Bundle","type":"message","entry":[{"fullUrl":"urn:uuid:h","resource":` + header + `}]}`, False, nil},
		{"NEMS bundle header not first", nemsBdl, "", `{"resourceType":"Bundle","type":"message","entry":[{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient"}},{"fullUrl":"urn:uuid:h","resource":` + header + `}]}`, False, nil},
		{"NEMS subscription pass", nemsSub, "", `{"resourceType":"Subscription","status":"requested","criteria":"/Bundle?type=message&serviceType=EMS","channel":{"type":"message","endpoint":"Mailbox1234"}}`, True, nil},
		{"NEMS subscription ended", nemsSub, "", `{"resourceType":"Subscription","criteria":"/Bundle?type=message&x","end":"2020-01-01T00:00:00Z","channel":{"type":"message"}}`, False, nil},
		{"NEMS subscription rest-hook", nemsSub, "", `{"resourceType":"Subscription","criteria":"/Bundle?type=message&x","channel":{"type":"rest-hook"}}`, False, nil},
	}
	for _, c := range cases {
		root := fromJSON(t, c.json)
		e, err := Compile(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		targets := []Node{root}
		if c.at != "" {
			res, err := MustCompile(c.at).Evaluate(context.Background(), root, nil)
			if err != nil || len(res.Collection) == 0 {
				t.Errorf("%s: no element at %s (%v)", c.name, c.at, err)
				continue
			}
			targets = targets[:0]
			for _, it := range res.Collection {
				targets = append(targets, it.Node())
			}
		}
		got := True
		for _, n := range targets {
			res, err := e.Evaluate(context.Background(), n, env(c, root))
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				break
			}
			if tr := res.Truth(); tr != True {
				got = tr
				break
			}
		}
		if got != c.want {
			t.Errorf("%s: %s gave %v, want %v", c.name, c.expr, got, c.want)
		}
	}
}

// TestEle1EveryElement runs ele-1 over every element of a resource, as the
// invariant phase will.
func TestEle1EveryElement(t *testing.T) {
	e := MustCompile(ele1)
	all := MustCompile("descendants()")
	for _, c := range []struct {
		json  string
		fails int
	}{
		{patientJSON, 0},
		{observationJSON, 0},
		{`{"resourceType":"Patient","name":[{"given":["a"]},{}],"meta":{"id":"x"}}`, 2},
	} {
		root := fromJSON(t, c.json)
		res, err := all.Evaluate(context.Background(), root, nil)
		if err != nil {
			t.Fatal(err)
		}
		fails := 0
		for _, it := range res.Collection {
			r, err := e.Evaluate(context.Background(), it.Node(), &Env{Resource: root})
			if err != nil {
				t.Fatal(err)
			}
			if r.Truth() != True {
				fails++
			}
		}
		if fails != c.fails {
			t.Errorf("%.40s...: %d elements fail ele-1, want %d", c.json, fails, c.fails)
		}
	}
}
