package validate_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
)

// testQuestionnaireItems exercise every rule of the check: a required group,
// an item enabled by an answer and one by hasAnswer, each answer type,
// an option list of Codings and one of strings, an options value set
// given in full (#vs) and one that is not available offline, a display
// item, a repeating item and a question with an item nested in it.
const testQuestionnaireItems = `[
  {"linkId": "g1", "type": "group", "required": true, "item": [
    {"linkId": "name", "type": "string", "required": true},
    {"linkId": "age", "type": "integer"}
  ]},
  {"linkId": "smoker", "type": "boolean", "required": true},
  {"linkId": "packs", "type": "decimal", "required": true,
   "enableWhen": [{"question": "smoker", "answerBoolean": true}]},
  {"linkId": "since", "type": "date",
   "enableWhen": [{"question": "packs", "hasAnswer": true}]},
  {"linkId": "colour", "type": "choice", "option": [
    {"valueCoding": {"system": "http://example.org/c", "code": "red"}},
    {"valueCoding": {"system": "http://example.org/c", "code": "blue"}}
  ]},
  {"linkId": "size", "type": "open-choice", "option": [{"valueString": "S"}, {"valueString": "M"}]},
  {"linkId": "shade", "type": "choice", "options": {"reference": "#vs"}},
  {"linkId": "far", "type": "choice", "options": {"reference": "http://example.org/ValueSet/not-here"}},
  {"linkId": "note", "type": "display", "text": "Thank you"},
  {"linkId": "pets", "type": "string", "repeats": true},
  {"linkId": "home", "type": "url"},
  {"linkId": "weight", "type": "quantity"},
  {"linkId": "gp", "type": "reference"},
  {"linkId": "dog", "type": "boolean", "item": [{"linkId": "dogname", "type": "string", "required": true}]}
]`

const testValueSet = `{"resourceType": "ValueSet", "id": "vs", "status": "active",
  "compose": {"include": [{"system": "http://example.org/c", "concept": [{"code": "red"}, {"code": "green"}]}]}}`

// answered is a complete, valid set of response items for the
// Questionnaire above, in its order, keyed by linkId.
var answered = [][2]string{
	{"g1", `{"linkId": "g1", "item": [{"linkId": "name", "answer": [{"valueString": "Ann"}]}, {"linkId": "age", "answer": [{"valueInteger": 40}]}]}`},
	{"smoker", `{"linkId": "smoker", "answer": [{"valueBoolean": true}]}`},
	{"packs", `{"linkId": "packs", "answer": [{"valueDecimal": 1.5}]}`},
	{"since", `{"linkId": "since", "answer": [{"valueDate": "1990-05"}]}`},
	{"colour", `{"linkId": "colour", "answer": [{"valueCoding": {"system": "http://example.org/c", "code": "blue"}}]}`},
	{"size", `{"linkId": "size", "answer": [{"valueString": "XL"}]}`},
	{"shade", `{"linkId": "shade", "answer": [{"valueCoding": {"system": "http://example.org/c", "code": "green"}}]}`},
	{"note", `{"linkId": "note"}`},
	{"pets", `{"linkId": "pets", "answer": [{"valueString": "cat"}, {"valueString": "dog"}]}`},
	{"home", `{"linkId": "home", "answer": [{"valueUri": "http://example.org/ann"}]}`},
	{"weight", `{"linkId": "weight", "answer": [{"valueQuantity": {"value": 70, "system": "http://unitsofmeasure.org", "code": "kg"}}]}`},
	{"gp", `{"linkId": "gp", "answer": [{"valueReference": {"reference": "Practitioner/1"}}]}`},
}

// responseItems returns the answered items with those in change replaced
// (an empty replacement drops the item), followed by extra.
func responseItems(change map[string]string, extra ...string) string {
	var out []string
	for _, it := range answered {
		js := it[1]
		if c, ok := change[it[0]]; ok {
			js = c
		}
		if js != "" {
			out = append(out, js)
		}
	}
	return "[" + strings.Join(append(out, extra...), ",") + "]"
}

