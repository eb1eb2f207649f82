package portal

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyed is a token bucket per key, forgetting keys unused for ten minutes.
type keyed struct {
	every time.Duration
	burst int

	mu    sync.Mutex
	m     map[string]*bucket
	sweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newKeyed(every time.Duration, burst int) *keyed {
	return &keyed{every: every, burst: burst, m: map[string]*bucket{}}
}

func (k *keyed) get(key string, now time.Time) *bucket {
	if now.Sub(k.sweep) > time.Minute {
		for key, b := range k.m {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(k.m, key)
			}
		}
		k.sweep = now
	}
	b, ok := k.m[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(k.every), k.burst)}
		k.m[key] = b
	}
	b.seen = now
	return b
}

// take spends one token for key and reports whether there was one.
func (k *keyed) take(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.get(key, time.Now()).lim.Allow()
}

// has reports whether key has a token left, without spending it.
func (k *keyed) has(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := time.Now()
	return k.get(key, now).lim.TokensAt(now) >= 1
}

// limits are the portal's sign-in rate limits.
type limits struct {
	// ip: every begin and finish of a sign-in or registration, per client
	// address: 20 at once, then one every 3 seconds.
	ip *keyed
	// member: failed sign-ins with a member's passkey: 5 at once, then one
	// a minute, so nobody can grind at one person's sign-in.
	member *keyed
}

func newLimits() *limits {
	return &limits{ip: newKeyed(3*time.Second, 20), member: newKeyed(time.Minute, 5)}
}

var errThrottled = &pageError{Status: http.StatusTooManyRequests, Title: "Too many attempts",
	Message: "Too many sign-in attempts. Wait a minute, then try again."}

// limitIP spends one sign-in attempt of the request's address.
func (p *Portal) limitIP(r *http.Request) error {
	if !p.limits.ip.take(clientIP(r)) {
		return errThrottled
	}
	return nil
}
