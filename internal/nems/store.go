package nems

import (
	"context"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
)

// Subscription is a subscription as the server keeps it: the resource the
// client sent plus what NEMS adds (id, owner, version, dates) and the parts
// of its criteria that matching looks up.
type Subscription struct {
	ID string
	// Owner is the ASID that created it (fromASID, which the checker has
	// compared with the JWT's requesting_system).
	Owner string
	// Mailbox is channel.endpoint: the MESH mailbox that receives matches.
	Mailbox  string
	Criteria string
	// NHSNumber and Events index explicit subscriptions for matching.
	NHSNumber string
	Events    []string
	Tag       string
	// RuleType and Organization index generic subscriptions: the
	// subscriptionRuleType and the Organization.identifier code it names,
	// in upper case.
	RuleType, Organization string
	// Key is what makes two subscriptions duplicates (see duplicateKey).
	Key string
	// Body is the resource as created, in Format ("xml" or "json").
	Body   []byte
	Format string
	// Created is when NEMS accepted it; End is Subscription.end, zero when
	// the subscription is perpetual.
	Created, End time.Time
	Version      int
}

// Event is an accepted publication.
type Event struct {
	ID          string
	EventType   string // EventType-1 code
	NHSNumber   string // from the routing demographics; "" when absent
	FromASID    string
	ContentType string
	Body        []byte
	Received    time.Time
}

// Delivery is one copy of an event for one MESH mailbox.
type Delivery struct {
	ID         string // MESH message id
	Mailbox    string // receiving mailbox
	From       string // sending mailbox
	WorkflowID string
	PartnerID  string // Mex-Partnerid
	Subject    string
}

// Store keeps subscriptions, events and deliveries. The deliveries are also
// the MESH mailboxes' messages (mesh.Store), so that the MESH collection API
// reads what publication wrote. Implementations must be safe for
// concurrent use and must have made a change durable before returning nil.
type Store interface {
	mesh.Store
	// CreateSubscription stores sub unless one with the same Key exists,
	// in which case it stores nothing and returns that one's id.
	CreateSubscription(ctx context.Context, sub Subscription) (duplicateOf string, err error)
	// Subscription returns the subscription with the id; found is false
	// when there is none.
	Subscription(ctx context.Context, id string) (sub Subscription, found bool, err error)
	// DeleteSubscription removes it; found is false when there was none.
	DeleteSubscription(ctx context.Context, id string) (found bool, err error)
	// ExplicitCandidates returns the explicit subscriptions for the NHS
	// number that name the event type, through an index, never a scan.
	ExplicitCandidates(ctx context.Context, nhsNumber, eventType string) ([]Subscription, error)
	// GenericCandidates returns the generic subscriptions of the rule
	// type for the organisation code that name the event type, through an
	// index, never a scan.
	GenericCandidates(ctx context.Context, ruleType, organization, eventType string) ([]Subscription, error)
	// AddEvent stores an accepted event and its deliveries in one
	// transaction.
	AddEvent(ctx context.Context, ev Event, deliveries []Delivery) error
	// Close releases the store.
	Close() error
}
