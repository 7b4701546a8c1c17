package nems

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// parseResource reads a body the checker has accepted.
func parseResource(body []byte, format string) (*tree.Node, error) {
	var doc *tree.Document
	var err error
	if format == "json" {
		doc, err = tree.ParseJSON(body, schemas.STU3())
	} else {
		doc, err = tree.ParseXML(body, schemas.STU3())
	}
	if err != nil {
		return nil, err
	}
	if doc == nil || doc.Root == nil {
		return nil, fmt.Errorf("no resource")
	}
	return doc.Root, nil
}

func childValue(n *tree.Node, path ...string) string {
	for _, name := range path {
		if n == nil {
			return ""
		}
		n = n.Child(name)
	}
	if n == nil {
		return ""
	}
	return n.Value
}

// duplicateKey is what makes two subscriptions the same: the receiving
// mailbox and the criteria's components, in any order. Who asked, the
// reason, the contact and the end date do not count: the same mailbox
// asking twice for the same events would receive each message once anyway.
func duplicateKey(mailbox string, crit *criteria.Criteria) string {
	parts := make([]string, 0, len(crit.Components))
	for _, c := range crit.Components {
		name := c.Name
		if c.Modifier != "" {
			name += ":" + c.Modifier
		}
		parts = append(parts, name+"="+c.Value)
	}
	sort.Strings(parts)
	return mailbox + "\n" + crit.Path + "?" + strings.Join(parts, "&")
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, resp *request.Response, body []byte, from string) {
	mt := resp.MediaType
	root, err := parseResource(body, resp.Result.Format)
	if err != nil {
		// The checker accepted it, so this is the server's fault.
		s.storeFailed(w, r, mt, fmt.Errorf("accepted Subscription does not parse: %w", err))
		return
	}
	crit, _ := criteria.Parse(childValue(root, "criteria"))
	switch {
	case crit.Kind == criteria.KindGeneric && crit.Organization == "":
		// Fail closed: a rule without the code it matches would never
		// match, which must not look as if it worked.
		s.writeOutcome(w, mt, validate.Issue{Severity: validate.SeverityError, Code: "required", Spine: validate.SpineInvalidResource,
			Message: fmt.Sprintf("generic subscription (%s) without Organization.identifier: this server cannot tell which patients it is for", crit.RuleType)},
			http.StatusUnprocessableEntity)
		return
	case crit.Kind != criteria.KindExplicit && crit.Kind != criteria.KindGeneric:
		s.writeOutcome(w, mt, validate.Issue{Severity: validate.SeverityError, Code: "not-supported", Spine: "NOT_IMPLEMENTED",
			Message: "the criteria is neither explicit (Patient.identifier) nor generic (subscriptionRuleType); this server cannot match it"},
			http.StatusNotImplemented)
		return
	}
	now := s.opts.Now().UTC()
	sub := Subscription{
		ID: newID(), Owner: from, Mailbox: childValue(root, "channel", "endpoint"), Criteria: childValue(root, "criteria"),
		NHSNumber: crit.NHSNumber, Events: crit.Events, Tag: crit.Tag,
		RuleType: strings.ToUpper(crit.RuleType), Organization: strings.ToUpper(crit.Organization),
		Body: body, Format: resp.Result.Format, Created: now, Version: 1,
	}
	sub.Key = duplicateKey(sub.Mailbox, crit)
	if s.opts.AllowDuplicates {
		// A key of its own: no other subscription is its duplicate.
		sub.Key += "\n" + sub.ID
	}
	if end := childValue(root, "end"); end != "" {
		t, err := time.Parse(time.RFC3339Nano, end)
		if err != nil {
			s.writeOutcome(w, mt, validate.Issue{Severity: validate.SeverityError, Code: "value", Spine: validate.SpineInvalidResource,
				Message: fmt.Sprintf("Subscription.end %q is not an instant this server can read", end)}, http.StatusUnprocessableEntity)
			return
		}
		sub.End = t
	}
	dup, err := s.opts.Store.CreateSubscription(r.Context(), sub)
	if err != nil {
		s.storeFailed(w, r, mt, err)
		return
	}
	if dup != "" {
		// The diagnostics carry no rule id: clients parse the id out of
		// exactly this text.
		s.writeOutcome(w, mt, validate.Issue{Severity: validate.SeverityError, Code: "duplicate", Spine: "DUPLICATE_REJECTED",
			Message: "Subscription already exists : " + dup}, http.StatusUnprocessableEntity)
		return
	}
	h := http.Header{}
	h.Set("Location", s.baseURL(r)+request.PathSubscription+"/"+sub.ID)
	h.Set("ETag", etag(sub.Version))
	h.Set("Last-Modified", now.Format(http.TimeFormat))
	writeResponse(w, resp, h)
}

