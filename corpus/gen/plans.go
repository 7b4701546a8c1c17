package main

import (
	"fmt"
	"strings"
	"time"
)

// plan is one kind of payload the generator cycles through.
type plan struct {
	kind, event, lifecycle, format string
	subKind                        string // explicit or generic, for subscriptions
}

func (p plan) name() string {
	if p.kind == "subscription" {
		return "subscription-" + p.subKind
	}
	return p.event + "-" + p.lifecycle
}

// ext marks JSON event messages as variants: NEMS publishes events in XML
// only (nems.md 2.1).
func (p plan) ext() string {
	if p.format == "json" && p.kind == "event-message" {
		return "json-variant.json"
	}
	return p.format
}

// lifecycles lists the messageEventType values each event allows (nems.md
// 5.7 and section 6): PDS events are always new, screening events never
// update.
var lifecycles = []struct {
	event string
	lcs   []string
}{
	{"pds-birth-notification-1", []string{"new"}},
	{"pds-change-of-address-1", []string{"new"}},
	{"pds-change-of-gp-1", []string{"new"}},
	{"pds-death-notification-1", []string{"new"}},
	{"pds-record-change-1", []string{"new"}},
	{"professional-contacts-1", []string{"new", "update", "delete"}},
	{"vaccinations-1", []string{"new", "update", "delete"}},
	{"blood-spot-test-outcome-1", []string{"new", "delete"}},
	{"newborn-hearing-1", []string{"new", "delete"}},
	{"nipe-outcome-1", []string{"new", "delete"}},
}

func allPlans() []plan {
	var out []plan
	for _, f := range []string{"xml", "json"} {
		for _, e := range lifecycles {
			for _, lc := range e.lcs {
				out = append(out, plan{kind: "event-message", event: e.event, lifecycle: lc, format: f})
			}
		}
		out = append(out, plan{kind: "subscription", subKind: "explicit", format: f}, plan{kind: "subscription", subKind: "generic", format: f})
	}
	return out
}

// mutation breaks a valid payload in one known way; rules are the rule ids
// the validator must raise for it.
type mutation struct {
	name  string
	rules []string
	apply func(xml string) string
}

// replaceFirst swaps the first occurrence of old, which must be there.
func replaceFirst(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic(fmt.Sprintf("mutation target %q not in payload", old))
	}
	return strings.Replace(s, old, new, 1)
}

func (p plan) mutations() []mutation {
	if p.kind == "subscription" {
		return []mutation{
			{"no-status", []string{"fhir:cardinality"}, func(s string) string { return replaceFirst(s, `<status value="requested"/>`, "") }},
			{"channel-type", []string{"fhir:binding", "nems:sub:channel-type"}, func(s string) string {
				return replaceFirst(s, `<channel><type value="message"/>`, `<channel><type value="mesh"/>`)
			}},
		}
	}
	return []mutation{
		{"no-timestamp", []string{"fhir:cardinality", "nems:G11"}, func(s string) string {
			i := strings.Index(s, "<timestamp value=")
			j := strings.Index(s[i:], "/>")
			return s[:i] + s[i+j+2:]
		}},
		{"bundle-type", []string{"fhir:binding", "nems:G02"}, func(s string) string {
			return replaceFirst(s, `<type value="message"/>`, `<type value="mesage"/>`)
		}},
		{"birth-date", []string{"fhir:datatype"}, func(s string) string {
			i := strings.Index(s, "<birthDate value=\"")
			if i < 0 {
				panic("no birthDate")
			}
			i += len("<birthDate value=\"")
			return s[:i] + "31/12/2001" + s[i+10:]
		}},
		{"dangling-focus", []string{"fhir:reference"}, func(s string) string {
			i := strings.Index(s, "<focus><reference value=\"urn:uuid:")
			i += len("<focus><reference value=\"urn:uuid:")
			return s[:i] + "00000000-0000-4000-8000-000000000000" + s[i+36:]
		}},
	}
}

func (p plan) build(g *gen, mut *mutation) ([]byte, error) {
	var doc string
	if p.kind == "subscription" {
		doc = subscription(g, p.subKind)
	} else {
		doc = string(eventMessage(g, p.event, p.lifecycle))
	}
	if mut != nil {
		doc = mut.apply(doc)
	}
	if p.format == "json" {
		return toJSON([]byte(doc))
	}
	return []byte(doc), nil
}