// containedResponse is a QuestionnaireResponse carrying the Questionnaire
// (and its value set) as contained resources.
func containedResponse(status, items string) string {
	return `{"resourceType": "QuestionnaireResponse", "id": "r1",
  "contained": [
    {"resourceType": "Questionnaire", "id": "q", "status": "active", "item": ` + testQuestionnaireItems + `},
    ` + testValueSet + `
  ],
  "questionnaire": {"reference": "#q"},
  "status": "` + status + `",
  "item": ` + items + `}`
}

// questionnaireIssues lists the fhir:questionnaire issues as "severity
// path", sorted, and fails on any issue of another rule, so that the
// payloads are otherwise valid STU3.
func questionnaireIssues(t *testing.T, res *validate.Result, others bool) []string {
	t.Helper()
	var out []string
	for _, is := range res.Issues {
		if is.Rule != validate.RuleQuestionnaire {
			if !others {
				t.Errorf("unexpected issue of another rule: %s", is)
			}
			continue
		}
		out = append(out, string(is.Severity)+" "+is.Path)
	}
	slices.Sort(out)
	return out
}

func TestQuestionnaireResponseRules(t *testing.T) {
	const qr = "QuestionnaireResponse."
	cases := []struct {
		name   string
		status string
		items  string
		want   []string
		// msg is a part of the message of one of the issues.
		msg string
		// others: issues of other rules are expected too (the STU3
		// cardinality of linkId).
		others bool
	}{
		{name: "all answered", items: responseItems(nil)},
		{name: "in progress, answers missing", status: "in-progress",
			items: responseItems(map[string]string{"smoker": "", "packs": "", "since": "", "g1": `{"linkId": "g1", "item": [{"linkId": "name"}]}`}),
			want:  []string{"warning " + qr + "item[0].item[0]", "warning QuestionnaireResponse"}},
		{name: "required item missing", items: responseItems(map[string]string{"smoker": "", "packs": "", "since": ""}),
			want: []string{"error QuestionnaireResponse"}, msg: `required item "smoker" is missing`},
		{name: "required group missing", items: responseItems(map[string]string{"g1": ""}),
			want: []string{"error QuestionnaireResponse"}, msg: `required item "g1"`},
		{name: "required question without answer", items: responseItems(map[string]string{"g1": `{"linkId": "g1", "item": [{"linkId": "name"}]}`}),
			want: []string{"error " + qr + "item[0].item[0]"}, msg: `required item "name" has no answer`},
		{name: "disabled item need not be answered", items: responseItems(map[string]string{
			"smoker": `{"linkId": "smoker", "answer": [{"valueBoolean": false}]}`, "packs": "", "since": ""})},
		{name: "disabled item must not be answered", items: responseItems(map[string]string{
			"smoker": `{"linkId": "smoker", "answer": [{"valueBoolean": false}]}`, "since": ""}),
			want: []string{"error " + qr + "item[2]"}, msg: `"packs" is disabled`},
		{name: "hasAnswer false disables", items: responseItems(map[string]string{
			"smoker": `{"linkId": "smoker", "answer": [{"valueBoolean": false}]}`, "packs": ""}),
			want: []string{"error " + qr + "item[2]"}, msg: `"since" is disabled`},
		{name: "unknown linkId", items: responseItems(nil, `{"linkId": "shoe", "answer": [{"valueString": "9"}]}`),
			want: []string{"error " + qr + "item[12]"}, msg: `linkId "shoe" is not in the Questionnaire`},
		{name: "no linkId", items: responseItems(nil, `{"text": "what?", "answer": [{"valueString": "9"}]}`),
			want: []string{"error " + qr + "item[12]"}, msg: "no linkId", others: true},
		{name: "wrong place", items: responseItems(nil, `{"linkId": "age", "answer": [{"valueInteger": 3}]}`),
			want: []string{"error " + qr + "item[12]"}, msg: `defines it under item "g1"`},
		{name: "out of order", items: responseItems(map[string]string{"gp": ""}, `{"linkId": "smoker", "answer": [{"valueBoolean": true}]}`),
			want: []string{"error " + qr + "item[11]", "error " + qr + "item[11]"}, msg: "out of order"},
		{name: "answer type", items: responseItems(map[string]string{"packs": `{"linkId": "packs", "answer": [{"valueInteger": 2}]}`}),
			want: []string{"error " + qr + "item[2].answer[0].valueInteger"}, msg: "must be valueDecimal, not valueInteger"},
		{name: "url is answered by uri", items: responseItems(map[string]string{"home": `{"linkId": "home", "answer": [{"valueString": "http://example.org"}]}`}),
			want: []string{"error " + qr + "item[9].answer[0].valueString"}, msg: "valueUri"},
		{name: "choice is not free text", items: responseItems(map[string]string{"colour": `{"linkId": "colour", "answer": [{"valueString": "red"}]}`}),
			want: []string{"error " + qr + "item[4].answer[0].valueString"}, msg: "must be valueCoding"},
		{name: "choice outside its options", items: responseItems(map[string]string{"colour": `{"linkId": "colour", "answer": [{"valueCoding": {"system": "http://example.org/c", "code": "green"}}]}`}),
			want: []string{"error " + qr + "item[4].answer[0].valueCoding"}, msg: "http://example.org/c|green is not one of the options"},
		{name: "open-choice option string", items: responseItems(map[string]string{"size": `{"linkId": "size", "answer": [{"valueString": "M"}]}`})},
		{name: "open-choice takes no integer", items: responseItems(map[string]string{"size": `{"linkId": "size", "answer": [{"valueInteger": 3}]}`}),
			want: []string{"error " + qr + "item[5].answer[0].valueInteger"}, msg: "one of valueCoding, valueString"},
		{name: "outside the options value set", items: responseItems(map[string]string{"shade": `{"linkId": "shade", "answer": [{"valueCoding": {"system": "http://example.org/c", "code": "blue"}}]}`}),
			want: []string{"error " + qr + "item[6].answer[0].valueCoding"}, msg: "not in the options value set #vs"},
		{name: "options value set not available", items: responseItems(map[string]string{"note": `{"linkId": "far", "answer": [{"valueCoding": {"system": "http://example.org/c", "code": "x"}}]}, {"linkId": "note"}`}),
			want: []string{"information " + qr + "item[7].answer[0].valueCoding"}, msg: "not available offline"},
		{name: "too many answers", items: responseItems(map[string]string{"g1": `{"linkId": "g1", "item": [{"linkId": "name", "answer": [{"valueString": "Ann"}, {"valueString": "Bea"}]}]}`}),
			want: []string{"error " + qr + "item[0].item[0].answer[1]"}, msg: "does not repeat"},
		{name: "item repeated", items: responseItems(map[string]string{"smoker": `{"linkId": "smoker", "answer": [{"valueBoolean": true}]}, {"linkId": "smoker", "answer": [{"valueBoolean": true}]}`}),
			want: []string{"error " + qr + "item[2]"}, msg: `"smoker" appears 2 times`},
		{name: "display answered", items: responseItems(map[string]string{"note": `{"linkId": "note", "answer": [{"valueString": "ok"}]}`}),
			want: []string{"error " + qr + "item[7].answer[0]"}, msg: "type display, which takes no answer"},
		{name: "group answered", items: responseItems(map[string]string{"g1": `{"linkId": "g1", "answer": [{"valueString": "x", "item": [{"linkId": "name", "answer": [{"valueString": "Ann"}]}]}]}`}),
			want: []string{"error " + qr + "item[0]", "error " + qr + "item[0]", "error " + qr + "item[0].answer[0]"}, msg: "type group, which takes no answer"},
		{name: "required group empty", items: responseItems(map[string]string{"g1": `{"linkId": "g1", "text": "About you"}`}),
			want: []string{"error " + qr + "item[0]", "error " + qr + "item[0]"}, msg: `required group "g1" contains no item`},
		{name: "nested under the answer", items: responseItems(nil, `{"linkId": "dog", "answer": [{"valueBoolean": true, "item": [{"linkId": "dogname", "answer": [{"valueString": "Rex"}]}]}]}`)},
		{name: "required nested item missing under the answer", items: responseItems(nil, `{"linkId": "dog", "answer": [{"valueBoolean": true}]}`),
			want: []string{"error " + qr + "item[12].answer[0]"}, msg: `required item "dogname" is missing`},
		{name: "nested directly under a question", items: responseItems(nil, `{"linkId": "dog", "item": [{"linkId": "dogname", "answer": [{"valueString": "Rex"}]}]}`),
			want: []string{"error " + qr + "item[12].item[0]"}, msg: "belong under its answers"},
	}
	v := validator(t)
	for _, c := range cases {
		status := c.status
		if status == "" {
			status = "completed"
		}
		for format, src := range bothForms(t, containedResponse(status, c.items)) {
			t.Run(c.name+"/"+format, func(t *testing.T) {
				res := v.Validate("qr."+format, src)
				got := questionnaireIssues(t, res, c.others)
				want := append([]string(nil), c.want...)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("issues %q, want %q\n%v", got, want, res.Issues)
				}
				if c.msg != "" && !slices.ContainsFunc(res.Issues, func(is validate.Issue) bool { return strings.Contains(is.Message, c.msg) }) {
					t.Errorf("no issue says %q: %v", c.msg, res.Issues)
				}
			})
		}
	}
}

