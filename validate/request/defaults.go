package request

import (
	"net/http"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/nhsid"
	"github.com/nemsfhir/nemsfhir/internal/spinejwt"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
)

// Values FillDefaults uses when nothing better is known.
const (
	// DefaultFromASID is the ASID of the Spine Core JWT examples.
	DefaultFromASID = "200000000205"
	// DefaultToASID is a placeholder of the right form: the guide does not
	// publish the ASID of NEMS, which differs between environments.
	DefaultToASID = "000000000000"
)

// FillDefaults adds, for convenience, the headers a request lacks and that
// can be worked out: fromASID (the ASID of the JWT's requesting_system,
// else DefaultFromASID), toASID (the given value, else DefaultToASID),
// InteractionID (for publish, from the MessageHeader event of the body; left
// out when the body names no publishable event) and, for calls with a body,
// Content-Type (the STU3 name with charset of the body's syntax). Headers
// already present, under any letter case, are left alone. The result can
// still be refused: defaults hide nothing the other checks see.
func FillDefaults(req *Request, toASID string) {
	if req.Header == nil {
		req.Header = http.Header{}
	}
	set := func(name, value string) {
		if value != "" && len(headerValues(req.Header, name)) == 0 {
			req.Header.Set(name, value)
		}
	}
	from := DefaultFromASID
	if auths := headerValues(req.Header, HeaderAuthorization); len(auths) == 1 {
		if raw, err := spinejwt.FromAuthorization(strings.TrimSpace(auths[0])); err == nil {
			if tok, err := spinejwt.Decode(raw); err == nil {
				sys := tok.Claims.RequestingSystem
				if i := strings.LastIndexAny(sys, "|/"); i >= 0 {
					sys = sys[i+1:]
				}
				if nhsid.CheckASID(sys) == nil {
					from = sys
				}
			}
		}
	}
	set(HeaderFromASID, from)
	if toASID == "" {
		toASID = DefaultToASID
	}
	set(HeaderToASID, toASID)
	if req.Interaction == Publish {
		id, _ := PublishInteractionID(eventTypeOf(req.Body))
		set(HeaderInteractionID, id)
	} else {
		set(HeaderInteractionID, req.Interaction.InteractionID())
	}
	if hasBody(req.Interaction) {
		switch validate.Sniff(req.Body) {
		case "xml":
			set(HeaderContentType, transform.FHIRXMLUTF8.String())
		case "json":
			set(HeaderContentType, transform.FHIRJSONUTF8.String())
		}
	}
}

// eventTypeOf returns the MessageHeader event code of a message Bundle, or
// "" when the body is not one or cannot be read.
func eventTypeOf(body []byte) string {
	// A partly readable body still names its event: parse errors are the
	// validator's business.
	var doc *tree.Document
	switch validate.Sniff(body) {
	case "xml":
		doc, _ = tree.ParseXML(body, schemas.STU3())
	case "json":
		doc, _ = tree.ParseJSON(body, schemas.STU3())
	default:
		return ""
	}
	if doc == nil || doc.Root == nil || doc.Root.Type != "Bundle" {
		return ""
	}
	e := doc.Root.Child("entry")
	if e == nil {
		return ""
	}
	r := e.Child("resource")
	if r == nil || r.Type != "MessageHeader" {
		return ""
	}
	if ev := r.Child("event"); ev != nil {
		if c := ev.Child("code"); c != nil {
			return c.Value
		}
	}
	return ""
}
