package nems

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
	"github.com/nemsfhir/nemsfhir/validate/report"
)

// The web page shows the server's state: subscriptions with their criteria
// decoded, the event log with each candidate's verdict, and the mailboxes
// with their messages; and it validates a pasted or uploaded payload,
// answering with the HTML report of `nemsfhir validate --format html`.
// Like the admin API it answers loopback clients only: it shows everyone's
// subscriptions.

// uiListed bounds what the page lists.
const uiListed = 200

// uiCSP lets the page use its own inline style and post its own form,
// and nothing else: no script, no image, no request elsewhere.
const uiCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

type uiSubscription struct {
	Subscription
	Kind, Status string
	Components   []string
}

type uiMailbox struct {
	Mailbox  string
	Messages []uiMessage
}

type uiMessage struct {
	Delivery
	EventType string
	Received  time.Time
}

type uiPage struct {
	Subscriptions []uiSubscription
	Events        []Event
	Mailboxes     []uiMailbox
	Listed        int
}

// uiTemplate is parsed on first use, not at package initialisation, which
// every run of the CLI (linked with the server) would pay for.
var uiTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Funcs(template.FuncMap{
		"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	}).Parse(uiTemplateText))
})

const uiTemplateText = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nemsfhir serve</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin-bottom:1.5em}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top;font-size:.9em}
code,.mono{font-family:ui-monospace,monospace}
.no{color:#a33}.yes{color:#282}
textarea{width:100%;height:12em;font-family:ui-monospace,monospace}
</style></head><body>
<h1>nemsfhir serve — a local NEMS</h1>
<p>The latest {{.Listed}} of each list. NEMS paths: <code>/STU3/Events/1/$process-message</code>, <code>/STU3/Subscription</code>.</p>

<h2 id="subscriptions">Subscriptions</h2>
{{if .Subscriptions}}<table><tr><th>id</th><th>kind</th><th>status</th><th>mailbox</th><th>owner ASID</th><th>criteria</th><th>created</th></tr>
{{range .Subscriptions}}<tr class="subscription"><td class="mono">{{.ID}}</td><td>{{.Kind}}</td><td>{{.Status}}</td><td class="mono">{{.Mailbox}}</td><td class="mono">{{.Owner}}</td>
<td>{{range .Components}}<code>{{.}}</code><br>{{end}}</td><td>{{when .Created}}</td></tr>
{{end}}</table>{{else}}<p>No subscriptions.</p>{{end}}

<h2 id="events">Events</h2>
{{if .Events}}<table><tr><th>received</th><th>id</th><th>event type</th><th>NHS number</th><th>from ASID</th><th>candidates</th><th>delivered to</th></tr>
{{range .Events}}<tr class="event"><td>{{when .Received}}</td><td class="mono">{{.ID}}</td><td>{{.EventType}}</td><td class="mono">{{.NHSNumber}}</td><td class="mono">{{if .FromASID}}{{.FromASID}}{{else}}admin{{end}}</td>
<td>{{if .Withheld}}<span class="no">patient flagged S or I: nothing flows</span>{{end}}{{range .Matches}}<span class="mono">{{.SubscriptionID}}</span>: {{if .Matched}}<span class="yes">matched</span>{{else}}<span class="no">{{.Reason}}</span>{{end}}<br>{{end}}</td>
<td>{{range .Deliveries}}<span class="mono">{{.Mailbox}}</span> {{.WorkflowID}}{{with .PartnerID}} <code>{{.}}</code>{{end}}<br>{{end}}</td></tr>
{{end}}</table>{{else}}<p>No events.</p>{{end}}

<h2 id="mailboxes">Mailboxes</h2>
{{if .Mailboxes}}<table><tr><th>mailbox</th><th>message</th><th>workflow</th><th>Mex-Partnerid</th><th>event</th><th>received</th><th>collected</th></tr>
{{range $m := .Mailboxes}}{{range .Messages}}<tr class="message"><td class="mono">{{$m.Mailbox}}</td><td class="mono">{{.ID}}</td><td>{{.WorkflowID}}</td><td><code>{{.PartnerID}}</code></td><td>{{.EventType}}</td><td>{{when .Received}}</td><td>{{if .Acknowledged}}yes{{else}}no{{end}}</td></tr>
{{end}}{{end}}</table>{{else}}<p>No messages.</p>{{end}}

<h2 id="validator">Validate a payload</h2>
<form method="post" action="/ui/validate" enctype="multipart/form-data">
<p><textarea name="payload" id="payload" placeholder="Paste a FHIR STU3 resource, XML or JSON"></textarea></p>
<p>or upload a file: <input type="file" name="file"> <button type="submit" id="validate">Validate</button></p>
</form>
</body></html>
`

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	subs, err := s.opts.Store.ListSubscriptions(r.Context(), uiListed)
	if err != nil {
		s.log.Error("page", "error", err.Error())
		http.Error(w, "the state could not be read", http.StatusInternalServerError)
		return
	}
	evs, err := s.opts.Store.ListEvents(r.Context(), uiListed)
	if err != nil {
		s.log.Error("page", "error", err.Error())
		http.Error(w, "the state could not be read", http.StatusInternalServerError)
		return
	}
	p := uiPage{Events: evs, Listed: uiListed}
	now := s.opts.Now()
	for _, sub := range subs {
		crit, _ := criteria.Parse(sub.Criteria)
		row := uiSubscription{Subscription: sub, Kind: crit.Kind.String(), Status: s.status(sub, now)}
		for _, c := range crit.Components {
			name := c.Name
			if c.Modifier != "" {
				name += ":" + c.Modifier
			}
			row.Components = append(row.Components, name+" = "+c.Value)
		}
		p.Subscriptions = append(p.Subscriptions, row)
	}
	boxes := map[string]*uiMailbox{}
	for _, ev := range evs {
		for _, d := range ev.Deliveries {
			b := boxes[d.Mailbox]
			if b == nil {
				b = &uiMailbox{Mailbox: d.Mailbox}
				boxes[d.Mailbox] = b
			}
			b.Messages = append(b.Messages, uiMessage{Delivery: d, EventType: ev.EventType, Received: ev.Received})
		}
	}
	for _, b := range boxes {
		p.Mailboxes = append(p.Mailboxes, *b)
	}
	sort.Slice(p.Mailboxes, func(i, j int) bool { return p.Mailboxes[i].Mailbox < p.Mailboxes[j].Mailbox })
	var buf bytes.Buffer
	if err := uiTemplate().Execute(&buf, p); err != nil {
		s.log.Error("page", "error", err.Error())
		http.Error(w, "the page could not be written", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", uiCSP)
	w.Write(buf.Bytes())
}

// uiValidate validates the pasted or uploaded payload and answers with
// the HTML report.
func (s *Server) uiValidate(w http.ResponseWriter, r *http.Request) {
	// The payload, the form's other fields and multipart framing.
	r.Body = http.MaxBytesReader(w, r.Body, s.maxSize+64<<10)
	if err := r.ParseMultipartForm(s.maxSize + 64<<10); err != nil {
		var tooBig *http.MaxBytesError
		status := http.StatusBadRequest
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, "the form could not be read: "+err.Error(), status)
		return
	}
	defer r.MultipartForm.RemoveAll()
	name, src := "pasted payload", []byte(r.FormValue("payload"))
	if f, h, err := r.FormFile("file"); err == nil {
		b, err := io.ReadAll(io.LimitReader(f, s.maxSize+1))
		f.Close()
		if err != nil {
			http.Error(w, "the file could not be read: "+err.Error(), http.StatusBadRequest)
			return
		}
		if len(b) > 0 {
			name, src = h.Filename, b
		}
	}
	if int64(len(src)) > s.maxSize {
		http.Error(w, fmt.Sprintf("the payload is more than %d bytes", s.maxSize), http.StatusRequestEntityTooLarge)
		return
	}
	if len(bytes.TrimSpace(src)) == 0 {
		http.Error(w, "paste a payload or choose a file", http.StatusBadRequest)
		return
	}
	res, err := s.v.ValidateContext(r.Context(), name, src)
	if err != nil {
		s.log.Info("abandoned", "path", r.URL.Path, "error", err.Error())
		http.Error(w, "the validation was abandoned: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	var buf bytes.Buffer
	rep := report.NewHTML(&buf, "serve")
	err = rep.WriteSource(res, src)
	if err == nil {
		err = rep.Flush()
	}
	if err != nil {
		s.log.Error("ui validate", "error", err.Error())
		http.Error(w, "the report could not be written", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}
