package live

import "sync"

// Broker fans member-scoped change notices out to subscribers. It is safe
// for concurrent use; the zero value is ready.
type Broker struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// Subscribe returns a channel that receives a value after each Publish for
// memberID (several publishes may merge into one), and a function that
// ends the subscription.
func (b *Broker) Subscribe(memberID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[string]map[chan struct{}]struct{}{}
	}
	if b.subs[memberID] == nil {
		b.subs[memberID] = map[chan struct{}]struct{}{}
	}
	b.subs[memberID][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[memberID], ch)
		if len(b.subs[memberID]) == 0 {
			delete(b.subs, memberID)
		}
		b.mu.Unlock()
	}
}

// Publish tells memberID's subscribers that something changed. It never
// blocks.
func (b *Broker) Publish(memberID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[memberID] {
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
