package nems

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// WorkflowIDs gives the MESH WorkflowID of each event type (spec 1.5).
var WorkflowIDs = map[string]string{
	"blood-spot-test-outcome-1": "BLOODSPOTTESTOUTCOME_1",
	"newborn-hearing-1":         "NEWBORNHEARING_1",
	"nipe-outcome-1":            "NIPEOUTCOME_1",
	"pds-birth-notification-1":  "BIRTHNOTIFICATION_1",
	"pds-change-of-address-1":   "CHANGEOFADDRESS_1",
	"pds-change-of-gp-1":        "CHANGEOFGP_1",
	"pds-death-notification-1":  "DEATHNOTIFICATION_1",
	"pds-record-change-1":       "PDSRECORDCHANGE_1",
	"professional-contacts-1":   "PROFESSIONALCONTACTS_1",
	"vaccinations-1":            "VACCINATIONS_1",
}

const routingDemographicsURL = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-RoutingDemographics-1"

// routing reads the patient NEMS routes on from the MessageHeader's
// routing demographics extension (spec 5.3): the NHS number and, for
// Patient.age, the birth date. Both are "" when absent.
func routing(bundle *tree.Node) (nhsNumber, birth string) {
	var header *tree.Node
	for _, e := range bundle.ChildrenNamed("entry") {
		if res := e.Child("resource"); res != nil && res.Type == "MessageHeader" {
			header = res
			break
		}
	}
	if header == nil {
		return "", ""
	}
	for _, ext := range header.ChildrenNamed("extension") {
		if childValue(ext, "url") != routingDemographicsURL {
			continue
		}
		for _, sub := range ext.ChildrenNamed("extension") {
			switch childValue(sub, "url") {
			case "nhsNumber":
				nhsNumber = childValue(sub, "valueIdentifier", "value")
			case "birthDateTime":
				birth = childValue(sub, "valueDateTime")
			}
		}
	}
	return nhsNumber, birth
}

// ageAt is the age in whole years on day at of someone born on birth (a
// FHIR date or dateTime); ok is false when birth cannot be read.
func ageAt(birth string, at time.Time) (int, bool) {
	if len(birth) < len("2006-01-02") {
		return 0, false
	}
	b, err := time.Parse("2006-01-02", birth[:10])
	if err != nil {
		return 0, false
	}
	age := at.Year() - b.Year()
	if at.Month() < b.Month() || at.Month() == b.Month() && at.Day() < b.Day() {
		age--
	}
	return age, age >= 0
}

// match is why a subscription did or did not match an event.
type match struct {
	sub    Subscription
	reason string // "" when it matched
}

// subject is a patient an event is about, as matching judges it.
type subject struct {
	rec PatientRecord
	// known says the directory (or the event) places the patient:
	// GPRegistration is judged only then.
	known bool
	// birth is the birth date Patient.age is judged on.
	birth string
}

// matches returns the subscriptions the event matches, each looked up by
// index: explicit ones by the routing NHS number and event type, generic
// ones by rule type, the organisation code the directory gives a subject
// of the event for that rule, and event type. The subjects of generic
// rules are the routing patient as the directory knows them, their record
// before a PDS event changed it (spec 6.2: movers in and out), and the
// baby of a birth notification (spec 6.1: a birth without the mother's
// NHS number reaches generic subscriptions only). A candidate matches when
// it is active, not ended, and the age and GP registration of a subject it
// was found by are those of its criteria. withheld is set when the
// directory flags the routing patient or the baby S or I: then nothing
// matches (spec 1.8).
func (s *Server) matches(ctx context.Context, eventType, nhsNumber, birth string, before *PatientRecord, baby *subject, now time.Time) (ms []match, withheld bool, err error) {
	var subjects []subject
	var routed subject
	if nhsNumber != "" {
		routed.rec, routed.known, err = s.opts.Directory.Lookup(ctx, nhsNumber)
		if err != nil {
			return nil, false, err
		}
		routed.birth = birth
		if routed.known {
			subjects = append(subjects, routed)
		}
		if before != nil {
			subjects = append(subjects, subject{rec: *before, known: true, birth: birth})
		}
	}
	if baby != nil {
		subjects = append(subjects, *baby)
	}
	for _, sj := range subjects {
		if sj.rec.Withheld() {
			return nil, true, nil
		}
	}
	if nhsNumber != "" {
		cands, err := s.opts.Store.ExplicitCandidates(ctx, nhsNumber, eventType)
		if err != nil {
			return nil, false, err
		}
		for _, sub := range cands {
			ms = append(ms, match{sub: sub, reason: s.mismatch(sub, routed, now)})
		}
	}
	// One index lookup per (rule, code); a candidate found for several
	// subjects matches when any of them does.
	type lookup struct {
		rule, code string
		subjects   []subject
	}
	var lookups []*lookup
	byKey := map[string]*lookup{}
	codes := make([]map[string]string, len(subjects))
	for i, sj := range subjects {
		if codes[i], err = s.opts.Directory.RuleCodes(ctx, sj.rec); err != nil {
			return nil, false, err
		}
	}
	for _, rule := range criteria.RuleTypes {
		for i, sj := range subjects {
			code, ok := codes[i][rule]
			if !ok {
				continue
			}
			l := byKey[rule+"|"+code]
			if l == nil {
				l = &lookup{rule: rule, code: code}
				byKey[rule+"|"+code] = l
				lookups = append(lookups, l)
			}
			l.subjects = append(l.subjects, sj)
		}
	}
	for _, l := range lookups {
		gen, err := s.opts.Store.GenericCandidates(ctx, l.rule, l.code, eventType)
		if err != nil {
			return nil, false, err
		}
		for _, sub := range gen {
			m := match{sub: sub}
			for i, sj := range l.subjects {
				r := s.mismatch(sub, sj, now)
				if r == "" {
					m.reason = ""
					break
				}
				if i == 0 {
					m.reason = r
				}
			}
			ms = append(ms, m)
		}
	}
	return ms, false, nil
}

