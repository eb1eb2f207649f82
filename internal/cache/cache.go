package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Options tune a Cache. Zero values take defaults.
type Options struct {
	// MaxStates caps the cached account states and, separately, the
	// cached owners' passkey lists; default 16 384. A state with its grant
	// and owner takes about 1 KB of heap; on the 1 M-account benchmark a
	// cap of 50 000 raised both p99 (garbage collection) and resident
	// memory for no gain at the tail.
	MaxStates int
	// MaxApps caps the cached applications, and, separately, the cached
	// key lists and opened keys; default 10 000.
	MaxApps int
	// MaxUnknownIssuers caps the remembered "no application has this
	// issuer" answers, apart from the applications: a flood of tokens
	// naming random issuers then evicts only other unknown issuers, never
	// a real application. Default 10 000.
	MaxUnknownIssuers int
	// Box opens HS256 secrets for ApplicationAndKeys. Without it an HS256
	// key is returned with Key.Err set.
	Box *seal.Box
	// Log, if set, hears when the cache subscribes and how its feed
	// learns of changes.
	Log *slog.Logger
	// Policies builds a tenant's compiled JIT policies for PolicySet;
	// without it PolicySet fails.
	Policies PolicyLoader
}

// Cache is a store.Store that answers the lock check's reads —
// ApplicationAndKeys (ApplicationByIssuer, SigningKeys), CheckState, and
// the owner's Passkeys when a locked check considers raising an unlock
// request — from memory, and passes everything else to the store it wraps.
// It is safe for concurrent use.
//
// It answers from memory only while its Feed says it is subscribed, only
// after the Feed's Poll said it caught up, and only with data
// read after the last change it heard of: a read that overlaps an
// announcement is returned but not kept (see Handler). Give it only to the
// lock check: the signing keys it keeps carry LastUsedAt as it was when
// they were read, since key usage is not announced.
type Cache struct {
	store.Store
	opts Options

	// feed is the Feed that Run follows, polled before every answer from
	// memory; nil before Run.
	feed atomic.Pointer[Feed]

	mu sync.RWMutex
	// live: subscribed, announcements are arriving. Stored with mu held,
	// loaded without it.
	live atomic.Bool
	// until is the feed's lease (Handler.Lease): no answers from memory
	// from then on; nil means no limit.
	until atomic.Pointer[time.Time]
	gen   uint64 // grows with every change heard and every (re)subscription

	apps bounded[string, store.Application] // by issuer
	byID map[string]string                  // application ID → issuer, over apps
	// unknown remembers issuers no application has, in a map of its own
	// so that garbage cannot evict real applications.
	unknown bounded[string, struct{}]
	keys    bounded[string, []Key] // by application ID
	// opened keeps opened secrets and parsed public keys by kid across
	// drops: an entry is used only for the same sealed or public bytes,
	// so it cannot go stale.
	opened bounded[string, openedKey]
	states bounded[stateKey, store.CheckState]
	owned  map[string]map[stateKey]struct{} // owner ID → their cached states
	// passkeys by member: a locked check raises an unlock request only
	// for an owner who has one.
	passkeys bounded[string, []store.Passkey]
	// policies are the tenants' compiled JIT policies, by tenant ID.
	policies bounded[string, policyEntry]
	// broken: tenant ID → the error text of policies that did not
	// compile at their last load (logged once per text).
	broken sync.Map

	hits, misses, drops atomic.Uint64
}

// appEntry is an issuer's answer: its application, or found false when
// no application has the issuer.
type appEntry struct {
	app   store.Application
	found bool
}

type stateKey struct{ app, account string }

var _ Handler = (*Cache)(nil)

// New returns a cache in front of s. It answers from memory only once
// Subscribed is called (by Run's Feed); until then, and without a Feed, it
// reads through (keeping only opened keys, which cannot go stale).
func New(s store.Store, opts Options) *Cache {
	if opts.MaxStates <= 0 {
		opts.MaxStates = 16_384
	}
	if opts.MaxApps <= 0 {
		opts.MaxApps = 10_000
	}
	if opts.MaxUnknownIssuers <= 0 {
		opts.MaxUnknownIssuers = 10_000
	}
	c := &Cache{Store: s, opts: opts, byID: map[string]string{}, owned: map[string]map[stateKey]struct{}{}}
	c.apps = newBounded(opts.MaxApps, func(_ string, app store.Application) { delete(c.byID, app.ID) })
	c.unknown = newBounded[string, struct{}](opts.MaxUnknownIssuers, nil)
	c.keys = newBounded[string, []Key](opts.MaxApps, nil)
	c.opened = newBounded[string, openedKey](opts.MaxApps, nil)
	c.states = newBounded(opts.MaxStates, c.unindex)
	c.passkeys = newBounded[string, []store.Passkey](opts.MaxStates, nil)
	c.policies = newBounded[string, policyEntry](opts.MaxApps, nil)
	return c
}

// Run follows feed until ctx ends; the cache answers from memory while
// feed is subscribed, each time after polling it (Feed.Poll). Run it once.
func (c *Cache) Run(ctx context.Context, feed Feed) error {
	c.feed.Store(&feed)
	err := feed.Follow(ctx, c)
	c.Lost(err)
	return err
}

