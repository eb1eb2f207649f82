package sqlite

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// oldLog makes a database at schema version 10 — the check log still in
// the accounts file — holding n check records of one application, several
// of each instant, and returns its path and the records in the order
// CheckRecords listed them there (newest first, then latest written).
func oldLog(t *testing.T, n int) (string, []store.CheckRecord) {
	t.Helper()
	path, db := dbAt(t, 10)
	defer db.Close()
	base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	oldCols := strings.TrimSuffix(sqlrow.CheckCols, ", policy_id") // the accounts file's table has no policy_id
	ins, err := tx.Prepare(`INSERT INTO check_log (` + oldCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		c := store.CheckRecord{ID: fmt.Sprintf("s%05d", i), TenantID: "t1", AppID: "a1", KID: "k1",
			Account: fmt.Sprintf("user%d", i%7), At: base.Add(time.Duration(i/3) * time.Second), Locked: i%2 == 0,
			Status: "unlocked", IP: "203.0.113.7", Device: "Firefox", Location: "Madrid, ES", IntegrationType: "cognito"}
		if _, err := ins.Exec(checkArgs(nil, c)[:12]...); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT ` + movedCheckCols + ` FROM check_log WHERE app_id = 'a1' ORDER BY at DESC, rowid DESC`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var want []store.CheckRecord
	for rows.Next() {
		c, err := dialect.ScanCheck(rows)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c)
	}
	if err := rows.Err(); err != nil || len(want) != n {
		t.Fatalf("old log: %d records, %v", len(want), err)
	}
	return path, want
}

// hasCheckLogTable reports whether the accounts file at path still has
// its old check_log table.
func hasCheckLogTable(t *testing.T, s *Store) bool {
	t.Helper()
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'check_log'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// TestOldCheckLogMoves: opening a database of the old layout moves every
// check record — more than one batch of the move — into the check log's
// own file, in the order they listed before, and drops the old table.
func TestOldCheckLogMoves(t *testing.T) {
	n := 2*moveBatch + 123
	path, want := oldLog(t, n)
	s, err := Open(t.Context(), path, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if hasCheckLogTable(t, s) {
		t.Error("the accounts file still has its check_log table after the move")
	}
	if _, err := os.Stat(ChecksPath(path)); err != nil {
		t.Fatalf("no check-log file: %v", err)
	}
	got, err := s.CheckRecords(t.Context(), "a1", n+10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after the move CheckRecords lists %d records, want the %d listed before, in the same order", len(got), len(want))
	}
	if _, err := s.CheckRecord(t.Context(), want[n/2].ID); err != nil {
		t.Fatalf("CheckRecord of a moved record: %v", err)
	}
}

// TestInterruptedMoveIsRedone: a move that died after copying part of the
// rows (the check-log file has them, the old table is still there) is done
// again at the next open, without losing or doubling a record.
func TestInterruptedMoveIsRedone(t *testing.T) {
	n := moveBatch + 500
	path, want := oldLog(t, n)
	// The first batch made it into the check-log file before the "crash".
	l, err := openCheckLog(t.Context(), ChecksPath(path), Options{BusyTimeout: 10 * time.Second, ReadConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	byID := slices.Clone(want)
	slices.SortFunc(byID, func(a, b store.CheckRecord) int { return strings.Compare(a.ID, b.ID) })
	var rowids []int64
	for i := range moveBatch {
		rowids = append(rowids, int64(i+1)) // rows were inserted in ID order
	}
	if err := l.copyRows(t.Context(), rowids, byID[:moveBatch]); err != nil {
		t.Fatal(err)
	}
	l.close()

	s, err := Open(t.Context(), path, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if hasCheckLogTable(t, s) {
		t.Error("the accounts file still has its check_log table")
	}
	got, err := s.CheckRecords(t.Context(), "a1", 2*n)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after the redone move CheckRecords lists %d records, want the %d listed before, in the same order", len(got), len(want))
	}
}

// TestCheckLogUpgrade: a check-log file at version 1 (before policy_id)
// is brought to the current version on open, its records kept with no
// deciding policy, and new records keep theirs.
func TestCheckLogUpgrade(t *testing.T) {
	ctx := t.Context()
	path := t.TempDir() + "/d.db"
	s, err := Open(ctx, path, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	// Make the file what version 1 wrote: no policy_id column.
	for _, q := range []string{`DROP TABLE check_log`, `CREATE TABLE check_log (id TEXT NOT NULL PRIMARY KEY, tenant_id TEXT NOT NULL,
		app_id TEXT NOT NULL, kid TEXT NOT NULL, account TEXT NOT NULL, at INTEGER NOT NULL, locked INTEGER NOT NULL,
		status TEXT NOT NULL, ip TEXT NOT NULL, device TEXT NOT NULL, location TEXT NOT NULL, integration_type TEXT NOT NULL) STRICT`,
		`INSERT INTO check_log VALUES ('s1', 't1', 'a1', 'k1', 'alice', 1, 1, 'locked', '', '', '', '')`,
		`PRAGMA user_version = 1`} {
		if _, err := s.log.wdb.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	s.Close()
	if s, err = Open(ctx, path, Options{AutoMigrate: true}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c, err := s.CheckRecord(ctx, "s1"); err != nil || c.Account != "alice" || c.PolicyID != "" {
		t.Fatalf("old record after the upgrade: %+v, %v", c, err)
	}
	var v int
	if err := s.log.wdb.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != checksVersion {
		t.Fatalf("user_version %d, %v; want %d", v, err, checksVersion)
	}
}

// TestCheckLogNewerRefused: a check-log file written by a newer deadbolt
// (a higher user_version) is refused, not written into.
func TestCheckLogNewerRefused(t *testing.T) {
	path := t.TempDir() + "/d.db"
	s, err := Open(t.Context(), path, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.log.wdb.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(t.Context(), path, Options{AutoMigrate: true}); !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("Open with a newer check-log file = %v, want ErrSchemaTooNew", err)
	}
}

// TestAppendChecksLeavesAccountsFile: a batch of checks commits to the
// check-log file only. The accounts file's data_version, which moves for
// a connection whenever another one commits to the file, stays put, and
// so do the caches and change detection that watch that file.
func TestAppendChecksLeavesAccountsFile(t *testing.T) {
	ctx := t.Context()
	s := openNew(t)
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateTenant(ctx, store.Tenant{ID: "t1", Name: "acme", CreatedAt: at}); err != nil {
			return err
		}
		if err := tx.CreateApplication(ctx, store.Application{ID: "a1", TenantID: "t1", Name: "app", Issuer: "https://app.example.com",
			Unenrolled: store.UnenrolledDeny, FailMode: store.FailClosed, Enabled: true, DefaultUnlock: time.Minute, MaxUnlock: time.Hour, CreatedAt: at}); err != nil {
			return err
		}
		return tx.CreateSigningKey(ctx, store.SigningKey{KID: "k1", AppID: "a1", TenantID: "t1", Algorithm: store.AlgHS256,
			SealedSecret: []byte("sealed"), CreatedAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}
	watch, err := s.rdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	version := func() (v int64) {
		if err := watch.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	for i := range 20 {
		rec := store.CheckRecord{ID: fmt.Sprintf("s%d", i), TenantID: "t1", AppID: "a1", KID: "k1", Account: "alice",
			At: at.Add(time.Duration(i) * time.Second), Status: "unlocked"}
		if err := s.AppendChecks(ctx, []store.CheckRecord{rec}); err != nil {
			t.Fatal(err)
		}
	}
	if after := version(); after != before {
		t.Errorf("20 check-log commits moved the accounts file's data_version from %d to %d", before, after)
	}
	// The key's last use is read from the check log's file.
	k, err := s.SigningKey(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if want := at.Add(19 * time.Second); !k.LastUsedAt.Equal(want) {
		t.Errorf("LastUsedAt = %v, want %v", k.LastUsedAt, want)
	}
	// A commit to the accounts file does move it: the probe can fail.
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateTenant(ctx, store.Tenant{ID: "t2", Name: "other", CreatedAt: at})
	}); err != nil {
		t.Fatal(err)
	}
	if after := version(); after == before {
		t.Error("data_version did not move for a commit to the accounts file; the probe proves nothing")
	}
}

// TestLeasesLeaveAccountsFile: renewing background-job leases commits to
// the check-log file only, so it neither empties the accounts readers'
// page caches nor wakes the lock check's change feed; and a check-log file
// of version 1 (before leases moved there) gains the table on open.
func TestLeasesLeaveAccountsFile(t *testing.T) {
	ctx := t.Context()
	path := t.TempDir() + "/d.db"
	s, err := Open(ctx, path, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	// Make the file what version 1 left: no leases table.
	if _, err := s.log.wdb.Exec(`DROP TABLE leases; PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(ctx, path, Options{AutoMigrate: true}); err != nil {
		t.Fatalf("open a version-1 check-log file: %v", err)
	}
	defer s.Close()
	watch, err := s.rdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	version := func() (v int64) {
		if err := watch.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 10 {
		ok, err := s.TryLease(ctx, "outbox", "node-a", now.Add(time.Duration(i)*time.Second), 15*time.Second)
		if err != nil || !ok {
			t.Fatalf("renewal %d: %v %v", i, ok, err)
		}
	}
	if ok, err := s.TryLease(ctx, "outbox", "node-b", now.Add(10*time.Second), 15*time.Second); err != nil || ok {
		t.Fatalf("another holder took a live lease: %v %v", ok, err)
	}
	if after := version(); after != before {
		t.Errorf("lease renewals moved the accounts file's data_version from %d to %d", before, after)
	}
	var v int
	if err := s.log.wdb.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != checksVersion {
		t.Fatalf("check-log file version %d (%v), want %d", v, err, checksVersion)
	}
}

// openNew opens a new store in the test's folder, closed when the test
// ends.
func openNew(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), t.TempDir()+"/d.db", Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestCommitPositionsNeverReused: the check log's commit positions are
// rowids, so none may be handed out twice. Retention keeps the record
// written last whatever its age (SQLite gives a new row the newest rowid
// plus one: deleting the newest would give its rowid again, below a
// reader's cursor), and VACUUM keeps rowids (check_log has indexes, so
// SQLite copies each row with its rowid).
func TestCommitPositionsNeverReused(t *testing.T) {
	ctx := t.Context()
	s := openNew(t)
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	rec := func(account string) store.CheckRecord {
		return store.CheckRecord{ID: "c-" + account, TenantID: "t1", AppID: "a1", Account: account, At: at, Status: "unlocked", IntegrationType: "test"}
	}
	all := func() []store.CommitPosition {
		p, err := s.CommittedChecks(ctx, "t1", false, store.CommitPosition{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		return p.Positions
	}
	if err := s.AppendChecks(ctx, []store.CheckRecord{rec("a"), rec("b"), rec("c")}); err != nil {
		t.Fatal(err)
	}
	before := all()
	if n, err := s.DeleteChecksBefore(ctx, at.Add(time.Hour), 100); err != nil || n != 2 {
		t.Fatalf("retention deleted %d, %v; want the two records before the last", n, err)
	}
	if _, err := s.log.wdb.ExecContext(ctx, `VACUUM`); err != nil {
		t.Fatal(err)
	}
	if got := all(); !slices.Equal(got, before[2:]) {
		t.Fatalf("after retention and VACUUM: positions %v, want %v", got, before[2:])
	}
	if err := s.AppendChecks(ctx, []store.CheckRecord{rec("d")}); err != nil {
		t.Fatal(err)
	}
	if got := all(); len(got) != 2 || got[1].Pos <= before[2].Pos {
		t.Fatalf("a record written after retention: positions %v, want one after %v", got, before[2])
	}
}