// mismatch says why a candidate does not match for the subject, "" when it
// does.
func (s *Server) mismatch(sub Subscription, sj subject, now time.Time) string {
	if st := s.status(sub, now); st != "active" {
		return "subscription is " + st
	}
	crit, _ := criteria.Parse(sub.Criteria)
	if crit.Age.HasGT || crit.Age.HasLT {
		age, ok := ageAt(sj.birth, now)
		switch {
		case !ok:
			return "criteria has Patient.age but the message gives no readable birth date"
		case !crit.Age.Matches(age):
			return fmt.Sprintf("patient is %d, outside the criteria's Patient.age", age)
		}
	}
	switch crit.GPRegistration {
	case "":
	case "RegisteredOnly", "UnregisteredOnly":
		if !sj.known {
			return "criteria has GPRegistration but the patient is not in the directory"
		}
		if (sj.rec.GP != "") != (crit.GPRegistration == "RegisteredOnly") {
			return "patient's GP registration is not " + crit.GPRegistration
		}
	default:
		return fmt.Sprintf("GPRegistration %q is not understood", crit.GPRegistration)
	}
	return ""
}

// deliveries makes one delivery per mailbox among the matches, with
// Mex-Partnerid listing "id|tag" of each matched subscription that has a
// tag, in the order the subscriptions were created (spec 1.8).
func (s *Server) deliveries(ms []match, eventType string, now time.Time) []Delivery {
	var out []Delivery
	at := map[string]int{}
	for _, m := range ms {
		if m.reason != "" {
			continue
		}
		i, ok := at[m.sub.Mailbox]
		if !ok {
			i = len(out)
			at[m.sub.Mailbox] = i
			out = append(out, Delivery{ID: newMeshID(now), Mailbox: m.sub.Mailbox, From: s.opts.MeshFrom, WorkflowID: WorkflowIDs[eventType]})
		}
		if m.sub.Tag != "" {
			d := &out[i]
			if d.PartnerID != "" {
				d.PartnerID += "~~~"
			}
			d.PartnerID += m.sub.ID + "|" + m.sub.Tag
		}
	}
	return out
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request, resp *request.Response, body []byte, from string) {
	ct := headerValue(r.Header, request.HeaderContentType)
	if ct == "" {
		ct = resp.MediaType.String()
	}
	if _, err := s.accept(r.Context(), resp.Result.EventType, body, ct, from); err != nil {
		s.storeFailed(w, r, resp.MediaType, err)
		return
	}
	writeResponse(w, resp, nil)
}

// accept matches a valid event message, applies a PDS event to the
// directory, and stores the event with one delivery per matched mailbox.
func (s *Server) accept(ctx context.Context, eventType string, body []byte, contentType, from string) (Event, error) {
	if _, ok := WorkflowIDs[eventType]; !ok {
		// The checks refuse event types NEMS does not take; reaching
		// here would be a bug, so say so rather than drop the event.
		return Event{}, fmt.Errorf("accepted event of type %q has no WorkflowID", eventType)
	}
	root, err := parseResource(body, "xml")
	if err != nil {
		return Event{}, fmt.Errorf("accepted event does not parse: %w", err)
	}
	now := s.opts.Now().UTC()
	nhsNumber, _ := routing(root)
	var before *PatientRecord
	if baby := babyOf(eventType, root); baby != nil {
		// The baby is new to PDS and joins the directory; the routing
		// patient is the mother, when known.
		if err := s.opts.Directory.Put(ctx, baby.rec); err != nil {
			return Event{}, err
		}
	} else if strings.HasPrefix(eventType, "pds-") && nhsNumber != "" {
		if before, err = s.applyPDS(ctx, eventType, root, nhsNumber); err != nil {
			return Event{}, err
		}
	}
	ev := Event{ID: newID(), EventType: eventType, NHSNumber: nhsNumber, FromASID: from, ContentType: contentType, Body: body, Received: now}
	// The event is durable, and claimed by this instance, before any
	// matching: if the instance dies now, another takes the claim over
	// when it expires (see Sweep).
	if err := s.opts.Store.QueueEvent(ctx, ev, before, s.instance, s.opts.Lease); err != nil {
		return Event{}, err
	}
	if _, err := s.deliver(ctx, &ev, root, before); err != nil {
		// Not answered 202: the outbox may still hold the event, and an
		// instance then delivers it once the claim expires, so the
		// outcome is unknown to the publisher, never a silent loss.
		return Event{}, fmt.Errorf("event %s queued, not delivered: %w", ev.ID, err)
	}
	return ev, nil
}
