package cache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Options tune a Cache. Zero values take defaults.
type Options struct {
	// MaxStates caps the cached account states; default 100 000 (about
	// 50 MB). When full, an arbitrary eighth is dropped.
	MaxStates int
	// MaxApps caps the cached applications (and "no such issuer"
	// answers) and, separately, the cached key lists; default 10 000.
	MaxApps int
}

// Cache is a store.Store that answers the lock check's reads —
// ApplicationByIssuer, SigningKeys, CheckState, and the owner's Passkeys
// when a locked check considers raising an unlock request — from memory,
// and passes everything else to the store it wraps. It is safe for concurrent use.
//
// It answers from memory only while its Feed says it is subscribed, and
// only with data read after the last change it heard of: a read that
// overlaps an announcement is returned but not kept (see Handler). Give it
// only to the lock check: the signing keys it keeps carry LastUsedAt as it
// was when they were read, since key usage is not announced.
type Cache struct {
	store.Store
	opts Options

	mu     sync.RWMutex
	live   bool      // subscribed: announcements are arriving
	until  time.Time // the feed's lease: no answers from memory from then on (zero: no limit)
	gen    uint64    // grows with every change heard and every (re)subscription
	apps   map[string]appEntry
	byID   map[string]string // application ID → issuer
	keys   map[string][]store.SigningKey
	states map[stateKey]store.CheckState
	owned  map[string]map[stateKey]struct{} // owner ID → their cached states
	// passkeys by member: a locked check raises an unlock request only
	// for an owner who has one.
	passkeys map[string][]store.Passkey

	hits, misses, drops atomic.Uint64
}

type appEntry struct {
	app   store.Application
	found bool
}

type stateKey struct{ app, account string }

var _ Handler = (*Cache)(nil)

// New returns a cache in front of s. It answers from memory only once
// Subscribed is called (by Run's Feed).
func New(s store.Store, opts Options) *Cache {
	if opts.MaxStates <= 0 {
		opts.MaxStates = 100_000
	}
	if opts.MaxApps <= 0 {
		opts.MaxApps = 10_000
	}
	c := &Cache{Store: s, opts: opts}
	c.reset()
	return c
}

// Run follows feed until ctx ends; the cache answers from memory while
// feed is subscribed.
func (c *Cache) Run(ctx context.Context, feed Feed) error {
	err := feed.Follow(ctx, c)
	c.Lost(err)
	return err
}

// Live reports whether the cache answers from memory now.
func (c *Cache) Live() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.answering()
}

// answering reports whether memory may answer now: subscribed, and inside
// the feed's lease; c.mu must be held.
func (c *Cache) answering() bool {
	return c.live && (c.until.IsZero() || time.Now().Before(c.until))
}

// Lease implements Handler.
func (c *Cache) Lease(until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.until = until
}

// Stats are counters since the cache was made.
type Stats struct {
	Live   bool   `json:"live"`
	Hits   uint64 `json:"hits"`
	Misses uint64 `json:"misses"`
	// Drops counts whole-cache drops: lost subscriptions and cache.All.
	Drops  uint64 `json:"drops"`
	States int    `json:"states"`
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return Stats{Live: c.answering(), Hits: c.hits.Load(), Misses: c.misses.Load(), Drops: c.drops.Load(), States: len(c.states)}
}

// reset empties every map; c.mu must be held (or c not shared yet).
func (c *Cache) reset() {
	c.apps = map[string]appEntry{}
	c.byID = map[string]string{}
	c.keys = map[string][]store.SigningKey{}
	c.states = map[stateKey]store.CheckState{}
	c.owned = map[string]map[stateKey]struct{}{}
	c.passkeys = map[string][]store.Passkey{}
}

// Subscribed implements Handler: from now on every change is heard, so the
// cache may answer from memory again, starting empty.
func (c *Cache) Subscribed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.reset()
	c.live = true
}

// Lost implements Handler: changes may have been missed, so drop
// everything and go to the store until Subscribed.
func (c *Cache) Lost(error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.reset()
	c.live = false
	c.drops.Add(1)
}

// Changed implements Handler.
func (c *Cache) Changed(events []Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, e := range events {
		switch e.Kind {
		case App:
			if iss, ok := c.byID[e.AppID]; ok {
				delete(c.apps, iss)
				delete(c.byID, e.AppID)
			}
			delete(c.apps, e.Issuer)
		case Keys:
			delete(c.keys, e.AppID)
		case State:
			c.dropState(stateKey{e.AppID, e.Account})
		case Member:
			for k := range c.owned[e.MemberID] {
				c.dropState(k)
			}
			delete(c.passkeys, e.MemberID)
		default: // All, and kinds this build does not know
			c.reset()
			c.drops.Add(1)
		}
	}
}

// dropState forgets one account state; c.mu must be held.
func (c *Cache) dropState(k stateKey) {
	st, ok := c.states[k]
	if !ok {
		return
	}
	delete(c.states, k)
	if st.Owner != nil {
		if m := c.owned[st.Owner.ID]; m != nil {
			delete(m, k)
			if len(m) == 0 {
				delete(c.owned, st.Owner.ID)
			}
		}
	}
}

