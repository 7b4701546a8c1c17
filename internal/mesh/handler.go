// Package mesh serves the receiving side of the MESH API (Message Exchange
// for Social Care and Health) over a [Store] of mailboxes, so that a NEMS
// subscriber's own MESH client collects the event messages a local NEMS
// delivered: handshake, count, inbox list with workflow filter and paging,
// download (whole message or chunk 1) and acknowledgement, each request
// authorised by an NHSMESH token checked by [Auth].
//
// Paths are MESH's own, under /messageexchange/; the handler must be
// mounted at the root of the server (its "next" links are absolute paths,
// as MESH's are). Responses follow the Accept header as MESH does:
// application/vnd.mesh.v2+json gets the version 2 shapes (what NHS
// England's Python client asks for), anything else version 1.
//
// Sending (outbox, tracking, endpoint lookup) is not served: messages come
// only from the NEMS deliveries written to the store, and a send is
// answered 501 rather than accepted and lost.
package mesh

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	// defaultMaxResults is MESH's page size for an inbox list.
	defaultMaxResults = 500
	minMaxResults     = 10
	maxMaxResults     = 5000

	mediaV2 = "application/vnd.mesh.v2+json"
	// maxRequestBody bounds what is read of a request body; a receiver's
	// requests carry none.
	maxRequestBody = 1 << 10
)

var acceptVersion = regexp.MustCompile(`^application/vnd\.mesh\.v(\d+)\+json$`)

// handler serves the MESH API over a store.
type handler struct {
	store Store
	auth  *Auth
}

// NewHandler returns the MESH API over store, every mailbox request
// authorised by auth. A nil store or auth makes every request fail with 500
// rather than serve mailboxes unchecked.
func NewHandler(store Store, auth *Auth) http.Handler {
	h := &handler{store: store, auth: auth}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /messageexchange/_ping", h.ping)
	mux.HandleFunc("GET /messageexchange/{mailbox}", h.mailbox(h.handshake))
	mux.HandleFunc("POST /messageexchange/{mailbox}", h.mailbox(h.handshake))
	mux.HandleFunc("GET /messageexchange/{mailbox}/count", h.mailbox(h.count))
	mux.HandleFunc("GET /messageexchange/{mailbox}/inbox", h.mailbox(h.inbox))
	mux.HandleFunc("GET /messageexchange/{mailbox}/inbox/{id}", h.mailbox(h.retrieve))
	mux.HandleFunc("GET /messageexchange/{mailbox}/inbox/{id}/{chunk}", h.mailbox(h.retrieve))
	mux.HandleFunc("PUT /messageexchange/{mailbox}/inbox/{id}/status/acknowledged", h.mailbox(h.acknowledge))
	mux.HandleFunc("/messageexchange/{mailbox}/outbox", h.mailbox(h.notServed))
	mux.HandleFunc("/messageexchange/{mailbox}/outbox/", h.mailbox(h.notServed))
	mux.HandleFunc("/", h.notFound)
	return mux
}

// request is an authorised mailbox request.
type request struct {
	w       http.ResponseWriter
	r       *http.Request
	mailbox string
	version int // API version asked for by Accept
}

// mailbox wraps an endpoint of a mailbox: it reads the API version asked
// for and checks the token against the path's mailbox before anything else.
func (h *handler) mailbox(serve func(request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		version, err := apiVersion(r.Header.Values("Accept"))
		if err != nil {
			writeError(w, 1, http.StatusBadRequest, "AUTH", err.Error())
			return
		}
		if h.store == nil || h.auth == nil {
			writeError(w, version, http.StatusInternalServerError, "SERVER", "the MESH endpoint has no store or no authentication configured")
			return
		}
		mailbox := r.PathValue("mailbox")
		if err := h.auth.Check(r.Context(), mailbox, r.Header.Get("Authorization")); err != nil {
			var ae *AuthError
			if errors.As(err, &ae) {
				if ae.Status == http.StatusTooManyRequests {
					w.Header().Set("Retry-After", "60")
				}
				writeError(w, version, ae.Status, "AUTH", ae.Reason)
				return
			}
			writeError(w, version, http.StatusInternalServerError, "AUTH", err.Error())
			return
		}
		serve(request{w: w, r: r, mailbox: mailbox, version: version})
	}
}

