package request

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Rule ids of the request checks. JWT findings keep the rule ids of
// package spinejwt ("jwt:scope", ...); body findings keep those of package
// validate.
const (
	RuleSize             = "request:size"
	RuleTarget           = "request:target"
	RulePath             = "request:path"
	RuleMethod           = "request:method"
	RuleSubscriptionID   = "request:subscription-id"
	RuleFromASID         = "request:header:fromASID"
	RuleToASID           = "request:header:toASID"
	RuleInteractionID    = "request:header:InteractionID"
	RuleAuthorization    = "request:header:Authorization"
	RuleInteractionEvent = "request:interaction-event"
	RulePublishableEvent = "request:publishable-event"
	RuleContentType      = "request:content-type"
	RuleAccept           = "request:accept"
	RuleFormatParam      = "request:_format"
	RuleBodyMissing      = "request:body-missing"
	RuleBodyUnexpected   = "request:body-unexpected"
	RuleBodyFormat       = "request:body-format"
	RuleResourceKind     = "request:resource-kind"
	RuleClientID         = "request:client-id"
	RuleClientMeta       = "request:client-meta"
	RuleLifecycle        = "request:lifecycle"
)

// LifecycleState is the life-cycle state of an event type (spec 4.2).
type LifecycleState int

// The life-cycle states. Event types not listed in Options.Lifecycle are
// Active.
const (
	Active LifecycleState = iota
	Deprecated
	NoLongerSupported
	Withdrawn
)

// Lifecycle is the state of one event type and the text NEMS puts in its
// notice (the dates and the address of a page that explains them).
type Lifecycle struct {
	State LifecycleState
	Note  string
}

// Options configure a Checker. The zero value checks with a 3 MB limit, the
// system clock, no JWT key (signatures are not checked) and no expected
// audience or toASID.
type Options struct {
	// Validator validates bodies; nil means one made with
	// validate.New(validate.Options{}) and no size limit of its own, since
	// the Checker applies MaxSize first.
	Validator *validate.Validator
	// MaxSize is the largest body accepted, in bytes; 0 means
	// validate.DefaultMaxSize (3 MB, spec 1.8) and a negative value means
	// no limit.
	MaxSize int64
	// Now is the clock the JWT is judged by; nil means time.Now.
	Now func() time.Time
	// Key, when not nil, is used to verify JWT signatures: make it with
	// ParseJWTKey or NewJWTKey for a public key, NewJWTHMACSecret for a
	// shared secret. The key's kind fixes the algorithms accepted, and an
	// unsigned token is then refused. Without a key signatures are NOT
	// checked: Spine tokens are unsigned.
	Key *JWTKey
	// Audience is the endpoint the JWT aud claim must name; "" checks only
	// that aud is an absolute URI.
	Audience string
	// Leeway is the clock difference tolerated for the JWT exp, iat and
	// nbf.
	Leeway time.Duration
	// IgnoreTime skips the JWT expiry, issued-at and not-before windows,
	// for stored requests whose tokens expired long ago.
	IgnoreTime bool
	// ToASID is the ASID of the NEMS service in the target environment.
	// When set, the toASID header must equal it; otherwise only its format
	// is checked (the guide publishes no NEMS ASID).
	ToASID string
	// Lifecycle gives the life-cycle state of event types by EventType-1
	// code. The guide (2.15.0) lists none as deprecated.
	Lifecycle map[string]Lifecycle
}

// Checker checks requests. Make one with New and share it: it is safe for
// concurrent use.
type Checker struct {
	opts Options
	v    *validate.Validator
}