// begin starts a read through to the store: it returns the generation to
// pass to the matching keep, and whether keeping is possible at all.
func (c *Cache) begin() (gen uint64, live bool) {
	c.misses.Add(1)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen, c.live
}

// ApplicationByIssuer implements store.Reader from memory when it can. An
// unknown issuer is remembered too, so a flood of tokens naming issuers
// that do not exist does not reach the database.
func (c *Cache) ApplicationByIssuer(ctx context.Context, issuer string) (store.Application, error) {
	c.mu.RLock()
	e, ok := c.apps[issuer]
	live := c.answering()
	c.mu.RUnlock()
	if ok && live {
		c.hits.Add(1)
		if !e.found {
			return store.Application{}, fmt.Errorf("cache: %w: no application has issuer %q", store.ErrNotFound, issuer)
		}
		return cloneApp(e.app), nil
	}
	gen, live := c.begin()
	app, err := c.Store.ApplicationByIssuer(ctx, issuer)
	found := err == nil
	if !found && !errors.Is(err, store.ErrNotFound) {
		return app, err
	}
	if live {
		c.mu.Lock()
		if c.live && c.gen == gen {
			if len(c.apps) >= c.opts.MaxApps {
				c.apps, c.byID = map[string]appEntry{}, map[string]string{}
			}
			c.apps[issuer] = appEntry{app: cloneApp(app), found: found}
			if found {
				c.byID[app.ID] = issuer
			}
		}
		c.mu.Unlock()
	}
	return app, err
}

// SigningKeys implements store.Reader from memory when it can.
func (c *Cache) SigningKeys(ctx context.Context, appID string) ([]store.SigningKey, error) {
	c.mu.RLock()
	ks, ok := c.keys[appID]
	live := c.answering()
	c.mu.RUnlock()
	if ok && live {
		c.hits.Add(1)
		return slices.Clone(ks), nil
	}
	gen, live := c.begin()
	ks, err := c.Store.SigningKeys(ctx, appID)
	if err != nil || !live {
		return ks, err
	}
	c.mu.Lock()
	if c.live && c.gen == gen {
		if len(c.keys) >= c.opts.MaxApps {
			c.keys = map[string][]store.SigningKey{}
		}
		c.keys[appID] = slices.Clone(ks)
	}
	c.mu.Unlock()
	return ks, nil
}

// CheckState implements store.Reader from memory when it can; "not
// enrolled" is remembered too.
func (c *Cache) CheckState(ctx context.Context, appID, accountName string) (store.CheckState, error) {
	k := stateKey{appID, accountName}
	c.mu.RLock()
	st, ok := c.states[k]
	live := c.answering()
	c.mu.RUnlock()
	if ok && live {
		c.hits.Add(1)
		return cloneState(st), nil
	}
	gen, live := c.begin()
	st, err := c.Store.CheckState(ctx, appID, accountName)
	if err != nil || !live {
		return st, err
	}
	c.mu.Lock()
	if c.live && c.gen == gen {
		if len(c.states) >= c.opts.MaxStates {
			c.evictStates()
		}
		c.dropState(k)
		c.states[k] = cloneState(st)
		if st.Owner != nil {
			m := c.owned[st.Owner.ID]
			if m == nil {
				m = map[stateKey]struct{}{}
				c.owned[st.Owner.ID] = m
			}
			m[k] = struct{}{}
		}
	}
	c.mu.Unlock()
	return st, nil
}

// Passkeys implements store.Reader from memory when it can. The lock
// check reads it for every locked account with an owner, to know whether
// anyone can approve an unlock request.
func (c *Cache) Passkeys(ctx context.Context, memberID string) ([]store.Passkey, error) {
	c.mu.RLock()
	ps, ok := c.passkeys[memberID]
	live := c.answering()
	c.mu.RUnlock()
	if ok && live {
		c.hits.Add(1)
		return slices.Clone(ps), nil
	}
	gen, live := c.begin()
	ps, err := c.Store.Passkeys(ctx, memberID)
	if err != nil || !live {
		return ps, err
	}
	c.mu.Lock()
	if c.live && c.gen == gen {
		if len(c.passkeys) >= c.opts.MaxStates {
			c.passkeys = map[string][]store.Passkey{}
		}
		c.passkeys[memberID] = slices.Clone(ps)
	}
	c.mu.Unlock()
	return ps, nil
}

// evictStates drops about an eighth of the states, whichever the map's
// iteration order gives first; c.mu must be held.
func (c *Cache) evictStates() {
	n := max(len(c.states)/8, 1)
	for k := range c.states {
		if n == 0 {
			break
		}
		c.dropState(k)
		n--
	}
}

// The cache hands out copies, so a caller that changes what it got cannot
// change what the next caller gets. (Slices inside the records are shared:
// nothing on the check path writes to them.)

func cloneApp(a store.Application) store.Application { return a }

func cloneState(st store.CheckState) store.CheckState {
	if st.Grant != nil {
		g := *st.Grant
		st.Grant = &g
	}
	if st.Owner != nil {
		m := *st.Owner
		st.Owner = &m
	}
	return st
}
