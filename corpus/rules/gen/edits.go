package main

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

const (
	vacc   = "vaccinations-1-new"
	sysNHS = "https://fhir.nhs.uk/Id/nhs-number"
	sysODS = "https://fhir.nhs.uk/Id/ods-organization-code"
)

var edits = []edit{
	{rule: "nems:G12", base: vacc, fn: func(d *doc) { d.res("MessageHeader").remove("source/name") }},
	{rule: "nems:G11", base: vacc, fn: func(d *doc) { d.res("MessageHeader").remove("timestamp") }, also: "fhir:cardinality", why: "timestamp is 1..1 in STU3"},
}

var exceptions = []exception{
	{"nems:G24", "message size over 3 MB: checked from the request (Input.Size), and a payload of that size does not belong in the repository"},
}
