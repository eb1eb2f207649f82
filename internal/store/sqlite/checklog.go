package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// ChecksPath returns the path of the check log's own file for the accounts
// file at path: the same name with ".checks" appended (deadbolt.db →
// deadbolt.db.checks, with its own -wal and -shm files beside it).
func ChecksPath(path string) string { return path + ".checks" }

// checksVersion is the check-log file's schema version, kept in its
// PRAGMA user_version. A new file is created whole at that version; an
// older one is brought up by upgradeChecks; a file from a newer deadbolt
// is refused. Version 2 added leases, version 3 check_log.policy_id.
const checksVersion = 3

// checksSchema is the check-log file's schema. check_log keeps the columns
// it had in the accounts file (migration 0001) and the deciding policy's
// ID; key_use holds each signing key's latest use, which the check log
// used to write into signing_keys; leases holds the background jobs'
// leases (TryLease), which used to be renewed in the accounts file (its
// leases table is no longer used): each renewal there — several a second
// with short leases — emptied every accounts reader's page cache (SQLite
// resets a connection's cache when another commit moved the WAL) and made
// the lock check's change feed read the change counter.
const checksSchema = `
CREATE TABLE IF NOT EXISTS check_log (
    id               TEXT    NOT NULL PRIMARY KEY,
    tenant_id        TEXT    NOT NULL,
    app_id           TEXT    NOT NULL,
    kid              TEXT    NOT NULL,
    account          TEXT    NOT NULL,
    at               INTEGER NOT NULL,
    locked           INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    ip               TEXT    NOT NULL,
    device           TEXT    NOT NULL,
    location         TEXT    NOT NULL,
    integration_type TEXT    NOT NULL,
    policy_id        TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX IF NOT EXISTS check_log_app_at ON check_log (app_id, at);
CREATE INDEX IF NOT EXISTS check_log_at ON check_log (at);
CREATE TABLE IF NOT EXISTS key_use (
    kid          TEXT    NOT NULL PRIMARY KEY,
    last_used_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
    job    TEXT    NOT NULL PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`

// Statements of the check-log file.
const (
	checkInsertOne = `INSERT INTO check_log (` + sqlrow.CheckCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	checkKeyUse    = `INSERT INTO key_use (kid, last_used_at) VALUES (?, ?)
		ON CONFLICT (kid) DO UPDATE SET last_used_at = max(last_used_at, excluded.last_used_at)`
	checkGet     = `SELECT ` + sqlrow.CheckCols + ` FROM check_log WHERE id = ?`
	checkList    = `SELECT ` + sqlrow.CheckCols + ` FROM check_log WHERE app_id = ? ORDER BY at DESC, rowid DESC LIMIT ?`
	checkLastUse = `SELECT last_used_at FROM key_use WHERE kid = ?`
	// checkPrune keeps the newest row, whatever its age: SQLite gives a
	// new row the newest rowid plus one, and a rowid handed out again
	// would fall below the commit-ordered readers' cursors
	// (CommittedChecks).
	checkPrune = `DELETE FROM check_log WHERE rowid IN (SELECT rowid FROM check_log
		WHERE at < ? AND rowid < (SELECT max(rowid) FROM check_log) ORDER BY at LIMIT ?)`
)

// checkChunk is how many check-log rows one INSERT writes: a group commit
// of many records runs a handful of statements instead of one per record,
// which saves about a third of the check log's CPU.
const checkChunk = 16

// checkInsertChunk inserts checkChunk rows at once.
var checkInsertChunk = `INSERT INTO check_log (` + sqlrow.CheckCols + `) VALUES ` +
	strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), `, checkChunk), `, `)

// upgradeChecks brings a check-log file at version have (1 or more) to
// checksVersion. Each step is idempotent, so a file whose version number
// lags its tables is safe too.
func upgradeChecks(ctx context.Context, tx *sql.Tx, have int) error {
	if have < 2 {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS leases (
    job    TEXT    NOT NULL PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  INTEGER NOT NULL
) STRICT, WITHOUT ROWID`); err != nil {
			return err
		}
	}
	if have < 3 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('check_log') WHERE name = 'policy_id'`).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE check_log ADD COLUMN policy_id TEXT NOT NULL DEFAULT ''`); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkLog is the check log's own SQLite file (ChecksPath), with its own