// subscription writes an EMS-Subscription-1 create request (nems.md 7.2)
// with a criteria string of the grammar of 7.3.
func subscription(g *gen, kind string) string {
	ods := g.ods()
	events := []string{"pds-birth-notification-1", "pds-change-of-address-1", "pds-change-of-gp-1", "pds-death-notification-1",
		"vaccinations-1", "professional-contacts-1", "blood-spot-test-outcome-1", "newborn-hearing-1", "nipe-outcome-1", "pds-record-change-1"}
	crit := "/Bundle?type=message"
	if kind == "explicit" {
		crit += "&serviceType=" + g.pick("GP", "CHO", "UHV", "EPCHR")
		crit += "&Patient.identifier=http://fhir.nhs.net/Id/nhs-number|" + g.nhsNumber()
		n := 1 + g.rng.IntN(3)
		for _, i := range g.rng.Perm(len(events))[:n] {
			crit += "&MessageHeader.event=" + events[i]
		}
	} else {
		rule := g.pick("CHO_POSTCODE_CCG", "CHO_GP_CCG", "GP_GP_GP", "UHV_POSTCODE_LACODE", "COUNTRYCODE")
		code := g.ods()
		switch rule {
		case "CHO_POSTCODE_CCG", "CHO_GP_CCG":
			// ICB sub-location codes: three characters, like 02V.
			code = fmt.Sprintf("%02d%c", g.rng.IntN(100), 'A'+rune(g.rng.IntN(26)))
		case "COUNTRYCODE":
			code = g.pick("E92000001", "W92000004")
		case "UHV_POSTCODE_LACODE":
			code = fmt.Sprintf("E%08d", 6000000+g.rng.IntN(1000))
		}
		crit += "&subscriptionRuleType=" + rule + "&Organization.identifier=" + code
		crit += "&MessageHeader.event=" + events[g.rng.IntN(len(events))]
	}
	if g.rng.IntN(3) == 0 {
		crit += fmt.Sprintf("&Patient.age=lt%d", 5+g.rng.IntN(14))
	}
	if g.rng.IntN(4) == 0 {
		crit += "&tag=site-" + fmt.Sprint(g.rng.IntN(1000))
	}
	var b x
	b.WriteString(`<Subscription xmlns="http://hl7.org/fhir">`)
	b.open("meta")
	b.v("profile", "https://fhir.nhs.uk/STU3/StructureDefinition/EMS-Subscription-1")
	b.close("meta")
	b.v("status", "requested")
	b.open("contact")
	b.v("system", "url")
	b.v("value", odsAPI+ods)
	b.v("use", "work")
	b.close("contact")
	if g.rng.IntN(4) == 0 {
		b.v("end", instant(g.base.AddDate(0, 6, 0)))
	}
	b.v("reason", g.pick("Health visiting caseload", "Child health records", "GP practice list maintenance", "Screening follow-up"))
	b.v("criteria", crit)
	b.WriteString(`<channel><type value="message"/>`)
	b.v("endpoint", fmt.Sprintf("%sHC%03d", ods, g.rng.IntN(1000)))
	b.close("channel")
	b.WriteString("</Subscription>\n")
	return b.String()
}

func eventMessage(g *gen, event, lc string) []byte {
	m := &message{g: g, event: event, lifecycle: lc, now: g.base}
	switch event {
	case "pds-birth-notification-1":
		birthNotification(m)
	case "pds-change-of-address-1", "pds-change-of-gp-1", "pds-death-notification-1":
		pdsCommunication(m)
	case "pds-record-change-1":
		recordChange(m)
	case "professional-contacts-1":
		professionalContacts(m)
	case "vaccinations-1":
		vaccination(m)
	default:
		screening(m)
	}
	return m.xml()
}