// standaloneQuestionnaire is the test Questionnaire as a resource of its
// own, with its value set contained.
func standaloneQuestionnaire(id, url string) string {
	return `{"resourceType": "Questionnaire", "id": "` + id + `", "url": "` + url + `", "status": "active",
  "contained": [` + testValueSet + `],
  "item": ` + testQuestionnaireItems + `}`
}

// wrongHome is a response's items with one answer of the wrong type, so
// that an error shows the Questionnaire was found and used.
var wrongHome = responseItems(map[string]string{"home": `{"linkId": "home", "answer": [{"valueString": "http://example.org"}]}`})

func TestQuestionnaireInBundle(t *testing.T) {
	bundle := func(ref string) string {
		return `{"resourceType": "Bundle", "type": "collection", "entry": [
  {"fullUrl": "http://example.org/fhir/Questionnaire/q", "resource": ` + standaloneQuestionnaire("q", "http://example.org/Questionnaire/canon") + `},
  {"fullUrl": "http://example.org/fhir/QuestionnaireResponse/r", "resource": {"resourceType": "QuestionnaireResponse", "id": "r",
    "questionnaire": {"reference": "` + ref + `"}, "status": "completed", "item": ` + wrongHome + `}}]}`
	}
	const answer = "error Bundle.entry[1].resource.item[9].answer[0].valueString"
	for _, c := range []struct{ ref, want string }{
		{"Questionnaire/q", answer},
		{"http://example.org/fhir/Questionnaire/q", answer},
		{"http://example.org/Questionnaire/canon", answer},
		{"http://example.org/Questionnaire/canon|1.0", answer},
		{"http://example.org/Questionnaire/elsewhere", "warning Bundle.entry[1].resource.questionnaire"},
	} {
		for format, src := range bothForms(t, bundle(c.ref)) {
			t.Run(c.ref+"/"+format, func(t *testing.T) {
				res := validator(t).Validate("b."+format, src)
				if got := questionnaireIssues(t, res, false); !slices.Equal(got, []string{c.want}) {
					t.Errorf("issues %q, want %q", got, c.want)
				}
			})
		}
	}
}

