package postgres

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/migration"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// Options tune Open. The zero value is usable and refuses to migrate.
type Options struct {
	// AutoMigrate applies pending migrations at Open. When it is false and
	// the database is behind, Open fails with an error wrapping
	// store.ErrSchemaBehind.
	AutoMigrate bool
	// MaxConns caps the connection pool; 0 keeps the URL's pool_max_conns,
	// or else pgxpool's default (4 or the number of CPUs, whichever is
	// more). The change listener uses one more connection of its own.
	MaxConns int32
	// ListenPing is the longest the change listener waits in silence
	// before it renews its lease, which also proves that its connection
	// still answers; 0 means 5 seconds. Renewals come every third of Lease
	// when that is sooner (it is, by default).
	ListenPing time.Duration
	// Lease is how long a node's cache may answer from memory without
	// renewing its lease (doc.go, "Coherence"); 0 means 3 seconds. The
	// listener renews every third of it. It bounds how long a node that
	// stopped (killed, frozen, cut off) holds up every write that waits
	// for the nodes to hear it.
	Lease time.Duration
	// SkipSchemaCheck opens the database whatever its schema version, for
	// tools that only report it (deadbolt migrate --status): no other
	// method may be used then.
	SkipSchemaCheck bool
}

// Store is a deadbolt database in PostgreSQL. It implements store.Store,
// store.Migrator and cache.Feed, and is safe for concurrent use; any number
// of processes and nodes may use one database at the same time.
type Store struct {
	reads        // store.Reader on the pool
	sqlrow.Pools // the methods outside a Tx, written once for both backends
	pool         *pgxpool.Pool
	// listen is the configuration of the change listener's own connection.
	listen *pgx.ConnConfig
	opts   Options
	desc   string // the URL without its password, for messages

	mu        sync.Mutex
	followers []cache.Handler // told of this process's commits at once
}

var (
	_ store.Store    = (*Store)(nil)
	_ store.Migrator = (*Store)(nil)
	_ cache.Feed     = (*Store)(nil)
)

// Open connects to the database url names (postgres://… or
// postgresql://…; every libpq URL parameter pgx understands, and
// pool_max_conns, may be given) and checks the schema version: a database
// newer than this binary is refused with store.ErrSchemaTooNew; one that is
// behind is migrated when opts.AutoMigrate is set and refused with
// store.ErrSchemaBehind otherwise. A database that cannot be reached is
// store.ErrUnavailable.
func Open(ctx context.Context, url string, opts Options) (_ *Store, err error) {
	desc := Redact(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, fmt.Errorf("postgres: open %s: %w: cannot parse the database URL", desc, store.ErrInvalid)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.ListenPing <= 0 {
		opts.ListenPing = 5 * time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 3 * time.Second
	}
	cc := cfg.ConnConfig
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = 5 * time.Second
	}
	if cc.RuntimeParams["application_name"] == "" {
		cc.RuntimeParams["application_name"] = "deadbolt"
	}
	// Every timestamp is a BIGINT, but make any now() that a human types
	// into psql against this connection read as UTC too.
	cc.RuntimeParams["timezone"] = "UTC"

	s := &Store{listen: cc.Copy(), opts: opts, desc: desc}
	// The listener says what it is in pg_stat_activity.
	s.listen.RuntimeParams["application_name"] = cc.RuntimeParams["application_name"] + " (listener)"
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w: %w", desc, store.ErrUnavailable, err)
	}
	s.reads = newReads(s.pool)
	s.Pools = sqlrow.Pools{D: dialect, R: rowDB{s.pool}, W: rowDB{s.pool}, InTx: s.updateRows}
	defer func() {
		if err != nil {
			s.pool.Close()
		}
	}()
	if err := s.pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w: %w", desc, store.ErrUnavailable, err)
	}

	if opts.SkipSchemaCheck {
		return s, nil
	}
	have, want, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if err := migration.EnsureCurrent("postgres: open "+desc, have, want, opts.AutoMigrate, func() error { return s.Migrate(ctx) }); err != nil {
		return nil, err
	}
	return s, nil
}

// String names the database, without its password.
func (s *Store) String() string { return s.desc }

