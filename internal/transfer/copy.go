package transfer

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// arrays says how SQLite stores each column PostgreSQL keeps as text[]:
// the separator of the joined list, and whether NULL means something else
// than an empty list (members.channels: NULL is "never chose", ” is
// "chose none"). A new array column must be added here, or Copy refuses to
// start.
var arrays = map[string]struct {
	sep      string
	nullable bool
}{
	"applications.origins": {"\n", false},
	"members.channels":     {",", true},
	"webhooks.events":      {",", false},
}

// orderedTables are copied in the order their rows were written, so that
// PostgreSQL's identity column keeps SQLite's rowid order (records of the
// same instant list in the order they were logged).
var orderedTables = map[string]string{"check_log": "rowid"}

// sourceSchema is the attached schema a source table is read from: the
// check log lives in a file of its own.
func sourceSchema(table string) string {
	if isCheckTable(table) {
		return "chk"
	}
	return "main"
}

// sourceExprs are source columns read through an expression: a signing
// key's last use is kept in the check log's file (key_use) since the check
// log moved there, and in signing_keys before.
//
// A check-log stream cursor (kind "checks") holds a commit position, which
// on SQLite is a rowid and means nothing to PostgreSQL: it goes across as
// the time deadbolt's cursors held before commit order (the earliest time
// of the records from that rowid on, or just after the newest record), and
// the reader's first read starts it at that time's commit position
// (package checklog, "the upgrade"). The copied records are PostgreSQL's
// legacy records (xid 0, targetFills), in rowid order.
var sourceExprs = map[string]string{
	"signing_keys.last_used_at": `max(main.signing_keys.last_used_at, coalesce((SELECT u.last_used_at FROM chk.key_use u WHERE u.kid = main.signing_keys.kid), 0))`,
	"stream_cursors.position": `CASE WHEN main.stream_cursors.kind = 'checks' AND main.stream_cursors.position BETWEEN 1 AND 999999999999999999
		THEN max(1000000000000000000, coalesce((SELECT min(c.at) FROM chk.check_log c WHERE c.rowid >= main.stream_cursors.position),
			(SELECT max(c.at) + 1 FROM chk.check_log c), 0))
		ELSE main.stream_cursors.position END`,
}

// targetFills are target columns the source has no counterpart of, which
// the copy leaves to the target: check_log.xid, the writing transaction
// (migration 0024), is '0' for every copied record — what PostgreSQL's
// own records from before 0024 have — set as the column's default for the
// copy's transaction only.
var targetFills = map[string]string{"check_log.xid": `'0'`}

// column is one column to copy, with PostgreSQL's idea of its type.
type column struct {
	name     string
	pgType   string // information_schema data_type, "ARRAY" for arrays
	nullable bool
}

// CopyResult is what Copy wrote and how it checked it.
type CopyResult struct {
	Summary
	// Digests holds, per table, the digest of every row's values that both
	// databases agree on.
	Digests map[string]string `json:"digests"`
}

