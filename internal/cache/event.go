package cache

import (
	"context"
	"time"
)

// Kind says which cached data an Event invalidates.
type Kind uint8

// Kinds of change.
const (
	// All: anything may have changed (a bulk write, a restore, a lost
	// listener); drop everything.
	All Kind = iota
	// App: the application AppID, whose issuer is Issuer, was created or
	// changed.
	App
	// Keys: the signing keys of the application AppID changed.
	Keys
	// State: what CheckState returns for account Account of application
	// AppID changed (the account, its owner link or its current grant).
	State
	// Member: the member MemberID changed, or their passkeys, or grants of
	// accounts they own did; every cached account state they own is stale.
	Member
	// Policies: the JIT policies of tenant TenantID changed — a policy,
	// an assignment, a group or its members, an alert execution — so its
	// compiled policy set is stale.
	Policies
)

// Event names cached data that a committed transaction changed.
type Event struct {
	Kind     Kind
	AppID    string
	Issuer   string
	Account  string
	MemberID string
	TenantID string
}

// Handler receives a Feed's news. Its methods may be called from several
// goroutines, but a Feed calls Changed for one subscription in commit order.
type Handler interface {
	// Subscribed reports that from now on every committed change is
	// announced.
	Subscribed()
	// Lost reports that announcements may have been missed: the cache must
	// drop everything and stop answering from memory until Subscribed.
	Lost(err error)
	// Changed reports committed changes.
	Changed(events []Event)
	// Lease reports how long the feed vouches for its subscription: from
	// until on (a time.Now() plus a duration, so compared on this
	// process's monotonic clock) the handler must not answer from memory
	// until a later Lease arrives. A feed whose writers wait for every
	// subscriber to hear a change (PostgreSQL's node leases) calls it
	// before Subscribed and at every renewal, so a node that stops
	// renewing — stalled, stopped, cut off — stops answering from memory
	// before writers stop waiting for it, even if nothing else runs to
	// call Lost. The zero time lifts the limit; feeds without leases
	// never call it.
	Lease(until time.Time)
}

// Feed announces committed changes to cached data, from every process that
// writes the database. Some feeds hear of every change by themselves
// (PostgreSQL's LISTEN/NOTIFY); others must look when asked (a SQLite file
// that the CLI writes from another process announces nothing), which is
// why the cache polls its feed before every answer from memory. Its
// methods are safe for concurrent use.
type Feed interface {
	// Follow delivers announcements to h until ctx ends. It calls
	// h.Subscribed once it listens, h.Lost whenever the subscription
	// breaks (and then subscribes again by itself), and returns ctx's
	// error when ctx ends.
	Follow(ctx context.Context, h Handler) error
	// Poll delivers to the Handler that Follow was given every change
	// committed before Poll was called that it has not delivered yet, and
	// returns once it has. It runs on every cached read, so it must cost
	// next to nothing when nothing changed; a feed that hears every change
	// by itself returns nil at once. An error means it could not find out:
	// the caller reads from the store instead of memory.
	Poll(ctx context.Context) error
	// Watching says how the feed learns of changes, for /readyz and the
	// log.
	Watching() string
}
