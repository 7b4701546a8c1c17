package request

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// body checks the payload: present for publish and create, absent for read
// and delete, in the format its Content-Type names, and valid for package
// validate as the resource the interaction takes.
func (k *check) body() {
	body := k.req.Body
	empty := len(bytes.TrimSpace(body)) == 0
	if !hasBody(k.in) {
		if !empty {
			k.add(StageBody, issue.SeverityWarning, issue.SpineBadRequest, RuleBodyUnexpected, 0,
				fmt.Sprintf("%s sends no body; NEMS ignores the %d bytes given", k.in, len(body)))
		}
		return
	}
	if k.tooLarge {
		return
	}
	what := "an event message Bundle"
	if k.in == SubscriptionCreate {
		what = "a Subscription"
	}
	if empty {
		k.add(StageBody, issue.SeverityError, issue.SpineBadRequest, RuleBodyMissing, 0,
			fmt.Sprintf("the request has no body; %s takes %s", k.in, what))
		return
	}
	sniffed := validate.Sniff(body)
	if k.ctOK && sniffed != "" && sniffed != k.ct.Format.String() {
		msg := fmt.Sprintf("the body is %s but the Content-Type is %s", sniffed, k.ct)
		if len(headerValues(k.req.Header, HeaderContentType)) == 0 {
			msg = fmt.Sprintf("the body is %s but without a Content-Type NEMS reads it as %s", sniffed, k.ct)
		}
		if k.in == Publish && sniffed == transform.JSON.String() {
			msg += "; NEMS takes event messages in XML only (spec 2.1)"
		}
		k.add(StageBody, issue.SeverityError, issue.SpineMessageNotWellFormed, RuleBodyFormat, 0, msg)
	}

	res, err := k.c.v.ValidateContext(k.ctx, k.in.String(), body)
	if err != nil {
		// The context ended: CheckContext returns its error, not an
		// answer judged on part of the body.
		return
	}
	k.resp.Result = res
	// A body NEMS cannot parse is refused as such, whatever else the
	// parts it could read show: well-formedness issues go first.
	issues := slices.Clone(res.Issues)
	slices.SortStableFunc(issues, func(a, b issue.Issue) int {
		return cmpBool(b.Spine == issue.SpineMessageNotWellFormed, a.Spine == issue.SpineMessageNotWellFormed)
	})
	want := "event-message"
	if k.in == SubscriptionCreate {
		want = "subscription"
	}
	if res.Kind != "unknown" && res.Kind != want {
		found := res.ResourceType
		if res.ResourceType == "Bundle" {
			found = "a Bundle that is not of type message"
		}
		k.add(StageBody, issue.SeverityError, issue.SpineInvalidResource, RuleResourceKind, 0,
			fmt.Sprintf("%s takes %s; the body is %s", k.in, what, found))
	}
	// Checks NEMS makes of the request as a whole (is this event type
	// publishable at all?) come before the payload's own issues, so that
	// they decide the status.
	switch {
	case k.in == Publish && res.Kind == want:
		k.publishEvent(res)
	case k.in == SubscriptionCreate && res.Kind == want:
		k.subscription(res)
	}
	for _, is := range issues {
		f := Finding{Issue: is, Stage: StageBody, Status: success(k.in)}
		if is.Severity.IsError() {
			if f.Spine == "" {
				// The Spine shape needs a code; a payload NEMS refuses is
				// an invalid resource unless a rule says otherwise.
				f.Spine = issue.SpineInvalidResource
			}
			f.Status = f.Spine.Status()
		}
		k.resp.Findings = append(k.resp.Findings, f)
	}
}

// publishEvent compares the InteractionID with the event of the message
// and applies the event type's life cycle (spec 1.5, 4.2).
func (k *check) publishEvent(res *validate.Result) {
	ev := res.EventType
	if ev == "" {
		return // no event code: the payload rules say so
	}
	code, ok := publishCodes[ev]
	switch {
	case !ok && pdsEvents[ev]:
		k.add(StageBody, issue.SeverityError, issue.SpineInvalidCodeValue, RulePublishableEvent, 0,
			fmt.Sprintf("the message is a %s event: PDS events are published by Spine itself, not through the publication API (spec 1.2, 1.5)", ev))
	case !ok:
		k.add(StageBody, issue.SeverityError, issue.SpineInvalidCodeValue, RulePublishableEvent, 0,
			fmt.Sprintf("the message's event type %q is not one NEMS accepts for publication (spec 1.5)", ev))
	case k.pubCode != "" && k.pubCode != code:
		id, _ := PublishInteractionID(ev)
		f := k.add(StageHeaders, issue.SeverityError, issue.SpineMissingOrInvalidHeader, RuleInteractionEvent, 0,
			fmt.Sprintf("InteractionID names %s but the message's event is %s, whose InteractionID is %s (spec 1.5)", k.pubCode, ev, id))
		f.Path = "Bundle.entry[0].resource.event.code"
	}
	k.lifecycle([]string{ev}, res)
}

