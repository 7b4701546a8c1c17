package nems

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/issue"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// Options configure a Server.
type Options struct {
	// Store keeps the state; required.
	Store Store
	// Request configures the checks every NEMS request goes through: the
	// same package and options as `nemsfhir request`. Its MaxSize also
	// bounds how much of a body is read.
	Request request.Options
	// Logger receives one structured record per request; nil discards.
	Logger *slog.Logger
	// BaseURL is the absolute base of Location headers, such as
	// "http://127.0.0.1:8080"; "" takes the scheme and Host of each
	// request.
	BaseURL string
	// ActivateAfter is how long a new subscription stays "requested"
	// before it is "active" and matched; 0 activates it at once.
	ActivateAfter time.Duration
	// AnyOwner lets any ASID read and delete any subscription; by default
	// only the ASID that created one may.
	AnyOwner bool
	// AllowDuplicates creates a subscription even when one with the same
	// mailbox and criteria exists (see duplicateKey); by default that is
	// refused with 422 DUPLICATE_REJECTED naming the existing id. A
	// mailbox fed by both still gets one copy of each event.
	AllowDuplicates bool
	// MeshFrom is the mailbox deliveries come from; "" means DefaultMeshFrom.
	MeshFrom string
	// Directory holds the patients, postcode areas and practices generic
	// subscriptions are matched by, and the S and I flags. New keeps it
	// in the Store from then on, seeding the store with its content
	// unless the store was last seeded with the same content (so PDS
	// updates survive a restart with the same file); nil uses what the
	// store holds.
	Directory *Directory
	// MeshAuth checks the NHSMESH tokens of the MESH collection API served
	// under /messageexchange/ over the store's deliveries. Nil means a local
	// MESH's defaults: every mailbox the store knows (Store.MailboxExists)
	// has the password mesh.DefaultPassword, and tokens are keyed with
	// mesh.DefaultSharedKey, as NHS England's client keys them.
	MeshAuth *mesh.Auth
	// ResourceValidator judges the bodies of POST /STU3/{type}/$validate
	// without a mode: a resource as a resource, so that a Subscription as
	// NEMS stores and returns it (id, meta, status active) passes. Nil
	// means the validator's defaults with validate.Options.Interaction
	// "read". With mode=create, $validate judges the body with
	// Request.Validator, as POST /STU3/Subscription does.
	ResourceValidator *validate.Validator
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Instance names this server among those sharing the Store, as the
	// owner of its claims on accepted events; "" picks a random name.
	Instance string
	// Lease is how long a claim on an accepted event lasts before
	// another instance may take the event over; 0 means DefaultLease.
	Lease time.Duration
}

// DefaultMeshFrom names the sending mailbox of the server's deliveries.
// The guide does not publish NEMS's own mailbox id.
const DefaultMeshFrom = "NEMSSANDBOX1"

// Server answers NEMS's paths. It is an http.Handler.
type Server struct {
	opts     Options
	instance string
	check    *request.Checker
	v        *validate.Validator
	// resource judges $validate without a mode.
	resource *validate.Validator
	log      *slog.Logger
	maxSize  int64
	mux      *http.ServeMux
}

