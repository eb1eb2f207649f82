package check

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// maxRetired bounds the tokens a node remembers as retired. Tokens live at
// most 15 minutes, so this is far more enablements than a node sees in a
// token's life; past it the soonest-expiring go first.
const maxRetired = 1 << 16

// retiredSet holds the one-time keys (token.Token.OneTimeKey) of tokens
// that may no longer serve a lock check, each until the token expires. It
// is consulted in memory only: an empty set costs the hot path one atomic
// load, a non-empty one a hash and a map lookup.
type retiredSet struct {
	n  atomic.Int64
	mu sync.Mutex
	m  map[string]time.Time
}

func (r *retiredSet) add(key string, until, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]time.Time{}
	}
	if _, ok := r.m[key]; !ok && len(r.m) >= maxRetired {
		var soonest string
		for k, u := range r.m {
			if !now.Before(u) {
				delete(r.m, k)
			} else if soonest == "" || u.Before(r.m[soonest]) {
				soonest = k
			}
		}
		if len(r.m) >= maxRetired {
			delete(r.m, soonest)
		}
	}
	r.m[key] = until
	r.n.Store(int64(len(r.m)))
}

func (r *retiredSet) has(tok *token.Token, now time.Time) bool {
	if r.n.Load() == 0 {
		return false
	}
	key := tok.OneTimeKey()
	r.mu.Lock()
	until, ok := r.m[key]
	r.mu.Unlock()
	return ok && now.Before(until)
}

// Retire refuses, at this node's lock checks, the token whose one-time key
// (token.Token.OneTimeKey) is key, until the time given (its expiry plus the
// clock leeway). The enablement flow retires every token it accepts, so a
// link's token never serves a lock check. It is memory only: see the
// package documentation for what that means on several nodes.
func (s *Service) Retire(key string, until time.Time) {
	s.retired.add(key, until, s.d.Clock.Now())
}
