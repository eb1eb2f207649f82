package sqlrow

import "context"

// Reads implements the parts of store.Reader whose SQL is the same on both
// databases, over Q, a backend's read pool or its transaction. A backend's
// reads embed it, so these methods are written once.
type Reads struct {
	D *Dialect
	Q Querier
}

// Writes implements the parts of store.Tx whose SQL is the same on both
// databases, over DB, a backend's transaction. A backend's txn embeds it.
type Writes struct {
	D  *Dialect
	DB DB
	// PoliciesChanged, when set, is told the tenant of every change the
	// transaction makes to groups, their members, policies, assignments
	// or executions (PostgreSQL announces it to every node's cache of
	// compiled policies; SQLite's triggers write it to cache_changes, where its feed finds it).
	PoliciesChanged func(tenantID string)
}

// Pools implements the methods of store.Store that run outside a Tx
// (store.ImportJobs, store.IdempotencyKeeper) for both databases, over a
// backend's read pool R, its pool W for writes outside a transaction, and
// InTx, which runs a function in one transaction of the backend's Update.
// A backend's Store embeds it.
type Pools struct {
	D    *Dialect
	R    Querier
	W    DB
	InTx func(ctx context.Context, fn func(tx DB) error) error
}
