package sqlite

import (
	"database/sql"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest"
)

// dbAt makes a database file at schema version v, for a test to fill
// before it migrates the rest of the way; it returns its path and an open
// handle the test closes.
func dbAt(t *testing.T, v int) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "d.db")
	db, err := sql.Open("sqlite", dsn(path, true, Options{BusyTimeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{wdb: db}
	if v >= 11 { // migration 0011 moves the check log to its own file
		if old.log, err = openCheckLog(t.Context(), ChecksPath(path), Options{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { old.log.close() })
	}
	for _, m := range migrations[:v] {
		if err := old.apply(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	return path, db
}

// migratedFrom makes a database at schema version v, writes seed into it
// and opens it with AutoMigrate, which takes it the rest of the way.
func migratedFrom(t *testing.T, v int, seed string) *Store {
	t.Helper()
	path, db := dbAt(t, v)
	_, err := db.ExecContext(t.Context(), seed)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), path, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestOutboxRebuildKeepsMessages: migration 0006 rebuilds the outbox (to
// give it channels); the messages of a database at version 5 survive it
// unchanged, as webhook messages, and the rebuilt table takes messages for
// members.
func TestOutboxRebuildKeepsMessages(t *testing.T) {
	ctx := t.Context()
	s := migratedFrom(t, 5, `
		INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', 1);
		INSERT INTO members (id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at)
			VALUES ('m1', 't1', 'alice@acme.test', 'Alice', 'owner', 0, 0, 1, 1);
		INSERT INTO webhooks (id, tenant_id, url, sealed_secret, events, created_at)
			VALUES ('w1', 't1', 'https://hooks.acme.test', x'01', '', 1);
		INSERT INTO outbox (id, tenant_id, webhook_id, type, payload, created_at, attempts, next_attempt_at,
				delivered_at, failed_at, last_error)
			VALUES ('o1', 't1', 'w1', 'account.locked', x'7b7d', 10, 1, 10, 11, 0, ''),
			       ('o2', 't1', 'w1', 'account.unlocked', x'7b7d', 20, 3, 900, 0, 0, '503 Service Unavailable')`)
	got, err := s.OutboxOfTenant(ctx, "t1", 10)
	if err != nil {
		t.Fatal(err)
	}
	ns := func(n int64) time.Time { return time.Unix(0, n).UTC() }
	want := []store.OutboxMessage{
		{ID: "o2", TenantID: "t1", Channel: store.ChannelWebhook, WebhookID: "w1", Type: "account.unlocked", Payload: []byte("{}"),
			CreatedAt: ns(20), Attempts: 3, NextAttemptAt: ns(900), LastError: "503 Service Unavailable"},
		{ID: "o1", TenantID: "t1", Channel: store.ChannelWebhook, WebhookID: "w1", Type: "account.locked", Payload: []byte("{}"),
			CreatedAt: ns(10), Attempts: 1, NextAttemptAt: ns(10), DeliveredAt: ns(11)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after migrating:\n got %+v\nwant %+v", got, want)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: "o3", TenantID: "t1", Channel: store.ChannelEmail, MemberID: "m1",
			Type: "request.raised", Payload: []byte("{}"), CreatedAt: ns(30)})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The webhook's messages still go with it.
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteWebhook(ctx, "w1") }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.OutboxOfTenant(ctx, "t1", 10); len(got) != 1 || got[0].ID != "o3" {
		t.Fatalf("after deleting the webhook: %+v", got)
	}
}

// TestEmailVerifiedBackfill: migration 0008 counts existing members as
// verified at their creation, except those the audit log shows registered
// themselves through an enablement link.
func TestEmailVerifiedBackfill(t *testing.T) {
	storetest.CheckEmailVerifiedBackfill(t, migratedFrom(t, 7, storetest.EmailVerifiedSeed))
}

// TestAuditorRoleMigration: migration 0019 widens the members' role
// constraint in place. The members of a database at version 18 and
// everything that references them survive unchanged; 'auditor' is
// accepted by a connection opened before the migration as well as after;
// a role outside the list is still refused; the file stays sound.
func TestAuditorRoleMigration(t *testing.T) {
	ctx := t.Context()
	path, db := dbAt(t, 18)
	_, err := db.ExecContext(ctx, `
		INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', 1);
		INSERT INTO members (id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at)
			VALUES ('m1', 't1', 'alice@acme.test', 'Alice', 'owner', 0, 0, 1, 1);
		INSERT INTO sessions (id, tenant_id, member_id, created_at, seen_at, expires_at, ip, user_agent)
			VALUES ('s1', 't1', 'm1', 1, 1, 2, '', '')`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO members (id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at)
		VALUES ('m0', 't1', 'early@acme.test', '', 'auditor', 0, 0, 1, 1)`); err == nil {
		t.Fatal("version 18 took an auditor; the test shows nothing")
	}
	// A second connection that has read the old schema.
	other, err := sql.Open("sqlite", dsn(path, true, Options{BusyTimeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var n int
	if err := other.QueryRowContext(ctx, `SELECT count(*) FROM members`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("members before: %d, %v", n, err)
	}
	old := &Store{wdb: db}
	for _, m := range migrations[18:] {
		if err := old.apply(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := other.ExecContext(ctx, `INSERT INTO members (id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at)
		VALUES ('m2', 't1', 'bob@acme.test', 'Bob', 'auditor', 0, 0, 1, 1)`); err != nil {
		t.Fatalf("an auditor after the migration, on a connection opened before it: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO members (id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at)
		VALUES ('m3', 't1', 'carol@acme.test', 'Carol', 'superuser', 0, 0, 1, 1)`); err == nil {
		t.Fatal("the constraint took the role 'superuser'")
	}
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	db.Close()
	s, err := Open(ctx, path, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ms, err := s.Members(ctx, "t1")
	if err != nil || len(ms) != 2 || ms[0].Role != store.RoleOwner || ms[1].Role != "auditor" {
		t.Fatalf("members after: %+v, %v", ms, err)
	}
}

// TestAuditorRoleMigrationRefusesForeignSchema: when the members table's
// stored CHECK text is not the one 0001 wrote (here, made by hand without
// spaces), 0019's replace matches nothing; the migration fails with an
// error naming the problem and leaves the database at version 18.
func TestAuditorRoleMigrationRefusesForeignSchema(t *testing.T) {
	ctx := t.Context()
	_, db := dbAt(t, 18)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA writable_schema = ON;
		UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (role IN (''owner'', ''admin'', ''approver'', ''member''))',
			'CHECK (role IN (''owner'',''admin'',''approver'',''member''))')
		 WHERE type = 'table' AND name = 'members';
		PRAGMA writable_schema = OFF;`); err != nil {
		t.Fatal(err)
	}
	var def string
	if err := conn.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE name = 'members'`).Scan(&def); err != nil || !strings.Contains(def, "'owner','admin'") {
		t.Fatalf("hand-made definition not in place: %q, %v", def, err)
	}
	conn.Close()
	old := &Store{wdb: db}
	err = old.apply(ctx, migrations[18])
	if err == nil || !strings.Contains(err.Error(), "'auditor' could not be added") {
		t.Fatalf("0019 over a foreign members definition: %v", err)
	}
	v, err := schemaVersion(ctx, db)
	if err != nil || v != 18 {
		t.Fatalf("version after the failed migration: %d, %v", v, err)
	}
}