func pdsCommunication(m *message) {
	g := m.g
	p := g.person(90)
	m.routing = &p
	m.resp = m.organizationFull("NHS Digital", nil, partOf(g))
	var patient string
	switch m.event {
	case "pds-change-of-address-1":
		lines, pc := g.addressLines()
		oldLines, oldPC := g.addressLines()
		moved := g.base.AddDate(0, 0, -g.rng.IntN(30))
		before := moved.AddDate(-1-g.rng.IntN(5), 0, 0)
		patient = m.patient(p, true, nil, func(b *x) {
			address(b, "home", lines, pc, moved, nil)
			end := moved.AddDate(0, 0, -1)
			address(b, "old", oldLines, oldPC, before, &end)
		})
	case "pds-change-of-gp-1":
		newGP := m.organizationFull(g.pick("Beech House Surgery", "Valley Medical Practice", "Quay Health Centre"), nil, partOf(g))
		oldGP := m.organizationFull(g.pick("Oak Tree Surgery", "Market Street Practice"), nil, partOf(g))
		patient = m.patient(p, true, nil, func(b *x) { b.ref("generalPractitioner", newGP) })
		id := g.uuid()
		var b x
		b.open("EpisodeOfCare")
		b.v("id", id)
		b.v("status", "finished")
		b.open("type")
		b.coding("https://fhir.nhs.uk/STU3/CodeSystem/EMS-PDS-PatientCareProvisionType-1", "1", "Primary care")
		b.close("type")
		b.ref("patient", patient)
		b.ref("managingOrganization", oldGP)
		b.open("period")
		b.v("end", date(g.base))
		b.close("period")
		b.close("EpisodeOfCare")
		m.add("urn:uuid:"+id, b.String())
	case "pds-death-notification-1":
		status := g.pick("1", "2", "U")
		display := map[string]string{"1": "Informal - death notice received via an update from a local NHS Organisation such as GP or Trust", "2": "Formal - death notice received from Registrar of Deaths", "U": "Removed"}[status]
		patient = m.patient(p, true, func(b *x) {
			b.WriteString(`<extension url="https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-DeathNotificationStatus-1"><extension url="deathNotificationStatus"><valueCodeableConcept>`)
			b.coding("https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-DeathNotificationStatus-1", status, display)
			b.WriteString(`</valueCodeableConcept></extension><extension url="systemEffectiveDate">`)
			b.v("valueDateTime", instant(g.base.Add(-time.Hour)))
			b.WriteString(`</extension></extension>`)
		}, func(b *x) {
			if status != "U" {
				b.v("deceasedDateTime", instant(g.base.Add(-48*time.Hour)))
			}
		})
	}
	m.focus = m.communication(patient, m.resp)
	// The focus comes first after the header, as in the guide's examples.
	last := m.entries[len(m.entries)-1]
	m.entries = append([]entry{last}, m.entries[:len(m.entries)-1]...)
}

func partOf(g *gen) func(b *x) {
	return func(b *x) { b.ref("partOf", odsAPI+fmt.Sprintf("Q%02d", g.rng.IntN(100))) }
}

func recordChange(m *message) {
	g := m.g
	p := g.person(90)
	m.routing = &p
	m.resp = odsAPI + "X26"
	m.focus = m.patient(p, true, nil, nil)
	id := g.uuid()
	var b x
	b.open("Provenance")
	b.v("id", id)
	b.ref("target", m.focus)
	b.v("recorded", instant(g.base.Add(-time.Minute)))
	b.open("agent")
	b.open("role")
	b.coding("http://hl7.org/fhir/v3/ParticipationType", "AUT", "author (originator)")
	b.close("role")
	b.ref("whoReference", odsAPI+g.ods())
	b.close("agent")
	b.close("Provenance")
	m.add("urn:uuid:"+id, b.String())
}

