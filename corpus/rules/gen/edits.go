package main

import "strings"

// edit makes one invalid payload: the base payload with fn applied.
type edit struct {
	rule    string // the rule the payload breaks
	variant string // suffix of the file name when a rule has several payloads
	base    string // the valid payload to start from, e.g. "vaccinations-1-new"
	fn      func(d *doc)
	also    string // other rules the edit cannot help raising, space-separated
	why     string // why those others fire
	xmlOnly bool   // no JSON twin (the rule is about XML only)
}

// exception is a rule no payload in this corpus breaks.
type exception struct{ rule, why string }

// Base payloads.
const (
	birth    = "pds-birth-notification-1-new"
	address  = "pds-change-of-address-1-new"
	gp       = "pds-change-of-gp-1-new"
	death    = "pds-death-notification-1-new"
	record   = "pds-record-change-1-new"
	pc       = "professional-contacts-1-new"
	vacc     = "vaccinations-1-new"
	spot     = "blood-spot-test-outcome-1-new"
	spotDel  = "blood-spot-test-outcome-1-delete"
	hear     = "newborn-hearing-1-new"
	hearDel  = "newborn-hearing-1-delete"
	nipe     = "nipe-outcome-1-new"
	nipeDel  = "nipe-outcome-1-delete"
	explicit = "subscription-explicit"
	generic  = "subscription-generic"
)

const (
	extRouting   = "extension[url=https://fhir.nhs.uk/STU3/StructureDefinition/Extension-RoutingDemographics-1]"
	extLifecycle = "extension[url=https://fhir.nhs.uk/STU3/StructureDefinition/Extension-MessageEventType-1]"
	odsAPI       = "https://directory.spineservices.nhs.uk/STU3/Organization/"
	sct          = "http://snomed.info/sct"
)

// Small helpers for the table.

func rm(typ, path string) func(*doc) { return func(d *doc) { d.res(typ).remove(path) } }
func rmN(typ string, n int, path string) func(*doc) {
	return func(d *doc) { d.res(typ, n).remove(path) }
}
func set(typ, path, v string) func(*doc) { return func(d *doc) { d.res(typ).set(path, v) } }
func setN(typ string, n int, path, v string) func(*doc) {
	return func(d *doc) { d.res(typ, n).set(path, v) }
}
func dropEntry(typ string, n int) func(*doc) { return func(d *doc) { d.dropEntry(typ, n) } }

// add appends an entry; "{patient}", "{org}" and "{focus}" in the snippet
// become the fullUrls of the first Patient, the first Organization and the
// MessageHeader focus.
func add(snippets ...string) func(*doc) {
	return func(d *doc) {
		for _, s := range snippets {
			d.addEntry(fill(d, s))
		}
	}
}

func fill(d *doc, s string) string {
	for key, val := range map[string]func() string{
		"{patient}": func() string { return d.url("Patient") },
		"{org}":     func() string { return d.url("Organization") },
		"{focus}":   func() string { return d.res("MessageHeader").at("focus/reference").attr("value") },
	} {
		if strings.Contains(s, key) {
			s = strings.ReplaceAll(s, key, val())
		}
	}
	return s
}

