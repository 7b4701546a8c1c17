package mesh

import (
	"context"
	"time"
)

// Message is one message in a MESH mailbox.
type Message struct {
	ID          string
	From, To    string // sending and receiving mailbox ids
	WorkflowID  string
	PartnerID   string // Mex-Partnerid header as sent
	Subject     string
	ContentType string
	Body        []byte
	Received    time.Time
}

// InboxQuery selects one page of a mailbox's waiting messages.
type InboxQuery struct {
	// WorkflowID, when not empty, keeps only the messages of that workflow.
	WorkflowID string
	// After starts the page after this waiting message. When the mailbox
	// holds no waiting message with that id (none given, or acknowledged
	// since), the page starts from the oldest, so that nothing is missed.
	After string
	// Limit is the most entries returned; it must be positive. It is what
	// keeps a large inbox from being read into memory at once.
	Limit int
}

// InboxEntry is a waiting message as an inbox list sees it: enough to
// filter by workflow without reading the message.
type InboxEntry struct {
	ID         string
	WorkflowID string
}

// Store holds the mailboxes' messages.
type Store interface {
	// Inbox lists a page of the messages of mailbox not yet acknowledged,
	// oldest first, as q selects. A Limit that is not positive is an error.
	Inbox(ctx context.Context, mailbox string, q InboxQuery) ([]InboxEntry, error)
	// InboxCount says how many messages of mailbox are not yet acknowledged.
	InboxCount(ctx context.Context, mailbox string) (int, error)
	// Message returns one message of mailbox; found is false when there is none with that id.
	Message(ctx context.Context, mailbox, id string) (msg Message, found bool, err error)
	// Acknowledge marks a message of mailbox as collected; found is false when there is none.
	Acknowledge(ctx context.Context, mailbox, id string) (found bool, err error)
}