// New returns a Checker with the given options.
func New(opts Options) (*Checker, error) {
	if opts.MaxSize == 0 {
		opts.MaxSize = validate.DefaultMaxSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	v := opts.Validator
	if v == nil {
		var err error
		if v, err = validate.New(validate.Options{MaxSize: -1}); err != nil {
			return nil, err
		}
	}
	return &Checker{opts: opts, v: v}, nil
}

// check collects the findings of one request.
type check struct {
	ctx  context.Context
	c    *Checker
	req  *Request
	in   Interaction
	resp *Response
	// what the stages learn and later stages use
	method, path string
	format       []string // _format values
	ct           transform.MediaType
	ctOK         bool
	pubCode      string // event code of a well-formed publish InteractionID
	fromASID     string
	tooLarge     bool
}

// Check runs every check on the request and returns NEMS's answer. It never
// returns nil and does not panic on any input. It is CheckContext without a
// deadline.
func (c *Checker) Check(req *Request) *Response {
	resp, _ := c.CheckContext(context.Background(), req)
	return resp
}

// CheckContext is Check with a context: once ctx has ended, the validation
// of the body stops (see validate.Validator.ValidateContext) and
// CheckContext returns a nil Response and ctx.Err(), never an answer
// judged on part of the request.
func (c *Checker) CheckContext(ctx context.Context, req *Request) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp := c.check(ctx, req)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return resp, nil
}

func (c *Checker) check(ctx context.Context, req *Request) *Response {
	if req == nil {
		req = &Request{}
	}
	k := &check{ctx: ctx, c: c, req: req, in: req.Interaction, resp: &Response{Interaction: req.Interaction, Decisive: -1, Header: http.Header{}}}
	if k.in < Publish || k.in > SubscriptionDelete {
		k.add(StageRouting, issue.SeverityError, issue.SpineBadRequest, RuleTarget, 0,
			fmt.Sprintf("unknown interaction %d: expected publish, subscription-create, subscription-read or subscription-delete", int(k.in)))
		k.finish()
		return k.resp
	}
	k.size()
	k.routing()
	k.headers()
	k.authorization()
	k.mediaTypes()
	k.body()
	k.finish()
	return k.resp
}

// add records a finding of the issue type Spine Core maps the code to.
// status 0 means the status mapped to the Spine code.
func (k *check) add(stage Stage, sev issue.Severity, code issue.SpineCode, rule string, status int, msg string) *Finding {
	info, _ := code.Info()
	issueType := info.IssueType
	if issueType == "" {
		issueType = issue.TypeInvalid
	}
	return k.record(stage, issue.Issue{Severity: sev, Code: issueType, Spine: code, Rule: rule, Message: msg}, status)
}

// record adds is as a finding of the stage. status 0 means the status
// mapped to the Spine code; an issue that is not an error has the status
// of the accepted call.
func (k *check) record(stage Stage, is issue.Issue, status int) *Finding {
	if status == 0 {
		status = is.Spine.Status()
	}
	if !is.Severity.IsError() {
		status = success(k.in)
	}
	k.resp.Findings = append(k.resp.Findings, Finding{Issue: is, Stage: stage, Status: status})
	return &k.resp.Findings[len(k.resp.Findings)-1]
}

// finish orders the findings and picks the status.
func (k *check) finish() {
	r := k.resp
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].Stage < r.Findings[j].Stage })
	r.Status = success(k.in)
	if k.in < Publish || k.in > SubscriptionDelete {
		r.Status = http.StatusBadRequest
	}
	for i, f := range r.Findings {
		if f.Severity.IsError() {
			r.Status, r.Decisive = f.Status, i
			break
		}
	}
	if len(r.Findings) > 0 {
		r.Header.Set("Content-Type", r.MediaType.String())
	}
}

// size refuses a body over the limit before anything reads it (spec 1.8).
func (k *check) size() {
	max, n := k.c.opts.MaxSize, int64(len(k.req.Body))
	var msg string
	switch {
	case k.req.BodyTruncated && max > 0 && n > max:
		msg = fmt.Sprintf("body is more than the %d bytes NEMS accepts (reading stopped after %d bytes); it was not parsed", max, n)
	case k.req.BodyTruncated:
		// Cut short by the caller for some other reason: what was not
		// read cannot be judged.
		msg = fmt.Sprintf("body was cut short after %d bytes by the reader, so its size and content cannot be judged; it was not parsed", n)
	case max > 0 && n > max:
		msg = fmt.Sprintf("body is %d bytes, more than the %d bytes NEMS accepts; it was not parsed", n, max)
	default:
		return
	}
	k.tooLarge = true
	f := k.add(StageSize, issue.SeverityError, issue.SpineBadRequest, RuleSize, http.StatusRequestEntityTooLarge, msg)
	f.Code = "too-costly"
}