// repoint moves every reference to old onto new.
func repoint(d *doc, old, new string) {
	var walk func(n *node)
	walk = func(n *node) {
		if n.name == "reference" && n.attr("value") == old {
			n.setAttr("value", new)
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(d.root)
}

// dup appends a copy of the n-th entry of type typ under a fresh UUID.
func dup(typ string, n int) func(*doc) {
	return func(d *doc) {
		c := clone(d.res(typ, n))
		c.kids = c.kids[1:] // the id; addEntry gives a new one
		d.addEntry(string(render(c)))
	}
}

func ref(url string) string { return `<reference value="` + url + `"/>` }

func coding(system, code, display string) string {
	s := "<coding>"
	if system != "" {
		s += `<system value="` + system + `"/>`
	}
	s += `<code value="` + code + `"/>`
	if display != "" {
		s += `<display value="` + display + `"/>`
	}
	return s + "</coding>"
}

// crit replaces the criteria of a subscription.
func crit(c string) func(*doc) { return func(d *doc) { d.root.set("criteria", c) } }

// Criteria strings the criteria edits start from.
const (
	critE = "/Bundle?type=message&serviceType=GP&Patient.identifier=http://fhir.nhs.net/Id/nhs-number|9993778133&MessageHeader.event=vaccinations-1"
	critG = "/Bundle?type=message&subscriptionRuleType=GP_GP_GP&Organization.identifier=X69174&MessageHeader.event=pds-record-change-1"
)

// Resources added by the edits, valid apart from what the edit wants.
const (
	hsPDS        = `<HealthcareService><providedBy>` + `<reference value="{org}"/>` + `</providedBy><type>` + `<coding><system value="https://fhir.nhs.uk/STU3/CodeSystem/EMS-HealthcareServiceType-1"/><code value="PDS"/></coding>` + `</type></HealthcareService>`
	commScreen   = `<Communication><status value="completed"/><category><coding><system value="https://fhir.nhs.uk/STU3/CodeSystem/DCH-ProfessionalCommentType-1"/><code value="CAT"/></coding></category><subject><reference value="{patient}"/></subject><sender><reference value="{org}"/></sender><payload><contentString value="Parents informed"/></payload></Communication>`
	hsScreen     = `<HealthcareService><providedBy><reference value="{org}"/></providedBy><type><text value="Screening"/></type><specialty><coding><system value="https://fhir.nhs.uk/STU3/CodeSystem/DCH-Specialty-1"/><code value="001"/></coding></specialty></HealthcareService>`
	hsVacc       = `<HealthcareService><providedBy><reference value="{org}"/></providedBy><type><text value="Vaccination clinic"/></type><specialty><coding><system value="https://fhir.nhs.uk/STU3/CodeSystem/Specialty-1"/><code value="290"/></coding></specialty></HealthcareService>`
	location     = `<Location><name value="Clinic room 2"/></Location>`
	practitioner = `<Practitioner><name><family value="Hughes"/><given value="Kate"/></name></Practitioner>`
	encVacc      = `<Encounter><status value="finished"/><type><text value="Vaccination"/></type><subject><reference value="{patient}"/></subject></Encounter>`
)

// roleVacc is a PractitionerRole of the vaccination page pointing at the
// Practitioner pr; drop names an element to leave out.
func roleVacc(pr, drop string) string {
	parts := []struct{ name, xml string }{
		{"practitioner", `<practitioner><reference value="` + pr + `"/></practitioner>`},
		{"organization", `<organization><reference value="{org}"/></organization>`},
		{"code", `<code>` + coding("https://fhir.nhs.uk/STU3/CodeSystem/ProfessionalType-1", "160", "General Medical Practitioner") + `</code>`},
		{"specialty", `<specialty>` + coding("https://fhir.nhs.uk/STU3/CodeSystem/Specialty-1", "290", "") + `</specialty>`},
	}
	s := "<PractitionerRole>"
	for _, p := range parts {
		if p.name != drop {
			s += p.xml
		}
	}
	return s + "</PractitionerRole>"
}

// roleScreen is a PractitionerRole of the screening pages.
func roleScreen(pr, drop string) string {
	parts := []struct{ name, xml string }{
		{"practitioner", `<practitioner><reference value="` + pr + `"/></practitioner>`},
		{"organization", `<organization><reference value="{org}"/></organization>`},
		{"code", `<code>` + coding("https://fhir.nhs.uk/STU3/CodeSystem/DCH-ProfessionalType-1", "160", "General Medical Practitioner") + `</code>`},
		{"specialty", `<specialty>` + coding("https://fhir.nhs.uk/STU3/CodeSystem/DCH-Specialty-1", "001", "") + `</specialty>`},
	}
	s := "<PractitionerRole>"
	for _, p := range parts {
		if p.name != drop {
			s += p.xml
		}
	}
	return s + "</PractitionerRole>"
}

// withPractitioner adds a Practitioner and a PractitionerRole made by role.
func withPractitioner(role func(pr, drop string) string, drop string) func(*doc) {
	return func(d *doc) {
		pr := d.addEntry(practitioner)
		d.addEntry(fill(d, role(pr, drop)))
	}
}

// procedure is a screening Procedure: code and display, outcome code.
func procedure(code, display, outcome string, performed bool) string {
	s := `<Procedure><status value="completed"/><code>` + coding(sct, code, display) + `</code><subject><reference value="{patient}"/></subject><context><reference value="{focus}"/></context>`
	if performed {
		s += `<performedDateTime value="2024-01-01T10:00:00+00:00"/>`
	}
	if outcome != "" {
		s += `<outcome>` + coding(sct, outcome, "") + `</outcome>`
	}
	return s + `</Procedure>`
}

const (
	pku  = "314081000"
	pkuD = "Phenylketonuria screening test"
	aabr = "413083006"
	aabD = "Automated auditory brainstem response test"
	aoae = "446077009"
	aoaD = "Automated otoacoustic emission test"
)

func bcg(code, display, value, valueDisplay string) string {
	return `<Observation><status value="final"/><code>` + coding("", code, display) + `</code><subject><reference value="{patient}"/></subject><valueCodeableConcept>` + coding("", value, valueDisplay) + `</valueCodeableConcept></Observation>`
}

func episodeBirth(code string) string {
	return `<EpisodeOfCare><status value="active"/><type>` + coding("https://fhir.nhs.uk/STU3/CodeSystem/BirthEpisodeCategory-1", code, "") + `</type><patient><reference value="{patient}"/></patient><managingOrganization><reference value="{org}"/></managingOrganization></EpisodeOfCare>`
}

var edits = []edit{
	// 5.12 generic rules, on a vaccination unless the rule needs otherwise.
	{rule: "nems:G02", base: vacc, fn: set("Bundle", "type", "collection")},
	{rule: "nems:G03", base: vacc, fn: func(d *doc) {
		mh := d.entry("MessageHeader", 0)
		d.dropEntry("MessageHeader", 0)
		d.root.kids = append(d.root.kids, mh)
	}},
	{rule: "nems:G05", also: "nems:G21:id", why: "the MessageHeader has no id to match the UUID of its fullUrl", base: vacc, fn: rm("MessageHeader", "id")},
	{rule: "nems:G05:uuid", also: "nems:G21:id", why: "the MessageHeader id no longer equals the UUID of its fullUrl", base: vacc, fn: set("MessageHeader", "id", "message-1")},
	{rule: "nems:G06", base: vacc, fn: set("MessageHeader", "event/code", "vaccinations-2")},
	{rule: "nems:G06:system", base: vacc, fn: set("MessageHeader", "event/system", "https://fhir.nhs.uk/STU3/CodeSystem/EventType-2")},
	{rule: "nems:G06:display", base: vacc, fn: rm("MessageHeader", "event/display")},
	{rule: "nems:G07", base: vacc, fn: set("MessageHeader", extLifecycle+"/valueCodeableConcept/coding/code", "create")},
	{rule: "nems:G08", base: vacc, fn: rm("MessageHeader", extRouting)},
	{rule: "nems:G08:nhs-number", base: vacc, fn: rm("MessageHeader", extRouting+"/extension[url=nhsNumber]")},
	{rule: "nems:G08:name", base: vacc, fn: rm("MessageHeader", extRouting+"/extension[url=name]")},
	{rule: "nems:G08:birth-date", base: vacc, fn: rm("MessageHeader", extRouting+"/extension[url=birthDateTime]")},
	{rule: "nems:G09:system", base: vacc, fn: set("MessageHeader", extRouting+"/extension[url=nhsNumber]/valueIdentifier/system", "https://fhir.nhs.uk/Id/local-number")},
	{rule: "nems:G09", also: "nems:G10", why: "the routing NHS number no longer matches the Patient's (making both invalid trades G10 for G22:nhs-number)", base: vacc, fn: set("MessageHeader", extRouting+"/extension[url=nhsNumber]/valueIdentifier/value", "9993489558")},
	{rule: "nems:G10", base: vacc, fn: set("MessageHeader", extRouting+"/extension[url=name]/valueHumanName/family", "Someone-Else")},
	{rule: "nems:G11", also: "fhir:cardinality", why: "MessageHeader.timestamp is 1..1 in STU3", base: vacc, fn: rm("MessageHeader", "timestamp")},
	{rule: "nems:G12", base: vacc, fn: rm("MessageHeader", "source/name")},
	{rule: "nems:G13", base: vacc, fn: rm("MessageHeader", "source/contact")},
	{rule: "nems:G13:system", base: vacc, fn: set("MessageHeader", "source/contact/system", "url")},
	{rule: "nems:G13:value", base: vacc, fn: rm("MessageHeader", "source/contact/value")},
	{rule: "nems:G14", also: "fhir:cardinality", why: "MessageHeader.source.endpoint is 1..1 in STU3", base: vacc, fn: rm("MessageHeader", "source/endpoint")},
	{rule: "nems:G15", base: vacc, fn: rm("MessageHeader", "responsible")},
	{rule: "nems:G16", base: vacc, fn: rm("MessageHeader", "focus")},
	{rule: "nems:G17", base: vacc, fn: func(d *doc) {
		d.res("MessageHeader").after("responsible", `<reason><text value="Catch-up campaign"/></reason>`)
	}},
	{rule: "nems:G17:destination", base: vacc, fn: func(d *doc) {
		d.res("MessageHeader").after("event", `<destination><endpoint value="urn:nhs:addressing:asid:000000000001"/></destination><destination><endpoint value="urn:nhs:addressing:asid:000000000002"/></destination>`)
	}},
	{rule: "nems:G18", base: vacc, fn: rm("MessageHeader", "meta/lastUpdated")},
	{rule: "nems:G19", base: vacc, fn: set("MessageHeader", "meta/versionId", "v18")},
	{rule: "nems:G21", base: vacc, fn: func(d *doc) {
		e := d.entry("Organization", 0)
		old := e.at("fullUrl").attr("value")
		e.set("fullUrl", "urn:oid:2.16.840.1.113883.2.1.3.2.4.19.1")
		repoint(d, old, "urn:oid:2.16.840.1.113883.2.1.3.2.4.19.1")
	}},
	{rule: "nems:G21:id", base: vacc, fn: set("Organization", "id", "1b2f0d1e-0000-4000-8000-000000000001")},
	{rule: "nems:G22", base: vacc, fn: rm("Patient", "identifier")},
	{rule: "nems:G22:nhs-number", also: "nems:G10", why: "the Patient's NHS number no longer matches the routing one (making both invalid trades G10 for G09)", base: vacc, fn: set("Patient", "identifier/value", "9993489558")},
	{rule: "nems:G22:name", base: vacc, fn: set("Patient", "name/use", "usual")},
	{rule: "nems:G22:birth-date", base: vacc, fn: rm("Patient", "birthDate")},
	{rule: "nems:G22:birth-before-message", base: vacc, fn: func(d *doc) {
		d.res("Patient").set("birthDate", "2024-12-31")
		d.res("MessageHeader").set(extRouting+"/extension[url=birthDateTime]/valueDateTime", "2024-12-31")
	}},
	{rule: "nems:G23", base: birth, fn: add(`<Organization><name value="Riverside Surgery"/></Organization>`)},
	{rule: "nems:G23:ods-code", base: birth, fn: setN("Organization", 0, "identifier/value", "not-an-ods-code")},
	{rule: "nems:5.5:extension-url", base: vacc, fn: func(d *doc) {
		d.res("Organization").before("identifier", `<extension url="local-extension"><valueString value="x"/></extension>`)
	}},
	{rule: "nems:5.11:careconnect-codesystem-url", base: vacc, fn: set("Patient", "identifier/extension/valueCodeableConcept/coding/system", "https://fhir.hl7.org.uk/STU3/CareConnect-NHSNumberVerificationStatus-1")},
	{rule: "nems:6.12:unsupported-event", also: "nems:G06", why: "an unsupported code is not one of the ten G06 accepts", base: vacc, fn: set("MessageHeader", "event/code", "failsafe-message-gp-1")},
	{rule: "nems:6.12:legacy-event", also: "nems:G06:system", why: "a legacy event system is not the EventType-1 system G06:system asks for", base: vacc, fn: set("MessageHeader", "event/system", "https://fhir.nhs.uk/STU3/CodeSystem/EMS-EventType-1")},

	// 6.0 shared PDS rules.
	{rule: "nems:6.0:lifecycle", base: address, fn: func(d *doc) {
		c := d.res("MessageHeader").at(extLifecycle + "/valueCodeableConcept/coding")
		c.set("code", "update")
		c.set("display", "Update event message")
	}},
	{rule: "nems:6.0:focus", base: address, fn: func(d *doc) { d.res("MessageHeader").set("focus/reference", d.url("Patient")) }},
	{rule: "nems:6.0:communication-count", base: address, fn: dup("Communication", 0)},
	{rule: "nems:6.0:communication-status", base: address, fn: set("Communication", "status", "in-progress")},
	{rule: "nems:6.0:communication-subject", base: address, fn: rm("Communication", "subject")},
	{rule: "nems:6.0:communication-subject-patient", base: address, fn: func(d *doc) {
		// A Group is a type STU3 allows for Communication.subject, so only the
		// page rule objects.
		d.res("Communication").set("subject/reference", d.addEntry(`<Group><type value="person"/><actual value="true"/></Group>`))
	}},
	{rule: "nems:6.0:responsible-in-bundle", base: address, fn: set("MessageHeader", "responsible/reference", odsAPI+"X26")},
	{rule: "nems:6.0:responsible-external", base: gp, fn: set("MessageHeader", "responsible/reference", odsAPI+"X26")},
	{rule: "nems:6.0:patient-scn", base: address, fn: rm("Patient", "meta/versionId")},
	{rule: "nems:6.0:healthcareservice-count", base: address, fn: add(hsPDS, hsPDS)},
	{rule: "nems:6.0:healthcareservice-type", base: address, fn: add(strings.Replace(hsPDS, `<code value="PDS"/>`, `<code value="GP"/>`, 1))},
	{rule: "nems:6.0:healthcareservice-provided-by", base: address, fn: add(`<HealthcareService><type>` + coding("https://fhir.nhs.uk/STU3/CodeSystem/EMS-HealthcareServiceType-1", "PDS", "") + `</type></HealthcareService>`)},
	{rule: "nems:6.0:organization-identifier", also: "nems:G23", why: "G23 (warning) asks every Organization for an ODS identifier too", base: address, fn: rm("Organization", "identifier")},
	{rule: "nems:6.0:organization-name", base: address, fn: rm("Organization", "name")},

	// 6.1 Birth Notification. Patient 0 is the baby, Patient 1 the mother;
	// the Observations are births, weight, gestation, stillborn, abnormality.
	{rule: "nems:6.1:routing-count", base: birth, fn: func(d *doc) {
		mh := d.res("MessageHeader")
		mh.after(extRouting, string(render(mh.at(extRouting))))
	}},
	{rule: "nems:6.1:relatedperson-count", base: birth, fn: dup("RelatedPerson", 0)},
	{rule: "nems:6.1:relatedperson-relationship", also: "fhir:display", why: "the coding keeps the display of NMTH, which is not the display of MTH in v3 RoleCode (warning)", base: birth, fn: set("RelatedPerson", "relationship/coding/code", "MTH")},
	{rule: "nems:6.1:relatedperson-patient", also: "fhir:cardinality", why: "RelatedPerson.patient is 1..1 in STU3", base: birth, fn: rm("RelatedPerson", "patient")},
	{rule: "nems:6.1:mother-link", base: birth, fn: rmN("Patient", 1, "link")},
	{rule: "nems:6.1:baby-scn", base: birth, fn: rm("Patient", "meta/versionId")},
	{rule: "nems:6.1:baby-nhs-number", base: birth, fn: rm("Patient", "identifier")},
	{rule: "nems:6.1:baby-name", base: birth, fn: set("Patient", "name/use", "usual")},
	{rule: "nems:6.1:baby-gender", base: birth, fn: rm("Patient", "gender")},
	{rule: "nems:6.1:baby-birth-date", also: "nems:6.1:baby-birth-time", why: "the birth time is an extension on birthDate and goes with it", base: birth, fn: rm("Patient", "birthDate")},
	{rule: "nems:6.1:baby-birth-time", base: birth, fn: rm("Patient", "birthDate/extension")},
	{rule: "nems:6.1:baby-address-line", base: birth, fn: func(d *doc) {
		p := d.res("Patient")
		p.remove("address/line")
		p.remove("address/line")
	}},
	{rule: "nems:6.1:baby-multiple-birth", base: birth, fn: rm("Patient", "multipleBirthInteger")},
	{rule: "nems:6.1:baby-ethnic-category", base: birth, fn: rm("Patient", "extension[url=https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-EthnicCategory-1]")},
	{rule: "nems:6.1:deceased-after-birth", base: birth, fn: func(d *doc) {
		d.res("Patient").after("birthDate", `<deceasedDateTime value="2020-01-01T00:00:00+00:00"/>`)
	}},
	{rule: "nems:6.1:multiple-birth-vs-births", base: birth, fn: set("Patient", "multipleBirthInteger", "2")},
	{rule: "nems:6.1:practitioner-count", base: birth, fn: add(practitioner)},
	{rule: "nems:6.1:practitioner-name", base: birth, fn: rm("Practitioner", "name/given")},
	{rule: "nems:6.1:observation-number-of-births", base: birth, fn: dropEntry("Observation", 0)},
	{rule: "nems:6.1:observation-birth-weight", base: birth, fn: dropEntry("Observation", 1)},
	{rule: "nems:6.1:observation-gestation-age", base: birth, fn: dropEntry("Observation", 2)},
	{rule: "nems:6.1:observation-stillborn-indicator", base: birth, fn: dropEntry("Observation", 3)},
	{rule: "nems:6.1:observation-suspected-congenital-abnormality", base: birth, fn: dropEntry("Observation", 4)},
	{rule: "nems:6.1:birth-weight-loinc", base: birth, fn: rmN("Observation", 1, "code/coding")},
	{rule: "nems:6.1:birth-weight-category", base: birth, fn: rmN("Observation", 1, "category/coding/display")},
	{rule: "nems:6.1:observation-quantity", base: birth, fn: rmN("Observation", 2, "valueQuantity")},
	{rule: "nems:6.1:stillborn-value", base: birth, fn: setN("Observation", 3, "valueCodeableConcept/coding/code", "9")},
	{rule: "nems:6.1:abnormality-value", base: birth, fn: setN("Observation", 4, "valueCodeableConcept/coding/code", "X")},
	{rule: "nems:6.1:observation-subject-mother", base: birth, fn: func(d *doc) {
		d.res("Observation", 0).set("subject/reference", d.url("Patient", 0))
	}},
	{rule: "nems:6.1:observation-subject-baby", base: birth, fn: func(d *doc) {
		d.res("Observation", 1).set("subject/reference", d.url("Patient", 1))
	}},
	{rule: "nems:6.1:registering-authority", also: "nems:6.1:delivery-place-type", why: "the renamed episode makes the registering authority the delivery place, whose type is a registering-authority code (a warning)", base: birth, fn: set("EpisodeOfCare", "type/coding/code", "delivery-place")},
	{rule: "nems:6.1:episode-delivery-place", base: birth, fn: add(episodeBirth("delivery-place"), episodeBirth("delivery-place"))},
	{rule: "nems:6.1:episode-partner-child-health-organisation", base: birth, fn: add(episodeBirth("partner-child-health-organisation"), episodeBirth("partner-child-health-organisation"))},
	{rule: "nems:6.1:episode-responsible-child-health-organisation", base: birth, fn: add(episodeBirth("responsible-child-health-organisation"), episodeBirth("responsible-child-health-organisation"))},
	{rule: "nems:6.1:episode-managing-organization", base: birth, fn: rm("EpisodeOfCare", "managingOrganization")},
	{rule: "nems:6.1:registering-authority-type", base: birth, fn: setN("Organization", 1, "type/coding/code", "zz")},
	{rule: "nems:6.1:registering-authority-type-count", base: birth, fn: rmN("Organization", 1, "type")},
	{rule: "nems:6.1:organization-ods", also: "nems:G23", why: "G23 (warning) asks every Organization for an ODS identifier too", base: birth, fn: rm("Organization", "identifier")},

	// 6.2 Change of Address.
	{rule: "nems:6.2:organization-count", base: address, fn: add(`<Organization><identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="Y01"/></identifier><name value="A"/></Organization>`, `<Organization><identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="Y02"/></identifier><name value="B"/></Organization>`)},
	{rule: "nems:6.2:home-address", base: address, fn: set("Patient", "address/use", "temp")},
	{rule: "nems:6.2:old-address", base: address, fn: set("Patient", "address[1]/use", "temp")},
	{rule: "nems:6.2:address-line", base: address, fn: func(d *doc) {
		p := d.res("Patient")
		p.remove("address/line")
		p.remove("address/line")
	}},
	{rule: "nems:6.2:address-postcode", base: address, fn: rm("Patient", "address/postalCode")},
	{rule: "nems:6.2:address-text", base: address, fn: rm("Patient", "address/text")},
	{rule: "nems:6.2:address-period-start", base: address, fn: rm("Patient", "address[1]/period/start")},

	// 6.3 Change of GP. Organization 0 is responsible, 1 the new GP, 2 the old.
	{rule: "nems:6.3:organization-count", also: "nems:6.0:responsible-external nems:6.0:communication-sender", why: "with no Organization in the Bundle the responsible organisation can only be external, which 6.0 warns about, and the Communication sender no longer points at an Organization of the Bundle", base: gp, fn: func(d *doc) {
		// No Organization at all: every reference to one goes outside.
		for i := 0; i < 3; i++ {
			url := d.url("Organization")
			d.dropEntry("Organization", 0)
			repoint(d, url, odsAPI+"X26")
		}
	}},
	{rule: "nems:6.3:organization-part-of", base: gp, fn: rmN("Organization", 1, "partOf")},
	{rule: "nems:6.3:episode-count", base: gp, fn: dup("EpisodeOfCare", 0)},
	{rule: "nems:6.3:episode-status", base: gp, fn: set("EpisodeOfCare", "status", "active")},
	{rule: "nems:6.3:episode-type", base: gp, fn: set("EpisodeOfCare", "type/coding/code", "2")},
	{rule: "nems:6.3:episode-managing-organization", base: gp, fn: rm("EpisodeOfCare", "managingOrganization")},
	{rule: "nems:6.3:general-practitioner", base: gp, fn: func(d *doc) {
		d.res("Patient").after("generalPractitioner", `<generalPractitioner>`+ref(d.url("Organization", 2))+`</generalPractitioner>`)
	}},

	// 6.4 Death Notification.
	{rule: "nems:6.4:organization-count", base: death, fn: add(`<Organization><identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="Y01"/></identifier><name value="A"/></Organization>`, `<Organization><identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="Y02"/></identifier><name value="B"/></Organization>`)},
	{rule: "nems:6.4:death-status", base: death, fn: rm("Patient", "extension")},
	{rule: "nems:6.4:death-status-code", also: "nems:6.4:deceased", why: "whether deceased[x] must be present depends on the status code, so an unknown code also fails that rule", base: death, fn: set("Patient", "extension/extension[url=deathNotificationStatus]/valueCodeableConcept/coding/code", "3")},
	{rule: "nems:6.4:system-effective-date", base: death, fn: rm("Patient", "extension/extension[url=systemEffectiveDate]")},
	{rule: "nems:6.4:deceased", base: death, fn: func(d *doc) {
		p := d.res("Patient")
		c := p.at("extension/extension[url=deathNotificationStatus]/valueCodeableConcept/coding")
		if c.at("code").attr("value") == "U" {
			p.after("birthDate", `<deceasedDateTime value="2024-01-01T00:00:00+00:00"/>`)
		} else {
			p.remove("deceasedDateTime")
		}
	}},

	// 6.5 Record Change.
	{rule: "nems:6.5:focus", base: record, fn: func(d *doc) { d.res("MessageHeader").set("focus/reference", d.url("Provenance")) }},
	{rule: "nems:6.5:patient-count", base: record, fn: dup("Patient", 0)},
	{rule: "nems:6.5:provenance-count", base: record, fn: dup("Provenance", 0)},
	{rule: "nems:6.5:provenance-target", base: record, fn: func(d *doc) {
		d.res("Provenance").after("target", `<target>`+ref(d.url("Patient"))+`</target>`)
	}},
	{rule: "nems:6.5:provenance-recorded", also: "fhir:cardinality", why: "Provenance.recorded is 1..1 in STU3", base: record, fn: rm("Provenance", "recorded")},
	{rule: "nems:6.5:provenance-agent", base: record, fn: func(d *doc) {
		a := d.res("Provenance").at("agent")
		a.remove("whoReference")
		a.appendTo("", `<whoUri value="https://example.nhs.uk/agent"/>`)
	}},
	{rule: "nems:6.5:no-other-resources", base: record, fn: add(`<Organization><identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="X26"/></identifier><name value="NHS Digital"/></Organization>`)},

	// 6.6 Professional Contacts.
	{rule: "nems:6.6:focus", base: pc, fn: func(d *doc) { d.res("MessageHeader").set("focus/reference", d.url("Patient")) }},
	{rule: "nems:6.6:episode-count", base: pc, fn: dup("EpisodeOfCare", 0)},
	{rule: "nems:6.6:episode-identifier", base: pc, fn: rm("EpisodeOfCare", "identifier")},
	{rule: "nems:6.6:episode-type", base: pc, fn: set("EpisodeOfCare", "type/coding/system", "https://example.nhs.uk/service-type")},
	{rule: "nems:6.6:episode-managing-organization", base: pc, fn: rm("EpisodeOfCare", "managingOrganization")},
	{rule: "nems:6.6:episode-team", also: "fhir:reference-type", why: "any team that is not a CareTeam is also the wrong target type for EpisodeOfCare.team in STU3", base: pc, fn: func(d *doc) {
		d.res("EpisodeOfCare").after("period", `<team>`+ref(d.url("Organization"))+`</team>`)
	}},
	{rule: "nems:6.6:managing-organization-telecom", base: pc, fn: rm("Organization", "telecom")},
	{rule: "nems:6.6:organization-count", base: pc, fn: func(d *doc) {
		url := d.url("Organization")
		d.dropEntry("Organization", 0)
		repoint(d, url, odsAPI+"X26")
	}},
	{rule: "nems:6.6:organization-identifier", also: "nems:G23", why: "G23 (warning) asks every Organization for an ODS identifier too", base: vacc, fn: rm("Organization", "identifier")},
	{rule: "nems:6.6:organization-name", base: vacc, fn: rm("Organization", "name")},
	{rule: "nems:6.6:patient-count", base: pc, fn: dup("Patient", 0)},

	// 6.7 Vaccinations.
	{rule: "nems:6.7:focus", base: vacc, fn: func(d *doc) { d.res("MessageHeader").set("focus/reference", d.url("Patient")) }},
	{rule: "nems:6.7:immunization-count", base: vacc, fn: dup("Immunization", 0)},
	{rule: "nems:6.7:vaccination-procedure", base: vacc, fn: rm("Immunization", "extension")},
	{rule: "nems:6.7:immunization-identifier", base: vacc, fn: rm("Immunization", "identifier")},
	{rule: "nems:6.7:immunization-notgiven", also: "fhir:cardinality", why: "Immunization.notGiven is 1..1 in STU3", base: vacc, fn: rm("Immunization", "notGiven")},
	{rule: "nems:6.7:immunization-vaccinecode", also: "fhir:cardinality", why: "Immunization.vaccineCode is 1..1 in STU3", base: vacc, fn: rm("Immunization", "vaccineCode")},
	{rule: "nems:6.7:immunization-date", base: vacc, fn: rm("Immunization", "date")},
	{rule: "nems:6.7:immunization-primarysource", also: "fhir:cardinality", why: "Immunization.primarySource is 1..1 in STU3", base: vacc, fn: rm("Immunization", "primarySource")},
	{rule: "nems:6.7:reason-not-given", base: vacc, fn: set("Immunization", "notGiven", "true")},
	{rule: "nems:6.7:practitionerrole-organization", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: vacc, fn: withPractitioner(roleVacc, "organization")},
	{rule: "nems:6.7:practitionerrole-practitioner", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: vacc, fn: withPractitioner(roleVacc, "practitioner")},
	{rule: "nems:6.7:practitionerrole-code", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: vacc, fn: withPractitioner(roleVacc, "code")},
	{rule: "nems:6.7:practitionerrole-specialty", base: vacc, fn: withPractitioner(roleVacc, "specialty")},
	{rule: "nems:6.7:encounter-count", base: vacc, fn: add(encVacc, encVacc)},
	{rule: "nems:6.7:encounter-type", base: vacc, fn: add(strings.Replace(encVacc, `<type><text value="Vaccination"/></type>`, "", 1))},
	{rule: "nems:6.7:encounter-subject", base: vacc, fn: add(strings.Replace(encVacc, `<subject><reference value="{patient}"/></subject>`, "", 1))},
	{rule: "nems:6.7:healthcareservice-count", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: vacc, fn: add(hsVacc, hsVacc)},
	{rule: "nems:6.7:healthcareservice-provided-by", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: vacc, fn: add(strings.Replace(hsVacc, `<providedBy><reference value="{org}"/></providedBy>`, "", 1))},
	{rule: "nems:6.7:healthcareservice-type", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: vacc, fn: add(strings.Replace(hsVacc, `<type><text value="Vaccination clinic"/></type>`, "", 1))},
	{rule: "nems:6.7:healthcareservice-specialty", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: vacc, fn: add(strings.Replace(hsVacc, "STU3/CodeSystem/Specialty-1", "STU3/CodeSystem/DCH-Specialty-1", 1))},

	// 6.8 shared screening rules, on a blood spot outcome unless noted.
	{rule: "nems:6.8:lifecycle", base: spot, fn: func(d *doc) {
		c := d.res("MessageHeader").at(extLifecycle + "/valueCodeableConcept/coding")
		c.set("code", "update")
		c.set("display", "Update event message")
	}},
	{rule: "nems:6.8:focus", base: spot, fn: func(d *doc) { d.res("MessageHeader").set("focus/reference", d.url("Patient")) }},
	{rule: "nems:6.8:encounter-count", base: spot, fn: dup("Encounter", 0)},
	{rule: "nems:6.8:encounter-identifier", base: spot, fn: rm("Encounter", "identifier")},
	{rule: "nems:6.8:encounter-type", base: spot, fn: set("Encounter", "type/coding/system", "https://example.nhs.uk/encounter-type")},
	{rule: "nems:6.8:encounter-type-code", base: spot, fn: set("Encounter", "type/coding/code", "999")},
	{rule: "nems:6.8:encounter-service-provider", base: spot, fn: rm("Encounter", "serviceProvider")},
	{rule: "nems:6.8:encounter-subject", base: spot, fn: rm("Encounter", "subject")},
	{rule: "nems:6.8:encounter-period-start", base: hear, fn: rm("Encounter", "period")},
	{rule: "nems:6.8:organization-count", base: spot, fn: add(`<Organization><identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="Y01"/></identifier><name value="A"/></Organization>`)},
	{rule: "nems:6.8:organization-count-delete", base: spotDel, fn: add(`<Organization><identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="Y01"/></identifier><name value="A"/></Organization>`)},
	{rule: "nems:6.8:organization-identifier", also: "nems:G23", why: "G23 (warning) asks every Organization for an ODS identifier too", base: spot, fn: rm("Organization", "identifier")},
	{rule: "nems:6.8:organization-name", base: spot, fn: rm("Organization", "name")},
	{rule: "nems:6.8:patient-count", base: spot, fn: dup("Patient", 0)},
	{rule: "nems:6.8:patient-count-delete", base: spotDel, fn: dup("Patient", 0)},
	{rule: "nems:6.8:healthcareservice-count", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: spot, fn: add(hsScreen, hsScreen)},
	{rule: "nems:6.8:healthcareservice-provided-by", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: spot, fn: add(strings.Replace(hsScreen, `<providedBy><reference value="{org}"/></providedBy>`, "", 1))},
	{rule: "nems:6.8:healthcareservice-type", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: spot, fn: add(strings.Replace(hsScreen, `<type><text value="Screening"/></type>`, "", 1))},
	{rule: "nems:6.8:healthcareservice-specialty", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: spot, fn: add(strings.Replace(hsScreen, "DCH-Specialty-1", "Specialty-1", 1))},
	{rule: "nems:6.8:location-count", base: spot, fn: add(location, location)},
	{rule: "nems:6.8:communication-count", base: spot, fn: add(strings.Replace(commScreen, "CAT", "007", 1), strings.Replace(commScreen, "CAT", "007", 1))},
	{rule: "nems:6.8:communication-status", base: spot, fn: add(strings.Replace(strings.Replace(commScreen, "CAT", "007", 1), "completed", "in-progress", 1))},
	{rule: "nems:6.8:communication-sender", base: spot, fn: add(strings.Replace(strings.Replace(commScreen, "CAT", "007", 1), `<sender><reference value="{org}"/></sender>`, "", 1))},
	{rule: "nems:6.8:communication-subject", base: spot, fn: add(strings.Replace(strings.Replace(commScreen, "CAT", "007", 1), `<subject><reference value="{patient}"/></subject>`, "", 1))},
	{rule: "nems:6.9:communication-category", base: spot, fn: add(strings.Replace(commScreen, "CAT", "008", 1))},
	{rule: "nems:6.10:communication-category", base: hear, fn: add(strings.Replace(commScreen, "CAT", "007", 1))},
	{rule: "nems:6.11:communication-category", base: nipe, fn: add(strings.Replace(commScreen, "CAT", "007", 1))},
	{rule: "nems:6.8:procedure-outcome", base: spot, fn: add(procedure(pku, pkuD, "", true))},
	{rule: "nems:6.8:procedure-subject", also: "fhir:cardinality", why: "Procedure.subject is 1..1 in STU3", base: spot, fn: add(strings.Replace(procedure(pku, pkuD, "1085431000000105", true), `<subject><reference value="{patient}"/></subject>`, "", 1))},
	{rule: "nems:6.8:practitionerrole-organization", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: hear, fn: withPractitioner(roleScreen, "organization")},
	{rule: "nems:6.8:practitionerrole-practitioner", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: hear, fn: withPractitioner(roleScreen, "practitioner")},

	// 6.9 Blood Spot Test Outcome.
	{rule: "nems:6.9:diagnosticreport-count", base: spot, fn: dropEntry("DiagnosticReport", 0)},
	{rule: "nems:6.9:diagnosticreport-count-delete", base: spotDel, fn: dup("DiagnosticReport", 0)},
	{rule: "nems:6.9:diagnosticreport-subject", base: spot, fn: rm("DiagnosticReport", "subject")},
	{rule: "nems:6.9:diagnosticreport-issued", base: spot, fn: rm("DiagnosticReport", "issued")},
	{rule: "nems:6.9:procedure-count", also: "nems:6.9:procedure-per-condition", why: "twelve procedures cannot cover eleven conditions once each", base: spot, fn: func(d *doc) {
		for i := 0; i < 12; i++ {
			d.addEntry(fill(d, procedure(pku, pkuD, "1085431000000105", true)))
		}
	}},
	{rule: "nems:6.9:procedure-code", base: spot, fn: add(procedure(pku, "PKU test", "1085431000000105", true))},

	// 6.10 Newborn Hearing.
	{rule: "nems:6.10:procedure-count", also: "nems:6.10:aoae-count", why: "seven hearing procedures cannot all be valid: at most 2 AABR and 4 AOAE, so the seventh breaks a per-test count (or the code rule)", base: hear, fn: func(d *doc) {
		for i := 0; i < 7; i++ {
			code, disp, out := aoae, aoaD, "1085491000000106"
			if i < 2 {
				code, disp, out = aabr, aabD, "1085431000000105"
			}
			d.addEntry(fill(d, procedure(code, disp, out, true)))
		}
	}},
	{rule: "nems:6.10:aabr-count", base: hear, fn: add(procedure(aabr, aabD, "1085431000000105", true), procedure(aabr, aabD, "1085431000000105", true), procedure(aabr, aabD, "1085431000000105", true))},
	{rule: "nems:6.10:aoae-count", base: hear, fn: func(d *doc) {
		for i := 0; i < 5; i++ {
			d.addEntry(fill(d, procedure(aoae, aoaD, "1085491000000106", true)))
		}
	}},
	{rule: "nems:6.10:procedure-code", base: hear, fn: add(procedure(aabr, "AABR", "1085431000000105", true))},
	{rule: "nems:6.10:procedure-performed", base: hear, fn: add(procedure(aabr, aabD, "1085431000000105", false))},
	{rule: "nems:6.10:aabr-outcome", base: hear, fn: add(procedure(aabr, aabD, "1085491000000106", true))},
	{rule: "nems:6.10:aoae-outcome", base: hear, fn: add(procedure(aoae, aoaD, "1085431000000105", true))},
	{rule: "nems:6.10:observation-count", base: hear, fn: dropEntry("Observation", 0)},
	{rule: "nems:6.10:observation-count-delete", base: hearDel, fn: dup("Observation", 0)},
	{rule: "nems:6.10:observation-value", base: hear, fn: rm("Observation", "valueCodeableConcept")},
	{rule: "nems:6.10:observation-effective", base: hear, fn: rm("Observation", "effectiveDateTime")},
	{rule: "nems:6.10:practitioner-count", base: hear, fn: add(practitioner, practitioner)},
	{rule: "nems:6.10:practitionerrole-count", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: hear, fn: func(d *doc) {
		pr := d.addEntry(practitioner)
		d.addEntry(fill(d, roleScreen(pr, "")))
		d.addEntry(fill(d, roleScreen(pr, "")))
	}},

	// 6.11 NIPE Outcome.
	{rule: "nems:6.11:practitioner-count", base: nipe, fn: dropEntry("Practitioner", 0)},
	{rule: "nems:6.11:practitioner-count-delete", base: nipeDel, fn: add(practitioner)},
	{rule: "nems:6.11:procedure-count", base: nipe, fn: dropEntry("Procedure", 0)},
	{rule: "nems:6.11:procedure-count-delete", also: "nems:6.11:procedure-per-examination", why: "a fifth procedure repeats one of the four examinations", base: nipeDel, fn: dup("Procedure", 0)},
	{rule: "nems:6.11:procedure-code", base: nipe, fn: setN("Procedure", 0, "code/coding/display", "Hip check")},
	{rule: "nems:6.11:bcg-count", base: nipe, fn: add(bcg("bcg-eligibility", "Eligibility for BCG", "eligible-for-bcg", "Eligible for BCG"), bcg("bcg-eligibility", "Eligibility for BCG", "eligible-for-bcg", "Eligible for BCG"))},
	{rule: "nems:6.11:bcg-code", base: nipe, fn: add(bcg("bcg-eligibility", "BCG", "eligible-for-bcg", "Eligible for BCG"))},
	{rule: "nems:6.11:bcg-value", base: nipe, fn: add(bcg("bcg-eligibility", "Eligibility for BCG", "eligible", "Eligible for BCG"))},
	{rule: "nems:6.11:practitionerrole-specialty", base: nipe, fn: func(d *doc) {
		d.addEntry(fill(d, roleScreen(d.url("Practitioner"), "specialty")))
	}},

	// Rows of the guide the traceability matrix found unenforced
	// (profiles/traceability.tsv).
	{rule: "nems:5.1:messageheader-count", also: "fhir:cardinality nems:G06:system nems:G06:display nems:G07 nems:G08 nems:G11 nems:G12 nems:G13 nems:G15 nems:G16 nems:G18", why: "the second MessageHeader is a bare one: STU3 cardinality and every per-header rule report what it lacks", base: vacc, fn: add(`<MessageHeader><event><code value="vaccinations-1"/></event><source><endpoint value="urn:nhs:addressing:asid:123456789012"/></source></MessageHeader>`)},
	{rule: "nems:5.2:focus-reference", base: vacc, fn: func(d *doc) {
		f := d.res("MessageHeader").at("focus")
		f.remove("reference")
		f.appendTo("", `<display value="the vaccination"/>`)
	}},
	{rule: "nems:5.2:contact-consistency", base: vacc, fn: set("MessageHeader", "source/contact/system", "phone")},
	{rule: "nems:5.2:sender-target", base: vacc, fn: func(d *doc) {
		d.res("MessageHeader").before("timestamp", `<sender>`+ref(d.addEntry(practitioner))+`</sender>`)
	}},
	{rule: "nems:5.3:value-type", base: vacc, fn: func(d *doc) {
		e := d.res("MessageHeader").at(extRouting + "/extension[url=nhsNumber]")
		v := e.at("valueIdentifier/value").attr("value")
		e.remove("valueIdentifier")
		e.appendTo("", `<valueString value="`+v+`"/>`)
	}},
	{rule: "nems:5.4:coding-count", base: vacc, fn: func(d *doc) {
		d.res("MessageHeader").at(extLifecycle+"/valueCodeableConcept").appendTo("", coding("https://fhir.nhs.uk/STU3/CodeSystem/MessageEventType-1", "update", "Update event message"))
	}},
	{rule: "nems:5.4:absent-elements", base: vacc, fn: func(d *doc) {
		d.res("MessageHeader").at(extLifecycle+"/valueCodeableConcept").appendTo("", `<text value="new"/>`)
	}},
	{rule: "nems:6.0:communication-sender", base: address, fn: func(d *doc) { d.res("Communication").set("sender/reference", d.url("Patient")) }},
	{rule: "nems:6.1:routing-parts", base: birth, fn: func(d *doc) {
		e := d.res("MessageHeader").at(extRouting)
		e.appendTo("", `<extension url="nhsNumber"><valueIdentifier><system value="https://fhir.nhs.uk/Id/nhs-number"/><value value="`+e.at("extension[url=nhsNumber]/valueIdentifier/value").attr("value")+`"/></valueIdentifier></extension>`)
	}},
	{rule: "nems:6.2:address-city", base: address, fn: func(d *doc) { d.res("Patient").at("address").before("postalCode", `<city value="Leeds"/>`) }},
	{rule: "nems:6.4:deceased-form", base: death, fn: func(d *doc) {
		p := d.res("Patient")
		code := p.at("extension/extension[url=deathNotificationStatus]/valueCodeableConcept/coding/code")
		if code.attr("value") == "U" {
			code.setAttr("value", "1")
		} else {
			p.remove("deceasedDateTime")
		}
		p.after("birthDate", `<deceasedBoolean value="true"/>`)
	}},
	{rule: "nems:6.5:provenance-target-patient", base: record, fn: func(d *doc) { d.res("Provenance").set("target/reference", d.url("Provenance")) }},
	{rule: "nems:6.5:agent-who", base: record, fn: func(d *doc) { d.res("Provenance").set("agent/whoReference/reference", d.addEntry(practitioner)) }},
	{rule: "nems:6.6:careteam-subject", base: pc, fn: func(d *doc) {
		g := d.addEntry(`<Group><type value="person"/><actual value="true"/></Group>`)
		d.addEntry(`<CareTeam><subject><reference value="` + g + `"/></subject></CareTeam>`)
	}},
	{rule: "nems:6.7:vaccination-procedure-snomed", base: vacc, fn: set("Immunization", "extension/valueCodeableConcept/coding/system", "http://read.info/ctv3")},
	{rule: "nems:6.9:procedure-code-system", also: "nems:6.8:procedure-outcome", why: "the Read-coded procedure's outcome is Read-coded as well", base: spot, fn: func(d *doc) {
		d.addEntry(fill(d, strings.ReplaceAll(procedure(pku, pkuD, "1085431000000105", true), sct, "http://read.info/ctv3")))
	}},
	{rule: "nems:6.10:procedure-code-system", base: hear, fn: func(d *doc) {
		d.addEntry(fill(d, strings.Replace(procedure(aabr, aabD, "1085431000000105", true), sct, "http://read.info/ctv3", 1)))
	}},
	{rule: "nems:6.11:procedure-code-system", base: nipe, fn: setN("Procedure", 0, "code/coding/system", "http://read.info/ctv3")},
	{rule: "nems:6.9:procedure-per-condition", base: spot, fn: add(procedure(pku, pkuD, "1085431000000105", true), procedure(pku, pkuD, "1085431000000105", true))},
	{rule: "nems:6.11:procedure-per-examination", base: nipe, fn: dup("Procedure", 0)},
	{rule: "nems:6.10:practitionerrole-code", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: hear, fn: func(d *doc) {
		d.addEntry(fill(d, roleScreen(d.addEntry(practitioner), "code")))
	}},
	{rule: "nems:6.11:key-worker", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: nipe, fn: func(d *doc) {
		d.addEntry(fill(d, strings.Replace(roleScreen(d.url("Practitioner"), ""), "<specialty>", `<code>`+coding("https://fhir.nhs.uk/STU3/CodeSystem/DCH-KeyWorkerStatus-1", "notKeyWorker", "")+`</code><specialty>`, 1)))
	}},
	{rule: "nems:6.10:observation-subject", base: hear, fn: rm("Observation", "subject")},

	{rule: "nems:6.1:mother-limits", base: birth, fn: func(d *doc) {
		gp := `<generalPractitioner><reference value="` + odsAPI + `A81001"/></generalPractitioner>`
		birthPatient(d, true).before("link", gp+gp)
	}},
	{rule: "nems:6.1:baby-limits", base: birth, fn: func(d *doc) {
		bp := `<extension url="http://hl7.org/fhir/StructureDefinition/birthPlace"><valueAddress><city value="Leeds"/></valueAddress></extension>`
		birthPatient(d, false).before("identifier", bp+bp)
	}},
	{rule: "nems:6.1:delivery-place-type", base: birth, fn: func(d *doc) {
		org := d.addEntry(`<Organization><identifier><system value="https://fhir.nhs.uk/Id/ods-organization-code"/><value value="RR8"/></identifier><type>` + coding("https://fhir.nhs.uk/STU3/CodeSystem/EMS-PDS-DeliveryPlaceType-1", "11", "") + `</type><name value="Leeds General Infirmary"/></Organization>`)
		d.addEntry(fill(d, strings.Replace(episodeBirth("delivery-place"), "{org}", org, 1)))
	}},
	{rule: "nems:6.8:encounter-location", base: hear, fn: func(d *doc) {
		loc := `<location><location><display value="Maternity ward"/></location></location>`
		d.res("Encounter").before("serviceProvider", loc+loc)
	}},
	{rule: "nems:6.11:bcg-subject", base: nipe, fn: add(strings.Replace(bcg("bcg-eligibility", "Eligibility for BCG", "eligible-for-bcg", "Eligible for BCG"), `<subject><reference value="{patient}"/></subject>`, "", 1))},

	{rule: "nems:6.1:indicator-value", base: birth, fn: func(d *doc) { observationCoded(d, "237364002").remove("valueCodeableConcept") }},
	{rule: "nems:6.7:encounter-location", base: vacc, fn: func(d *doc) {
		loc := `<location><location><display value="Clinic room 2"/></location></location>`
		d.addEntry(fill(d, strings.Replace(encVacc, "</Encounter>", loc+loc+"</Encounter>", 1)))
	}},
	{rule: "nems:6.8:communication-category-present", base: spot, fn: add(strings.Replace(commScreen, `<category><coding><system value="https://fhir.nhs.uk/STU3/CodeSystem/DCH-ProfessionalCommentType-1"/><code value="CAT"/></coding></category>`, "", 1))},
	{rule: "nems:6.11:practitionerrole-specialty-system", also: "fhir:binding", why: "the added resource's NHS specialty code is outside the STU3 value set its element is bound to with strength preferred (information)", base: nipe, fn: func(d *doc) {
		d.addEntry(fill(d, strings.Replace(roleScreen(d.url("Practitioner"), ""), "https://fhir.nhs.uk/STU3/CodeSystem/DCH-Specialty-1", "https://fhir.nhs.uk/STU3/CodeSystem/Specialty-1", 1)))
	}},

	{rule: "nems:6.0:patient-count", base: gp, fn: dup("Patient", 0)},
	{rule: "nems:6.1:patient-count", base: birth, fn: dup("Patient", 0)},

	// 7.2 EMS-Subscription-1.
	{rule: "nems:sub:id-on-create", base: explicit, fn: func(d *doc) { d.root.before("meta", `<id value="sub-1"/>`) }},
	{rule: "nems:sub:meta-on-create", base: explicit, fn: func(d *doc) { d.root.before("meta/profile", `<versionId value="1"/>`) }},
	{rule: "nems:sub:status", base: explicit, fn: set("Subscription", "status", "active")},
	{rule: "nems:sub:contact-count", base: explicit, fn: rm("Subscription", "contact")},
	{rule: "nems:sub:contact-system", base: explicit, fn: set("Subscription", "contact/system", "other")},
	{rule: "nems:sub:contact-use", base: explicit, fn: set("Subscription", "contact/use", "home")},
	{rule: "nems:sub:contact-value", base: explicit, fn: set("Subscription", "contact/value", "https://example.nhs.uk/Organization/F26568")},
	{rule: "nems:sub:contact-value-count", base: explicit, fn: rm("Subscription", "contact/value")},
	{rule: "nems:sub:contact-ods", base: explicit, fn: set("Subscription", "contact/value", odsAPI+"f26568")},
	{rule: "nems:sub:reason", also: "fhir:cardinality", why: "Subscription.reason is 1..1 in STU3", base: explicit, fn: rm("Subscription", "reason")},
	{rule: "nems:sub:criteria", also: "fhir:cardinality", why: "Subscription.criteria is 1..1 in STU3", base: explicit, fn: rm("Subscription", "criteria")},
	{rule: "nems:sub:error", base: explicit, fn: func(d *doc) { d.root.after("criteria", `<error value="delivery failed"/>`) }},
	{rule: "nems:sub:channel-type", base: explicit, fn: set("Subscription", "channel/type", "rest-hook")},
	{rule: "nems:sub:channel-endpoint", base: explicit, fn: rm("Subscription", "channel/endpoint")},
	{rule: "nems:sub:tag", base: explicit, fn: func(d *doc) { d.root.after("channel", `<tag><code value="site-1"/></tag>`) }},
	{rule: "nems:sub:contained", also: "fhir:invariant:dom-3", why: "a contained resource must be referenced from the Subscription (dom-3), and no Subscription element can reference an Organization", base: explicit, fn: func(d *doc) {
		d.root.after("meta", `<contained><Organization><id value="o1"/><name value="Riverside"/></Organization></contained>`)
	}},

	// 7.3 criteria grammar, reached through nems:sub:criteria-grammar.
	{rule: "criteria:too-long", base: explicit, fn: crit(critE + "&tag=" + strings.Repeat("a", 8200))},
	{rule: "criteria:empty", also: "fhir:datatype", why: "an empty value attribute is not a valid FHIR string (STU3 primitives need a value or extensions)", base: explicit, fn: crit("")},
	{rule: "criteria:invalid-utf8", also: "criteria:percent-encoded", why: "invalid UTF-8 can only reach the criteria percent-encoded (XML and JSON text are UTF-8), and percent-encoding is itself noted", base: explicit, fn: crit(critE + "&tag=%FF")},
	{rule: "criteria:whitespace", base: explicit, fn: crit(critE + " ")},
	{rule: "criteria:syntax", base: explicit, fn: crit("type=message")},
	{rule: "criteria:path", base: explicit, fn: crit(strings.Replace(critE, "/Bundle?", "/Patient?", 1))},
	{rule: "criteria:empty-component", base: explicit, fn: crit(strings.Replace(critE, "&serviceType", "&&serviceType", 1))},
	{rule: "criteria:xml-escaped-ampersand", base: explicit, fn: crit(strings.Replace(critE, "&serviceType", "&amp;serviceType", 1))},
	{rule: "criteria:percent-encoding", base: explicit, fn: crit(critE + "&tag=a%G1")},
	{rule: "criteria:percent-encoded", base: explicit, fn: crit(strings.Replace(critE, "serviceType=GP", "serviceType=G%50", 1))},
	{rule: "criteria:unknown-component", base: explicit, fn: crit(critE + "&Patient.gender=female")},
	{rule: "criteria:format-parameter", base: explicit, fn: crit(critE + "&_format=xml")},
	{rule: "criteria:modifier", base: explicit, fn: crit(strings.Replace(critE, "MessageHeader.event=", "MessageHeader.event:exact=", 1))},
	{rule: "criteria:duplicate-component", base: explicit, fn: crit(critE + "&serviceType=CHO")},
	{rule: "criteria:empty-value", base: explicit, fn: crit(critE + "&tag=")},
	{rule: "criteria:type-missing", base: explicit, fn: crit(strings.Replace(critE, "type=message&", "", 1))},
	{rule: "criteria:type-value", base: explicit, fn: crit(strings.Replace(critE, "type=message", "type=collection", 1))},
	{rule: "criteria:type-not-first", base: explicit, fn: crit("/Bundle?serviceType=GP&type=message&Patient.identifier=http://fhir.nhs.net/Id/nhs-number|9993778133&MessageHeader.event=vaccinations-1")},
	{rule: "criteria:kind-missing", base: explicit, fn: crit("/Bundle?type=message&serviceType=GP&MessageHeader.event=vaccinations-1")},
	{rule: "criteria:kind-conflict", base: explicit, fn: crit(critE + "&subscriptionRuleType=GP_GP_GP")},
	{rule: "criteria:component-not-allowed", base: explicit, fn: crit(critE + "&Organization.identifier=X69174")},
	{rule: "criteria:service-type", base: explicit, fn: crit(strings.Replace(critE, "serviceType=GP", "serviceType=DENTIST", 1))},
	{rule: "criteria:nhs-number-system", base: explicit, fn: crit(strings.Replace(critE, "http://fhir.nhs.net/Id/nhs-number|", "https://fhir.nhs.uk/Id/nhs-number|", 1))},
	{rule: "criteria:nhs-number-format", base: explicit, fn: crit(strings.Replace(critE, "|9993778133", "|999377813", 1))},
	{rule: "criteria:nhs-number-check-digit", base: explicit, fn: crit(strings.Replace(critE, "|9993778133", "|9993778134", 1))},
	{rule: "criteria:event-missing", base: explicit, fn: crit(strings.Replace(critE, "&MessageHeader.event=vaccinations-1", "", 1))},
	{rule: "criteria:event-cardinality", base: generic, fn: crit(critG + "&MessageHeader.event=pds-change-of-gp-1")},
	{rule: "criteria:event-duplicate", base: explicit, fn: crit(critE + "&MessageHeader.event=vaccinations-1")},
	{rule: "criteria:event-system", base: explicit, fn: crit(strings.Replace(critE, "event=vaccinations-1", "event=https://example.nhs.uk/EventType|vaccinations-1", 1))},
	{rule: "criteria:event-unknown", base: explicit, fn: crit(strings.Replace(critE, "event=vaccinations-1", "event=vaccinations-9", 1))},
	{rule: "criteria:event-unsupported", base: explicit, fn: crit(strings.Replace(critE, "event=vaccinations-1", "event=failsafe-message-gp-1", 1))},
	{rule: "criteria:event-legacy", base: explicit, fn: crit(strings.Replace(critE, "event=vaccinations-1", "event=PDS002", 1))},
	{rule: "criteria:age-format", base: explicit, fn: crit(critE + "&Patient.age=5")},
	{rule: "criteria:age-cardinality", base: explicit, fn: crit(critE + "&Patient.age=lt5&Patient.age=lt7")},
	{rule: "criteria:age-range", base: explicit, fn: crit(critE + "&Patient.age=gt10&Patient.age=lt5")},
	{rule: "criteria:gp-registration", base: generic, fn: crit(strings.Replace(strings.Replace(critG, "GP_GP_GP", "CHO_POSTCODE_CCG", 1), "X69174", "02V", 1) + "&GPRegistration=Sometimes")},
	{rule: "criteria:gp-registration-rule-type", base: generic, fn: crit(critG + "&GPRegistration=RegisteredOnly")},
	{rule: "criteria:rule-type", base: generic, fn: crit(strings.Replace(critG, "GP_GP_GP", "GP_ANYWHERE", 1))},
	{rule: "criteria:rule-type-missing", base: generic, fn: crit(strings.Replace(critG, "&subscriptionRuleType=GP_GP_GP", "", 1))},
	{rule: "criteria:organization-missing", base: generic, fn: crit(strings.Replace(critG, "&Organization.identifier=X69174", "", 1))},
	{rule: "criteria:organization-system", base: generic, fn: crit(strings.Replace(critG, "identifier=X69174", "identifier=https://example.nhs.uk/Id/org|X69174", 1))},
	{rule: "criteria:ods-code-format", base: generic, fn: crit(strings.Replace(critG, "X69174", "x-69174", 1))},
	{rule: "criteria:ods-code-length", base: generic, fn: crit(strings.Replace(critG, "X69174", "X691741234", 1))},
	{rule: "criteria:country-code", base: generic, fn: crit(strings.Replace(strings.Replace(critG, "GP_GP_GP", "COUNTRYCODE", 1), "X69174", "E92000099", 1))},
	{rule: "criteria:tag-charset", base: explicit, fn: crit(critE + "&tag=site*1")},
	{rule: "criteria:tag-length", base: explicit, fn: crit(critE + "&tag=" + strings.Repeat("a", 101))},
	{rule: "criteria:tag-pipe", base: explicit, fn: crit(critE + "&tag=site|1")},
}

var exceptions = []exception{
	{"nems:5.2:enterer-target", "restates fhir:reference-type: STU3 types MessageHeader.enterer as a Practitioner reference, which is what the page asks, so the base issue on the same line always wins (profiles.RuleSet.Check alone reports it; profiles/newrules_test.go)"},
	{"nems:5.2:responsible-target", "restates fhir:reference-type: STU3 types MessageHeader.responsible as a Practitioner or Organization reference, which is what the page asks, so the base issue on the same line always wins (profiles.RuleSet.Check alone reports it; profiles/newrules_test.go)"},
	{"nems:G01", "an event message is recognised by its Bundle root (the kind validate detects), so with the kind detected from the payload a non-Bundle root is judged as a plain resource and G01 cannot apply; it fires only when the kind is forced (validate.Options.Kind, --kind event-message)"},
	{"nems:G04", "restates fhir:element-order: the validator keeps the base issue on the same line and drops the pack's, so through validate it never shows (the pack run without the base phases reports it)"},
	{"nems:G20", "restates fhir:datatype: every value the guide's regex refuses (year 0000 included) is also refused by the STU3 dateTime and instant patterns on the same line, which wins (the pack run without the base phases reports it)"},
	{"nems:G21:reference", "restates fhir:reference: a dangling urn:uuid reference is always reported by the base bundle phase on the same line, which wins (the pack run without the base phases reports it)"},
	{"nems:sub:criteria-grammar", "the criteria built-in reports its findings under their own criteria:* ids, each of which has a payload here; the pack rule's own id never appears in a result"},
	{"nems:G24", "message size over 3 MB: checked from the request (Input.Size); such a payload does not belong in the repository, and profiles tests cover the check"},
	{"nems:G25", "Content-Type of the publish request: a header, not part of a payload (nemsfhir request checks it)"},
	{"nems:4.2:deprecated", "the pack's list of deprecated event types is empty in guide 2.15.0: no event code can raise it"},
	{"nems:4.2:no-longer-supported", "the pack's list of no-longer-supported event types is empty in guide 2.15.0"},
	{"nems:4.2:withdrawn", "the pack's list of withdrawn event types is empty in guide 2.15.0"},
	{"criteria:event-deprecated", "no event type is deprecated in guide 2.15.0 (the list is empty)"},
	{"criteria:event-no-longer-supported", "no event type is no longer supported in guide 2.15.0 (the list is empty)"},
	{"criteria:event-withdrawn", "no event type is withdrawn in guide 2.15.0 (the list is empty)"},
}

// birthPatient returns the mother (the Patient with a link) or the baby of a
// birth notification.
func birthPatient(d *doc, mother bool) *node {
	for i := 0; ; i++ {
		p := d.res("Patient", i)
		if _, l := p.step("link"); (l != nil) == mother {
			return p
		}
	}
}

// observationCoded returns the first Observation coded with the SNOMED CT
// code given.
func observationCoded(d *doc, code string) *node {
	for i := 0; ; i++ {
		o := d.res("Observation", i)
		for _, c := range o.at("code").kids {
			if c.name == "coding" && c.at("code").attr("value") == code {
				return o
			}
		}
	}
}