func birthNotification(m *message) {
	g := m.g
	mother := g.person(20)
	mother.gender = "female"
	motherBirth := g.base.AddDate(-20-g.rng.IntN(20), 0, 0)
	mother.birth = date(motherBirth)
	m.routing = &mother
	baby := g.person(0)
	baby.birth = date(g.base.AddDate(0, 0, -2))
	baby.family = mother.family
	m.resp = m.organizationFull("NHS Digital", nil, nil)
	practitioner := g.uuid()
	related := g.uuid()
	babyURL := m.patient(baby, true, func(b *x) {
		b.WriteString(`<extension url="https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-EthnicCategory-1"><valueCodeableConcept>`)
		b.coding("https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-EthnicCategory-1", "A", "British, Mixed British")
		b.WriteString(`</valueCodeableConcept></extension>`)
	}, func(b *x) {
		lines, pc := g.addressLines()
		b.open("address")
		b.v("use", "home")
		for _, l := range lines {
			b.v("line", l)
		}
		b.v("postalCode", pc)
		b.close("address")
		b.v("multipleBirthInteger", "1")
	})
	// patient-birthTime hangs on the birthDate primitive.
	last := &m.entries[len(m.entries)-1]
	bd := `<birthDate value="` + baby.birth + `"/>`
	last.body = strings.Replace(last.body, bd, `<birthDate value="`+baby.birth+`"><extension url="http://hl7.org/fhir/StructureDefinition/patient-birthTime"><valueDateTime value="`+baby.birth+`T0`+fmt.Sprint(g.rng.IntN(10))+`:15:00+00:00"/></extension></birthDate>`, 1)
	motherURL := m.patient(mother, true, nil, func(b *x) {
		b.open("link")
		b.ref("other", "urn:uuid:"+related)
		b.v("type", "seealso")
		b.close("link")
	})
	var b x
	b.open("RelatedPerson")
	b.v("id", related)
	b.ref("patient", babyURL)
	b.open("relationship")
	b.coding("http://hl7.org/fhir/v3/RoleCode", "NMTH", "natural mother")
	b.close("relationship")
	b.close("RelatedPerson")
	m.add("urn:uuid:"+related, b.String())
	b = x{}
	b.open("Practitioner")
	b.v("id", practitioner)
	b.open("name")
	b.v("family", g.pick("Adeyemi", "Brown", "Clarke"))
	b.v("given", g.pick("Jo", "Sam", "Priya"))
	b.close("name")
	b.close("Practitioner")
	m.add("urn:uuid:"+practitioner, b.String())
	obs := func(subject string, category bool, codes [][3]string, value func(b *x)) {
		id := g.uuid()
		var b x
		b.open("Observation")
		b.v("id", id)
		b.v("status", "final")
		if category {
			b.cc("category", "http://hl7.org/fhir/observation-category", "vital-signs", "Vital Signs")
		}
		b.open("code")
		for _, c := range codes {
			b.coding(c[0], c[1], c[2])
		}
		b.close("code")
		b.ref("subject", subject)
		value(&b)
		b.close("Observation")
		m.add("urn:uuid:"+id, b.String())
	}
	qty := func(v, unit, code string) func(b *x) {
		return func(b *x) {
			b.open("valueQuantity")
			b.v("value", v)
			b.v("unit", unit)
			b.v("system", "http://unitsofmeasure.org")
			b.v("code", code)
			b.close("valueQuantity")
		}
	}
	obs(motherURL, false, [][3]string{{sysSNOMED, "382341000000101", "Total number of registerable births at delivery"}}, qty("1", "birth", "{births}"))
	obs(babyURL, true, [][3]string{{"http://loinc.org", "29463-7", "Body weight"}, {sysSNOMED, "364589006", "Birth weight"}}, qty(fmt.Sprint(2500+g.rng.IntN(1800)), "g", "g"))
	obs(babyURL, false, [][3]string{{sysSNOMED, "412726003", "Length of gestation at birth"}}, qty(fmt.Sprint(36+g.rng.IntN(6)), "week", "wk"))
	obs(babyURL, false, [][3]string{{sysSNOMED, "237364002", "Stillbirth"}}, func(b *x) {
		b.cc("valueCodeableConcept", "https://fhir.nhs.uk/STU3/CodeSystem/EMS-PDS-StillBornIndicator-1", "1", "Live")
	})
	obs(babyURL, false, [][3]string{{sysSNOMED, "1097291000000101", "Suspected congenital abnormality"}}, func(b *x) {
		b.cc("valueCodeableConcept", "https://fhir.nhs.uk/STU3/CodeSystem/EMS-PDS-SuspectedCongenitalAbnormalityIndicator-1", "N", "No")
	})
	authority := m.organizationFull(g.pick("Leeds Teaching Hospitals NHS Trust", "North Bristol NHS Trust"), func(b *x) {
		b.cc("type", "https://fhir.nhs.uk/STU3/CodeSystem/EMS-PDS-RegisteringAuthorityType-1", "c", "NHS Trust")
	}, nil)
	id := g.uuid()
	b = x{}
	b.open("EpisodeOfCare")
	b.v("id", id)
	b.v("status", "active")
	b.open("type")
	b.coding("https://fhir.nhs.uk/STU3/CodeSystem/BirthEpisodeCategory-1", "registering-authority", "Registering Authority")
	b.close("type")
	b.ref("patient", babyURL)
	b.ref("managingOrganization", authority)
	b.close("EpisodeOfCare")
	m.add("urn:uuid:"+id, b.String())
	m.focus = m.communication(motherURL, m.resp)
	comm := m.entries[len(m.entries)-1]
	m.entries = append([]entry{comm}, m.entries[:len(m.entries)-1]...)
	// The notifying practitioner is the MessageHeader's enterer.
	m.enterer = "urn:uuid:" + practitioner
}

