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

// Event is an accepted publication, or an event injected through the
// admin API.
type Event struct {
	ID          string    `json:"id"`
	EventType   string    `json:"eventType"` // EventType-1 code
	NHSNumber   string    `json:"nhsNumber,omitempty"`
	FromASID    string    `json:"fromASID,omitempty"` // "" for an injected event
	ContentType string    `json:"contentType"`
	Body        []byte    `json:"-"`
	Received    time.Time `json:"received"`
	// Withheld says the patient is flagged S or I: nothing was delivered.
	Withheld bool `json:"withheld,omitempty"`
	// Matches lists every candidate subscription, matched or not and why.
	Matches []MatchRecord `json:"matches"`
	// Deliveries is filled by ListEvents.
	Deliveries []Delivery `json:"deliveries,omitempty"`
}

// MatchRecord is the verdict on one candidate subscription for an event.
type MatchRecord struct {
	SubscriptionID string `json:"subscriptionId"`
	Mailbox        string `json:"mailbox"`
	Matched        bool   `json:"matched"`
	Reason         string `json:"reason,omitempty"` // why it did not match
}

// Delivery is one copy of an event for one MESH mailbox.
type Delivery struct {
	ID         string `json:"id"`      // MESH message id
	Mailbox    string `json:"mailbox"` // receiving mailbox
	From       string `json:"from"`    // sending mailbox
	WorkflowID string `json:"workflowId"`
	PartnerID  string `json:"partnerId,omitempty"` // Mex-Partnerid
	Subject    string `json:"subject,omitempty"`
	// Acknowledged says the receiver has collected it.
	Acknowledged bool `json:"acknowledged"`
}

// Store keeps subscriptions, events and deliveries. The deliveries are also
// the MESH mailboxes' messages (mesh.Store), so that the MESH collection API
// reads what publication wrote. Implementations must be safe for
// concurrent use and must have made a change durable before returning nil.
type Store interface {
	mesh.Store
	DirectoryStore
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
	// QueueEvent stores an accepted event, without matches or
	// deliveries, and its outbox entry claimed by owner for lease, before
	// anything is matched. It need not wait for the disk: the event is
	// answered 202 only once CompleteEvent, which must, has returned.
	QueueEvent(ctx context.Context, ev Event, before *PatientRecord, owner string, lease time.Duration) error
	// CompleteEvent, in one transaction, removes the event's outbox entry
	// if owner still holds the claim, stores the deliveries (at most one
	// per mailbox and event, whatever happens) and records the matches.
	// done is false when the claim was taken over: nothing was stored.
	CompleteEvent(ctx context.Context, eventID, owner string, matches []MatchRecord, withheld bool, deliveries []Delivery) (done bool, err error)
	// ClaimExpired takes over at most limit outbox entries whose claim
	// has expired, claiming them for owner for lease, skipping entries
	// another instance is claiming at the same moment.
	ClaimExpired(ctx context.Context, owner string, lease time.Duration, limit int) ([]QueuedEvent, error)
	// PendingEvents counts the outbox entries.
	PendingEvents(ctx context.Context) (int, error)
	// ListSubscriptions returns the latest subscriptions, newest first, at
	// most limit.
	ListSubscriptions(ctx context.Context, limit int) ([]Subscription, error)
	// ListEvents returns the latest events, newest first, at most limit,
	// with their matches and deliveries but not their bodies.
	ListEvents(ctx context.Context, limit int) ([]Event, error)
	// MailboxExists says whether the MESH mailbox is named by a
	// subscription (channel.endpoint) or holds a delivery, through an
	// index, never a scan.
	MailboxExists(ctx context.Context, mailbox string) (bool, error)
	// Reset removes every subscription, event and delivery.
	Reset(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// QueuedEvent is an outbox entry: the event, with its body, and the
// patient's directory record before the event changed it (nil when it
// did not).
type QueuedEvent struct {
	Event  Event
	Before *PatientRecord
}

// DirectoryStore keeps the patient and area directory (see Directory), so
// that what PDS events and the admin API change survives a restart and is
// shared by every instance on the store.
type DirectoryStore interface {
	// Patient returns a patient's record; found is false when there is none.
	Patient(ctx context.Context, nhsNumber string) (p PatientRecord, found bool, err error)
	// PutPatient adds or replaces a patient's record.
	PutPatient(ctx context.Context, p PatientRecord) error
	// PostcodeArea places a postcode given without spaces, in upper case.
	PostcodeArea(ctx context.Context, postcode string) (a PostcodeArea, found bool, err error)
	// Practice places a practice given by its ODS code in upper case.
	Practice(ctx context.Context, code string) (p Practice, found bool, err error)
	// ReplaceDirectory puts e in place of the whole directory, in one
	// transaction.
	ReplaceDirectory(ctx context.Context, e DirectoryEntries) error
	// SeedDirectory replaces the directory with e, as ReplaceDirectory,
	// unless the last seed applied was the same seed; applied says
	// whether it did.
	SeedDirectory(ctx context.Context, e DirectoryEntries, seed string) (applied bool, err error)
}
