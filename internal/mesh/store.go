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

// Store holds the mailboxes' messages.
type Store interface {
	// Inbox lists the ids of the messages of mailbox not yet acknowledged, oldest first,
	// only those of workflowID when it is not empty.
	Inbox(ctx context.Context, mailbox, workflowID string) ([]string, error)
	// Message returns one message of mailbox; found is false when there is none with that id.
	Message(ctx context.Context, mailbox, id string) (msg Message, found bool, err error)
	// Acknowledge marks a message of mailbox as collected; found is false when there is none.
	Acknowledge(ctx context.Context, mailbox, id string) (found bool, err error)
}
