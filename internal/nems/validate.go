package nems

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// validateResource is POST /STU3/{type}/$validate, the HAPI convention:
// the body is validated as package validate (and `nemsfhir validate`)
// would, and the answer is its OperationOutcome, 200 when it has no error
// and 422 when it has. A body of another type than the path names is an
// error too.
//
// Without a mode the body is judged as a resource (`nemsfhir validate
// --interaction read`): a Subscription read back from this server, with
// its id, meta and status active, is valid. FHIR's mode=create judges it
// as the body of a create (`nemsfhir validate`, and POST
// /STU3/Subscription): no id, no meta.versionId or lastUpdated, status
// requested. NEMS has no update or delete of a body, so other modes are
// refused.
func (s *Server) validateResource(w http.ResponseWriter, r *http.Request) {
	typ := r.PathValue("type")
	body, truncated, err := request.ReadBody(http.MaxBytesReader(w, r.Body, s.maxSize+1), s.maxSize)
	mt := validateMediaType(r, body)
	v := s.resource
	mode := r.URL.Query().Get("mode")
	switch {
	case err != nil:
		s.writeOutcome(w, mt, validate.Issue{Severity: validate.SeverityError, Code: "incomplete", Spine: validate.SpineBadRequest,
			Message: "the request body could not be read: " + err.Error()}, http.StatusBadRequest)
		return
	case truncated:
		w.Header().Set("Connection", "close")
		s.writeOutcome(w, mt, validate.Issue{Severity: validate.SeverityError, Code: "too-costly", Spine: validate.SpineBadRequest,
			Message: fmt.Sprintf("body is more than the %d bytes this server accepts; it was not parsed", s.maxSize)}, http.StatusRequestEntityTooLarge)
		return
	case mode == "create":
		v = s.v
	case mode != "":
		s.writeOutcome(w, mt, validate.Issue{Severity: validate.SeverityError, Code: "not-supported", Spine: validate.SpineBadRequest,
			Message: fmt.Sprintf("mode %q: $validate takes mode=create (judge the body as a create request) or no mode (judge it as a resource); NEMS has no update or delete of a body", mode)},
			http.StatusBadRequest)
		return
	}
	res, err := v.ValidateContext(r.Context(), "$validate", body)
	if err != nil {
		s.abandoned(w, r, mt, err)
		return
	}
	if res.ResourceType != "" && res.ResourceType != typ {
		res.Issues = append([]validate.Issue{{Severity: validate.SeverityError, Code: "invalid", Spine: validate.SpineInvalidResource,
			Message: fmt.Sprintf("the path names %s but the body is %s", typ, res.ResourceType)}}, res.Issues...)
	}
	status := http.StatusOK
	if !res.Valid() {
		status = http.StatusUnprocessableEntity
	}
	writeResult(w, mt, res, status)
}

// validateMediaType picks the answer's format: _format, then Accept, then
// the body's own syntax; XML when none says.
func validateMediaType(r *http.Request, body []byte) transform.MediaType {
	api := transform.Subscription // the API that takes both formats
	if mt, err := transform.Negotiate(api, strings.Join(r.Header.Values("Accept"), ", "), r.URL.Query().Get("_format")); err == nil &&
		(r.URL.Query().Get("_format") != "" || r.Header.Get("Accept") != "") {
		return mt
	}
	if validate.Sniff(tree.TrimBOM(body)) == "json" {
		mt, _ := transform.ParseMediaType("application/fhir+json")
		return mt
	}
	return api.Default()
}