// apiVersion reads the MESH API version from the Accept header: the first
// application/vnd.mesh.vN+json names it, none means version 1, and a
// vnd.mesh media type of another form is an error, as in MESH.
func apiVersion(accepts []string) (int, error) {
	for _, accept := range accepts {
		for _, part := range strings.FieldsFunc(accept, func(r rune) bool { return r == ',' || r == ';' }) {
			part = strings.TrimSpace(part)
			if !strings.Contains(part, "vnd.mesh") {
				continue
			}
			m := acceptVersion.FindStringSubmatch(part)
			if m == nil {
				return 0, fmt.Errorf("the Accept header's MESH media type %q is not application/vnd.mesh.vN+json", part)
			}
			v, err := strconv.Atoi(m[1])
			if err != nil || v < 1 || v > 2 {
				return 0, fmt.Errorf("the Accept header asks for MESH API version %s; this server speaks versions 1 and 2", m[1])
			}
			return v, nil
		}
	}
	return 1, nil
}

// ping answers MESH's unauthenticated liveness probe.
func (h *handler) ping(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 1, http.StatusOK, map[string]string{"status": "running", "outcome": "Yes"})
}

// handshake validates the mailbox ("Validate a mailbox"): version 1 names
// it, version 2 answers with an empty body.
func (h *handler) handshake(q request) {
	if q.version >= 2 {
		q.w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(q.w, q.version, http.StatusOK, map[string]string{"mailboxId": q.mailbox})
}

// count answers the (deprecated) inbox count.
func (h *handler) count(q request) {
	n, err := h.store.InboxCount(q.r.Context(), q.mailbox)
	if err != nil {
		storeError(q, err)
		return
	}
	if q.version >= 2 {
		writeJSON(q.w, q.version, http.StatusOK, map[string]int{"count": n})
		return
	}
	writeJSON(q.w, q.version, http.StatusOK, struct {
		Count              int    `json:"count"`
		InternalID         string `json:"internalID"`
		AllResultsIncluded bool   `json:"allResultsIncluded"`
	}{n, internalID(), true})
}

// internalID is a diagnostic reference in MESH's timestamp form.
func internalID() string {
	return time.Now().UTC().Format("20060102150405.000000")
}

// inbox lists the ids of the messages waiting, oldest first, a page of
// max_results (10 to 5000, default 500) at a time, after continue_from
// (the last id of the previous page) when given, only those whose
// workflow matches workflow_filter when given.
func (h *handler) inbox(q request) {
	query := q.r.URL.Query()
	maxResults := defaultMaxResults
	if v := query.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < minMaxResults || n > maxMaxResults {
			writeError(q.w, q.version, http.StatusBadRequest, "INBOX", fmt.Sprintf("max_results %q is not a whole number from %d to %d", v, minMaxResults, maxMaxResults))
			return
		}
		maxResults = n
	}
	continueFrom := query.Get("continue_from")
	if len(continueFrom) > 1000 {
		writeError(q.w, q.version, http.StatusBadRequest, "INBOX", "continue_from is longer than 1000 characters")
		return
	}
	filterText := strings.TrimSpace(query.Get("workflow_filter"))
	filter, err := parseWorkflowFilter(filterText)
	if err != nil {
		writeError(q.w, q.version, http.StatusBadRequest, "INBOX", err.Error())
		return
	}
	ctx := q.r.Context()
	// The store is read a page at a time (one more than asked, to know
	// whether there is a next page), so that memory stays bounded however
	// many messages wait. An exact workflow is the store's own filter; any
	// other form is applied here, reading on until the page is full.
	page := make([]string, 0, min(maxResults, 64))
	listed := map[string]bool{}
	more := false
	after := continueFrom
	for !more {
		entries, err := h.store.Inbox(ctx, q.mailbox, InboxQuery{WorkflowID: filter.exact, After: after, Limit: maxResults + 1})
		if err != nil {
			storeError(q, err)
			return
		}
		for _, e := range entries {
			if filter.pattern != nil && !filter.pattern(e.WorkflowID) {
				continue
			}
			// A cursor acknowledged between two reads starts the store
			// from the oldest again: skip what this page already has.
			if listed[e.ID] {
				continue
			}
			if len(page) == maxResults {
				more = true
				break
			}
			listed[e.ID] = true
			page = append(page, e.ID)
		}
		if len(entries) <= maxResults {
			break
		}
		after = entries[len(entries)-1].ID
	}
	waiting, err := h.store.InboxCount(ctx, q.mailbox)
	if err != nil {
		storeError(q, err)
		return
	}
	if q.version < 2 {
		writeJSON(q.w, q.version, http.StatusOK, map[string][]string{"messages": page})
		return
	}
	link := func(after string) string {
		v := url.Values{}
		if maxResults != defaultMaxResults {
			v.Set("max_results", strconv.Itoa(maxResults))
		}
		if filterText != "" {
			v.Set("workflow_filter", filterText)
		}
		if after != "" {
			v.Set("continue_from", after)
		}
		u := "/messageexchange/" + url.PathEscape(q.mailbox) + "/inbox"
		if len(v) > 0 {
			u += "?" + v.Encode()
		}
		return u
	}
	links := map[string]string{"self": link("")}
	if more && len(page) > 0 {
		links["next"] = link(page[len(page)-1])
	}
	writeJSON(q.w, q.version, http.StatusOK, struct {
		Messages         []string          `json:"messages"`
		Links            map[string]string `json:"links"`
		ApproxInboxCount int               `json:"approx_inbox_count"`
	}{page, links, waiting})
}

