package request

import (
	"fmt"
	"net/http"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Interaction is one of the four NEMS API calls ([issue.Interaction]).
type Interaction = issue.Interaction

// The NEMS interactions. The zero Interaction is not an interaction.
const (
	Publish            = issue.Publish
	SubscriptionCreate = issue.SubscriptionCreate
	SubscriptionRead   = issue.SubscriptionRead
	SubscriptionDelete = issue.SubscriptionDelete
)

// ParseInteraction reads an interaction name as Interaction.String writes
// it; "create", "read" and "delete" are accepted for the subscription
// calls.
func ParseInteraction(s string) (Interaction, error) { return issue.ParseInteraction(s) }

// APIOf returns the NEMS API the interaction belongs to, which decides the
// media types it accepts (spec 2).
func APIOf(in Interaction) transform.API {
	if in == Publish {
		return transform.Publication
	}
	return transform.Subscription
}

// hasBody reports whether the interaction sends a resource.
func hasBody(in Interaction) bool { return in == Publish || in == SubscriptionCreate }

// success is the status NEMS answers when it accepts the call (spec 1.7).
func success(in Interaction) int {
	switch in {
	case Publish:
		return http.StatusAccepted
	case SubscriptionCreate:
		return http.StatusCreated
	}
	return http.StatusOK
}

// Paths of the NEMS endpoints, below the Spine host (spec 1.4).
const (
	PathPublish      = issue.PathPublish
	PathSubscription = issue.PathSubscription
)

// Header names NEMS reads (spec 1.6), in the spelling of the NEMS guide.
// They are matched without regard to case.
const (
	HeaderFromASID      = "fromASID"
	HeaderToASID        = "toASID"
	HeaderInteractionID = "InteractionID"
	HeaderAuthorization = "Authorization"
	HeaderContentType   = "Content-Type"
	HeaderAccept        = "Accept"
)

// Request is an HTTP request as NEMS receives it.
type Request struct {
	// Interaction is the call the client means to make. The method, path
	// and InteractionID are checked against it.
	Interaction Interaction
	// Method is the HTTP method; "" means the interaction's own.
	Method string
	// Target is the request target: a path with an optional query
	// ("/STU3/Subscription/abc?_format=json") or an absolute URL. ""
	// means the interaction's own path (which for read and delete lacks
	// the id, and is reported).
	Target string
	// Header holds the request headers. Names are matched without regard
	// to case, so a map written by hand ("fromASID") works as well as one
	// canonicalised by net/http ("Fromasid").
	Header http.Header
	// Body is the request body; nil or empty for none.
	Body []byte
	// BodyTruncated says that Body holds only the first bytes of a longer
	// body: a caller reading a stream stops after MaxSize+1 bytes rather
	// than buffer all of it (see ReadBody). Such a body is refused as too
	// large and never parsed.
	BodyTruncated bool
}

// Stage is a step of NEMS's handling of a request. A refusal at an earlier
// stage decides the status even when later stages find problems too.
type Stage int

// The stages, in the order they decide the status (see DECISIONS in the
// package documentation).
const (
	StageSize Stage = iota + 1
	StageRouting
	StageHeaders
	StageAuthorization
	StageMediaType
	StageBody
)

var stageNames = [...]string{
	StageSize:          "size",
	StageRouting:       "routing",
	StageHeaders:       "headers",
	StageAuthorization: "authorization",
	StageMediaType:     "media-type",
	StageBody:          "body",
}

func (s Stage) String() string {
	if s >= StageSize && s <= StageBody {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// Finding is one problem with a request: a issue.Issue (severity, FHIR
// issue type, Spine code, rule id, and for body issues the FHIR path and
// line:column) plus the stage that found it and the HTTP status NEMS
// answers when this finding is the one that refuses the request.
type Finding struct {
	issue.Issue
	Stage Stage `json:"stage"`
	// Status is the HTTP status of a refusal; for a warning or
	// information it is the status of the accepted call.
	Status int `json:"status"`
}

// Response is what NEMS answers to a request.
type Response struct {
	// Interaction is the call that was checked.
	Interaction Interaction
	// Status is the HTTP status code.
	Status int
	// Findings lists every problem found, errors and warnings, ordered by
	// stage and then as found. Unlike NEMS, which stops at the first
	// refusal, every stage runs so that one check reports everything.
	Findings []Finding
	// Decisive is the index in Findings of the error that decided Status,
	// or -1 when the request is accepted.
	Decisive int
	// Header holds the response headers that follow from the checks:
	// Content-Type when there is a body, Allow on 405.
	Header http.Header
	// MediaType is the format of the response body: negotiated from
	// Accept and _format, else the request's Content-Type, else the
	// API's default.
	MediaType transform.MediaType
	// Result is the validation of the body; nil when it was not run (no
	// body, or too large).
	Result *validate.Result
}

// Accepted reports whether NEMS accepts the request (a 2xx status).
func (r *Response) Accepted() bool { return r.Status >= 200 && r.Status < 300 }

// StatusLine renders the status line, e.g. "HTTP/1.1 422 Unprocessable Entity".
func (r *Response) StatusLine() string {
	return fmt.Sprintf("HTTP/1.1 %d %s", r.Status, http.StatusText(r.Status))
}

// Issues returns the findings as validate issues, in order.
func (r *Response) Issues() []issue.Issue {
	out := make([]issue.Issue, len(r.Findings))
	for i, f := range r.Findings {
		out[i] = f.Issue
	}
	return out
}

// Outcome returns the Spine-shaped OperationOutcome for the findings, nil
// when there are none (NEMS then answers without a body). It holds every
// finding, warnings included: NEMS itself returns only its Spine-coded
// refusal or deprecation notices, the rest is advice to the client.
func (r *Response) Outcome() *validate.Outcome {
	if len(r.Findings) == 0 {
		return nil
	}
	res := &validate.Result{Source: r.Interaction.String(), Issues: r.Issues()}
	return res.Outcome()
}

// Body renders Outcome in the response media type; nil when there is no
// outcome.
func (r *Response) Body() []byte {
	o := r.Outcome()
	if o == nil {
		return nil
	}
	if r.MediaType.Format == transform.JSON {
		return o.JSON()
	}
	return o.XML()
}

// Errors counts the findings that refuse the request.
func (r *Response) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity.IsError() {
			n++
		}
	}
	return n
}

// Rules returns the rule ids of the findings, in order, for tests and
// summaries.
func (r *Response) Rules() []string {
	out := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		out[i] = f.Rule
	}
	return out
}