func professionalContacts(m *message) {
	g := m.g
	p := g.person(17)
	m.routing = &p
	org := m.organizationFull(g.pick("Riverside Health Visiting Team", "Northgate Community Trust"), nil, func(b *x) {
		b.open("telecom")
		b.v("system", "phone")
		b.v("value", fmt.Sprintf("0113 %03d %04d", g.rng.IntN(1000), g.rng.IntN(10000)))
		b.close("telecom")
	})
	m.resp = org
	patient := m.patient(p, false, nil, nil)
	id := g.uuid()
	var b x
	b.open("EpisodeOfCare")
	b.v("id", id)
	b.open("meta")
	b.v("profile", ccProfile+"EpisodeOfCare-1")
	b.close("meta")
	b.open("identifier")
	b.v("system", "https://example.nhs.uk/Id/episode")
	b.v("value", fmt.Sprintf("EOC-%d", 10000+g.seq))
	b.close("identifier")
	if m.lifecycle == "delete" {
		b.v("status", "entered-in-error")
	} else {
		b.v("status", "active")
	}
	b.open("type")
	b.coding(sysSNOMED, "1078501000000104", "Health visiting service")
	b.close("type")
	b.ref("patient", patient)
	b.ref("managingOrganization", org)
	b.open("period")
	b.v("start", date(g.base.AddDate(0, -g.rng.IntN(12), 0)))
	b.close("period")
	b.close("EpisodeOfCare")
	m.add("urn:uuid:"+id, b.String())
	m.focus = "urn:uuid:" + id
}

func vaccination(m *message) {
	g := m.g
	p := g.person(80)
	m.routing = &p
	org := m.organizationFull(g.pick("Beech House Surgery", "Valley Medical Practice"), nil, nil)
	m.resp = org
	patient := m.patient(p, false, nil, nil)
	id := g.uuid()
	var b x
	b.open("Immunization")
	b.v("id", id)
	b.open("meta")
	b.v("profile", ccProfile+"Immunization-1")
	b.close("meta")
	b.WriteString(`<extension url="https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-VaccinationProcedure-1"><valueCodeableConcept>`)
	b.coding(sysSNOMED, "170433008", "Administration of second dose of measles/mumps/rubella vaccine")
	b.WriteString(`</valueCodeableConcept></extension>`)
	b.open("identifier")
	b.v("system", "https://example.nhs.uk/Id/vaccination")
	b.v("value", fmt.Sprintf("IMM-%d", 10000+g.seq))
	b.close("identifier")
	if m.lifecycle == "delete" {
		b.v("status", "entered-in-error")
	} else {
		b.v("status", "completed")
	}
	b.v("notGiven", "false")
	b.cc("vaccineCode", sysSNOMED, "13968211000001108", "M-M-RvaxPro vaccine powder and solvent for suspension for injection 0.5ml pre-filled syringes")
	b.ref("patient", patient)
	b.v("date", date(g.base.AddDate(0, 0, -g.rng.IntN(20))))
	b.v("primarySource", "true")
	b.close("Immunization")
	m.add("urn:uuid:"+id, b.String())
	m.focus = "urn:uuid:" + id
}

