package main

import (
	"fmt"
	"strings"
	"time"
)

// x writes FHIR XML with a little less noise.
type x struct{ strings.Builder }

func (b *x) v(name, value string) { fmt.Fprintf(&b.Builder, "<%s value=\"%s\"/>", name, xmlEsc(value)) }
func (b *x) open(name string)     { b.WriteString("<" + name + ">") }
func (b *x) close(name string)    { b.WriteString("</" + name + ">") }
func (b *x) ref(name, target string) {
	b.open(name)
	b.v("reference", target)
	b.close(name)
}
func (b *x) coding(system, code, display string) {
	b.open("coding")
	if system != "" {
		b.v("system", system)
	}
	b.v("code", code)
	if display != "" {
		b.v("display", display)
	}
	b.close("coding")
}
func (b *x) cc(name, system, code, display string) {
	b.open(name)
	b.coding(system, code, display)
	b.close(name)
}

func xmlEsc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

const (
	sysNHS       = "https://fhir.nhs.uk/Id/nhs-number"
	sysODS       = "https://fhir.nhs.uk/Id/ods-organization-code"
	sysSNOMED    = "http://snomed.info/sct"
	sysEventType = "https://fhir.nhs.uk/STU3/CodeSystem/EventType-1"
	odsAPI       = "https://directory.spineservices.nhs.uk/STU3/Organization/"
	ccProfile    = "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-"
)

var eventDisplay = map[string]string{
	"pds-birth-notification-1":  "PDS Birth Notification",
	"pds-change-of-address-1":   "PDS Change of Address",
	"pds-change-of-gp-1":        "PDS Change of GP",
	"pds-death-notification-1":  "PDS Death Notification",
	"pds-record-change-1":       "PDS Record Change",
	"professional-contacts-1":   "Professional Contacts",
	"vaccinations-1":            "Vaccinations",
	"blood-spot-test-outcome-1": "Blood Spot Test Outcome",
	"newborn-hearing-1":         "Newborn Hearing",
	"nipe-outcome-1":            "NIPE Outcome",
}

var lifecycleDisplay = map[string]string{"new": "New event message", "update": "Update event message", "delete": "Delete event message"}

// message assembles an event message: the MessageHeader first, then the
// other entries in the order they were added.
type message struct {
	g         *gen
	event     string
	lifecycle string
	routing   *person // nil: no routingDemographics
	resp      string  // fullUrl of the responsible organisation
	focus     string  // fullUrl of the focus resource
	entries   []entry
	now       time.Time
	enterer   string // fullUrl of the notifying practitioner, if any
}

type entry struct{ url, body string }

func (m *message) add(url, body string) { m.entries = append(m.entries, entry{url, body}) }

func (m *message) xml() []byte {
	g := m.g
	var b x
	b.WriteString(`<Bundle xmlns="http://hl7.org/fhir">`)
	b.v("id", g.uuid())
	b.v("type", "message")
	mh := g.uuid()
	b.open("entry")
	b.v("fullUrl", "urn:uuid:"+mh)
	b.open("resource")
	b.open("MessageHeader")
	b.v("id", mh)
	b.open("meta")
	b.v("versionId", fmt.Sprint(1+g.rng.IntN(20)))
	b.v("lastUpdated", instant(m.now.Add(-time.Duration(g.rng.IntN(3600))*time.Second)))
	b.v("profile", "https://fhir.nhs.uk/STU3/StructureDefinition/Event-MessageHeader-1")
	b.close("meta")
	if p := m.routing; p != nil {
		b.WriteString(`<extension url="https://fhir.nhs.uk/STU3/StructureDefinition/Extension-RoutingDemographics-1">`)
		b.WriteString(`<extension url="nhsNumber"><valueIdentifier>`)
		b.v("system", sysNHS)
		b.v("value", p.nhs)
		b.WriteString(`</valueIdentifier></extension><extension url="name"><valueHumanName>`)
		b.v("use", "official")
		b.v("family", p.family)
		b.v("given", p.given)
		b.WriteString(`</valueHumanName></extension><extension url="birthDateTime">`)
		b.v("valueDateTime", p.birth)
		b.WriteString(`</extension></extension>`)
	}
	b.WriteString(`<extension url="https://fhir.nhs.uk/STU3/StructureDefinition/Extension-MessageEventType-1"><valueCodeableConcept>`)
	b.coding("https://fhir.nhs.uk/STU3/CodeSystem/MessageEventType-1", m.lifecycle, lifecycleDisplay[m.lifecycle])
	b.WriteString(`</valueCodeableConcept></extension>`)
	b.open("event")
	b.v("system", sysEventType)
	b.v("code", m.event)
	b.v("display", eventDisplay[m.event])
	b.close("event")
	b.v("timestamp", instant(m.now))
	if m.enterer != "" {
		b.ref("enterer", m.enterer)
	}
	b.open("source")
	b.v("name", g.pick("Riverside Child Health System", "Northgate Vaccination Service", "Spine PDS", "Lakeside Screening"))
	b.open("contact")
	b.v("system", "email")
	b.v("value", "support"+fmt.Sprint(g.rng.IntN(90)+10)+"@example.nhs.uk")
	b.close("contact")
	b.v("endpoint", fmt.Sprintf("urn:nhs:addressing:asid:%012d", g.rng.Int64N(1e12)))
	b.close("source")
	b.ref("responsible", m.resp)
	b.ref("focus", m.focus)
	b.close("MessageHeader")
	b.close("resource")
	b.close("entry")
	for _, e := range m.entries {
		b.open("entry")
		b.v("fullUrl", e.url)
		b.open("resource")
		b.WriteString(e.body)
		b.close("resource")
		b.close("entry")
	}
	b.WriteString("</Bundle>\n")
	return []byte(b.String())
}

