package ratelimit

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultCap is the number of keys a Limiter keeps when New is given none:
// about 15 MB at most.
const DefaultCap = 1 << 16

// Limiter is a token bucket per key with at most Cap keys (see the package
// documentation). It is safe for concurrent use.
type Limiter struct {
	limit rate.Limit
	burst int
	cap   int
	// Now is the clock; nil means time.Now. Set it before first use.
	Now func() time.Time

	mu         sync.Mutex
	m          map[string]*entry
	head, tail *entry // head is the most recently used
}

type entry struct {
	key        string
	lim        *rate.Limiter
	prev, next *entry
}

// New returns a Limiter that allows each key burst events at once, refilled
// at perSecond, and keeps at most capacity keys (DefaultCap when capacity
// is not positive).
func New(perSecond float64, burst, capacity int) *Limiter {
	if capacity <= 0 {
		capacity = DefaultCap
	}
	return &Limiter{limit: rate.Limit(perSecond), burst: max(burst, 1), cap: capacity, m: map[string]*entry{}}
}

// Every is the perSecond of one event every d.
func Every(d time.Duration) float64 { return float64(rate.Every(d)) }

func (l *Limiter) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

// Allow spends one event of key and reports whether there was one.
func (l *Limiter) Allow(key string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.m[key]
	if e == nil {
		e = l.insert(key, now)
	} else {
		l.touch(e)
	}
	return e.lim.AllowN(now, 1)
}

// Wait reports whether key has an event left, without spending it, and if
// not how long until it has one (at least a second, for a Retry-After). An
// unknown key has its whole burst and is not remembered.
func (l *Limiter) Wait(key string) (time.Duration, bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.m[key]
	if e == nil || e.lim.TokensAt(now) >= 1 {
		return 0, true
	}
	r := e.lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return max(wait, time.Second), false
}

// Len is the number of keys kept.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// insert adds key at the head, first dropping idle keys at the tail and, if
// still full, the least recently used one.
func (l *Limiter) insert(key string, now time.Time) *entry {
	for l.tail != nil && (len(l.m) >= l.cap || l.tail.lim.TokensAt(now) >= float64(l.burst)) {
		l.remove(l.tail)
	}
	e := &entry{key: key, lim: rate.NewLimiter(l.limit, l.burst)}
	l.m[key] = e
	l.pushFront(e)
	return e
}

func (l *Limiter) touch(e *entry) {
	if l.head == e {
		return
	}
	l.unlink(e)
	l.pushFront(e)
}

func (l *Limiter) remove(e *entry) {
	l.unlink(e)
	delete(l.m, e.key)
}

func (l *Limiter) pushFront(e *entry) {
	e.prev, e.next = nil, l.head
	if l.head != nil {
		l.head.prev = e
	}
	l.head = e
	if l.tail == nil {
		l.tail = e
	}
}

func (l *Limiter) unlink(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

// Key is the limiter key of a client address: an IPv4 address (or an
// IPv4-mapped IPv6 one) as itself, an IPv6 address as its /64 prefix.
// Anything that is not an IP address is its own key.
func Key(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