// write connection and read pool, so that its commits — one per batch of
// checks — neither sync the accounts file nor disturb its readers' page
// caches and change detection.
type checkLog struct {
	path string
	wdb  *sql.DB // one connection, BEGIN IMMEDIATE, synchronous=FULL
	rdb  *sql.DB // query_only readers: the activity page, `checks`

	insertChunk, insertOne, keyUse, prune *sql.Stmt // on wdb
	get, list, lastUse                    *sql.Stmt // on rdb
}

// openCheckLog opens (creating if needed) the check-log file at path, in
// WAL mode with synchronous=FULL like the accounts file, and brings its
// schema up to checksVersion.
func openCheckLog(ctx context.Context, path string, opts Options) (_ *checkLog, err error) {
	fail := func(kind, err error) error {
		return fmt.Errorf("sqlite: open check log %s: %w: %w", path, kind, err)
	}
	if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	l := &checkLog{path: path}
	defer func() {
		if err != nil {
			l.close()
		}
	}()
	if l.wdb, err = sql.Open("sqlite", dsn(path, true, opts)); err != nil {
		return nil, fail(store.ErrUnavailable, err)
	}
	l.wdb.SetMaxOpenConns(1)
	l.wdb.SetMaxIdleConns(1)
	l.wdb.SetConnMaxLifetime(0)
	l.wdb.SetConnMaxIdleTime(0)
	var mode string
	if err := l.wdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, wrap("open check log "+path, err)
	}
	if mode != "wal" {
		return nil, fail(store.ErrUnavailable, fmt.Errorf("journal mode is %q, not wal (is the file on a network file system?)", mode))
	}
	if err := l.createSchema(ctx); err != nil {
		return nil, err
	}
	if l.rdb, err = sql.Open("sqlite", dsn(path, false, opts)); err != nil {
		return nil, fail(store.ErrUnavailable, err)
	}
	// The log's readers are the activity page and the CLI, not the lock
	// check: a few connections are plenty.
	l.rdb.SetMaxOpenConns(min(opts.ReadConns, 4))
	l.rdb.SetMaxIdleConns(min(opts.ReadConns, 4))
	l.rdb.SetConnMaxLifetime(0)
	for _, p := range []struct {
		db  *sql.DB
		dst **sql.Stmt
		q   string
	}{
		{l.wdb, &l.insertChunk, checkInsertChunk}, {l.wdb, &l.insertOne, checkInsertOne},
		{l.wdb, &l.keyUse, checkKeyUse}, {l.wdb, &l.prune, checkPrune},
		{l.rdb, &l.get, checkGet}, {l.rdb, &l.list, checkList}, {l.rdb, &l.lastUse, checkLastUse},
	} {
		if *p.dst, err = p.db.PrepareContext(ctx, p.q); err != nil {
			return nil, wrap("open check log "+path, err)
		}
	}
	return l, nil
}

// createSchema makes the file's tables unless it has them, and refuses a
// file of a newer deadbolt.
func (l *checkLog) createSchema(ctx context.Context) error {
	const op = "create check log"
	tx, err := l.wdb.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback() // a no-op after Commit
	var have int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&have); err != nil {
		return wrap(op, err)
	}
	switch {
	case have > checksVersion:
		return fmt.Errorf("sqlite: open check log %s: %w: it is at version %d, this binary knows up to %d", l.path, store.ErrSchemaTooNew, have, checksVersion)
	case have == checksVersion:
		return nil
	case have == 0:
		if _, err := tx.ExecContext(ctx, checksSchema); err != nil {
			return wrap(op, err)
		}
	default:
		if err := upgradeChecks(ctx, tx, have); err != nil {
			return wrap(op, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, checksVersion)); err != nil {
		return wrap(op, err)
	}
	return wrap(op, tx.Commit())
}