func etag(version int) string { return `W/"` + strconv.Itoa(version) + `"` }

// owned loads the subscription of a read or delete and checks who asks;
// it has answered when ok is false.
func (s *Server) owned(w http.ResponseWriter, r *http.Request, resp *request.Response, id, from string) (Subscription, bool) {
	sub, found, err := s.opts.Store.Subscription(r.Context(), id)
	if err != nil {
		s.storeFailed(w, r, resp.MediaType, err)
		return sub, false
	}
	if !found {
		s.writeOutcome(w, resp.MediaType, validate.Issue{Severity: validate.SeverityError, Code: "not-found", Spine: "NO_RECORD_FOUND",
			Message: "No subscription with id " + id}, http.StatusNotFound)
		return sub, false
	}
	if !s.opts.AnyOwner && sub.Owner != from {
		s.writeOutcome(w, resp.MediaType, validate.Issue{Severity: validate.SeverityError, Code: "forbidden", Spine: "ACCESS DENIED",
			Message: fmt.Sprintf("subscription %s was created by ASID %s; ASID %s may not read or delete it", id, sub.Owner, from)},
			http.StatusForbidden)
		return sub, false
	}
	return sub, true
}

// status is the Subscription.status the server reports now.
func (s *Server) status(sub Subscription, now time.Time) string {
	switch {
	case !sub.End.IsZero() && !now.Before(sub.End):
		return "off"
	case now.Before(sub.Created.Add(s.opts.ActivateAfter)):
		return "requested"
	}
	return "active"
}

func (s *Server) read(w http.ResponseWriter, r *http.Request, resp *request.Response, id, from string) {
	sub, ok := s.owned(w, r, resp, id, from)
	if !ok {
		return
	}
	out, err := s.render(sub, resp.MediaType.Format.String())
	if err != nil {
		s.storeFailed(w, r, resp.MediaType, err)
		return
	}
	w.Header().Set("Content-Type", resp.MediaType.String())
	w.Header().Set("ETag", etag(sub.Version))
	w.Header().Set("Last-Modified", sub.Created.Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

// render writes the stored Subscription in format ("xml" or "json") with
// what NEMS adds: id, meta.versionId, meta.lastUpdated and the status.
func (s *Server) render(sub Subscription, format string) ([]byte, error) {
	root, err := parseResource(sub.Body, sub.Format)
	if err != nil {
		return nil, fmt.Errorf("stored subscription %s: %w", sub.ID, err)
	}
	b := tree.NewBuilder(schemas.STU3())
	b.Value(root, "id", sub.ID)
	meta := root.Child("meta")
	if meta == nil {
		meta = b.Element(root, "meta")
	}
	b.Value(meta, "versionId", strconv.Itoa(sub.Version))
	b.Value(meta, "lastUpdated", sub.Created.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	if st := root.Child("status"); st != nil {
		st.Value = s.status(sub, s.opts.Now())
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("stored subscription %s: %w", sub.ID, err)
	}
	if format == "json" {
		return tree.WriteJSON(root, true)
	}
	return tree.WriteXML(root, true)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, resp *request.Response, id, from string) {
	if _, ok := s.owned(w, r, resp, id, from); !ok {
		return
	}
	found, err := s.opts.Store.DeleteSubscription(r.Context(), id)
	if err != nil {
		s.storeFailed(w, r, resp.MediaType, err)
		return
	}
	if !found {
		// Deleted by a concurrent request since it was read.
		s.writeOutcome(w, resp.MediaType, validate.Issue{Severity: validate.SeverityError, Code: "not-found", Spine: "NO_RECORD_FOUND",
			Message: "No subscription with id " + id}, http.StatusNotFound)
		return
	}
	writeResponse(w, resp, nil)
}