// Live reports whether the cache answers from memory now.
func (c *Cache) Live() bool {
	if !c.live.Load() {
		return false
	}
	until := c.until.Load()
	return until == nil || time.Now().Before(*until)
}

// Lease implements Handler.
func (c *Cache) Lease(until time.Time) {
	if until.IsZero() {
		c.until.Store(nil)
		return
	}
	c.until.Store(&until)
}

// Stats are counters since the cache was made.
type Stats struct {
	Live   bool   `json:"live"`
	Hits   uint64 `json:"hits"`
	Misses uint64 `json:"misses"`
	// Drops counts whole-cache drops: lost subscriptions and cache.All.
	Drops  uint64 `json:"drops"`
	States int    `json:"states"`
	// UnknownIssuers counts the remembered "no such issuer" answers.
	UnknownIssuers int `json:"unknownIssuers"`
	// Watch says how the feed learns of changes (for example
	// "wal-index"), or why it has to read SQL on every check; empty
	// before Run.
	Watch string `json:"watch,omitempty"`
	// PolicyInvalid lists the tenants whose policies did not compile at
	// their last load: their lock checks answer policy_invalid.
	PolicyInvalid []string `json:"policy_invalid,omitempty"`
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.RLock()
	defer c.mu.RUnlock()
	st := Stats{Live: c.Live(), Hits: c.hits.Load(), Misses: c.misses.Load(), Drops: c.drops.Load(), States: c.states.len(),
		UnknownIssuers: c.unknown.len(), PolicyInvalid: c.brokenPolicies()}
	if f := c.feed.Load(); f != nil {
		st.Watch = (*f).Watching()
	}
	return st
}

// reset forgets everything but opened keys; c.mu must be held.
func (c *Cache) reset() {
	c.apps.clear()
	clear(c.byID)
	c.unknown.clear()
	c.keys.clear()
	c.states.clear()
	clear(c.owned)
	c.passkeys.clear()
	c.policies.clear()
}

// Subscribed implements Handler: from now on every change is heard, so the
// cache may answer from memory again, starting empty.
func (c *Cache) Subscribed() {
	c.mu.Lock()
	c.gen++
	c.reset()
	c.live.Store(true)
	c.mu.Unlock()
	// Not under c.mu: a feed may hold its own lock while it delivers.
	if f := c.feed.Load(); f != nil && c.opts.Log != nil {
		c.opts.Log.Info("check cache subscribed", "watch", (*f).Watching())
	}
}

// Lost implements Handler: changes may have been missed, so drop
// everything and go to the store until Subscribed.
func (c *Cache) Lost(error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.reset()
	c.live.Store(false)
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
				c.apps.del(iss)
				delete(c.byID, e.AppID)
			}
			if old, ok := c.apps.del(e.Issuer); ok {
				delete(c.byID, old.ID)
			}
			c.unknown.del(e.Issuer)
		case Keys:
			c.keys.del(e.AppID)
		case State:
			c.dropState(stateKey{e.AppID, e.Account})
		case Member:
			for k := range c.owned[e.MemberID] {
				c.dropState(k)
			}
			c.passkeys.del(e.MemberID)
		case Policies:
			c.policies.del(e.TenantID)
		default: // All, and kinds this build does not know
			c.reset()
			c.drops.Add(1)
		}
	}
}

// dropState forgets one account state; c.mu must be held.
func (c *Cache) dropState(k stateKey) {
	if st, ok := c.states.del(k); ok {
		c.unindex(k, st)
	}
}

// unindex removes a forgotten state from its owner's index; c.mu must be
// held.
func (c *Cache) unindex(k stateKey, st store.CheckState) {
	if st.Owner == nil {
		return
	}
	if m := c.owned[st.Owner.ID]; m != nil {
		delete(m, k)
		if len(m) == 0 {
			delete(c.owned, st.Owner.ID)
		}
	}
}

// fresh reports whether memory may answer now: the feed is subscribed and
// has delivered every change committed before this call (Feed.Poll). It
// must be called without c.mu held (Poll may deliver changes).
func (c *Cache) fresh(ctx context.Context) bool {
	if !c.Live() {
		return false
	}
	if f := c.feed.Load(); f != nil {
		if err := (*f).Poll(ctx); err != nil {
			return false
		}
	}
	return c.Live()
}

// begin starts a read through to the store: it returns the generation to
// pass to the matching keep, and whether keeping is possible at all (the
// cache is live and was fresh when the read started).
func (c *Cache) begin(fresh bool) (gen uint64, keep bool) {
	c.misses.Add(1)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen, fresh && c.Live()
}

// keeping locks c for a keep and reports whether the read that began at
// gen may be kept; the caller must unlock c.mu.
func (c *Cache) keeping(gen uint64) bool {
	c.mu.Lock()
	return c.Live() && c.gen == gen
}

