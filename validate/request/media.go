package request

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// mediaTypes checks Content-Type (calls with a body), Accept and _format
// (every call) against the media types of the interaction's API (spec 2),
// and picks the media type of the response.
func (k *check) mediaTypes() {
	api := APIOf(k.in)
	refuse := func(rule, msg string) {
		k.add(StageMediaType, issue.SeverityError, issue.SpineUnsupportedMediaType, rule, http.StatusUnsupportedMediaType, msg)
	}
	cts := headerValues(k.req.Header, HeaderContentType)
	ctGiven := false
	if hasBody(k.in) {
		switch len(cts) {
		case 0:
			// NEMS assumes its default (spec 2.1, 2.2).
			k.ct, k.ctOK = api.Default(), true
		case 1:
			mt, err := api.ContentType(cts[0])
			if err != nil {
				refuse(RuleContentType, contentTypeMessage(api, err))
			} else {
				k.ct, k.ctOK, ctGiven = mt, true, true
			}
		default:
			refuse(RuleContentType, fmt.Sprintf("the Content-Type header is given %d times (%q); it must be given once", len(cts), cts))
		}
	}

	accept := strings.Join(headerValues(k.req.Header, HeaderAccept), ", ")
	format := ""
	switch len(k.format) {
	case 0:
	case 1:
		format = k.format[0]
	default:
		refuse(RuleFormatParam, fmt.Sprintf("the _format parameter is given %d times (%q); it must be given once", len(k.format), k.format))
		k.format = nil
	}
	k.resp.MediaType = api.Default()
	if ctGiven {
		// Spine answers in the request's Content-Type when the client
		// names no response type (spec 2.3).
		k.resp.MediaType = k.ct
	}
	if strings.TrimSpace(accept) == "" && format == "" {
		return
	}
	mt, err := transform.Negotiate(api, accept, format)
	if err != nil {
		rule := RuleAccept
		if format != "" {
			rule = RuleFormatParam
		}
		refuse(rule, err.Error())
		return
	}
	k.resp.MediaType = mt
}

func contentTypeMessage(api transform.API, err error) string {
	msg := err.Error()
	if api == transform.Publication && strings.Contains(strings.ToLower(msg), "json") {
		msg += "; NEMS takes event messages in XML only (spec 2.1)"
	}
	return msg
}