// screening builds the three child screening events (nems.md 6.8 to 6.11)
// around their focus Encounter.
func screening(m *message) {
	g := m.g
	p := g.person(0)
	p.birth = date(g.base.AddDate(0, 0, -10))
	m.routing = &p
	org := m.organizationFull(g.pick("Lakeside Maternity Unit", "City Hospital Screening Service"), nil, nil)
	m.resp = org
	patient := m.patient(p, false, nil, nil)
	typeCode := map[string][2]string{
		"blood-spot-test-outcome-1": {"008", "Newborn Blood Spot Screening"},
		"newborn-hearing-1":         {"007", "Newborn Hearing Screening"},
		"nipe-outcome-1":            {"006", "Newborn Infant Physical Examination"},
	}[m.event]
	id := g.uuid()
	var b x
	b.open("Encounter")
	b.v("id", id)
	b.open("meta")
	b.v("profile", ccProfile+"Encounter-1")
	b.close("meta")
	b.open("identifier")
	b.v("system", "https://example.nhs.uk/Id/screening-encounter")
	b.v("value", fmt.Sprintf("ENC-%d", 10000+g.seq))
	b.close("identifier")
	b.v("status", "finished")
	b.open("type")
	b.coding("https://fhir.nhs.uk/STU3/CodeSystem/DCH-ChildHealthEncounterType-1", typeCode[0], typeCode[1])
	b.close("type")
	b.ref("subject", patient)
	b.open("period")
	b.v("start", instant(g.base.Add(-6*time.Hour)))
	b.close("period")
	b.ref("serviceProvider", org)
	b.close("Encounter")
	m.add("urn:uuid:"+id, b.String())
	m.focus = "urn:uuid:" + id
	switch m.event {
	case "blood-spot-test-outcome-1":
		rid := g.uuid()
		var r x
		r.open("DiagnosticReport")
		r.v("id", rid)
		r.v("status", "final")
		r.cc("code", sysSNOMED, "1064101000000104", "Newborn blood spot screening")
		r.ref("subject", patient)
		r.ref("context", m.focus)
		r.v("issued", instant(g.base.Add(-2*time.Hour)))
		r.close("DiagnosticReport")
		m.add("urn:uuid:"+rid, r.String())
	case "newborn-hearing-1":
		oid := g.uuid()
		var o x
		o.open("Observation")
		o.v("id", oid)
		o.v("status", "final")
		o.cc("code", sysSNOMED, "276771000000107", "Newborn hearing screening programme outcome")
		o.ref("subject", patient)
		o.ref("context", m.focus)
		o.v("effectiveDateTime", instant(g.base.Add(-3*time.Hour)))
		o.open("valueCodeableConcept")
		o.v("text", "Clear response in both ears")
		o.close("valueCodeableConcept")
		o.close("Observation")
		m.add("urn:uuid:"+oid, o.String())
	case "nipe-outcome-1":
		pid := g.uuid()
		var pr x
		pr.open("Practitioner")
		pr.v("id", pid)
		pr.open("name")
		pr.v("family", g.pick("Hughes", "Rahman"))
		pr.v("given", g.pick("Kate", "Omar"))
		pr.close("name")
		pr.close("Practitioner")
		m.add("urn:uuid:"+pid, pr.String())
		// Examination and outcome codes (nems.md 6.11; outcomes from the
		// NIPE-Outcome-1 refset).
		const nipe = "Newborn and Infant Physical Examination Screening Programme, "
		exams := [][4]string{
			{"985531000000102", nipe + "hip examination", "985891000000104", nipe + "hip examination done, right abnormality suspected with risk factor"},
			{"988361000000105", nipe + "eye examination", "989071000000108", nipe + "eye examination done, no abnormality and no risk factor"},
			{"988351000000107", nipe + "heart examination", "988511000000100", nipe + "heart examination done, no abnormality and no risk factor"},
		}
		if p.gender == "male" {
			exams = append(exams, [4]string{"988371000000103", nipe + "testis examination", "988931000000101", nipe + "testis examination done, no abnormality"})
		}
		for _, e := range exams {
			qid := g.uuid()
			var q x
			q.open("Procedure")
			q.v("id", qid)
			q.v("status", "completed")
			q.cc("code", sysSNOMED, e[0], e[1])
			q.ref("subject", patient)
			q.ref("context", m.focus)
			q.v("performedDateTime", instant(g.base.Add(-5*time.Hour)))
			q.cc("outcome", sysSNOMED, e[2], e[3])
			q.close("Procedure")
			m.add("urn:uuid:"+qid, q.String())
		}
	}
}
