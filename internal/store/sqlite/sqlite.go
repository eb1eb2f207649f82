package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	// The pure-Go driver, registered as "sqlite".
	_ "modernc.org/sqlite"

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
	// ReadConns caps the read pool; 0 picks twice GOMAXPROCS, at least 4.
	ReadConns int
	// BusyTimeout is how long a statement waits for another connection's
	// lock (another process writing, a checkpoint) before it fails with
	// store.ErrUnavailable; 0 means 10 seconds.
	BusyTimeout time.Duration
}

// Store is a deadbolt database in one SQLite file. It implements
// store.Store and store.Migrator and is safe for concurrent use; other
// processes may open the same file at the same time.
type Store struct {
	reads        // store.Reader on the read pool
	sqlrow.Pools // the methods outside a Tx, written once for both backends
	path         string
	rdb          *sql.DB // read pool: many connections, query_only
	wdb          *sql.DB // write pool: one connection, BEGIN IMMEDIATE
	wstmt        [numStmts]*sql.Stmt
	rstmt        [numReads]*sql.Stmt
	log          *checkLog     // the check log's own file, ChecksPath(path)
	feed         feed          // the change feed for the lock check's cache
	plain        *preparedPool // plain queries of the read pool, prepared once
}

var (
	_ store.Store    = (*Store)(nil)
	_ store.Migrator = (*Store)(nil)
)

// Open opens (creating if needed) the database file at path, and its parent
// directory with mode 0700. It checks the schema version: a database newer
// than this binary is refused with store.ErrSchemaTooNew; one that is behind
// is migrated when opts.AutoMigrate is set and refused with
// store.ErrSchemaBehind otherwise.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	// Turning a fresh file to WAL takes an exclusive lock for which SQLite
	// does not wait on the busy handler, so processes starting together
	// (a server and the CLI) can see SQLITE_BUSY here once; try again.
	for attempt := 0; ; attempt++ {
		s, err := open(ctx, path, opts)
		if err == nil || attempt == 20 || !isBusy(err) || ctx.Err() != nil {
			return s, err
		}
		time.Sleep(time.Duration(10+attempt*10) * time.Millisecond)
	}
}

