package portal

import (
	"net/http"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clientaddr"
	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
)

// limits are the portal's sign-in rate limits, bounded in memory by
// package ratelimit.
type limits struct {
	// ip: every begin and finish of a sign-in or registration, per client
	// address (clientaddr; an IPv6 client by its /64): 20 at once, then one
	// every 3 seconds.
	ip *ratelimit.Limiter
	// member: failed sign-ins with a member's passkey: 5 at once, then one
	// a minute, so nobody can grind at one person's sign-in.
	member *ratelimit.Limiter
	// stepFinish: every finish of a step-up (a relying party's
	// /stepup/finish), per client address, as ip but counted apart, so a
	// step-up spends one begin of ip and one finish here.
	stepFinish *ratelimit.Limiter
}

func newLimits() *limits {
	return &limits{ip: ratelimit.New(ratelimit.Every(3*time.Second), 20, 0),
		member:     ratelimit.New(ratelimit.Every(time.Minute), 5, 0),
		stepFinish: ratelimit.New(ratelimit.Every(3*time.Second), 20, 0)}
}

// memberHasAttempts reports whether a member has a failed sign-in left.
func (l *limits) memberHasAttempts(memberID string) bool {
	_, ok := l.member.Wait(memberID)
	return ok
}

var errThrottled = &pageError{Status: http.StatusTooManyRequests, Title: "Too many attempts",
	Message: "Too many sign-in attempts. Wait a minute, then try again."}

// limitIP spends one sign-in attempt of the request's address.
func (p *Portal) limitIP(r *http.Request) error { return limitAddr(p.limits.ip, r) }

func limitAddr(l *ratelimit.Limiter, r *http.Request) error {
	if !l.Allow(ratelimit.Key(clientaddr.Of(r))) {
		return errThrottled
	}
	return nil
}
