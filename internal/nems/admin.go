package nems

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/validate"
)

// The admin API, off NEMS's paths and refused from other than loopback:
//
//	POST /admin/events     inject an event message, PDS events included
//	GET  /admin/events     the event log with each candidate's verdict (?limit=N)
//	PUT  /admin/directory  replace the directory (the JSON LoadDirectory reads)
//	POST /admin/reset      remove every subscription, event and delivery
const adminPrefix = "/admin/"

func (s *Server) registerAdmin(mux *http.ServeMux) {
	mux.HandleFunc("POST /admin/events", s.loopbackOnly(s.injectEvent))
	mux.HandleFunc("GET /admin/events", s.loopbackOnly(s.listEvents))
	mux.HandleFunc("PUT /admin/directory", s.loopbackOnly(s.putDirectory))
	mux.HandleFunc("POST /admin/reset", s.loopbackOnly(s.reset))
	mux.HandleFunc(adminPrefix, s.loopbackOnly(func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, r.Method+" "+r.URL.Path+" is not part of the admin API")
	}))
}

// loopbackOnly refuses a request whose peer is not a loopback address.
func (s *Server) loopbackOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		ip := net.ParseIP(host)
		if err != nil || ip == nil || !ip.IsLoopback() {
			adminError(w, http.StatusForbidden, "the admin API answers loopback clients only")
			return
		}
		h(w, r)
	}
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error": "the answer could not be written"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// injectEvent takes any event message NEMS forwards, PDS events included
// (which Spine alone publishes), validated in full; an invalid one is
// refused with the validator's OperationOutcome.
func (s *Server) injectEvent(w http.ResponseWriter, r *http.Request) {
	body, truncated, err := readBounded(w, r, s.maxSize)
	if err != nil || truncated {
		adminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is unreadable or more than %d bytes", s.maxSize))
		return
	}
	res, err := s.v.ValidateContext(r.Context(), "admin event", body)
	if err != nil {
		s.log.Info("abandoned", "path", r.URL.Path, "error", err.Error())
		adminError(w, http.StatusServiceUnavailable, "the event was abandoned before it was judged: "+err.Error())
		return
	}
	switch {
	case res.Kind != "event-message":
		res.Issues = append([]validate.Issue{{Severity: validate.SeverityError, Code: "invalid", Spine: validate.SpineInvalidResource,
			Message: "the admin API injects event messages; the body is not one"}}, res.Issues...)
	case res.Format != "xml":
		res.Issues = append([]validate.Issue{{Severity: validate.SeverityError, Code: "invalid", Spine: validate.SpineInvalidResource,
			Message: "NEMS forwards event messages in XML only (spec 1.8)"}}, res.Issues...)
	}
	if _, ok := WorkflowIDs[res.EventType]; res.Valid() && !ok {
		res.Issues = append(res.Issues, validate.Issue{Severity: validate.SeverityError, Code: "code-invalid", Spine: validate.SpineInvalidCodeValue,
			Message: fmt.Sprintf("event type %q is not one NEMS supports (spec 1.5)", res.EventType)})
	}
	if !res.Valid() {
		w.Header().Set("Content-Type", "application/fhir+xml")
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write(res.Outcome().XML())
		return
	}
	ev, err := s.accept(r.Context(), res.EventType, body, "application/fhir+xml", "")
	if err != nil {
		s.log.Error("admin event", "error", err.Error())
		adminError(w, http.StatusInternalServerError, "the event could not be stored")
		return
	}
	writeJSON(w, http.StatusAccepted, ev)
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > MaxListedEvents {
			adminError(w, http.StatusBadRequest, fmt.Sprintf("limit %q: expected 1 to %d", v, MaxListedEvents))
			return
		}
		limit = n
	}
	evs, err := s.opts.Store.ListEvents(r.Context(), limit)
	if err != nil {
		s.log.Error("admin events", "error", err.Error())
		adminError(w, http.StatusInternalServerError, "the event log could not be read")
		return
	}
	if evs == nil {
		evs = []Event{}
	}
	writeJSON(w, http.StatusOK, evs)
}