func open(ctx context.Context, path string, opts Options) (_ *Store, err error) {
	fail := func(kind, err error) error {
		return fmt.Errorf("sqlite: open %s: %w: %w", path, kind, err)
	}
	if path == "" {
		return nil, fail(store.ErrInvalid, errors.New("empty path"))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fail(store.ErrInvalid, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fail(store.ErrUnavailable, err)
	}
	// Create a new file owner-only; SQLite gives its -wal and -shm files
	// the main file's mode.
	if f, err := os.OpenFile(abs, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 10 * time.Second
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = max(4, 2*runtime.GOMAXPROCS(0))
	}

	s := &Store{path: abs}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	// The write pool first: its connections turn on WAL, which persists in
	// the file, before any reader opens it.
	if s.wdb, err = sql.Open("sqlite", dsn(abs, true, opts)); err != nil {
		return nil, fail(store.ErrUnavailable, err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.wdb.SetConnMaxIdleTime(0)
	var mode string
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, wrap("open "+path, err)
	}
	if mode != "wal" {
		return nil, fail(store.ErrUnavailable, fmt.Errorf("journal mode is %q, not wal (is the file on a network file system?)", mode))
	}

	if s.rdb, err = sql.Open("sqlite", dsn(abs, false, opts)); err != nil {
		return nil, fail(store.ErrUnavailable, err)
	}
	s.rdb.SetMaxOpenConns(opts.ReadConns)
	s.rdb.SetMaxIdleConns(opts.ReadConns)
	s.rdb.SetConnMaxLifetime(0)
	s.rdb.SetConnMaxIdleTime(0)

	// The check log's file before migrating: migration 0011 moves the
	// accounts file's old check_log table into it.
	if s.log, err = openCheckLog(ctx, ChecksPath(abs), opts); err != nil {
		return nil, err
	}

	have, want, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if err := migration.EnsureCurrent("sqlite: open "+path, have, want, opts.AutoMigrate, func() error { return s.Migrate(ctx) }); err != nil {
		return nil, err
	}

	for id := range numStmts {
		if s.wstmt[id], err = s.wdb.PrepareContext(ctx, queries[id]); err != nil {
			return nil, wrap(fmt.Sprintf("open %s: prepare statement %d", path, id), err)
		}
		if id < numReads {
			if s.rstmt[id], err = s.rdb.PrepareContext(ctx, queries[id]); err != nil {
				return nil, wrap(fmt.Sprintf("open %s: prepare statement %d", path, id), err)
			}
		}
	}
	s.reads.src, s.reads.pool = poolStmts{&s.rstmt}, true
	s.plain = &preparedPool{db: s.rdb}
	s.reads.Reads = sqlrow.Reads{D: dialect, Q: plainRows{s.plain}}
	s.Pools = sqlrow.Pools{D: dialect, R: plainRows{s.plain}, W: rowDB{s.wdb}, InTx: s.updateRows}
	return s, nil
}

// dsn builds the modernc.org/sqlite connection string for path. Every
// connection waits for locks up to the busy timeout and enforces foreign
// keys. The writer also sets WAL, synchronous=FULL (a commit is on disk
// when it returns) and BEGIN IMMEDIATE (a write transaction takes the write
// lock at its start, so it never fails half-way on a lock upgrade); the
// readers are query_only.
func dsn(path string, write bool, opts Options) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	if write {
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "FULL")
		q.Set("_txlock", "immediate")
		// Statement journals in memory: an INSERT into a table with a
		// trigger (accounts bumps the change counter, migration 0012)
		// needs one per statement, and on disk each costs system calls on
		// a temporary file: a 200 000-row import took 39 s with it on
		// disk, 23 s in memory, 17 s without the trigger. A statement
		// journal holds only what one statement changed.
		q.Add("_pragma", "temp_store(2)")
		// 8 MB of cache: SQLite walks the whole page cache at every commit,
		// so a big cache makes the check log's many small commits slow
		// (64 MB cost about 20 % more per record); a bulk import of a
		// million accounts is a third slower with this size, still well
		// under a minute.
		q.Add("_pragma", "cache_size(-8192)")
	} else {
		q.Set("_query_only", "1")
		// The lock check's lookups are spread over the whole file; the
		// B-trees' upper levels fit in a few MB and the operating system
		// caches the rest, so a big cache per reader would only cost memory.
		// Since nothing commits to this file several times a second any
		// more (the check log and job leases have files of their own),
		// the readers' caches stay full: 2 MB each keeps the upper levels
		// of a million accounts' B-trees (a few hundred pages) and keeps
		// resident memory within its target.
		q.Add("_pragma", "cache_size(-2048)")
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close releases the store's connections. Calls made after it fail with
// store.ErrUnavailable.
func (s *Store) Close() error {
	var errs []error
	for _, st := range s.rstmt {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, st := range s.wstmt {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.plain != nil {
		s.plain.close()
	}
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	errs = append(errs, s.log.close())
	errs = append(errs, s.feed.close()) // after the connections: see walIndex.file
	if err := errors.Join(errs...); err != nil {
		return wrap("close", err)
	}
	return nil
}

// Ping reads the schema version through the read pool, so it fails when
// the file cannot be read, not only when the driver is gone.
func (s *Store) Ping(ctx context.Context) error {
	var v int
	row, err := s.row(ctx, qSchemaVersion)
	if err == nil {
		err = row.Scan(&v)
	}
	if err != nil {
		return fmt.Errorf("sqlite: ping: %w: %w", store.ErrUnavailable, err)
	}
	return nil
}

// Update runs fn in one BEGIN IMMEDIATE transaction on the write
// connection. Transactions of this process queue for that connection;
// those of other processes wait for the file's write lock up to the busy
// timeout. fn must not call Update itself: it would wait for the
// connection it holds.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return wrap("begin transaction", err)
	}
	t := &txn{s: s, tx: sqlTx, ctx: ctx}
	t.reads.src = t
	t.reads.Reads = sqlrow.Reads{D: dialect, Q: rowDB{sqlTx}}
	t.Writes = sqlrow.Writes{D: dialect, DB: rowDB{sqlTx}}
	committed := false
	defer func() {
		// fn failed or panicked: roll back, and let a panic go on.
		if !committed {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	committed = true // Commit ends the transaction even when it fails.
	if err := sqlTx.Commit(); err != nil {
		return wrap("commit", err)
	}
	return nil
}

// PinMasterKey implements store.Store.
func (s *Store) PinMasterKey(ctx context.Context, fingerprint string) error {
	const op = "pin master key"
	if fingerprint == "" {
		return invalid(op, "fingerprint is empty")
	}
	var got string
	err := s.wdb.QueryRowContext(ctx, `SELECT fingerprint FROM master_key WHERE id = 1`).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		// The first start: keep this key's fingerprint. A concurrent first
		// start may have won; read what was kept.
		if _, err := s.wdb.ExecContext(ctx, `INSERT INTO master_key (id, fingerprint) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, fingerprint); err != nil {
			return wrap(op, err)
		}
		err = s.wdb.QueryRowContext(ctx, `SELECT fingerprint FROM master_key WHERE id = 1`).Scan(&got)
	}
	if err != nil {
		return wrap(op, err)
	}
	if got != fingerprint {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrMasterKey)
	}
	return nil
}