// New returns a server over opts.Store.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("nems.New: no store")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.Instance == "" {
		opts.Instance = newID()
	}
	if opts.MeshFrom == "" {
		opts.MeshFrom = DefaultMeshFrom
	}
	// The directory lives in the store from now on: the one given seeds
	// it (see Directory.bind), none leaves the store's as it is.
	seed := opts.Directory != nil
	if !seed {
		opts.Directory = &Directory{}
	}
	if err := opts.Directory.bind(context.Background(), opts.Store, seed); err != nil {
		return nil, fmt.Errorf("nems.New: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ro := opts.Request
	if ro.MaxSize == 0 {
		ro.MaxSize = validate.DefaultMaxSize
	}
	if ro.MaxSize < 0 {
		return nil, errors.New("nems.New: a server bounds every body: Request.MaxSize must not be negative")
	}
	if ro.Validator == nil {
		v, err := validate.New(validate.Options{MaxSize: -1})
		if err != nil {
			return nil, err
		}
		ro.Validator = v
	}
	opts.Request = ro
	if opts.ResourceValidator == nil {
		v, err := validate.New(validate.Options{MaxSize: -1, Interaction: issue.SubscriptionRead})
		if err != nil {
			return nil, err
		}
		opts.ResourceValidator = v
	}
	c, err := request.New(ro)
	if err != nil {
		return nil, err
	}
	if opts.MeshAuth == nil {
		a, err := mesh.NewAuth(mesh.AuthOptions{MailboxExists: opts.Store.MailboxExists})
		if err != nil {
			return nil, err
		}
		opts.MeshAuth = a
	}
	s := &Server{opts: opts, instance: opts.Instance, check: c, v: ro.Validator, resource: opts.ResourceValidator, log: opts.Logger, maxSize: ro.MaxSize}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("POST /STU3/{type}/$validate", s.validateResource)
	mux.HandleFunc("/STU3/", s.nems)
	// MESH's paths are absolute (its next links too), so the handler is
	// mounted at the root as it is, not under a stripped prefix. Its own
	// tokens guard it: it is not loopback only, as a receiver may be
	// elsewhere.
	mux.Handle("/messageexchange/", mesh.NewHandler(opts.Store, opts.MeshAuth))
	s.registerAdmin(mux)
	mux.HandleFunc("GET /{$}", s.loopbackOnly(s.page))
	mux.HandleFunc("POST /ui/validate", s.loopbackOnly(s.uiValidate))
	mux.HandleFunc("/", s.notFound)
	s.mux = mux
	return s, nil
}

// ServeHTTP implements http.Handler, logging every request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rec.status), slog.Duration("elapsed", time.Since(start)),
		slog.String("remote", r.RemoteAddr))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// HTTPServer returns an http.Server for the handler with a timeout on
// every phase of a connection, so that no client holds one open forever.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Serve serves on ln until ctx is done, then shuts down gracefully:
// requests in flight get up to grace to finish.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// notFound answers paths outside NEMS's.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeOutcome(w, transform.API(transform.Subscription).Default(), validate.Issue{
		Severity: validate.SeverityError, Code: "not-found", Spine: "NO_RECORD_FOUND",
		Message: fmt.Sprintf("%s is not a NEMS path: NEMS serves %s and %s", r.URL.Path, request.PathPublish, request.PathSubscription),
	}, http.StatusNotFound)
}

// interaction says which NEMS call a method and path are. A method the
// path does not serve is still given the path's interaction, so that the
// checker answers 405 with Allow as `nemsfhir request` does; ok is false
// for a path that is no NEMS endpoint.
func interaction(method, path string) (in request.Interaction, id string, ok bool) {
	switch {
	case path == request.PathPublish:
		return request.Publish, "", true
	case path == request.PathSubscription || path == request.PathSubscription+"/":
		// GET here is a search: not served, and the checker says so.
		return request.SubscriptionCreate, "", true
	case strings.HasPrefix(path, request.PathSubscription+"/"):
		id = path[len(request.PathSubscription)+1:]
		if method == http.MethodDelete {
			return request.SubscriptionDelete, id, true
		}
		return request.SubscriptionRead, id, true
	}
	return 0, "", false
}