// Pool returns the connection pool, for tools that copy or inspect the
// database in bulk (deadbolt copy). Writes through it bypass the change
// announcements that keep nodes' caches true.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close releases the store's connections. Calls made after it fail with
// store.ErrUnavailable.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping runs a query on a pooled connection, so it fails when the server
// does not answer, not only when no connection can be opened.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("postgres: ping: %w: %w", store.ErrUnavailable, err)
	}
	return nil
}

// Update runs fn in one READ COMMITTED transaction on a pooled connection.
// Rows it changes are locked until it ends, so concurrent Updates that
// touch the same account, grant or tenant audit chain wait for each other;
// different ones run in parallel. Before committing, it announces what fn
// changed with pg_notify in the same transaction, so every node hears of
// exactly the committed changes (see Follow). When fn changed what the
// lock check caches, Update returns only once every node whose cache
// answers from memory has heard the change, or its lease has run out
// (doc.go, "Coherence"): usually a few milliseconds, at most about
// Options.Lease when a node has stopped.
//
// PostgreSQL aborts a transaction at its first failed statement, so fn
// must return the errors of the Tx's methods, except store.ErrConflict
// from Create methods and PutGrant (found with ON CONFLICT DO NOTHING) and
// errors the method found before writing (store.ErrInvalid from a rule,
// store.ErrNotFound), which leave the transaction usable.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	ptx, err := s.pool.Begin(ctx)
	if err != nil {
		return wrap("begin transaction", err)
	}
	t := &txn{reads: newReads(ptx), Writes: sqlrow.Writes{D: dialect, DB: rowDB{ptx}}, tx: ptx}
	// The lock check keeps each tenant's compiled policies in memory.
	t.Writes.PoliciesChanged = func(tenantID string) { t.changed(cache.Event{Kind: cache.Policies, TenantID: tenantID}) }
	done := false
	defer func() {
		// fn failed or panicked: roll back, and let a panic go on.
		if !done {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = ptx.Rollback(rctx)
			cancel()
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	seq, err := t.announce(ctx)
	if err != nil {
		return err
	}
	done = true // Commit ends the transaction even when it fails.
	if err := ptx.Commit(ctx); err != nil {
		return wrap("commit", err)
	}
	s.tellFollowers(t.changes())
	if t.acked {
		return s.awaitHeard(ctx, seq)
	}
	return nil
}

// followers are told of this process's own commits as soon as they are
// made, so a node reads its own writes even before its listener hears the
// notification.
func (s *Store) follow(h cache.Handler) func() {
	s.mu.Lock()
	s.followers = append(s.followers, h)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.followers = slices.DeleteFunc(s.followers, func(x cache.Handler) bool { return x == h })
	}
}

func (s *Store) tellFollowers(events []cache.Event) {
	if len(events) == 0 {
		return
	}
	s.mu.Lock()
	hs := slices.Clone(s.followers)
	s.mu.Unlock()
	for _, h := range hs {
		h.Changed(events)
	}
}

// Redact hides the password of a database URL, for messages and logs.
func Redact(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "(a database URL that does not parse)"
	}
	return u.Redacted()
}

// PinMasterKey implements store.Store.
func (s *Store) PinMasterKey(ctx context.Context, fingerprint string) error {
	const op = "pin master key"
	if fingerprint == "" {
		return invalid(op, "fingerprint is empty")
	}
	// Inserting when there is none and reading what is kept is one
	// statement, so concurrent first starts keep exactly one.
	var got string
	err := s.pool.QueryRow(ctx, `WITH ins AS (
			INSERT INTO master_key (id, fingerprint) VALUES (1, $1) ON CONFLICT (id) DO NOTHING RETURNING fingerprint)
		SELECT fingerprint FROM ins UNION ALL SELECT fingerprint FROM master_key WHERE id = 1 LIMIT 1`, fingerprint).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		// A concurrent first start kept its fingerprint after this
		// statement's snapshot was taken: read it now.
		err = s.pool.QueryRow(ctx, `SELECT fingerprint FROM master_key WHERE id = 1`).Scan(&got)
	}
	if err != nil {
		return wrap(op, err)
	}
	if got != fingerprint {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrMasterKey)
	}
	return nil
}
