package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// FailureLimiter throttles addresses whose lock checks keep failing
// authentication, so a leaked issuer cannot be used to guess keys at speed.
// Successful checks cost nothing. It is safe for concurrent use.
type FailureLimiter struct {
	perSecond rate.Limit
	burst     int

	mu      sync.Mutex
	clients map[string]*entry
	sweep   time.Time
}

type entry struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewFailureLimiter allows each address burst failures, refilled at
// perSecond.
func NewFailureLimiter(perSecond float64, burst int) *FailureLimiter {
	return &FailureLimiter{perSecond: rate.Limit(perSecond), burst: burst, clients: map[string]*entry{}}
}

// Check reports whether addr may be served, and if not how long to wait.
func (l *FailureLimiter) Check(addr string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.clients[addr]
	if !ok {
		return 0, true
	}
	now := time.Now()
	if e.lim.TokensAt(now) >= 1 {
		return 0, true
	}
	r := e.lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return max(wait, time.Second), false
}

// Fail charges addr for one failed check.
func (l *FailureLimiter) Fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.sweep) > time.Minute {
		for k, e := range l.clients {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(l.clients, k)
			}
		}
		l.sweep = now
	}
	e, ok := l.clients[addr]
	if !ok {
		e = &entry{lim: rate.NewLimiter(l.perSecond, l.burst)}
		l.clients[addr] = e
	}
	e.seen = now
	e.lim.AllowN(now, 1)
}