// nems answers the four NEMS interactions: the checker decides first, and
// only an accepted request reaches the store.
func (s *Server) nems(w http.ResponseWriter, r *http.Request) {
	in, id, ok := interaction(r.Method, r.URL.Path)
	if !ok {
		s.notFound(w, r)
		return
	}
	body, truncated, err := request.ReadBody(http.MaxBytesReader(w, r.Body, s.maxSize+1), s.maxSize)
	if err != nil {
		s.writeOutcome(w, request.APIOf(in).Default(), validate.Issue{Severity: validate.SeverityError, Code: "incomplete",
			Spine: validate.SpineBadRequest, Message: "the request body could not be read: " + err.Error()}, http.StatusBadRequest)
		return
	}
	if truncated {
		// The rest is not read: close rather than drain it.
		w.Header().Set("Connection", "close")
	}
	req := &request.Request{Interaction: in, Method: r.Method, Target: r.URL.RequestURI(), Header: r.Header.Clone(),
		Body: body, BodyTruncated: truncated}
	resp, err := s.check.CheckContext(r.Context(), req)
	if err != nil {
		s.abandoned(w, r, request.APIOf(in).Default(), err)
		return
	}
	if !resp.Accepted() {
		if resp.Decisive >= 0 {
			f := resp.Findings[resp.Decisive]
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "refused", slog.String("interaction", in.String()),
				slog.Int("status", resp.Status), slog.String("rule", f.Rule), slog.String("spine", string(f.Spine)),
				slog.Int("findings", len(resp.Findings)))
		}
		writeResponse(w, resp, nil)
		return
	}
	from := headerValue(r.Header, request.HeaderFromASID)
	if (in == request.Publish || in == request.SubscriptionCreate) && resp.Result == nil {
		// An accepted body has always been validated; fail closed if not.
		s.storeFailed(w, r, resp.MediaType, fmt.Errorf("%s accepted without a validated body", in))
		return
	}
	switch in {
	case request.Publish:
		s.publish(w, r, resp, body, from)
	case request.SubscriptionCreate:
		s.create(w, r, resp, body, from)
	case request.SubscriptionRead:
		s.read(w, r, resp, strings.ToLower(id), from)
	case request.SubscriptionDelete:
		s.delete(w, r, resp, strings.ToLower(id), from)
	}
}

// writeResponse writes the checker's answer: status, its headers, and the
// OperationOutcome when there is one. extra headers are added first.
func writeResponse(w http.ResponseWriter, resp *request.Response, extra http.Header) {
	for k, vs := range extra {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Set(k, v)
		}
	}
	body := resp.Body()
	w.WriteHeader(resp.Status)
	if body != nil {
		w.Write(body)
	}
}

// writeOutcome answers with one issue of the server's own (not found,
// duplicate, store failure), in the Spine shape and media type mt.
func (s *Server) writeOutcome(w http.ResponseWriter, mt transform.MediaType, is validate.Issue, status int) {
	writeResult(w, mt, &validate.Result{Issues: []validate.Issue{is}}, status)
}

// writeResult answers with the OperationOutcome of res in media type mt.
func writeResult(w http.ResponseWriter, mt transform.MediaType, res *validate.Result, status int) {
	o := res.Outcome()
	w.Header().Set("Content-Type", mt.String())
	w.WriteHeader(status)
	if mt.Format == transform.JSON {
		w.Write(o.JSON())
	} else {
		w.Write(o.XML())
	}
}

// abandoned answers a request whose checks stopped because its context
// ended (the client went away): nothing was judged or stored. The answer
// is for the log and any client still there; never a verdict.
func (s *Server) abandoned(w http.ResponseWriter, r *http.Request, mt transform.MediaType, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "abandoned", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	s.writeOutcome(w, mt, validate.Issue{Severity: validate.SeverityError, Code: "incomplete", Spine: validate.SpineBadRequest,
		Message: "the request was abandoned before it was judged (" + err.Error() + "); nothing was stored"}, http.StatusServiceUnavailable)
}

// storeFailed answers a store error: 500, logged, never a success.
func (s *Server) storeFailed(w http.ResponseWriter, r *http.Request, mt transform.MediaType, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelError, "store", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	s.writeOutcome(w, mt, validate.Issue{Severity: validate.SeverityError, Code: "exception", Spine: "INTERNAL_SERVER_ERROR",
		Message: "the server could not store or read its state; nothing was changed by this request"}, http.StatusInternalServerError)
}

// headerValue returns the first value of the header, its name matched
// without regard to case.
func headerValue(h http.Header, name string) string {
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
	}
	return ""
}

// newID returns 32 lower-case hex digits, the form of NEMS's example ids.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newMeshID returns a message id of the form MESH gives:
// yyyymmddhhmmssffffff_ and six hex digits.
func newMeshID(t time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102150405.000000")[:14] + t.UTC().Format(".000000")[1:] + "_" + strings.ToUpper(hex.EncodeToString(b[:]))
}

// baseURL is the absolute base of Location headers.
func (s *Server) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimSuffix(s.opts.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// readAllLimit reads r up to limit+1 bytes.
func readAllLimit(r io.Reader, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, limit+1))
}
