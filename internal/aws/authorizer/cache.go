package authorizer

import (
	"container/list"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/client"
)

// cache keeps recent lock-check answers by account, at most max of them,
// each for ttl. Keys come from verified tokens only, but a pool can hold
// many users, so the map is bounded: the least recently used answer goes
// first. It is safe for concurrent use.
type cache struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	order *list.List // front: most recently used; values are *entry
	byKey map[string]*list.Element
}

type entry struct {
	account string
	d       client.Decision
	until   time.Time
}

func newCache(ttl time.Duration, max int) *cache {
	return &cache{ttl: ttl, max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the answer cached for account, if it is still fresh.
func (c *cache) get(account string, now time.Time) (client.Decision, bool) {
	if c.ttl <= 0 {
		return client.Decision{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[account]
	if !ok {
		return client.Decision{}, false
	}
	e := el.Value.(*entry)
	if !now.Before(e.until) {
		c.order.Remove(el)
		delete(c.byKey, account)
		return client.Decision{}, false
	}
	c.order.MoveToFront(el)
	return e.d, true
}

// put caches an answer.
func (c *cache) put(account string, d client.Decision, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[account]; ok {
		e := el.Value.(*entry)
		e.d, e.until = d, now.Add(c.ttl)
		c.order.MoveToFront(el)
		return
	}
	c.byKey[account] = c.order.PushFront(&entry{account: account, d: d, until: now.Add(c.ttl)})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*entry).account)
	}
}

// drop forgets account's answer; it reports whether there was one.
func (c *cache) drop(account string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[account]
	if ok {
		c.order.Remove(el)
		delete(c.byKey, account)
	}
	return ok
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