// subscription applies the create rules the payload rules may not cover:
// no client-assigned id or version metadata (spec 7.2), and the life cycle
// of the subscribed event types (spec 4.2).
func (k *check) subscription(res *validate.Result) {
	var doc *tree.Document
	var err error
	switch res.Format {
	case "xml":
		doc, err = tree.ParseXML(k.req.Body, schemas.STU3())
	case "json":
		doc, err = tree.ParseJSON(k.req.Body, schemas.STU3())
	}
	if err != nil || doc == nil || doc.Root == nil {
		return
	}
	root := doc.Root
	if id := root.Child("id"); id != nil && !reported(res, issue.SpineMsgResourceIDFail, "Subscription.id") {
		f := k.add(StageBody, issue.SeverityError, issue.SpineMsgResourceIDFail, RuleClientID, http.StatusMethodNotAllowed,
			fmt.Sprintf("the Subscription carries the id %q; NEMS assigns the id on create and refuses one from the client (spec 7.2)", id.Value))
		f.Path, f.Line, f.Column = "Subscription.id", id.Line, id.Col
	}
	if meta := root.Child("meta"); meta != nil {
		for _, name := range []string{"versionId", "lastUpdated"} {
			n := meta.Child(name)
			path := "Subscription.meta." + name
			if n == nil || reported(res, "", path) {
				continue
			}
			f := k.add(StageBody, issue.SeverityError, issue.SpineInvalidResource, RuleClientMeta, 0,
				fmt.Sprintf("the Subscription carries meta.%s %q; NEMS sets it and the create request must leave it out (spec 7.2)", name, n.Value))
			f.Path, f.Line, f.Column = path, n.Line, n.Col
		}
	}
	if c := root.Child("criteria"); c != nil {
		parsed, _ := criteria.Parse(c.Value)
		if parsed != nil {
			k.lifecycle(parsed.Events, res)
		}
	}
}

// reported tells whether the payload rules already flagged the element,
// with the given Spine code when code is not empty.
func reported(res *validate.Result, code issue.SpineCode, path string) bool {
	for _, is := range res.Issues {
		if is.Path == path && (code == "" || is.Spine == code) {
			return true
		}
	}
	return false
}

// lifecycle adds the notices of spec 4.2 for the event types given, unless
// the payload rules already gave one. Publishing a deprecated or
// no-longer-supported type succeeds with an information issue; a withdrawn
// one is refused. A subscription to a deprecated type succeeds with a
// notice; to a no-longer-supported or withdrawn one it is refused.
func (k *check) lifecycle(events []string, res *validate.Result) {
	if len(k.c.opts.Lifecycle) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, ev := range events {
		l, ok := k.c.opts.Lifecycle[ev]
		if !ok || l.State == Active || seen[ev] {
			continue
		}
		seen[ev] = true
		var code issue.SpineCode
		sev, issueType := issue.SeverityInformation, "informational"
		status := 0
		switch l.State {
		case Deprecated:
			code = issue.SpineDeprecated
		case NoLongerSupported:
			code = issue.SpineNoLongerSupported
			if k.in == SubscriptionCreate {
				sev, issueType, status = issue.SeverityError, "not-supported", http.StatusBadRequest
			}
		case Withdrawn:
			code, sev, issueType = issue.SpineWithdrawn, issue.SeverityError, "invalid"
		default:
			continue
		}
		if alreadyNamed(res, code, ev) {
			continue
		}
		msg := fmt.Sprintf("event type %s: %s", ev, code.Display())
		if l.Note != "" {
			msg += "; " + l.Note
		}
		f := k.add(StageBody, sev, code, RuleLifecycle, status, msg)
		f.Code = issueType
	}
}

// alreadyNamed tells whether an issue with the code mentions the event.
func alreadyNamed(res *validate.Result, code issue.SpineCode, ev string) bool {
	for _, is := range res.Issues {
		if is.Spine == code && bytes.Contains([]byte(is.Message), []byte(ev)) {
			return true
		}
	}
	return false
}

// cmpBool orders true before false when called as cmpBool(b, a).
func cmpBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	}
	return -1
}

// ReadBody reads a request body from r without buffering more than limit+1
// bytes, and reports truncated when r held more than limit: set
// Request.BodyTruncated from it, and give the Checker a MaxSize no larger
// than limit, so that such a body is refused as too large. limit must be
// positive: every read of a stream is bounded.
func ReadBody(r io.Reader, limit int64) (body []byte, truncated bool, err error) {
	if limit <= 0 {
		return nil, false, fmt.Errorf("request.ReadBody: the limit must be positive, not %d", limit)
	}
	body, err = io.ReadAll(io.LimitReader(r, limit+1))
	return body, int64(len(body)) > limit, err
}