func (s *Server) putDirectory(w http.ResponseWriter, r *http.Request) {
	body, truncated, err := readBounded(w, r, MaxDirectorySize)
	if err != nil || truncated {
		adminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is unreadable or more than %d bytes", MaxDirectorySize))
		return
	}
	d, err := LoadDirectory(strings.NewReader(string(body)), "directory")
	if err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.opts.Directory.ReplaceWith(r.Context(), d); err != nil {
		s.log.Error("admin directory", "error", err.Error())
		adminError(w, http.StatusInternalServerError, "the directory could not be stored")
		return
	}
	p, a, g := d.Sizes()
	writeJSON(w, http.StatusOK, map[string]int{"patients": p, "postcodes": a, "practices": g})
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	if err := s.opts.Store.Reset(r.Context()); err != nil {
		s.log.Error("admin reset", "error", err.Error())
		adminError(w, http.StatusInternalServerError, "the store could not be reset")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// applyPDS updates the directory from a PDS event about the patient: a
// change of address sets their home postcode, a change of GP their
// practice. It returns the record as it was, nil when the event changed
// nothing or the patient was new. (A birth notification adds the baby: see
// babyOf.)
func (s *Server) applyPDS(ctx context.Context, eventType string, bundle *tree.Node, nhsNumber string) (*PatientRecord, error) {
	pat := bundlePatient(bundle, nhsNumber)
	if pat == nil {
		return nil, nil
	}
	old, known, err := s.opts.Directory.Lookup(ctx, nhsNumber)
	if err != nil {
		return nil, err
	}
	rec := old
	rec.NHSNumber = nhsNumber
	switch eventType {
	case "pds-change-of-address-1":
		pc := homePostcode(pat)
		if pc == "" {
			return nil, nil
		}
		rec.Postcode = pc
	case "pds-change-of-gp-1":
		rec.GP = practiceCode(bundle, pat) // "" on de-registration
	default:
		return nil, nil
	}
	if err := s.opts.Directory.Put(ctx, rec); err != nil {
		return nil, err
	}
	if !known {
		return nil, nil
	}
	return &old, nil
}

// babyOf is the baby of a birth notification as matching judges it, nil
// for other events or when the bundle names no baby with an NHS number.
// It is read from the event itself, so that an instance taking the event
// over judges it as its first owner did.
func babyOf(eventType string, bundle *tree.Node) *subject {
	if eventType != "pds-birth-notification-1" {
		return nil
	}
	rec, born, ok := birthBaby(bundle)
	if !ok {
		return nil
	}
	return &subject{rec: rec, known: true, birth: born}
}

// birthBaby reads the baby of a birth notification (spec 6.1): the Patient
// that the mother's RelatedPerson names, with its NHS number, home
// postcode, practice and birth date. ok is false when the bundle names no
// baby with an NHS number.
func birthBaby(bundle *tree.Node) (rec PatientRecord, birth string, ok bool) {
	for _, e := range bundle.ChildrenNamed("entry") {
		rp := e.Child("resource")
		if rp == nil || rp.Type != "RelatedPerson" {
			continue
		}
		baby := entryResource(bundle, childValue(rp, "patient", "reference"), "Patient")
		if baby == nil {
			continue
		}
		for _, id := range baby.ChildrenNamed("identifier") {
			if v := childValue(id, "value"); v != "" && strings.HasSuffix(childValue(id, "system"), "/Id/nhs-number") {
				rec = PatientRecord{NHSNumber: v, Postcode: homePostcode(baby), GP: practiceCode(bundle, baby)}
				return rec, childValue(baby, "birthDate"), true
			}
		}
	}
	return PatientRecord{}, "", false
}

// entryResource resolves a reference to the resource of the type in the
// bundle, by fullUrl or by type/id; nil when none.
func entryResource(bundle *tree.Node, ref, typ string) *tree.Node {
	if ref == "" {
		return nil
	}
	for _, e := range bundle.ChildrenNamed("entry") {
		res := e.Child("resource")
		if res != nil && res.Type == typ && (childValue(e, "fullUrl") == ref || typ+"/"+childValue(res, "id") == ref) {
			return res
		}
	}
	return nil
}

// bundlePatient finds the Patient resource with the NHS number.
func bundlePatient(bundle *tree.Node, nhsNumber string) *tree.Node {
	for _, e := range bundle.ChildrenNamed("entry") {
		res := e.Child("resource")
		if res == nil || res.Type != "Patient" {
			continue
		}
		for _, id := range res.ChildrenNamed("identifier") {
			if childValue(id, "value") == nhsNumber && strings.HasSuffix(childValue(id, "system"), "/Id/nhs-number") {
				return res
			}
		}
	}
	return nil
}

// homePostcode is the postcode of the current home address.
func homePostcode(pat *tree.Node) string {
	for _, a := range pat.ChildrenNamed("address") {
		if childValue(a, "use") == "home" && childValue(a, "period", "end") == "" {
			return childValue(a, "postalCode")
		}
	}
	return ""
}

// practiceCode resolves Patient.generalPractitioner to the ODS code of the
// Organization in the bundle, by fullUrl or by type/id.
func practiceCode(bundle *tree.Node, pat *tree.Node) string {
	ref := childValue(pat, "generalPractitioner", "reference")
	if ref == "" {
		return ""
	}
	for _, e := range bundle.ChildrenNamed("entry") {
		res := e.Child("resource")
		if res == nil || res.Type != "Organization" {
			continue
		}
		if childValue(e, "fullUrl") != ref && "Organization/"+childValue(res, "id") != ref {
			continue
		}
		for _, id := range res.ChildrenNamed("identifier") {
			if strings.HasSuffix(childValue(id, "system"), "/Id/ods-organization-code") {
				return strings.ToUpper(childValue(id, "value"))
			}
		}
	}
	return ""
}

// readBounded reads at most limit bytes of the body; truncated says there
// was more.
func readBounded(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool, error) {
	b, err := readAllLimit(http.MaxBytesReader(w, r.Body, limit+1), limit)
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > limit {
		w.Header().Set("Connection", "close")
		return nil, true, nil
	}
	return b, false, nil
}
