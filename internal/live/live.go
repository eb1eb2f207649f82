package live

import (
	"slices"
	"sync"
)

// MaxPerMember bounds one member's open subscriptions (browser tabs with
// the portal open). A further Subscribe ends the oldest: its channel is
// closed, and its stream should end. Members are the only keys and each is
// an authenticated session's, so the whole Broker stays bounded by the
// members that exist times MaxPerMember.
const MaxPerMember = 16

// Broker fans member-scoped change notices out to subscribers. It is safe
// for concurrent use; the zero value is ready.
type Broker struct {
	mu   sync.Mutex
	subs map[string][]chan struct{} // oldest first
}

// Subscribe returns a channel that receives a value after each Publish for
// memberID (several publishes may merge into one), and a function that
// ends the subscription. The channel is closed when a newer subscription
// pushes this one out (see MaxPerMember).
func (b *Broker) Subscribe(memberID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[string][]chan struct{}{}
	}
	cur := b.subs[memberID]
	if len(cur) >= MaxPerMember {
		close(cur[0])
		cur = slices.Delete(cur, 0, 1)
	}
	b.subs[memberID] = append(cur, ch)
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		cur := b.subs[memberID]
		if i := slices.Index(cur, ch); i >= 0 {
			cur = slices.Delete(cur, i, i+1)
		}
		if len(cur) == 0 {
			delete(b.subs, memberID)
		} else {
			b.subs[memberID] = cur
		}
	}
}

// Publish tells memberID's subscribers that something changed. It never
// blocks.
func (b *Broker) Publish(memberID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs[memberID] {
		select {
		case ch <- struct{}{}:
		default: // a notice is already waiting; they merge
		}
	}
}

// Subscribers counts memberID's open subscriptions.
func (b *Broker) Subscribers(memberID string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[memberID])
}