// workflowFilter is MESH's inbox workflow filter: WF (equals), !WF (does not
// equal), WF* (begins with), !WF* , *WF* (contains), !*WF*.
type workflowFilter struct {
	exact   string            // equals: left to the store
	pattern func(string) bool // any other form
}

func parseWorkflowFilter(f string) (workflowFilter, error) {
	if f == "" {
		return workflowFilter{}, nil
	}
	if len(f) > 255 {
		return workflowFilter{}, errors.New("workflow_filter is longer than 255 characters")
	}
	not := strings.HasPrefix(f, "!")
	body := strings.TrimPrefix(f, "!")
	var match func(string) bool
	switch {
	case len(body) >= 2 && strings.HasPrefix(body, "*") && strings.HasSuffix(body, "*"):
		part := body[1 : len(body)-1]
		match = func(wf string) bool { return strings.Contains(wf, part) }
	case strings.HasSuffix(body, "*"):
		prefix := body[:len(body)-1]
		match = func(wf string) bool { return strings.HasPrefix(wf, prefix) }
	default:
		if !not {
			if strings.Contains(body, "*") {
				return workflowFilter{}, fmt.Errorf("workflow_filter %q: * may only begin and end a contains filter (*WF*) or end a begins-with filter (WF*)", f)
			}
			return workflowFilter{exact: body}, nil
		}
		match = func(wf string) bool { return wf == body }
	}
	inner := strings.Trim(body, "*")
	if inner == "" || strings.Contains(inner, "*") {
		return workflowFilter{}, fmt.Errorf("workflow_filter %q: * may only begin and end a contains filter (*WF*) or end a begins-with filter (WF*)", f)
	}
	if not {
		return workflowFilter{pattern: func(wf string) bool { return !match(wf) }}, nil
	}
	return workflowFilter{pattern: match}, nil
}

