package profiles

import (
	"regexp"
	"strconv"
	"strings"
)

// The rules, the packs' "section" fields and the traceability matrix number
// their sources as the sections of the project's digest of the NEMS
// implementation guide (guide 2.15.0), a document kept outside the
// repository. guidePages names, for each of those sections, the pages of
// the NEMS guide itself (titles as the guide gives them) and the part of
// the page, so that a reader can find the rule in the guide.
var guidePages = map[string]string{
	"1.4":  `"Publish an Event Message" and "Create Subscription" pages: interactions, endpoints and InteractionIDs`,
	"1.5":  `"Supported Event Messages" page: the event table and publish InteractionIDs`,
	"1.6":  `"Generic Publication API Guidance" and "Generic Subscription API Requirements" pages: request headers`,
	"1.7":  `"Publish an Event Message" and "Create Subscription" pages: response codes`,
	"1.8":  `"Publish an Event Message" page: service-level rules (message size, NHS numbers)`,
	"2.1":  `"Generic Publication API Guidance" page, "NEMS Supported MIME-types"`,
	"2.2":  `"Generic Subscription API Requirements" page, supported MIME-types`,
	"2.3":  `Spine Core specification, error handling page: unsupported media types`,
	"3.1":  `"Generic Publication API Guidance" and "Generic Subscription API Requirements" pages, "JWT Claims"`,
	"3.2":  `Spine Core specification, JWT page`,
	"3.3":  `"Generic Publication API Guidance" and "Generic Subscription API Requirements" pages, JWT (points the guide leaves open)`,
	"4.1":  `Spine Core specification, error handling page: the Spine-OperationOutcome-1 shape`,
	"4.2":  `"Event Lifecycle and Deprecation" page`,
	"4.3":  `Spine-ErrorOrWarningCode-1 code system (Spine Core error handling)`,
	"4.4":  `"Publish an Event Message" page: errors the guide commits to`,
	"5":    `"Generic Event Message Requirements" page`,
	"5.1":  `"Generic Event Message Requirements" page: the Bundle (EMS-Bundle-1)`,
	"5.2":  `"Generic Event Message Requirements" page: the MessageHeader (Event-MessageHeader-1)`,
	"5.3":  `"Generic Event Message Requirements" page: Extension-RoutingDemographics-1`,
	"5.4":  `"Generic Event Message Requirements" page: Extension-MessageEventType-1`,
	"5.5":  `"Generic Event Message Requirements" page: the Patient (CareConnect-Patient-1)`,
	"5.6":  `"Generic Event Message Requirements" page: the Organization (CareConnect-Organization-1)`,
	"5.7":  `"Generic Event Message Requirements" page: identifiers of new, update and delete messages`,
	"5.8":  `"Generic Event Message Requirements" page: sequencing of event messages`,
	"5.9":  `"Generic Event Message Requirements" page: dateTime and instant values`,
	"5.10": `"Generic Event Message Requirements" page: element order`,
	"5.11": `"Generic Event Message Requirements" page: code systems and identifier systems`,
	"5.12": `"Generic Event Message Requirements" page`,
	"6":    `the event message pages`,
	"6.0":  `the event message pages of the four PDS communication events (Birth Notification, Change of Address, Change of GP, Death Notification): their shared parts`,
	"6.1":  `"PDS Birth Notification" event message page`,
	"6.2":  `"PDS Change of Address" event message page`,
	"6.3":  `"PDS Change of GP" event message page`,
	"6.4":  `"PDS Death Notification" event message page`,
	"6.5":  `"PDS Record Change" event message page`,
	"6.6":  `"Professional Contacts" event message page`,
	"6.7":  `"Vaccinations" event message page`,
	"6.8":  `the event message pages of the three screening events (Blood Spot Test Outcome, Newborn Hearing, NIPE Outcome): their shared rules`,
	"6.9":  `"Blood Spot Test Outcome" event message page`,
	"6.10": `"Newborn Hearing" event message page`,
	"6.11": `"NIPE Outcome" event message page`,
	"6.12": `"Supported Event Messages" page: event types that are not supported`,
	"7":    `"Create Subscription" page`,
	"7.1":  `"Create Subscription" page: kinds of subscription`,
	"7.2":  `"Create Subscription" page: the Subscription resource (EMS-Subscription-1)`,
	"7.3":  `"Create Subscription" page: the criteria`,
	"7.4":  `"Create Subscription" page: responses`,
	"7.5":  `"Read Subscription" page`,
	"7.6":  `"Delete Subscription" page`,
	"7.7":  `"Generic Subscription API Requirements" page, "Updating a Subscription"`,
	"8.1":  `"Generic Publication API Guidance" page, "NHS Numbers"`,
	"8.2":  `ODS codes as the guide's pages and examples use them`,
	"8.3":  `Spine Core specification, endpoint registration: ASIDs`,
}

var guideSectionRE = regexp.MustCompile(`^\d+(\.\d+)?`)

// GuideSource names the pages of the NEMS guide behind a rule's section
// field ("6.1", "5.12 G22; 5.5", "6.9-6.11"): each section named, in order,
// without repeats; "" when none is known.
func GuideSource(section string) string {
	var out []string
	seen := map[string]bool{}
	add := func(sec string) {
		name, ok := guidePages[sec]
		if !ok {
			// "6" for a section of chapter 6 the table lacks.
			name, ok = guidePages[strings.SplitN(sec, ".", 2)[0]]
		}
		if ok && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, part := range strings.Split(section, ";") {
		part = strings.TrimSpace(part)
		ends := strings.SplitN(part, "-", 2)
		from := guideSectionRE.FindString(strings.TrimSpace(ends[0]))
		if from == "" {
			continue
		}
		add(from)
		if len(ends) < 2 {
			continue
		}
		// A range of one chapter, "6.9-6.11", names every section in it.
		to := guideSectionRE.FindString(strings.TrimSpace(ends[1]))
		fc, fs, _ := strings.Cut(from, ".")
		tc, ts, _ := strings.Cut(to, ".")
		a, errA := strconv.Atoi(fs)
		z, errZ := strconv.Atoi(ts)
		if fc == tc && errA == nil && errZ == nil && z-a <= 20 {
			for n := a + 1; n <= z; n++ {
				add(fc + "." + strconv.Itoa(n))
			}
		} else if to != "" {
			add(to)
		}
	}
	// A page named bare and also with one of its parts is named once.
	kept := out[:0]
	for _, name := range out {
		narrower := false
		for _, other := range out {
			if strings.HasPrefix(other, name+":") {
				narrower = true
			}
		}
		if !narrower {
			kept = append(kept, name)
		}
	}
	return strings.Join(kept, "; ")
}
