package request

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// endpoint is a NEMS address, whatever the interaction asked for.
type endpoint int

const (
	noEndpoint      endpoint = iota
	publishPoint             // /STU3/Events/1/$process-message
	subscriptions            // /STU3/Subscription
	oneSubscription          // /STU3/Subscription/<id>
)

// allowed lists the methods NEMS serves at an endpoint (spec 1.4; there is
// no search and no update, 1.4 and 7.7).
func (e endpoint) allowed() []string {
	switch e {
	case publishPoint, subscriptions:
		return []string{http.MethodPost}
	case oneSubscription:
		return []string{http.MethodGet, http.MethodDelete}
	}
	return nil
}

func endpointOf(in Interaction) endpoint {
	switch in {
	case Publish:
		return publishPoint
	case SubscriptionCreate:
		return subscriptions
	}
	return oneSubscription
}

// subscriptionID matches the logical ids NEMS hands out: 32 hex digits in
// its examples, a hyphenated UUID on Spine Core pages (spec 7.4).
var subscriptionID = regexp.MustCompile(`^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)

// SplitTarget splits a request target (a path with a query, or an absolute
// URL) into its decoded path and its query. The host of an absolute URL is
// not checked: Spine resolves it from SDS (spec 1.4).
func SplitTarget(target string) (path string, query url.Values, err error) {
	if target == "" {
		return "", url.Values{}, nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", nil, err
	}
	if u.Opaque != "" {
		return "", nil, fmt.Errorf("%q is not a path or an http(s) URL", target)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return u.Path, nil, fmt.Errorf("query %q: %w", u.RawQuery, err)
	}
	return u.Path, q, nil
}

// routing checks the method and path against the interaction: a path that
// is not the interaction's gets 404, a method the path does not serve 405.
func (k *check) routing() {
	k.method = k.req.Method
	if k.method == "" {
		k.method = k.in.Method()
	}
	target := k.req.Target
	if target == "" {
		target = k.in.Path()
	}
	path, q, err := SplitTarget(target)
	if err != nil {
		k.add(StageRouting, issue.SeverityError, issue.SpineBadRequest, RuleTarget, 0,
			fmt.Sprintf("request target %q cannot be read: %v", target, err))
		return
	}
	k.path, k.format = path, q["_format"]

	want := endpointOf(k.in)
	got, id := noEndpoint, ""
	switch {
	case path == PathPublish:
		got = publishPoint
	case path == PathSubscription:
		got = subscriptions
	case strings.HasPrefix(path, PathSubscription+"/"):
		id = path[len(PathSubscription)+1:]
		switch {
		case strings.Contains(id, "/"):
			// _history and the like: NEMS serves nothing below an id.
		case id == "":
			got = subscriptions
		default:
			got = oneSubscription
		}
	}
	switch {
	case got == want:
	case want == oneSubscription && got == subscriptions:
		// The right address without the id: say so plainly.
		k.add(StageRouting, issue.SeverityError, issue.SpineBadRequest, RuleSubscriptionID, 0,
			fmt.Sprintf("path %q has no subscription id; %s is %s %s/<logical id>", path, k.in, k.in.Method(), PathSubscription))
		got = want
	default:
		msg := fmt.Sprintf("path %q is not the %s endpoint; %s is %s %s", path, k.in, k.in, k.in.Method(), k.in.Path())
		if want == oneSubscription {
			msg += "/<logical id>"
		}
		if got == noEndpoint && (strings.HasPrefix(path, "/Subscription") || strings.HasPrefix(path, "/Events/")) {
			msg += " (the Spine base path /STU3 is missing)"
		}
		k.add(StageRouting, issue.SeverityError, issue.SpineNoRecordFound, RulePath, http.StatusNotFound, msg)
		if got == noEndpoint {
			return
		}
	}
	if want == oneSubscription && got == oneSubscription && id != "" && !subscriptionID.MatchString(id) {
		k.add(StageRouting, issue.SeverityError, issue.SpineNoRecordFound, RuleSubscriptionID, http.StatusNotFound,
			fmt.Sprintf("no subscription can have the id %q: NEMS ids are 32 hexadecimal digits (a UUID on some Spine pages)", id))
	}
	allowed := got.allowed()
	for _, m := range allowed {
		if m != k.method {
			continue
		}
		if m != k.in.Method() && got == want {
			// A call NEMS serves, but another interaction than the one
			// meant: the InteractionID and scope will not fit it.
			k.add(StageRouting, issue.SeverityError, issue.SpineBadRequest, RuleMethod, 0,
				fmt.Sprintf("%s %s is %s, not %s; %s is %s", m, path, otherAt(got, m), k.in, k.in, k.in.Method()))
		}
		return
	}
	msg := fmt.Sprintf("method %q is not served at %s; %s is %s", k.method, path, k.in, k.in.Method())
	if strings.ToUpper(k.method) != k.method {
		msg += " (methods are case-sensitive)"
	}
	if got == oneSubscription && (k.method == http.MethodPut || k.method == http.MethodPatch) {
		msg += "; NEMS has no update: delete the subscription and create a new one"
	}
	k.add(StageRouting, issue.SeverityError, issue.SpineBadRequest, RuleMethod, http.StatusMethodNotAllowed, msg)
	k.resp.Header.Set("Allow", strings.Join(allowed, ", "))
}

// otherAt names the interaction a method serves at an endpoint.
func otherAt(e endpoint, method string) Interaction {
	for _, in := range issue.Interactions() {
		if endpointOf(in) == e && in.Method() == method {
			return in
		}
	}
	return 0
}
