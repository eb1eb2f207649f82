package transfer

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// TestBackupHoldsBothFiles backs up while checks keep being logged, then
// changes both files and restores: the backup holds every check
// acknowledged before it began (the check log is as of no earlier than the
// accounts' snapshot) and each key's last use, and the restore puts both
// files back — the checks logged after the backup are gone, the accounts'
// change is undone.
func TestBackupHoldsBothFiles(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "deadbolt.db")
	s := openSQLiteStore(t, dbPath)
	populate(t, s, 3)
	used := at(2 * time.Hour)
	must(t, s.AppendChecks(ctx, []store.CheckRecord{{ID: "keyed", TenantID: "t1", AppID: "a1", KID: "k1", Account: "x",
		At: used, Status: "unlocked"}}))

	live := startLiveChecks(s)
	select {
	case <-live.logged:
	case <-time.After(10 * time.Second):
		t.Fatal("the writer logged no checks")
	}
	before := live.acked()
	bak := filepath.Join(dir, "backup.db")
	sum, err := Backup(ctx, dbPath, bak)
	live.stop()
	must(t, err)
	if sum.Rows("check_log") < int64(len(before))+51 || sum.Rows("key_use") != 1 {
		t.Fatalf("backup summary %+v: want at least %d check records and one key use", sum, len(before)+51)
	}

	// After the backup: more checks, a later key use, a new tenant.
	must(t, s.AppendChecks(ctx, []store.CheckRecord{{ID: "after", TenantID: "t1", AppID: "a1", KID: "k1", Account: "x",
		At: at(3 * time.Hour), Status: "unlocked"}}))
	must(t, s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateTenant(ctx, store.Tenant{ID: "t9", Name: "later", CreatedAt: t0})
	}))

	for _, target := range []struct {
		name string
		path string
		s    func() store.Store
	}{
		{"in place", dbPath, func() store.Store { return s }},
		{"a new install", filepath.Join(dir, "fresh", "deadbolt.db"), nil},
	} {
		t.Run(target.name, func(t *testing.T) {
			got, err := Restore(ctx, bak, target.path)
			must(t, err)
			if got.Rows("check_log") != sum.Rows("check_log") || got.Rows("accounts") != 3 {
				t.Fatalf("restore summary %+v, backup %+v", got, sum)
			}
			r := store.Store(nil)
			if target.s != nil {
				r = target.s()
			} else {
				r = openSQLiteStore(t, target.path)
			}
			for _, id := range append(before, "keyed") {
				if _, err := r.CheckRecord(ctx, id); err != nil {
					t.Fatalf("check %s, acknowledged before the backup began, is not in the restored log: %v", id, err)
				}
			}
			if _, err := r.CheckRecord(ctx, "after"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a check logged after the backup survived the restore: %v", err)
			}
			if _, err := r.Tenant(ctx, "t9"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a tenant made after the backup survived the restore: %v", err)
			}
			k, err := r.SigningKey(ctx, "k1")
			must(t, err)
			if !k.LastUsedAt.Equal(used) {
				t.Errorf("k1 last used %v after restore, want %v as backed up", k.LastUsedAt, used)
			}
		})
	}
}

// TestRestoreOldLayoutBackup restores a backup made before the check log
// had its own file (its check_log table inside the one file): the backup
// is migrated and its check records land in the check log's file.
func TestRestoreOldLayoutBackup(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	bak := filepath.Join(dir, "old-backup.db")
	db, err := sql.Open("sqlite", "file:"+bak)
	must(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))) STRICT`)
	must(t, err)
	files, err := filepath.Glob("../store/sqlite/migrations/00*.sql")
	must(t, err)
	for i, f := range files[:10] { // up to 0010, the last with check_log in the file
		q, err := os.ReadFile(f)
		must(t, err)
		if _, err := db.Exec(string(q)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		_, err = db.Exec(`INSERT INTO schema_version (version, name) VALUES (?, ?)`, i+1, filepath.Base(f))
		must(t, err)
	}
	_, err = db.Exec(`INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', 1);
		INSERT INTO check_log (id, tenant_id, app_id, kid, account, at, locked, status, ip, device, location, integration_type)
		VALUES ('old-1', 't1', 'a1', '', 'alice', 1748779260000000002, 1, 'locked', '203.0.113.7', 'Firefox', '', 'cognito')`)
	must(t, err)
	db.Close()

	target := filepath.Join(dir, "data", "deadbolt.db")
	got, err := Restore(ctx, bak, target)
	must(t, err)
	if got.Rows("check_log") != 1 || got.Rows("tenants") != 1 {
		t.Fatalf("restore summary %+v", got)
	}
	s := openSQLiteStore(t, target)
	rec, err := s.CheckRecord(ctx, "old-1")
	must(t, err)
	if !rec.Locked || rec.Account != "alice" || rec.At.UnixNano() != 1748779260000000002 {
		t.Fatalf("restored record %+v", rec)
	}
	if _, err := os.Stat(sqlite.ChecksPath(target)); err != nil {
		t.Fatal(err)
	}
}