// ApplicationByIssuer implements store.Reader from memory when it can. An
// unknown issuer is remembered too, so a flood of tokens naming issuers
// that do not exist does not reach the database.
func (c *Cache) ApplicationByIssuer(ctx context.Context, issuer string) (store.Application, error) {
	return c.application(ctx, issuer, c.fresh(ctx))
}

func (c *Cache) application(ctx context.Context, issuer string, fresh bool) (store.Application, error) {
	e, err := through(c, fresh, issuer, func(k string) (appEntry, bool) {
		if app, ok := c.apps.get(k); ok {
			return appEntry{app: app, found: true}, true
		}
		_, ok := c.unknown.get(k)
		return appEntry{}, ok
	}, func() (appEntry, error) {
		app, err := c.Store.ApplicationByIssuer(ctx, issuer)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return appEntry{}, err
		}
		return appEntry{app: app, found: err == nil}, nil
	}, func(e appEntry) {
		if !e.found {
			c.unknown.put(issuer, struct{}{})
			return
		}
		if old, ok := c.apps.get(issuer); ok {
			delete(c.byID, old.ID)
		}
		c.unknown.del(issuer)
		c.apps.put(issuer, e.app)
		c.byID[e.app.ID] = issuer
	})
	switch {
	case err != nil:
		return store.Application{}, err
	case !e.found:
		return store.Application{}, fmt.Errorf("cache: %w: no application has issuer %q", store.ErrNotFound, issuer)
	}
	return e.app, nil
}

// SigningKeys implements store.Reader from memory when it can.
func (c *Cache) SigningKeys(ctx context.Context, appID string) ([]store.SigningKey, error) {
	ks, err := c.signingKeys(ctx, appID, c.fresh(ctx))
	out := make([]store.SigningKey, len(ks))
	for i, k := range ks {
		out[i] = k.SigningKey
	}
	return out, err
}

// ApplicationAndKeys returns the application that has issuer and its
// signing keys, ready to verify a token with, after polling the feed once
// for both. An unknown issuer is an error wrapping
// store.ErrNotFound.
func (c *Cache) ApplicationAndKeys(ctx context.Context, issuer string) (store.Application, []Key, error) {
	fresh := c.fresh(ctx)
	app, err := c.application(ctx, issuer, fresh)
	if err != nil {
		return app, nil, err
	}
	ks, err := c.signingKeys(ctx, app.ID, fresh)
	return app, ks, err
}

// signingKeys returns a copy of the application's keys, opened.
func (c *Cache) signingKeys(ctx context.Context, appID string, fresh bool) ([]Key, error) {
	ks, err := through(c, fresh, appID, c.keys.get, func() ([]Key, error) {
		raw, err := c.Store.SigningKeys(ctx, appID)
		if err != nil {
			return nil, err
		}
		return c.open(raw), nil
	}, func(ks []Key) { c.keys.put(appID, slices.Clone(ks)) })
	return slices.Clone(ks), err
}

// CheckState implements store.Reader from memory when it can; "not
// enrolled" is remembered too.
func (c *Cache) CheckState(ctx context.Context, appID, accountName string) (store.CheckState, error) {
	k := stateKey{appID, accountName}
	st, err := through(c, c.fresh(ctx), k, c.states.get, func() (store.CheckState, error) {
		return c.Store.CheckState(ctx, appID, accountName)
	}, func(st store.CheckState) {
		c.dropState(k)
		c.states.put(k, cloneState(st))
		if st.Owner != nil {
			m := c.owned[st.Owner.ID]
			if m == nil {
				m = map[stateKey]struct{}{}
				c.owned[st.Owner.ID] = m
			}
			m[k] = struct{}{}
		}
	})
	return cloneState(st), err
}

// Passkeys implements store.Reader from memory when it can. The lock
// check reads it for every locked account with an owner, to know whether
// anyone can approve an unlock request.
func (c *Cache) Passkeys(ctx context.Context, memberID string) ([]store.Passkey, error) {
	ps, err := through(c, c.fresh(ctx), memberID, c.passkeys.get, func() ([]store.Passkey, error) {
		return c.Store.Passkeys(ctx, memberID)
	}, func(ps []store.Passkey) { c.passkeys.put(memberID, slices.Clone(ps)) })
	return slices.Clone(ps), err
}

// through is every cached read: from get when memory may answer (fresh),
// otherwise from load, whose result keep puts into the cache (with c.mu
// held) unless a change was heard while it loaded. What it returns may be
// shared with the cache: callers copy before handing it out.
func through[K comparable, V any](c *Cache, fresh bool, k K, get func(K) (V, bool), load func() (V, error), keep func(V)) (V, error) {
	if fresh {
		c.mu.RLock()
		v, ok := get(k)
		c.mu.RUnlock()
		if ok {
			c.hits.Add(1)
			return v, nil
		}
	}
	gen, keepable := c.begin(fresh)
	v, err := load()
	if err != nil || !keepable {
		return v, err
	}
	if c.keeping(gen) {
		keep(v)
	}
	c.mu.Unlock()
	return v, nil
}

// cloneState copies the pointed-to grant and owner, so a caller that
// changes what it got cannot change what the next caller gets. (Slices
// inside the records are shared: nothing on the check path writes to
// them.)
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