// Copy copies every row of the SQLite database at srcPath into dst, which
// must be empty (every table; it is migrated first if needed). The source
// must be at this binary's schema version (run `deadbolt migrate` on it
// otherwise) and is only read, in one read transaction, so the copy is
// the state of one instant even while a server keeps writing. The target
// is loaded in one transaction with COPY, foreign keys deferred to its
// end; then every table's row count and a digest of all its rows' values
// are compared between the two databases. progress, if not nil, is told
// of every table copied.
func Copy(ctx context.Context, srcPath string, dst *postgres.Store, progress func(table string, rows int64)) (CopyResult, error) {
	const op = "copy"
	fail := func(kind error, format string, args ...any) (CopyResult, error) {
		return CopyResult{}, fmt.Errorf("%s: %w: %s", op, kind, fmt.Sprintf(format, args...))
	}
	// The source: current, then read in one snapshot.
	s, err := sqlite.Open(ctx, srcPath, sqlite.Options{})
	if err != nil {
		return CopyResult{}, fmt.Errorf("%s: source: %w", op, err)
	}
	version, _, err := s.SchemaVersion(ctx)
	s.Close()
	if err != nil {
		return CopyResult{}, fmt.Errorf("%s: source: %w", op, err)
	}
	srcDB, err := openSQLite(srcPath, false)
	if err != nil {
		return fail(store.ErrUnavailable, "source: %v", err)
	}
	defer srcDB.Close()
	conn, err := srcDB.Conn(ctx)
	if err != nil {
		return fail(store.ErrUnavailable, "source: %v", err)
	}
	defer conn.Close()
	// The check log's own file, as schema chk: its check_log is then found
	// by its bare name, and key_use moves signing keys' last use forward.
	if err := attachReadOnly(ctx, conn, sqlite.ChecksPath(srcPath), "chk"); err != nil {
		return fail(store.ErrUnavailable, "source: the check log: %v", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE chk`)
	// One read transaction: the accounts' snapshot is taken at its first
	// read, the check log's at its first read of chk, after it.
	src, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fail(store.ErrUnavailable, "source: %v", err)
	}
	defer src.Rollback()

	// The target: migrated, empty, with the same tables and columns.
	pool := dst.Pool()
	plan, err := targetColumns(ctx, pool)
	if err != nil {
		return fail(store.ErrUnavailable, "target: %v", err)
	}
	tables, err := sqliteTables(ctx, src, "main")
	if err != nil {
		return fail(store.ErrUnavailable, "source: %v", err)
	}
	tables = append(tables, "check_log")
	slices.Sort(tables)
	targetTables := sortedKeys(plan)
	if !slices.Equal(tables, targetTables) {
		return fail(store.ErrInvalid, "the source has tables %v, the target %v: is this deadbolt's SQLite schema at the version this binary knows?", tables, targetTables)
	}
	for _, t := range tables {
		cols, err := sqliteColumns(ctx, src, sourceSchema(t), t)
		if err != nil {
			return fail(store.ErrUnavailable, "source: %v", err)
		}
		var want []string
		for _, c := range plan[t] {
			want = append(want, c.name)
			if c.pgType == "ARRAY" {
				if _, ok := arrays[t+"."+c.name]; !ok {
					return fail(store.ErrInvalid, "column %s.%s is an array in PostgreSQL and this copy does not know how SQLite stores it", t, c.name)
				}
			}
		}
		if !sameSet(cols, want) {
			return fail(store.ErrInvalid, "table %s has columns %v in the source and %v in the target", t, cols, want)
		}
		var any bool
		if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{t}.Sanitize()+`)`).Scan(&any); err != nil {
			return fail(store.ErrUnavailable, "target: %v", err)
		}
		if any {
			return fail(store.ErrConflict, "the target database is not empty (table %s has rows); copy only into a new database", t)
		}
	}

	// Load, in one transaction.
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fail(store.ErrUnavailable, "target: %v", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SET CONSTRAINTS ALL DEFERRED`); err != nil {
		return fail(store.ErrUnavailable, "target: %v", err)
	}
	defaults, err := fillDefaults(ctx, tx)
	if err != nil {
		return fail(store.ErrUnavailable, "target: %v", err)
	}
	res := CopyResult{Summary: Summary{SchemaVersion: version}, Digests: map[string]string{}}
	for _, t := range tables {
		n, err := copyTable(ctx, src, tx, t, plan[t])
		if err != nil {
			return CopyResult{}, fmt.Errorf("%s: table %s: %w", op, t, err)
		}
		if progress != nil {
			progress(t, n)
		}
		res.Tables = append(res.Tables, Table{t, n})
	}
	if err := setDefaults(ctx, tx, defaults); err != nil {
		return fail(store.ErrUnavailable, "target: %v", err)
	}
	if err := postgres.AnnounceAll(ctx, tx); err != nil {
		return CopyResult{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fail(store.ErrUnavailable, "commit: %v", err)
	}

	// Verify: same rows, same values, table by table.
	for _, t := range tables {
		cols := plan[t]
		want, n, err := sqliteDigest(ctx, src, t, cols)
		if err != nil {
			return fail(store.ErrUnavailable, "verify %s in the source: %v", t, err)
		}
		got, m, err := pgDigest(ctx, pool, t, cols)
		if err != nil {
			return fail(store.ErrUnavailable, "verify %s in the target: %v", t, err)
		}
		if n != m || want != got || n != res.Rows(t) {
			return fail(store.ErrUnavailable, "verify %s: the source has %d rows (digest %s), the target %d (digest %s): the copy is not faithful; drop the target database and try again",
				t, n, want, m, got)
		}
		res.Digests[t] = got
	}
	return res, nil
}

// targetColumns lists the PostgreSQL tables of the current schema and the
// columns to copy into them: all but schema_version, the running nodes'
// tables (postgres.NodeTables) and identity columns.
func targetColumns(ctx context.Context, pool interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}) (map[string][]column, error) {
	rows, err := pool.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'YES'
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
		WHERE c.table_schema = current_schema() AND c.table_name <> ALL($1) AND c.is_identity = 'NO'
		ORDER BY c.table_name, c.ordinal_position`, append([]string{"schema_version"}, postgres.NodeTables...))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	plan := map[string][]column{}
	for rows.Next() {
		var t string
		var c column
		if err := rows.Scan(&t, &c.name, &c.pgType, &c.nullable); err != nil {
			return nil, err
		}
		if _, ok := targetFills[t+"."+c.name]; ok {
			continue
		}
		plan[t] = append(plan[t], c)
	}
	return plan, rows.Err()
}

// fillDefaults sets targetFills' values as their columns' defaults, in
// tx, and returns the defaults they had.
func fillDefaults(ctx context.Context, tx pgx.Tx) (map[string]string, error) {
	had := map[string]string{}
	for _, tc := range sortedKeys(targetFills) {
		t, c, _ := strings.Cut(tc, ".")
		var d string
		if err := tx.QueryRow(ctx, `SELECT column_default FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`, t, c).Scan(&d); err != nil {
			return nil, fmt.Errorf("default of %s: %w", tc, err)
		}
		had[tc] = d
	}
	return had, setDefaults(ctx, tx, targetFills)
}

// setDefaults sets the defaults of the columns named table.column, in tx.
func setDefaults(ctx context.Context, tx pgx.Tx, defaults map[string]string) error {
	for _, tc := range sortedKeys(defaults) {
		t, c, _ := strings.Cut(tc, ".")
		if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{t}.Sanitize()+` ALTER COLUMN `+pgx.Identifier{c}.Sanitize()+
			` SET DEFAULT `+defaults[tc]); err != nil {
			return fmt.Errorf("default of %s: %w", tc, err)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// selectAll is the source query of a table's columns.
func selectAll(table string, cols []column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		if e, ok := sourceExprs[table+"."+c.name]; ok {
			names[i] = e + ` AS "` + c.name + `"`
		} else {
			names[i] = `"` + c.name + `"`
		}
	}
	q := `SELECT ` + strings.Join(names, ", ") + ` FROM ` + sourceSchema(table) + `."` + table + `"`
	if o, ok := orderedTables[table]; ok {
		q += ` ORDER BY ` + o
	}
	return q
}

// copyTable streams a table from SQLite into PostgreSQL with COPY.
func copyTable(ctx context.Context, src *sql.Tx, tx pgx.Tx, table string, cols []column) (int64, error) {
	rows, err := src.QueryContext(ctx, selectAll(table, cols))
	if err != nil {
		return 0, fmt.Errorf("%w: read: %w", store.ErrUnavailable, err)
	}
	defer rows.Close()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	rs := &rowSource{rows: rows, table: table, cols: cols}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, names, rs)
	if rs.err != nil {
		return 0, rs.err
	}
	if err != nil {
		return 0, fmt.Errorf("%w: write: %w", store.ErrUnavailable, err)
	}
	return n, nil
}

// rowSource is a pgx.CopyFromSource over SQLite rows, converting each
// value to PostgreSQL's type.
type rowSource struct {
	rows  *sql.Rows
	table string
	cols  []column
	vals  []any
	err   error
}

func (r *rowSource) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	raw := make([]any, len(r.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.err = fmt.Errorf("%w: read: %w", store.ErrUnavailable, err)
		return false
	}
	r.vals = make([]any, len(raw))
	for i, c := range r.cols {
		v, err := convert(r.table, c, raw[i])
		if err != nil {
			r.err = err
			return false
		}
		r.vals[i] = v
	}
	return true
}

func (r *rowSource) Values() ([]any, error) { return r.vals, nil }

func (r *rowSource) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

// convert turns a SQLite value into the Go value PostgreSQL's column type
// takes: INTEGER 0/1 into a boolean, a joined list into a text array,
// TEXT into text and BLOB into bytea.
func convert(table string, c column, v any) (any, error) {
	bad := func() (any, error) {
		return nil, fmt.Errorf("%w: %s.%s: cannot store SQLite value %T %v as %s", store.ErrInvalid, table, c.name, v, v, c.pgType)
	}
	if v == nil {
		if c.nullable {
			return nil, nil
		}
		if c.pgType == "bytea" {
			return []byte{}, nil
		}
		return bad()
	}
	switch c.pgType {
	case "boolean":
		if n, ok := v.(int64); ok && (n == 0 || n == 1) {
			return n == 1, nil
		}
	case "bigint", "integer":
		if n, ok := v.(int64); ok {
			return n, nil
		}
	case "text":
		switch s := v.(type) {
		case string:
			return s, nil
		case []byte:
			return string(s), nil
		}
	case "bytea":
		switch b := v.(type) {
		case []byte:
			if b == nil { // an empty BLOB
				return []byte{}, nil
			}
			return b, nil
		case string:
			return []byte(b), nil
		}
	case "ARRAY":
		a := arrays[table+"."+c.name]
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		if s == "" {
			return []string{}, nil
		}
		return strings.Split(s, a.sep), nil
	}
	return bad()
}

// digest is an order-independent digest of a table: the sum, modulo
// 2^256, of the SHA-256 of every row's canonical encoding. Rows are
// unique (every table has a primary key), so equal digests mean equal
// sets of rows however each database orders them.
type digest [4]uint64

func (d *digest) add(row []any, cols []column) {
	h := sha256.New()
	var buf []byte
	for i, c := range cols {
		buf = append(buf[:0], c.name...)
		buf = append(buf, '=')
		buf = canonical(buf, row[i])
		buf = append(buf, 0)
		h.Write(buf)
	}
	sum := h.Sum(nil)
	var carry uint64
	for i := range 4 {
		d[i], carry = bits.Add64(d[i], binary.BigEndian.Uint64(sum[8*i:]), carry)
	}
}

func (d digest) String() string {
	var b [32]byte
	for i := range 4 {
		binary.BigEndian.PutUint64(b[8*i:], d[i])
	}
	return hex.EncodeToString(b[:])
}

// canonical encodes a converted value (or one read from PostgreSQL) with
// a type tag, so that values of different types never collide.
func canonical(buf []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(buf, 'n')
	case bool:
		if x {
			return append(buf, 'b', '1')
		}
		return append(buf, 'b', '0')
	case int64:
		return strconv.AppendInt(append(buf, 'i'), x, 10)
	case int32:
		return strconv.AppendInt(append(buf, 'i'), int64(x), 10)
	case string:
		buf = strconv.AppendInt(append(buf, 's'), int64(len(x)), 10)
		return append(append(buf, ':'), x...)
	case []byte:
		buf = strconv.AppendInt(append(buf, 'x'), int64(len(x)), 10)
		return append(append(buf, ':'), x...)
	case []string:
		buf = strconv.AppendInt(append(buf, 'a'), int64(len(x)), 10)
		for _, s := range x {
			buf = canonical(append(buf, ','), s)
		}
		return buf
	case []any:
		ss := make([]string, len(x))
		for i, e := range x {
			ss[i] = fmt.Sprint(e)
		}
		return canonical(buf, ss)
	default:
		return fmt.Appendf(append(buf, '?'), "%T:%v", v, v)
	}
}

// sqliteDigest reads a table from the source and digests its rows as
// converted for PostgreSQL.
func sqliteDigest(ctx context.Context, src *sql.Tx, table string, cols []column) (string, int64, error) {
	rows, err := src.QueryContext(ctx, selectAll(table, cols))
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	rs := &rowSource{rows: rows, table: table, cols: cols}
	var d digest
	var n int64
	for rs.Next() {
		d.add(rs.vals, cols)
		n++
	}
	if err := rs.Err(); err != nil {
		return "", 0, err
	}
	return d.String(), n, nil
}

// pgDigest reads a table from the target and digests its rows.
func pgDigest(ctx context.Context, pool interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, table string, cols []column) (string, int64, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = pgx.Identifier{c.name}.Sanitize()
	}
	rows, err := pool.Query(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	var d digest
	var n int64
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return "", 0, err
		}
		d.add(vals, cols)
		n++
	}
	if err := rows.Err(); err != nil {
		return "", 0, err
	}
	return d.String(), n, nil
}