func TestQuestionnaireFromIG(t *testing.T) {
	js := standaloneQuestionnaire("qig", "http://example.org/Questionnaire/from-ig")
	x, _, err := transform.JSONToXML([]byte(js), transform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	response := func(ref string) string {
		return `{"resourceType": "QuestionnaireResponse", "questionnaire": {"reference": "` + ref + `"}, "status": "completed", "item": ` + wrongHome + `}`
	}
	// The Questionnaire given as an XML file, as a JSON file in a folder,
	// and as an entry of a Bundle file.
	dir := t.TempDir()
	xmlFile := filepath.Join(dir, "q.xml")
	folder := filepath.Join(dir, "ig")
	bundleFile := filepath.Join(dir, "bundle.json")
	if err := os.WriteFile(xmlFile, x, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "q.json"), []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bundleFile, []byte(`{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": `+js+`}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ig := range []string{xmlFile, folder, bundleFile} {
		v, err := validate.New(validate.Options{NoRules: true, IG: []string{ig}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ ref, want string }{
			{"http://example.org/Questionnaire/from-ig", "error QuestionnaireResponse.item[9].answer[0].valueString"},
			{"Questionnaire/qig", "error QuestionnaireResponse.item[9].answer[0].valueString"},
			{"http://example.org/Questionnaire/not-loaded", "warning QuestionnaireResponse.questionnaire"},
		} {
			for format, src := range bothForms(t, response(c.ref)) {
				t.Run(filepath.Base(ig)+"/"+c.ref+"/"+format, func(t *testing.T) {
					res := v.Validate("qr."+format, src)
					if got := questionnaireIssues(t, res, false); !slices.Equal(got, []string{c.want}) {
						t.Errorf("issues %q, want %q", got, c.want)
					}
				})
			}
		}
	}
	// Without the IG the same response is not checked, and says so.
	res := validator(t).Validate("qr.json", []byte(response("http://example.org/Questionnaire/from-ig")))
	if got := questionnaireIssues(t, res, false); !slices.Equal(got, []string{"warning QuestionnaireResponse.questionnaire"}) {
		t.Errorf("without the IG: issues %q", got)
	}
}

func TestQuestionnaireNotNamed(t *testing.T) {
	for format, src := range bothForms(t, `{"resourceType": "QuestionnaireResponse", "status": "completed", "item": [{"linkId": "a", "answer": [{"valueString": "x"}]}]}`) {
		res := validator(t).Validate("qr."+format, src)
		got := questionnaireIssues(t, res, false)
		if !slices.Equal(got, []string{"information QuestionnaireResponse"}) || !res.Valid() {
			t.Errorf("%s: issues %q, want one information issue", format, got)
		}
	}
}

// TestQuestionnaireIGRefusesBadQuestionnaire: a Questionnaire given with
// the IG that cannot be read makes New fail, naming the file, rather than
// leaving responses unchecked.
func TestQuestionnaireIGRefusesBadQuestionnaire(t *testing.T) {
	f := filepath.Join(t.TempDir(), "q.json")
	if err := os.WriteFile(f, []byte(`{"resourceType": "Questionnaire", "status": "active", "item": [{"linkId": "a", "type": "string", "bogus": 1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := validate.New(validate.Options{NoRules: true, IG: []string{f}})
	if err == nil || !strings.Contains(err.Error(), "q.json") || !strings.Contains(err.Error(), "Questionnaire") {
		t.Fatalf("New with a bad Questionnaire: %v", err)
	}
}

// repeatingResponse is a response to a Questionnaire whose repeating group
// g holds a boolean a and a string b enabled when a is true; groups are
// the (a, b answered) pairs of each repetition.
func repeatingResponse(groups [][2]bool) string {
	var items []string
	for _, g := range groups {
		it := `{"linkId": "g", "item": [{"linkId": "a", "answer": [{"valueBoolean": ` + map[bool]string{true: "true", false: "false"}[g[0]] + `}]}`
		if g[1] {
			it += `, {"linkId": "b", "answer": [{"valueString": "x"}]}`
		}
		items = append(items, it+"]}")
	}
	return `{"resourceType": "QuestionnaireResponse", "contained": [{"resourceType": "Questionnaire", "id": "q", "status": "active", "item": [
  {"linkId": "g", "type": "group", "repeats": true, "item": [
    {"linkId": "a", "type": "boolean"},
    {"linkId": "b", "type": "string", "required": true, "enableWhen": [{"question": "a", "answerBoolean": true}]}]}]}],
  "questionnaire": {"reference": "#q"}, "status": "completed", "item": [` + strings.Join(items, ",") + `]}`
}

// TestQuestionnaireEnableWhenNearest: in a repeating group, enableWhen
// looks at the answer of the same repetition.
func TestQuestionnaireEnableWhenNearest(t *testing.T) {
	src := repeatingResponse([][2]bool{{true, true}, {false, true}, {true, false}, {false, false}})
	for format, b := range bothForms(t, src) {
		res := validator(t).Validate("qr."+format, b)
		got := questionnaireIssues(t, res, false)
		// item[1]'s b is answered while disabled; item[2] lacks the
		// required b it enables (reported at the group).
		want := []string{"error QuestionnaireResponse.item[1].item[1]", "error QuestionnaireResponse.item[2]"}
		if !slices.Equal(got, want) {
			t.Errorf("%s: issues %q, want %q", format, got, want)
		}
	}
}

// TestQuestionnaireEnableWhenBudget: a response with thousands of
// repetitions of the question an enableWhen names is checked in bounded
// time, and says that the enableWhen could not be evaluated.
func TestQuestionnaireEnableWhenBudget(t *testing.T) {
	groups := make([][2]bool, 3000)
	for i := range groups {
		groups[i] = [2]bool{true, true}
	}
	res := validator(t).Validate("qr.json", []byte(repeatingResponse(groups)))
	if got := questionnaireIssues(t, res, false); !slices.Equal(got, []string{"information QuestionnaireResponse.contained[0].item[0].item[1]"}) {
		t.Errorf("issues %q", got)
	}
}

// FuzzQuestionnaireResponse runs the validator over variations of
// responses with their Questionnaire: no panic, and every questionnaire
// issue placed on a path.
func FuzzQuestionnaireResponse(f *testing.F) {
	f.Add([]byte(containedResponse("completed", responseItems(nil))))
	f.Add([]byte(containedResponse("in-progress", wrongHome)))
	f.Add([]byte(repeatingResponse([][2]bool{{true, true}, {false, true}})))
	v, err := validate.New(validate.Options{NoRules: true, NoSchema: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, is := range v.Validate("fuzz", src).Issues {
			if is.Rule == validate.RuleQuestionnaire && is.Path == "" {
				t.Errorf("questionnaire issue without a path: %s", is)
			}
		}
	})
}

// TestOfficialGCSResponse: the official Glasgow Coma Score response,
// checked against the official Questionnaire it names (given with the IG),
// is valid in both formats: its answers are from the contained options
// value sets.
func TestOfficialGCSResponse(t *testing.T) {
	dir := requireShared(t, "fhir/stu3/examples")
	v, err := validate.New(validate.Options{NoRules: true, IG: []string{filepath.Join(dir, "json", "questionnaire-example-gcs.json")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"json", "xml"} {
		src, err := os.ReadFile(filepath.Join(dir, format, "questionnaireresponse-example-gcs."+format))
		if err != nil {
			t.Fatal(err)
		}
		res := v.Validate("gcs."+format, src)
		if got := questionnaireIssues(t, res, false); len(got) != 0 || !res.Valid() {
			t.Errorf("%s: issues %q", format, got)
		}
		// The same response with one answer outside its value set is not.
		code := map[string]string{"json": `"code": "LA6560-2"`, "xml": `<code value="LA6560-2"/>`}[format]
		bad := strings.Replace(string(src), code, strings.Replace(code, "LA6560-2", "LA0000-0", 1), 1)
		if bad == string(src) {
			t.Fatalf("%s: no LA6560-2 answer to change", format)
		}
		res = v.Validate("gcs-bad."+format, []byte(bad))
		if res.Valid() || !slices.ContainsFunc(res.Issues, func(is validate.Issue) bool {
			return is.Rule == validate.RuleQuestionnaire && strings.Contains(is.Message, "LA0000-0 is not in the options value set")
		}) {
			t.Errorf("%s: a code outside the options value set passed: %v", format, res.Issues)
		}
	}
}
