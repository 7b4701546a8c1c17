package mesh

import (
	"context"
	"fmt"
	"sync"
)

// MemoryStore is a [Store] held in memory, for tests and demonstrations:
// it keeps every message it is given until it is dropped, acknowledged ones
// included (MESH still serves an acknowledged message to its recipient).
// It is safe for concurrent use.
type MemoryStore struct {
	mu    sync.Mutex
	boxes map[string]*memBox
}

type memBox struct {
	order []string // ids in delivery order
	msgs  map[string]*memMessage
}

type memMessage struct {
	msg          Message
	acknowledged bool
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{boxes: map[string]*memBox{}}
}

// Deliver puts msg in the inbox of msg.To, after the messages already
// there. An empty id or recipient, or an id already in that mailbox, is an
// error: a mailbox never holds a message twice.
func (s *MemoryStore) Deliver(msg Message) error {
	if msg.ID == "" || msg.To == "" {
		return fmt.Errorf("mesh: a message needs an id and a recipient (id %q, to %q)", msg.ID, msg.To)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	box := s.boxes[msg.To]
	if box == nil {
		box = &memBox{msgs: map[string]*memMessage{}}
		s.boxes[msg.To] = box
	}
	if _, dup := box.msgs[msg.ID]; dup {
		return fmt.Errorf("mesh: mailbox %s already holds message %s", msg.To, msg.ID)
	}
	msg.Body = append([]byte(nil), msg.Body...)
	box.msgs[msg.ID] = &memMessage{msg: msg}
	box.order = append(box.order, msg.ID)
	return nil
}

// Inbox implements [Store].
func (s *MemoryStore) Inbox(ctx context.Context, mailbox string, q InboxQuery) ([]InboxEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		return nil, fmt.Errorf("mesh: inbox page limit %d is not positive", q.Limit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []InboxEntry{}
	box := s.boxes[mailbox]
	if box == nil {
		return out, nil
	}
	start := 0
	if m := box.msgs[q.After]; q.After != "" && m != nil && !m.acknowledged {
		for i, id := range box.order {
			if id == q.After {
				start = i + 1
				break
			}
		}
	}
	for _, id := range box.order[start:] {
		if len(out) == q.Limit {
			break
		}
		m := box.msgs[id]
		if m.acknowledged || (q.WorkflowID != "" && m.msg.WorkflowID != q.WorkflowID) {
			continue
		}
		out = append(out, InboxEntry{ID: id, WorkflowID: m.msg.WorkflowID})
	}
	return out, nil
}

// InboxCount implements [Store].
func (s *MemoryStore) InboxCount(ctx context.Context, mailbox string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	if box := s.boxes[mailbox]; box != nil {
		for _, m := range box.msgs {
			if !m.acknowledged {
				n++
			}
		}
	}
	return n, nil
}

// Message implements [Store].
func (s *MemoryStore) Message(ctx context.Context, mailbox, id string) (Message, bool, error) {
	if err := ctx.Err(); err != nil {
		return Message{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	box := s.boxes[mailbox]
	if box == nil || box.msgs[id] == nil {
		return Message{}, false, nil
	}
	msg := box.msgs[id].msg
	msg.Body = append([]byte(nil), msg.Body...)
	return msg, true, nil
}

// Acknowledge implements [Store].
func (s *MemoryStore) Acknowledge(ctx context.Context, mailbox, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	box := s.boxes[mailbox]
	if box == nil || box.msgs[id] == nil {
		return false, nil
	}
	box.msgs[id].acknowledged = true
	return true, nil
}

// Acknowledged says whether a message of mailbox has been acknowledged, and
// whether it exists.
func (s *MemoryStore) Acknowledged(mailbox, id string) (acknowledged, found bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	box := s.boxes[mailbox]
	if box == nil || box.msgs[id] == nil {
		return false, false
	}
	return box.msgs[id].acknowledged, true
}
