package issue

import (
	"fmt"
	"strings"
)

// Interaction is one of the four NEMS API calls (NEMS guide: "Publish an
// Event Message", "Create Subscription", and the read and delete
// subscription pages). The zero Interaction is not an interaction.
type Interaction int

// The NEMS interactions.
const (
	Publish Interaction = iota + 1
	SubscriptionCreate
	SubscriptionRead
	SubscriptionDelete
)

var interactionNames = [...]string{
	Publish:            "publish",
	SubscriptionCreate: "subscription-create",
	SubscriptionRead:   "subscription-read",
	SubscriptionDelete: "subscription-delete",
}

// Interactions lists the four interactions in order.
func Interactions() []Interaction {
	return []Interaction{Publish, SubscriptionCreate, SubscriptionRead, SubscriptionDelete}
}

// Valid reports whether i is one of the four interactions.
func (i Interaction) Valid() bool { return i >= Publish && i <= SubscriptionDelete }

// String returns the name used on the command line: "publish",
// "subscription-create", "subscription-read" or "subscription-delete".
func (i Interaction) String() string {
	if i.Valid() {
		return interactionNames[i]
	}
	return fmt.Sprintf("Interaction(%d)", int(i))
}

// ParseInteraction reads an interaction name as String writes it; "create",
// "read" and "delete", the words the rule packs use, are accepted for the
// subscription calls.
func ParseInteraction(s string) (Interaction, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i := Publish; i <= SubscriptionDelete; i++ {
		if s == interactionNames[i] || "subscription-"+s == interactionNames[i] {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown interaction %q: expected publish, subscription-create, subscription-read or subscription-delete", s)
}

// Verb returns the short name of a subscription interaction, the word the
// rule packs' appliesTo.interaction uses: "create", "read" or "delete".
// It is String for publish, "" for an invalid interaction.
func (i Interaction) Verb() string {
	if !i.Valid() {
		return ""
	}
	return strings.TrimPrefix(interactionNames[i], "subscription-")
}

// Paths of the NEMS endpoints, below the Spine host (NEMS guide API pages).
const (
	PathPublish      = "/STU3/Events/1/$process-message"
	PathSubscription = "/STU3/Subscription"
)

// Method returns the HTTP method of the interaction.
func (i Interaction) Method() string {
	switch i {
	case Publish, SubscriptionCreate:
		return "POST"
	case SubscriptionRead:
		return "GET"
	case SubscriptionDelete:
		return "DELETE"
	}
	return ""
}

// Path returns the path of the interaction on a Spine host. For read and
// delete the logical id of the subscription follows it after a "/".
func (i Interaction) Path() string {
	switch i {
	case Publish:
		return PathPublish
	case SubscriptionCreate, SubscriptionRead, SubscriptionDelete:
		return PathSubscription
	}
	return ""
}

// InteractionID values of the subscription API (NEMS guide subscription
// pages). Publish has one InteractionID per event code,
// "urn:nhs:names:services:events:<code>.Write".
const (
	InteractionIDSubscriptionCreate = "urn:nhs:names:services:clinicals-sync:SubscriptionsApiPost"
	InteractionIDSubscriptionRead   = "urn:nhs:names:services:clinicals-sync:SubscriptionsApiGet"
	InteractionIDSubscriptionDelete = "urn:nhs:names:services:clinicals-sync:SubscriptionsApiDelete"
	publishIDPrefix                 = "urn:nhs:names:services:events:"
	publishIDSuffix                 = ".Write"
)

// InteractionID returns the InteractionID header value of a subscription
// call, "" for publish (one per event code) and invalid interactions.
func (i Interaction) InteractionID() string {
	switch i {
	case SubscriptionCreate:
		return InteractionIDSubscriptionCreate
	case SubscriptionRead:
		return InteractionIDSubscriptionRead
	case SubscriptionDelete:
		return InteractionIDSubscriptionDelete
	}
	return ""
}

// InteractionFromID maps an InteractionID header value to its interaction.
// For publish it checks only the shape "urn:nhs:names:services:events:
// <code>.Write" and returns the event code; whether the code is one NEMS
// accepts is a question for the event rules. Matching is exact, as Spine
// compares these values.
func InteractionFromID(id string) (in Interaction, eventCode string, ok bool) {
	switch id {
	case InteractionIDSubscriptionCreate:
		return SubscriptionCreate, "", true
	case InteractionIDSubscriptionRead:
		return SubscriptionRead, "", true
	case InteractionIDSubscriptionDelete:
		return SubscriptionDelete, "", true
	}
	if code, found := strings.CutPrefix(id, publishIDPrefix); found {
		if code, found = strings.CutSuffix(code, publishIDSuffix); found && code != "" {
			return Publish, code, true
		}
	}
	return 0, "", false
}

// Scopes NEMS requires (NEMS guide: "JWT Claims" of the generic
// publication and subscription API pages).
const (
	ScopeBundleWrite       = "patient/Bundle.write"
	ScopeSubscriptionRead  = "patient/Subscription.read"
	ScopeSubscriptionWrite = "patient/Subscription.write"
)

// RequiredScope returns the scope a token must grant for the interaction:
// patient/Bundle.write to publish, patient/Subscription.read to read a
// subscription, patient/Subscription.write to create or delete one. The
// guide names the two subscription scopes without mapping them to calls;
// this mapping is the reading of those "JWT Claims" tables. It returns ""
// for an invalid interaction.
func (i Interaction) RequiredScope() string {
	switch i {
	case Publish:
		return ScopeBundleWrite
	case SubscriptionRead:
		return ScopeSubscriptionRead
	case SubscriptionCreate, SubscriptionDelete:
		return ScopeSubscriptionWrite
	}
	return ""
}
