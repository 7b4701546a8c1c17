package request

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/nhsid"
	"github.com/nemsfhir/nemsfhir/internal/spinejwt"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// publishCodes maps the EventType-1 codes that publishers may send to the
// event code of their publish InteractionID (spec 1.5). The PDS events are
// published by Spine itself and have none.
var publishCodes = map[string]string{
	"blood-spot-test-outcome-1": "Bloodspottestoutcome",
	"newborn-hearing-1":         "Newbornhearing",
	"nipe-outcome-1":            "Nipeoutcome",
	"professional-contacts-1":   "Professionalcontacts",
	"vaccinations-1":            "Vaccinations",
}

// pdsEvents are the supported event types that only Spine publishes.
var pdsEvents = map[string]bool{
	"pds-birth-notification-1": true,
	"pds-change-of-address-1":  true,
	"pds-change-of-gp-1":       true,
	"pds-death-notification-1": true,
	"pds-record-change-1":      true,
}

// PublishInteractionID returns the InteractionID a publisher sends with an
// event message of the given EventType-1 code (spec 1.5), e.g.
// "urn:nhs:names:services:events:Vaccinations.Write" for "vaccinations-1".
// ok is false for the PDS events, which Spine publishes itself, and for
// codes NEMS does not support.
func PublishInteractionID(eventType string) (id string, ok bool) {
	c, ok := publishCodes[eventType]
	if !ok {
		return "", false
	}
	return "urn:nhs:names:services:events:" + c + ".Write", true
}

// headerValues returns every value of the named header, whatever the case
// of the name, in a stable order.
func headerValues(h http.Header, name string) []string {
	keys := make([]string, 0, 1)
	for k := range h {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, h[k]...)
	}
	return out
}

// single returns the one value of a header, trimmed of the optional
// whitespace HTTP allows. It reports a missing or repeated header as
// MISSING_OR_INVALID_HEADER and returns ok false.
func (k *check) single(name, rule, purpose string) (string, bool) {
	vals := headerValues(k.req.Header, name)
	switch {
	case len(vals) == 0:
		k.add(StageHeaders, issue.SeverityError, issue.SpineMissingOrInvalidHeader, rule, 0,
			fmt.Sprintf("the %s header is missing; it must carry %s", name, purpose))
		return "", false
	case len(vals) > 1:
		k.add(StageHeaders, issue.SeverityError, issue.SpineMissingOrInvalidHeader, rule, 0,
			fmt.Sprintf("the %s header is given %d times (%q); it must be given once", name, len(vals), vals))
		return "", false
	}
	v := strings.Trim(vals[0], " \t")
	if v == "" {
		k.add(StageHeaders, issue.SeverityError, issue.SpineMissingOrInvalidHeader, rule, 0,
			fmt.Sprintf("the %s header is empty; it must carry %s", name, purpose))
		return "", false
	}
	return v, true
}

// headers checks fromASID, toASID and InteractionID (spec 1.6).
func (k *check) headers() {
	if v, ok := k.single(HeaderFromASID, RuleFromASID, "the ASID of the calling system"); ok {
		if err := nhsid.CheckASID(v); err != nil {
			k.add(StageHeaders, issue.SeverityError, issue.SpineMissingOrInvalidHeader, RuleFromASID, 0,
				fmt.Sprintf("fromASID: %v", err))
		} else {
			k.fromASID = v
		}
	}
	if v, ok := k.single(HeaderToASID, RuleToASID, "the ASID of NEMS"); ok {
		if err := nhsid.CheckASID(v); err != nil {
			k.add(StageHeaders, issue.SeverityError, issue.SpineMissingOrInvalidHeader, RuleToASID, 0,
				fmt.Sprintf("toASID: %v", err))
		} else if want := k.c.opts.ToASID; want != "" && v != want {
			k.add(StageHeaders, issue.SeverityError, issue.SpineASIDCheckFailed, RuleToASID, 0,
				fmt.Sprintf("toASID is %q but the NEMS ASID of this environment is %q", v, want))
		}
	}
	want := k.in.InteractionID()
	if k.in == Publish {
		want = "urn:nhs:names:services:events:<Event_Code>.Write"
	}
	if v, ok := k.single(HeaderInteractionID, RuleInteractionID, want); ok {
		k.interactionID(v)
	}
}

// interactionID checks the InteractionID against the interaction. For
// publish the event code is kept to compare with the body later.
func (k *check) interactionID(v string) {
	bad := func(format string, a ...any) {
		k.add(StageHeaders, issue.SeverityError, issue.SpineMissingOrInvalidHeader, RuleInteractionID, 0, fmt.Sprintf(format, a...))
	}
	got, code, ok := issue.InteractionFromID(v)
	if !ok {
		for _, other := range issue.Interactions()[1:] {
			if strings.EqualFold(v, other.InteractionID()) {
				bad("InteractionID %q differs in letter case from %q; Spine compares InteractionIDs exactly", v, other.InteractionID())
				return
			}
		}
		if k.in == Publish {
			bad("InteractionID %q is not a NEMS InteractionID; publish uses urn:nhs:names:services:events:<Event_Code>.Write (spec 1.5)", v)
		} else {
			bad("InteractionID %q is not a NEMS InteractionID; %s uses %s", v, k.in, k.in.InteractionID())
		}
		return
	}
	if got != k.in {
		expect := k.in.InteractionID()
		if k.in == Publish {
			expect = "urn:nhs:names:services:events:<Event_Code>.Write"
		}
		bad("InteractionID %q is the %s InteractionID; %s uses %s", v, got, k.in, expect)
		return
	}
	if k.in != Publish {
		return
	}
	for ev, c := range publishCodes {
		if code == c {
			k.pubCode = c
			return
		}
		if strings.EqualFold(code, c) {
			bad("InteractionID event code %q must be written %q, as in the guide's table (spec 1.5)", code, c)
			return
		}
		if code == ev {
			bad("InteractionID names the event type %q; since guide 2.3.0 the publish InteractionID uses the event code %q: urn:nhs:names:services:events:%s.Write (spec 1.5)", ev, c, c)
			return
		}
	}
	if pdsEvents[code] {
		bad("InteractionID names %q, a PDS event: Spine publishes PDS events itself and they have no publish InteractionID (spec 1.5)", code)
		return
	}
	bad("InteractionID event code %q is not one NEMS accepts for publication; expected one of %s (spec 1.5)", code, strings.Join(sortedPublishCodes(), ", "))
}

func sortedPublishCodes() []string {
	out := make([]string, 0, len(publishCodes))
	for _, c := range publishCodes {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// authorization checks the bearer JWT with package spinejwt (spec 3).
func (k *check) authorization() {
	vals := headerValues(k.req.Header, HeaderAuthorization)
	if len(vals) > 1 {
		k.add(StageAuthorization, issue.SeverityError, issue.SpineMissingOrInvalidHeader, RuleAuthorization, 0,
			fmt.Sprintf("the Authorization header is given %d times; it must be given once", len(vals)))
		return
	}
	header := ""
	if len(vals) == 1 {
		header = strings.Trim(vals[0], " \t")
	}
	o := k.c.opts
	fs := spinejwt.CheckAuthorization(header, k.in, spinejwt.Request{
		FromASID: k.fromASID, Audience: o.Audience, Now: o.Now(), Leeway: o.Leeway, IgnoreTime: o.IgnoreTime, Key: o.Key.key(),
	})
	for _, f := range fs {
		k.record(StageAuthorization, f.Issue, 0)
	}
}