func (l *checkLog) close() error {
	if l == nil {
		return nil
	}
	var errs []error
	for _, st := range []*sql.Stmt{l.insertChunk, l.insertOne, l.keyUse, l.prune, l.get, l.list, l.lastUse} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, db := range []*sql.DB{l.rdb, l.wdb} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// checkArgs appends a record's column values in sqlrow.CheckCols order.
func checkArgs(dst []any, c store.CheckRecord) []any {
	return append(dst, c.ID, c.TenantID, c.AppID, c.KID, c.Account, valid.Nanos(c.At), c.Locked,
		c.Status, c.IP, c.Device, c.Location, c.IntegrationType, c.PolicyID)
}

// insert writes recs in tx, checkChunk rows per statement.
func (l *checkLog) insert(ctx context.Context, tx *sql.Tx, recs []store.CheckRecord) error {
	buf := make([]any, 0, 13*checkChunk)
	chunk := tx.StmtContext(ctx, l.insertChunk)
	i := 0
	for ; i+checkChunk <= len(recs); i += checkChunk {
		buf = buf[:0]
		for _, c := range recs[i : i+checkChunk] {
			buf = checkArgs(buf, c)
		}
		if _, err := chunk.ExecContext(ctx, buf...); err != nil {
			return err
		}
	}
	one := tx.StmtContext(ctx, l.insertOne)
	for _, c := range recs[i:] {
		if _, err := one.ExecContext(ctx, checkArgs(buf[:0], c)...); err != nil {
			return err
		}
	}
	return nil
}

// AppendChecks writes the batch to the check-log file in one transaction
// (one fsync), and moves each named key's latest use forward in the same
// file. The accounts file is not touched.
func (s *Store) AppendChecks(ctx context.Context, recs []store.CheckRecord) error {
	const op = "append checks"
	if len(recs) == 0 {
		return nil
	}
	latest := make(map[string]int64)
	for i, c := range recs {
		if err := valid.CheckRecord(c); err != nil {
			return fmt.Errorf("%w (record %d of %d)", wrap(op, err), i+1, len(recs))
		}
		if at := valid.Nanos(c.At); c.KID != "" && at > latest[c.KID] {
			latest[c.KID] = at
		}
	}
	tx, err := s.log.wdb.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback() // a no-op after Commit
	if err := s.log.insert(ctx, tx, recs); err != nil {
		return wrap(op, err)
	}
	use := tx.StmtContext(ctx, s.log.keyUse)
	for kid, at := range latest {
		if _, err := use.ExecContext(ctx, kid, at); err != nil {
			return wrap(op, err)
		}
	}
	return wrap(op, tx.Commit())
}

// CheckRecord implements store.Reader from the check-log file.
func (s *Store) CheckRecord(ctx context.Context, id string) (store.CheckRecord, error) {
	return s.log.record(ctx, id)
}

// CheckRecords implements store.Reader from the check-log file. A limit
// below 1 is store.ErrInvalid.
func (s *Store) CheckRecords(ctx context.Context, appID string, limit int) ([]store.CheckRecord, error) {
	return s.log.records(ctx, appID, limit)
}

// CheckRecord implements store.Reader. The check log is another file that
// no transaction writes, so a Tx reads its committed state.
func (t *txn) CheckRecord(ctx context.Context, id string) (store.CheckRecord, error) {
	return t.s.log.record(ctx, id)
}

// CheckRecords implements store.Reader, as CheckRecord does.
func (t *txn) CheckRecords(ctx context.Context, appID string, limit int) ([]store.CheckRecord, error) {
	return t.s.log.records(ctx, appID, limit)
}

func (l *checkLog) record(ctx context.Context, id string) (store.CheckRecord, error) {
	c, err := dialect.ScanCheck(l.get.QueryRowContext(ctx, id))
	if err != nil {
		return store.CheckRecord{}, wrap("get check record", err)
	}
	return c, nil
}

func (l *checkLog) records(ctx context.Context, appID string, limit int) ([]store.CheckRecord, error) {
	const op = "list check records"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	rows, err := l.list.QueryContext(ctx, appID, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []store.CheckRecord{}
	for rows.Next() {
		c, err := dialect.ScanCheck(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// SigningKey implements store.Reader: the key from the accounts file, with
// LastUsedAt moved forward to its latest use in the check-log file (where
// AppendChecks records it, so that a check never writes the accounts
// file). Inside a transaction SigningKey and SigningKeys read the accounts
// file only.
func (s *Store) SigningKey(ctx context.Context, kid string) (store.SigningKey, error) {
	k, err := s.reads.SigningKey(ctx, kid)
	if err != nil {
		return k, err
	}
	return k, s.log.lastUsed(ctx, &k)
}

// SigningKeys implements store.Reader, each key's LastUsedAt moved forward
// as SigningKey does.
func (s *Store) SigningKeys(ctx context.Context, appID string) ([]store.SigningKey, error) {
	ks, err := s.reads.SigningKeys(ctx, appID)
	if err != nil {
		return ks, err
	}
	for i := range ks {
		if err := s.log.lastUsed(ctx, &ks[i]); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

// lastUsed moves k.LastUsedAt forward to the key's use recorded in the
// check log, if later.
func (l *checkLog) lastUsed(ctx context.Context, k *store.SigningKey) error {
	var at int64
	err := l.lastUse.QueryRowContext(ctx, k.KID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return wrap("get key use", err)
	}
	if t := valid.FromNanos(at); t.After(k.LastUsedAt) {
		k.LastUsedAt = t
	}
	return nil
}

// DeleteChecksBefore implements store.Store: it deletes up to limit of the
// oldest records logged before before, in one transaction of the check-log
// file, and returns how many it deleted.
func (s *Store) DeleteChecksBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	const op = "delete old check records"
	if err := positiveLimit(op, limit); err != nil {
		return 0, err
	}
	res, err := s.log.prune.ExecContext(ctx, valid.Nanos(before), limit)
	if err != nil {
		return 0, wrap(op, err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap(op, err)
}

// moveBatch is how many rows one transaction of the move copies.
const moveBatch = 4096

// movedCheckCols read the accounts file's old check_log (migration 0001),
// which has no policy_id, as sqlrow.CheckCols.
var movedCheckCols = strings.TrimSuffix(sqlrow.CheckCols, ", policy_id") + ", ''"

// moveCheckLog copies every row of the accounts file's check_log table
// into the check-log file, keeping each row's rowid (and so the order of
// records of one instant). It runs inside the transaction of the
// migration that drops the table, which holds the accounts file's write
// lock, so no row can be added meanwhile; the copy commits in batches
// (INSERT OR IGNORE, so a copy interrupted by a crash is simply done
// again) and the table is dropped only once every row is in the
// check-log file, durably.
func (s *Store) moveCheckLog(ctx context.Context, tx *sql.Tx) error {
	const op = "move the check log to its own file"
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'check_log'`).Scan(&n); err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return nil
	}
	var rowids []int64
	var recs []store.CheckRecord
	read := func(after int64) error {
		rowids, recs = rowids[:0], recs[:0]
		rows, err := tx.QueryContext(ctx, `SELECT rowid, `+movedCheckCols+` FROM check_log WHERE rowid > ? ORDER BY rowid LIMIT ?`, after, moveBatch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var rowid int64
			c, err := dialect.ScanCheck(scanFunc(func(dst ...any) error { return rows.Scan(append([]any{&rowid}, dst...)...) }))
			if err != nil {
				return err
			}
			rowids, recs = append(rowids, rowid), append(recs, c)
		}
		return rows.Err()
	}
	var last, moved int64
	for {
		if err := read(last); err != nil {
			return wrap(op, err)
		}
		if len(recs) == 0 {
			break
		}
		if err := s.log.copyRows(ctx, rowids, recs); err != nil {
			return wrap(op, err)
		}
		last, moved = rowids[len(rowids)-1], moved+int64(len(recs))
	}
	// Every row of the table is now in the check-log file: count the
	// copied rows there by ID.
	var have int64
	if err := s.log.wdb.QueryRowContext(ctx, `SELECT count(*) FROM check_log WHERE rowid <= ?`, last).Scan(&have); err != nil {
		return wrap(op, err)
	}
	if have < moved {
		return fmt.Errorf("sqlite: %s: %w: %d of %d records arrived; the old table is kept", op, store.ErrUnavailable, have, moved)
	}
	return nil
}

// copyRows writes rows with their rowids in one transaction, skipping rows
// already there.
func (l *checkLog) copyRows(ctx context.Context, rowids []int64, recs []store.CheckRecord) error {
	tx, err := l.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO check_log (rowid, `+sqlrow.CheckCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	args := make([]any, 0, 14)
	for i, c := range recs {
		if _, err := ins.ExecContext(ctx, checkArgs(append(args[:0], rowids[i]), c)...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// scanFunc adapts a function to scanner.
type scanFunc func(dst ...any) error

func (f scanFunc) Scan(dst ...any) error { return f(dst...) }

// checkLogMoves names the migration that drops the accounts file's
// check_log table; moveCheckLog runs in its transaction first.
const checkLogMoves = "0011_check_log_moves.sql"
