package transform

import (
	"errors"
	"strings"
	"testing"
)

func TestXMLToJSONValues(t *testing.T) {
	tests := []struct {
		name, xml, json string
	}{
		{
			name: "decimal keeps its written form",
			xml:  `<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code><valueQuantity><value value="1.50"/></valueQuantity></Observation>`,
			json: `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.50}}`,
		},
		{
			name: "whitespace inside values is kept",
			xml:  `<Patient xmlns="http://hl7.org/fhir"><name><family value="  a&#10;b&#9;c "/></name></Patient>`,
			json: `{"resourceType":"Patient","name":[{"family":"  a\nb\tc "}]}`,
		},
		{
			name: "booleans, integers and element ids",
			xml:  `<Patient xmlns="http://hl7.org/fhir"><active value="true"/><name id="n1"><given value="A"/></name><multipleBirthInteger value="-2"/></Patient>`,
			json: `{"resourceType":"Patient","active":true,"name":[{"id":"n1","given":["A"]}],"multipleBirthInteger":-2}`,
		},
		{
			name: "primitive extensions aligned with null",
			xml: `<Patient xmlns="http://hl7.org/fhir"><name><given value="A"/><given id="g2"><extension url="http://e"><valueString value="x"/></extension></given><given value="C"/></name>` +
				`<birthDate value="2017-10-02"><extension url="http://b"><valueDateTime value="2017-10-02T10:00:00Z"/></extension></birthDate></Patient>`,
			json: `{"resourceType":"Patient","name":[{"given":["A",null,"C"],"_given":[null,{"id":"g2","extension":[{"url":"http://e","valueString":"x"}]},null]}],` +
				`"birthDate":"2017-10-02","_birthDate":{"extension":[{"url":"http://b","valueDateTime":"2017-10-02T10:00:00Z"}]}}`,
		},
		{
			name: "nested resources",
			xml: `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><resource><Patient><id value="p"/>` +
				`<contained><Organization><id value="o"/></Organization></contained></Patient></resource></entry>` +
				`<entry><resource><Parameters><parameter><name value="r"/><resource><Basic><code><text value="t"/></code></Basic></resource></parameter></Parameters></resource></entry></Bundle>`,
			json: `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p","contained":[{"resourceType":"Organization","id":"o"}]}},` +
				`{"resource":{"resourceType":"Parameters","parameter":[{"name":"r","resource":{"resourceType":"Basic","code":{"text":"t"}}}]}}]}`,
		},
		{
			name: "narrative and escaping",
			xml: `<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>a &lt; b &amp; "c" é</p></div></text>` +
				`<name><text value="&lt;&amp;&gt;&quot;'é😀"/></name></Patient>`,
			json: `{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>a &lt; b &amp; \"c\" é</p></div>"},` +
				`"name":[{"text":"<&>\"'é😀"}]}`,
		},
		{
			name: "narrative with a prefix is made standalone",
			xml:  `<Patient xmlns="http://hl7.org/fhir" xmlns:h="http://www.w3.org/1999/xhtml"><text><status value="generated"/><h:div><h:p>x<h:br/></h:p></h:div></text></Patient>`,
			json: `{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x<br/></p></div>"}}`,
		},
		{
			name: "contentReference elements",
			xml:  `<Questionnaire xmlns="http://hl7.org/fhir"><status value="draft"/><item><linkId value="1"/><type value="group"/><item><linkId value="1.1"/><type value="string"/></item></item></Questionnaire>`,
			json: `{"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1","type":"group","item":[{"linkId":"1.1","type":"string"}]}]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := XMLToJSON([]byte(tc.xml), Options{})
			if err != nil {
				t.Fatalf("XMLToJSON: %v", err)
			}
			if string(got) != tc.json {
				t.Errorf("XMLToJSON\n got: %s\nwant: %s", got, tc.json)
			}
			// And back: the XML written from the JSON reads as the same JSON.
			x, _, err := JSONToXML(got, Options{})
			if err != nil {
				t.Fatalf("JSONToXML: %v", err)
			}
			again, _, err := XMLToJSON(x, Options{})
			if err != nil {
				t.Fatalf("XMLToJSON of %s: %v", x, err)
			}
			if string(again) != tc.json {
				t.Errorf("round trip\n got: %s\nwant: %s\n xml: %s", again, tc.json, x)
			}
		})
	}
}

func TestJSONToXMLOrderAndOutput(t *testing.T) {
	in := `{"name":[{"given":["A"],"family":"B"}],"id":"p1","resourceType":"Patient","active":false}`
	got, _, err := JSONToXML([]byte(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?><Patient xmlns="http://hl7.org/fhir"><id value="p1"/><active value="false"/><name><family value="B"/><given value="A"/></name></Patient>`
	if string(got) != want {
		t.Errorf("compact\n got: %s\nwant: %s", got, want)
	}
	pretty, _, err := JSONToXML([]byte(in), Options{Pretty: true})
	if err != nil {
		t.Fatal(err)
	}
	wantPretty := `<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir">
  <id value="p1"/>
  <active value="false"/>
  <name>
    <family value="B"/>
    <given value="A"/>
  </name>
</Patient>
`
	if string(pretty) != wantPretty {
		t.Errorf("pretty\n got: %s\nwant: %s", pretty, wantPretty)
	}
	j, _, err := XMLToJSON(pretty, Options{Pretty: true})
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{
  "resourceType": "Patient",
  "id": "p1",
  "active": false,
  "name": [
    {
      "family": "B",
      "given": [
        "A"
      ]
    }
  ]
}
`
	if string(j) != wantJSON {
		t.Errorf("pretty JSON\n got: %s\nwant: %s", j, wantJSON)
	}
}

func TestCommentsReported(t *testing.T) {
	src := `<?xml version="1.0"?>
<!-- one -->
<Patient xmlns="http://hl7.org/fhir" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://hl7.org/fhir x.xsd">
  <!-- two -->
  <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><!-- kept -->x</div></text>
  <active value="true"/><!-- three -->
</Patient>`
	got, rep, err := XMLToJSON([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.CommentsDropped != 3 {
		t.Errorf("CommentsDropped = %d, want 3", rep.CommentsDropped)
	}
	if len(rep.Warnings) != 2 || rep.Warnings[0].Line != 2 || !strings.Contains(rep.Warnings[1].Message, "xsi:schemaLocation") {
		t.Errorf("warnings: %v", rep.Warnings)
	}
	if !strings.Contains(string(got), "<!-- kept -->") {
		t.Errorf("a comment inside the narrative should stay in it: %s", got)
	}
}

// TestErrors checks that bad input gives errors with line:column and path.
func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		xml    bool
		src    string
		want   []string // Error() of each error, in order
		substr bool     // match the message as a substring
	}{
		{
			name: "xml not well-formed",
			xml:  true,
			src:  "<Patient xmlns=\"http://hl7.org/fhir\">\n  <active value=\"true\">\n</Patient>",
			want: []string{"3:"},
		},
		{
			name: "xml unknown element",
			xml:  true,
			src:  "<Patient xmlns=\"http://hl7.org/fhir\">\n  <name><giveName value=\"x\"/></name>\n  <bogus/>\n</Patient>",
			want: []string{
				"2:9: Patient.name[0].giveName: unknown element <giveName> in HumanName",
				"3:3: Patient.bogus: unknown element <bogus> in Patient",
			},
		},
		{
			name: "xml unknown attribute and text",
			xml:  true,
			src:  "<Patient xmlns=\"http://hl7.org/fhir\">\n<active value=\"true\" foo=\"1\">yes</active></Patient>",
			want: []string{
				"2:1: Patient.active: unknown attribute foo on boolean",
				"2:30: Patient.active: text content is not allowed here (FHIR values go in the value attribute)",
			},
		},
		{
			name: "xml repeated single element",
			xml:  true,
			src:  "<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\"/>\n<active value=\"false\"/></Patient>",
			want: []string{"2:1: Patient.active: element active occurs more than once, but Patient.active allows at most one (JSON could not hold both)"},
		},
		{
			name: "xml bad boolean and decimal",
			xml:  true,
			src:  "<Observation xmlns=\"http://hl7.org/fhir\"><valueQuantity><value value=\".5\"/></valueQuantity>\n<valueBoolean value=\"yes\"/></Observation>",
			want: []string{
				"1:57: Observation.valueQuantity.value: value \".5\" is not a valid decimal (JSON needs it as a number)",
				"2:1: Observation.valueBoolean: choice element Observation.value[x] already has a value (valueQuantity); it takes one type only",
				"2:1: Observation.valueBoolean: value \"yes\" is not a valid boolean (true or false)",
			},
		},
		{
			name:   "xml DTD",
			xml:    true,
			src:    "<!DOCTYPE Patient [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"&x;\"/></Patient>",
			want:   []string{"DTDs and entity declarations are not allowed"},
			substr: true,
		},
		{
			name:   "xml undefined entity",
			xml:    true,
			src:    "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"&nbsp;\"/></Patient>",
			want:   []string{"XML is not well-formed"},
			substr: true,
		},
		{
			name: "xml wrong namespace",
			xml:  true,
			src:  "<Patient><id value=\"x\"/></Patient>",
			want: []string{"1:1: element <Patient> is not in the FHIR namespace (http://hl7.org/fhir)"},
		},
		{
			name:   "xml not a resource",
			xml:    true,
			src:    "<HumanName xmlns=\"http://hl7.org/fhir\"/>",
			want:   []string{"1:1: <HumanName> is not a FHIR STU3 resource type"},
			substr: false,
		},
		{
			name: "json duplicate key",
			src:  "{\"resourceType\":\"Patient\",\n \"active\":true,\n \"active\":false}",
			want: []string{"3:2: duplicate property \"active\" (JSON keys must be unique)"},
		},
		{
			name: "json wrong types",
			src:  "{\"resourceType\":\"Patient\",\n \"active\":\"true\",\n \"multipleBirthInteger\":\"2\",\n \"birthDate\":20170101}",
			want: []string{
				"2:11: Patient.active: wrong JSON type: boolean is written as a boolean, found a string",
				"3:25: Patient.multipleBirthInteger: wrong JSON type: integer is written as a number, found a string",
				"4:14: Patient.birthDate: wrong JSON type: date is written as a string, found a number",
			},
		},
		{
			name: "json array shapes",
			src:  "{\"resourceType\":\"Patient\",\n \"active\":[true],\n \"name\":{\"family\":\"x\"}}",
			want: []string{
				"2:2: Patient.active: an array where a single value belongs (Patient.active has max 1)",
				"3:2: Patient.name: a single value where an array belongs (Patient.name repeats: max *)",
			},
		},
		{
			name: "json unknown property deep",
			src:  "{\"resourceType\":\"Bundle\",\"type\":\"message\",\"entry\":[{\"resource\":{\"resourceType\":\"MessageHeader\",\n\"event\":{\"code\":\"x\",\"cde\":\"y\"}}}]}",
			want: []string{`2:21: Bundle.entry[0].resource.event.cde: unknown property "cde" in Coding`},
		},
		{
			name: "json primitive extension misaligned",
			src:  "{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"a\",\"b\"],\n\"_given\":[null]}]}",
			want: []string{`2:1: Patient.name[0].given: arrays "given" and "_given" differ in length (2 and 1)`},
		},
		{
			name: "json extension on an attribute element",
			src:  `{"resourceType":"Patient","extension":[{"url":"http://x","_url":{"id":"u"},"valueString":"v"}]}`,
			want: []string{`1:58: Patient.extension[0].url: Extension.url is an XML attribute, so it cannot have an id or extensions ("_url")`},
		},
		{
			name: "json two types for one choice",
			src:  "{\"resourceType\":\"Observation\",\n\"valueString\":\"a\",\n\"valueBoolean\":true}",
			want: []string{"3:1: Observation.valueBoolean: choice element Observation.value[x] already has a value (valueString); it takes one type only"},
		},
		{
			name: "json not well-formed",
			src:  "{\"resourceType\":\"Patient\",\n \"active\":tru}",
			want: []string{"2:11: JSON is not well-formed: unexpected 't'"},
		},
		{
			name: "json unknown resource type",
			src:  `{"resourceType":"Patinet"}`,
			want: []string{`1:2: "Patinet" is not a FHIR STU3 resource type`},
		},
		{
			name:   "json bad narrative",
			src:    `{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">unclosed"}}`,
			want:   []string{"narrative XHTML is not well-formed"},
			substr: true,
		},
		{
			name: "json control character",
			src:  `{"resourceType":"Patient","id":"a\u0001b"}`,
			want: []string{"1:32: Patient.id: the string holds a control character that XML cannot carry"},
		},
		{
			name: "json column counts characters",
			src:  `{"resourceType":"Patient","id":"é","gendre":"x"}`,
			want: []string{`1:36: Patient.gendre: unknown property "gendre" in Patient`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out []byte
			var err error
			if tc.xml {
				out, _, err = XMLToJSON([]byte(tc.src), Options{})
			} else {
				out, _, err = JSONToXML([]byte(tc.src), Options{})
			}
			if err == nil {
				t.Fatalf("no error; output %s", out)
			}
			if out != nil {
				t.Errorf("output despite errors: %s", out)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("errors.As cannot find an *Error in %v", err)
			}
			if len(list) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(list), len(tc.want), err)
			}
			for i, w := range tc.want {
				got := list[i].Error()
				if tc.substr && !strings.Contains(got, w) || !tc.substr && got != w && !(w[len(w)-1] == ':' && strings.HasPrefix(got, w)) {
					t.Errorf("error %d\n got: %s\nwant: %s", i, got, w)
				}
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 2000) + "1" + strings.Repeat("}", 2000)
	if _, _, err := JSONToXML([]byte(deep), Options{}); err == nil || !strings.Contains(err.Error(), "nest too deeply") {
		t.Errorf("JSON: %v", err)
	}
	x := `<Questionnaire xmlns="http://hl7.org/fhir">` + strings.Repeat("<item>", 1200) + strings.Repeat("</item>", 1200) + `</Questionnaire>`
	if _, _, err := XMLToJSON([]byte(x), Options{}); err == nil || !strings.Contains(err.Error(), "nest too deeply") {
		t.Errorf("XML: %v", err)
	}
}

func TestOrderWarning(t *testing.T) {
	src := `<Patient xmlns="http://hl7.org/fhir"><name><given value="A"/><family value="B"/></name></Patient>`
	got, rep, err := XMLToJSON([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0].Path != "Patient.name[0].family" {
		t.Errorf("warnings: %v", rep.Warnings)
	}
	if want := `{"resourceType":"Patient","name":[{"family":"B","given":["A"]}]}`; string(got) != want {
		t.Errorf("got %s", got)
	}
}

func TestConvertSameFormat(t *testing.T) {
	x := "<Patient xmlns=\"http://hl7.org/fhir\"><!-- c --><name><given value=\"A\"/><family value=\"B\"/></name></Patient>"
	out, rep, err := Convert([]byte(x), XML, XML, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?><Patient xmlns="http://hl7.org/fhir"><name><family value="B"/><given value="A"/></name></Patient>`
	if string(out) != want || rep.CommentsDropped != 1 || len(rep.Warnings) != 2 {
		t.Errorf("XML to XML: %s %+v", out, rep)
	}
	out, _, err = Convert([]byte(`{"name":[{"given":["A"],"family":"B"}],"resourceType":"Patient"}`), JSON, JSON, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"resourceType":"Patient","name":[{"family":"B","given":["A"]}]}`; string(out) != want {
		t.Errorf("JSON to JSON: %s", out)
	}
	if _, _, err := Convert([]byte(x), 0, JSON, Options{}); err == nil {
		t.Error("no error for an unknown format")
	}
}

func TestNarrativeProcessingInstruction(t *testing.T) {
	x := `<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><?php x?></div></text></Patient>`
	if _, _, err := XMLToJSON([]byte(x), Options{}); err == nil || !strings.Contains(err.Error(), "processing instruction") {
		t.Errorf("got %v", err)
	}
}

// TestConcurrent runs conversions from several goroutines; run it with
// -race.
func TestConcurrent(t *testing.T) {
	src := []byte(`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><resource><Observation><status value="final"/><code><text value="t"/></code><valueQuantity><value value="1.0"/></valueQuantity></Observation></resource></entry></Bundle>`)
	want, _, err := XMLToJSON(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 50; i++ {
				j, _, err := XMLToJSON(src, Options{})
				if err == nil && string(j) != string(want) {
					err = errors.New("different output")
				}
				if err == nil {
					_, _, err = JSONToXML(j, Options{Pretty: true})
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