// organizationFull adds an organisation with telecom or partOf, which come
// after name.
func (m *message) organizationFull(name string, typ func(b *x), after func(b *x)) string {
	id := m.g.uuid()
	var b x
	b.open("Organization")
	b.v("id", id)
	b.open("meta")
	b.v("profile", ccProfile+"Organization-1")
	b.close("meta")
	b.open("identifier")
	b.v("system", sysODS)
	b.v("value", m.g.ods())
	b.close("identifier")
	if typ != nil {
		typ(&b)
	}
	b.v("name", name)
	if after != nil {
		after(&b)
	}
	b.close("Organization")
	m.add("urn:uuid:"+id, b.String())
	return "urn:uuid:" + id
}

// patient adds a CareConnect patient; between and after write the elements
// that follow birthDate (address, ...) and link.
func (m *message) patient(p person, scn bool, ext func(b *x), afterBirth func(b *x)) string {
	id := m.g.uuid()
	var b x
	b.open("Patient")
	b.v("id", id)
	b.open("meta")
	if scn {
		b.v("versionId", fmt.Sprint(p.scn))
	}
	b.v("profile", ccProfile+"Patient-1")
	b.close("meta")
	if ext != nil {
		ext(&b)
	}
	b.open("identifier")
	b.WriteString(`<extension url="https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1"><valueCodeableConcept>`)
	b.coding("https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1", "01", "Number present and verified")
	b.WriteString(`</valueCodeableConcept></extension>`)
	b.v("system", sysNHS)
	b.v("value", p.nhs)
	b.close("identifier")
	b.open("name")
	b.v("use", "official")
	b.v("family", p.family)
	b.v("given", p.given)
	b.close("name")
	b.v("gender", p.gender)
	b.v("birthDate", p.birth)
	if afterBirth != nil {
		afterBirth(&b)
	}
	b.close("Patient")
	m.add("urn:uuid:"+id, b.String())
	return "urn:uuid:" + id
}

// communication adds the focus of the PDS events (nems.md 6.0).
func (m *message) communication(subject, sender string) string {
	id := m.g.uuid()
	var b x
	b.open("Communication")
	b.v("id", id)
	b.open("meta")
	b.v("profile", ccProfile+"Communication-1")
	b.close("meta")
	b.v("status", "completed")
	b.ref("subject", subject)
	b.v("sent", instant(m.now))
	b.ref("sender", sender)
	b.open("payload")
	b.ref("contentReference", subject)
	b.close("payload")
	b.close("Communication")
	m.add("urn:uuid:"+id, b.String())
	return "urn:uuid:" + id
}

func address(b *x, use string, lines []string, postcode string, start time.Time, end *time.Time) {
	b.open("address")
	b.v("use", use)
	b.v("text", strings.Join(append(append([]string{}, lines...), postcode), ", "))
	for _, l := range lines {
		b.v("line", l)
	}
	b.v("postalCode", postcode)
	b.open("period")
	b.v("start", date(start))
	if end != nil {
		b.v("end", date(*end))
	}
	b.close("period")
	b.close("address")
}

func (g *gen) addressLines() ([]string, string) {
	return []string{fmt.Sprintf("%d %s", 1+g.rng.IntN(200), g.pick("High Street", "Mill Lane", "Church Road", "Park Avenue", "Station Road")),
			g.pick("Leeds", "Bristol", "Norwich", "Exeter", "York")},
		fmt.Sprintf("%s%d %d%s", g.pick("LS", "BS", "NR", "EX", "YO"), 1+g.rng.IntN(20), g.rng.IntN(10), g.pick("AB", "QT", "XN", "DL"))
}