// retrieve downloads a message with MESH's headers. Messages are held
// whole, so chunk 1 is the message and any other chunk does not exist.
func (h *handler) retrieve(q request) {
	id := q.r.PathValue("id")
	if c := q.r.PathValue("chunk"); c != "" {
		if n, err := strconv.Atoi(c); err != nil || n != 1 {
			writeError(q.w, q.version, http.StatusNotFound, "RECEIVE", fmt.Sprintf("message %s has 1 chunk; there is no chunk %q", id, c))
			return
		}
	}
	msg, found, err := h.store.Message(q.r.Context(), q.mailbox, id)
	if err != nil {
		storeError(q, err)
		return
	}
	if !found {
		writeError(q.w, q.version, http.StatusNotFound, "RECEIVE", fmt.Sprintf("message %s does not exist in mailbox %s", id, q.mailbox))
		return
	}
	hd := q.w.Header()
	set := func(name, value string) {
		if value != "" {
			hd.Set(name, value)
		}
	}
	set("Mex-From", msg.From)
	set("Mex-To", msg.To)
	set("Mex-WorkflowID", msg.WorkflowID)
	set("Mex-MessageID", msg.ID)
	set("Mex-PartnerID", msg.PartnerID)
	set("Mex-Subject", msg.Subject)
	set("Mex-MessageType", "DATA")
	set("Mex-Chunk-Range", "1:1")
	set("Mex-AddressType", "ALL")
	set("Mex-StatusCode", "00")
	set("Mex-StatusEvent", "TRANSFER")
	set("Mex-StatusDescription", "Transferred to recipient mailbox")
	set("Mex-StatusSuccess", "SUCCESS")
	contentType := msg.ContentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	set("Content-Type", contentType)
	if !msg.Received.IsZero() {
		set("Mex-StatusTimestamp", msg.Received.UTC().Format("20060102150405"))
		set("Last-Modified", msg.Received.UTC().Format(http.TimeFormat))
	}
	hd.Set("Content-Length", strconv.Itoa(len(msg.Body)))
	q.w.WriteHeader(http.StatusOK)
	if q.r.Method != http.MethodHead {
		q.w.Write(msg.Body)
	}
}

// acknowledge marks a message collected; acknowledging it again is not an
// error, as in MESH.
func (h *handler) acknowledge(q request) {
	id := q.r.PathValue("id")
	found, err := h.store.Acknowledge(q.r.Context(), q.mailbox, id)
	if err != nil {
		storeError(q, err)
		return
	}
	if !found {
		writeError(q.w, q.version, http.StatusNotFound, "ACKNOWLEDGE", fmt.Sprintf("message %s does not exist in mailbox %s", id, q.mailbox))
		return
	}
	if q.version >= 2 {
		q.w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(q.w, q.version, http.StatusOK, map[string]string{"messageId": id})
}

// notServed answers a send: this MESH only holds what NEMS delivered.
func (h *handler) notServed(q request) {
	writeError(q.w, q.version, http.StatusNotImplemented, "SEND", "this local MESH only delivers NEMS event messages; sending, tracking and chunk upload are not served")
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	version, err := apiVersion(r.Header.Values("Accept"))
	if err != nil {
		version = 1
	}
	writeError(w, version, http.StatusNotFound, "REQUEST", fmt.Sprintf("no MESH endpoint %s %s", r.Method, r.URL.Path))
}

// storeError answers a failure of the store with 500.
func storeError(q request, err error) {
	writeError(q.w, q.version, http.StatusInternalServerError, "SERVER", "the mailbox store failed: "+err.Error())
}

// writeError answers with MESH's error body.
func writeError(w http.ResponseWriter, version, status int, event, description string) {
	writeJSON(w, version, status, struct {
		ErrorEvent       string `json:"errorEvent"`
		ErrorCode        string `json:"errorCode"`
		ErrorDescription string `json:"errorDescription"`
	}{event, strconv.Itoa(status), description})
}

func writeJSON(w http.ResponseWriter, version, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "mesh: encoding the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if version >= 2 {
		w.Header().Set("Content-Type", mediaV2)
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
