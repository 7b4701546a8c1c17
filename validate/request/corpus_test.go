package request

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
)

// TestCorpus sends every official NEMS example as the request it belongs
// to, with good headers, and checks the request-level verdicts: the
// payload verdicts belong to package validate.
func TestCorpus(t *testing.T) {
	files := sharedtest.Glob(t, "corpus/nems-examples/*.xml")
	c := checkerFor(t, Options{})
	for _, f := range files {
		name := filepath.Base(f)
		if strings.Contains(name, "operationoutcome") {
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in := Publish
		if strings.HasPrefix(name, "subscription-") {
			in = SubscriptionCreate
		}
		req := goodRequest(t, in)
		req.Body = body
		req.Header.Del(HeaderInteractionID)
		FillDefaults(req, "")
		resp := c.Check(req)
		ev := ""
		if resp.Result != nil {
			ev = resp.Result.EventType
		}
		var requestErrors []string
		for _, f := range resp.Findings {
			if f.Severity.IsError() && f.Stage != StageBody || f.Rule == RulePublishableEvent || f.Rule == RuleClientID || f.Rule == RuleClientMeta {
				requestErrors = append(requestErrors, f.Rule)
			}
		}
		t.Logf("%-52s %-26s %s %v", name, ev, resp.StatusLine(), requestErrors)
		switch {
		case in == Publish && (pdsEvents[ev] || ev == "PDS002"):
			// No InteractionID exists for the event, so FillDefaults left
			// it out and its absence is reported too.
			if strings.Join(requestErrors, " ") != RuleInteractionID+" "+RulePublishableEvent {
				t.Errorf("%s: request findings %v, want %s and %s", name, requestErrors, RuleInteractionID, RulePublishableEvent)
			}
		case name == "subscription-read-response.xml":
			// No FHIR namespace: unreadable, so the id and meta it
			// carries are not looked at.
			if resp.Status != 400 {
				t.Errorf("%s: %s, want 400", name, resp.StatusLine())
			}
		default:
			if len(requestErrors) != 0 {
				t.Errorf("%s: request findings %v, want none", name, requestErrors)
			}
		}
	}
}
