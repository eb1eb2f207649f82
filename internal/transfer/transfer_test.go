package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// populate writes one or more of every kind of record, with the awkward
// values (nanoseconds, NULL owners, empty and non-empty lists, bytes that
// are not UTF-8, non-ASCII names) a copy must keep.
func populate(t *testing.T, s store.Store, accounts int) {
	t.Helper()
	ctx := t.Context()
	must(t, s.Update(ctx, func(tx store.Tx) error {
		tn := store.Tenant{ID: "t1", Name: "acme", CreatedAt: t0}
		app := store.Application{ID: "a1", TenantID: "t1", Name: "Wiki", Issuer: "https://wiki.acme.test",
			Unenrolled: store.UnenrolledDeny, FailMode: store.FailClosed, Enabled: true, DefaultUnlock: 15 * time.Minute,
			MaxUnlock: 8 * time.Hour, Origins: []string{"https://wiki.acme.test", "https://wiki.acme.test:8443"}, CreatedAt: t0}
		bare := app
		bare.ID, bare.Issuer, bare.Origins, bare.Enabled = "a2", "https://bare.acme.test", nil, false
		m1 := store.Member{ID: "m1", TenantID: "t1", Email: "alice@acme.test", Name: "Alice", Role: store.RoleOwner,
			Channels: []string{store.ChannelEmail, store.ChannelPush}, CreatedAt: t0}
		m2 := store.Member{ID: "m2", TenantID: "t1", Email: "bob@acme.test", Role: store.RoleMember, Channels: []string{}, CreatedAt: t0}
		m3 := store.Member{ID: "m3", TenantID: "t1", Email: "carol@acme.test", Role: store.RoleApprover, CreatedAt: t0}
		errs := []error{tx.CreateTenant(ctx, tn), tx.CreateApplication(ctx, app), tx.CreateApplication(ctx, bare),
			tx.CreateMember(ctx, m1), tx.CreateMember(ctx, m2), tx.CreateMember(ctx, m3),
			tx.CreateSigningKey(ctx, store.SigningKey{KID: "k1", AppID: "a1", TenantID: "t1", Algorithm: store.AlgHS256,
				SealedSecret: []byte{0, 0xff, 0xfe, 1}, CreatedAt: at(1), LastUsedAt: at(time.Minute)}),
			tx.CreateSigningKey(ctx, store.SigningKey{KID: "k2", AppID: "a1", TenantID: "t1", Algorithm: store.AlgEdDSA,
				PublicKey: []byte{0x30, 0x2a}, CreatedAt: at(2), ExpiresAt: at(time.Hour)}),
			tx.CreateWebhook(ctx, store.Webhook{ID: "w1", TenantID: "t1", URL: "https://hooks.test", SealedSecret: []byte{9}, CreatedAt: t0}),
			tx.CreateWebhook(ctx, store.Webhook{ID: "w2", TenantID: "t1", URL: "https://siem.test", SealedSecret: []byte{8},
				Events: []string{"account.locked"}, CreatedAt: t0}),
		}
		for i := range accounts {
			owner := []string{"m1", "m2", ""}[i%3]
			a := store.Account{ID: fmt.Sprintf("ac%04d", i), TenantID: "t1", AppID: "a1", Name: fmt.Sprintf("user-%04d-ü", i),
				OwnerID: owner, CreatedAt: at(time.Duration(i))}
			errs = append(errs, tx.CreateAccount(ctx, a))
			if i%2 == 0 {
				errs = append(errs, tx.PutGrant(ctx, store.Grant{ID: fmt.Sprintf("g%04d", i), TenantID: "t1", AccountID: a.ID,
					Until: at(time.Hour), Once: i%4 == 0, Reason: "r", GrantedBy: "member:m1", CreatedAt: at(time.Second)}))
			}
		}
		for i := range 5 {
			_, err := tx.AppendAudit(ctx, audit.Event{TenantID: "t1", Actor: "cli:root", Action: "test.populated",
				Data: map[string]any{"i": i, "note": "ünïcode"}}, at(time.Duration(i)))
			errs = append(errs, err)
		}
		errs = append(errs,
			tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: "o1", TenantID: "t1", Channel: store.ChannelWebhook, WebhookID: "w1",
				Type: "account.locked", Payload: []byte(`{"a":1}`), CreatedAt: t0}),
			tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: "o2", TenantID: "t1", Channel: store.ChannelEmail, MemberID: "m1",
				Type: "request.raised", Payload: []byte(`{"b":2}`), CreatedAt: at(time.Second)}),
			tx.CreatePasskey(ctx, store.Passkey{ID: "cred", TenantID: "t1", MemberID: "m1", Name: "laptop", Credential: []byte{1, 2}, CreatedAt: t0}),
			tx.CreateSession(ctx, store.Session{ID: "sess", TenantID: "t1", MemberID: "m1", CreatedAt: t0, ExpiresAt: at(time.Hour)}),
			tx.CreateInvite(ctx, store.Invite{ID: "inv", TenantID: "t1", MemberID: "m2", CreatedBy: "cli", CreatedAt: t0, ExpiresAt: at(time.Hour)}),
		)
		_, _, err := tx.RaiseRequest(ctx, store.UnlockRequest{ID: "r1", TenantID: "t1", AppID: "a1", AccountID: "ac0001",
			IP: "203.0.113.1", UpdatedAt: t0, ExpiresAt: at(5 * time.Minute)})
		errs = append(errs, err)
		_, err = tx.UseNonce(ctx, "jti", at(time.Hour), t0)
		errs = append(errs, err)
		return errors.Join(errs...)
	}))
	var recs []store.CheckRecord
	for i := range 50 {
		recs = append(recs, store.CheckRecord{ID: fmt.Sprintf("s%03d", i), TenantID: "t1", AppID: "a1", KID: "k1",
			Account: "user-0001-ü", At: at(time.Duration(i / 10)), Locked: i%2 == 0, Status: "locked", IP: "203.0.113.7"})
	}
	must(t, s.AppendChecks(ctx, recs))
}

// snapshot reads, through the store API, what a deadbolt user sees.
type snapshot struct {
	Tenants  []store.Tenant
	Apps     []store.Application
	Keys     []store.SigningKey
	Members  []store.Member
	Accounts []store.Account
	Grants   map[string]store.Grant
	Checks   []store.CheckRecord
	Audit    []audit.Record
	Webhooks []store.Webhook
	Outbox   []store.OutboxMessage
	Request  store.UnlockRequest
	Passkeys []store.Passkey
	Session  store.Session
	Invite   store.Invite
}

func snap(t *testing.T, s store.Store) snapshot {
	t.Helper()
	ctx := t.Context()
	var sn snapshot
	var err error
	sn.Tenants, err = s.Tenants(ctx)
	must(t, err)
	sn.Apps, err = s.Applications(ctx, "t1")
	must(t, err)
	sn.Keys, err = s.SigningKeys(ctx, "a1")
	must(t, err)
	for i := range sn.Keys {
		if len(sn.Keys[i].SealedSecret) == 0 {
			sn.Keys[i].SealedSecret = nil
		}
		if len(sn.Keys[i].PublicKey) == 0 {
			sn.Keys[i].PublicKey = nil
		}
	}
	sn.Members, err = s.Members(ctx, "t1")
	must(t, err)
	sn.Accounts, err = s.Accounts(ctx, "a1", "", 100000)
	must(t, err)
	sn.Grants = map[string]store.Grant{}
	for _, a := range sn.Accounts {
		if g, err := s.CurrentGrant(ctx, a.ID); err == nil {
			sn.Grants[a.ID] = g
		}
	}
	sn.Checks, err = s.CheckRecords(ctx, "a1", 1000)
	must(t, err)
	sn.Audit, err = s.AuditRecords(ctx, "t1", 0, 1000)
	must(t, err)
	if _, err := audit.Verify(sn.Audit); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	sn.Webhooks, err = s.Webhooks(ctx, "t1")
	must(t, err)
	sn.Outbox, err = s.OutboxOfTenant(ctx, "t1", 10)
	must(t, err)
	sn.Request, _ = s.UnlockRequest(ctx, "r1")
	sn.Passkeys, err = s.Passkeys(ctx, "m1")
	must(t, err)
	sn.Session, _ = s.Session(ctx, "sess")
	sn.Invite, _ = s.Invite(ctx, "inv")
	return sn
}

func sameSnap(t *testing.T, what string, got, want snapshot) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("%s: %s differ:\n got %+v\nwant %+v", what, gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
}

// liveChecks is another writer that keeps appending check records
// (live-0, live-1, …) to a store until stopped.
type liveChecks struct {
	halt   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	ids    []string
	logged chan struct{} // closed once five checks are acknowledged
}

// startLiveChecks starts a liveChecks on s.
func startLiveChecks(s store.Store) *liveChecks {
	w := &liveChecks{halt: make(chan struct{}), logged: make(chan struct{})}
	w.wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-w.halt:
				return
			default:
			}
			id := fmt.Sprintf("live-%d", i)
			if err := s.AppendChecks(context.Background(), []store.CheckRecord{{ID: id, TenantID: "t1", AppID: "a2",
				Account: "x", At: at(time.Hour), Status: "locked"}}); err == nil {
				w.mu.Lock()
				w.ids = append(w.ids, id)
				if len(w.ids) == 5 {
					close(w.logged)
				}
				w.mu.Unlock()
			}
		}
	})
	return w
}

// acked returns the IDs of the checks acknowledged so far.
func (w *liveChecks) acked() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.ids)
}

// stop stops the writer and waits for it.
func (w *liveChecks) stop() {
	close(w.halt)
	w.wg.Wait()
}

func openSQLiteStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{AutoMigrate: true})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBackupRestore(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "deadbolt.db")
	s := openSQLiteStore(t, dbPath)
	populate(t, s, 30)
	want := snap(t, s)

	// Back up while another writer keeps appending to the check log: the
	// backup is one consistent instant and the writer is not blocked.
	live := startLiveChecks(s)
	bak := filepath.Join(dir, "backup.db")
	sum, err := Backup(ctx, dbPath, bak)
	live.stop()
	must(t, err)
	if sum.Bytes == 0 || sum.Rows("accounts") != 30 || sum.Rows("grants") != 15 || sum.SchemaVersion == 0 {
		t.Fatalf("backup summary %+v", sum)
	}
	if fi, err := os.Stat(bak); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode: %v %v", fi.Mode(), err)
	}
	if _, err := Backup(ctx, dbPath, bak); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("backup over an existing file: %v, want ErrConflict", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".backup.db.*")); len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}

	// Change the live database, then restore: it is back as backed up.
	must(t, s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.RevokeCurrentGrant(ctx, "ac0000", at(time.Minute))
		if err != nil {
			return err
		}
		return tx.CreateTenant(ctx, store.Tenant{ID: "t9", Name: "later", CreatedAt: t0})
	}))
	got, err := Restore(ctx, bak, dbPath)
	must(t, err)
	if got.Rows("accounts") != 30 {
		t.Fatalf("restore summary %+v", got)
	}
	after := snap(t, s) // the open store sees the restored rows
	sameSnap(t, "after restore", after, want)
	if live, _ := s.CheckRecords(ctx, "a2", 100000); len(live) != int(sum.Rows("check_log"))-50 {
		t.Errorf("a2's check log holds %d records after restore, the backup had %d", len(live), sum.Rows("check_log")-50)
	}

	// Into a new install: the database is created.
	fresh := filepath.Join(dir, "fresh", "deadbolt.db")
	_, err = Restore(ctx, bak, fresh)
	must(t, err)
	sameSnap(t, "restored into a new file", snap(t, openSQLiteStore(t, fresh)), want)
}

func TestRestoreRefuses(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "deadbolt.db")
	s := openSQLiteStore(t, dbPath)
	populate(t, s, 3)
	want := snap(t, s)
	bak := filepath.Join(dir, "b.db")
	_, err := Backup(ctx, dbPath, bak)
	must(t, err)

	// A backup from a newer deadbolt.
	newer := filepath.Join(dir, "newer.db")
	must(t, copyFile(bak, newer))
	db, err := openSQLite(newer, true)
	must(t, err)
	_, err = db.Exec(`INSERT INTO schema_version (version, name) VALUES (999, '0999_future.sql')`)
	db.Close()
	must(t, err)
	if _, err := Restore(ctx, newer, dbPath); !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("restore of a newer backup: %v, want ErrSchemaTooNew", err)
	}
	// Not a database at all.
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("not sqlite"), 0o600)
	if _, err := Restore(ctx, junk, dbPath); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("restore of junk: %v, want ErrInvalid", err)
	}
	sameSnap(t, "after refused restores", snap(t, s), want)
}

func TestCopyToPostgres(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "deadbolt.db")
	src := openSQLiteStore(t, srcPath)
	populate(t, src, 300)
	// A key's latest use, kept in the check log's file: the copy carries it
	// into signing_keys.last_used_at.
	lastUse := at(5 * time.Hour)
	must(t, src.AppendChecks(ctx, []store.CheckRecord{{ID: "keyed", TenantID: "t1", AppID: "a1", KID: "k1", Account: "x",
		At: lastUse, Status: "unlocked"}}))
	// A SIEM stream that has read the first 20 check records (two whole
	// instants of populate's ten each): its cursor is a rowid.
	siem := checklog.Tail{Endpoint: "lake", Batch: 21}
	var read []string
	must(t, src.Update(ctx, func(tx store.Tx) error {
		p, err := siem.Read(ctx, tx, "t1", t0, nil)
		for _, r := range p.Records {
			read = append(read, r.ID)
		}
		if err != nil || len(read) != 20 {
			return fmt.Errorf("read %v before the copy (%w), want 20", read, err)
		}
		return p.Advance(ctx, tx)
	}))
	want := snap(t, src)
	if k := want.Keys[0]; k.KID != "k1" || !k.LastUsedAt.Equal(lastUse) {
		t.Fatalf("source key %s last used %v, want k1 at %v", k.KID, k.LastUsedAt, lastUse)
	}

	dbURL := pgtest.NewSchema(t, pgtest.NewDatabase(t))
	dst, err := postgres.Open(ctx, dbURL, postgres.Options{AutoMigrate: true})
	must(t, err)
	defer dst.Close()
	var seen []string
	res, err := Copy(ctx, srcPath, dst, func(table string, rows int64) { seen = append(seen, table) })
	must(t, err)
	if res.Rows("accounts") != 300 || res.Rows("check_log") != 51 || res.Rows("audit_log") != 5 || len(seen) != len(res.Tables) {
		t.Fatalf("copy result %+v", res)
	}
	if res.Digests["check_log"] == "" {
		t.Fatal("the check log was not verified")
	}
	sameSnap(t, "PostgreSQL after copy", snap(t, dst), want)

	// The stream goes on where it was on PostgreSQL: its cursor came
	// across as the time of the first record it had not read, the
	// records as PostgreSQL's records from before commit order.
	storetest.AwaitCommitted(t, dst)
	var rest []string
	for more := true; more; {
		must(t, dst.Update(ctx, func(tx store.Tx) error {
			p, err := siem.Read(ctx, tx, "t1", t0, nil)
			for _, r := range p.Records {
				rest = append(rest, r.ID)
			}
			more = p.More && err == nil
			return errors.Join(err, p.Advance(ctx, tx))
		}))
	}
	if len(rest) != 31 || rest[0] != "s020" || rest[29] != "s049" || rest[30] != "keyed" {
		t.Fatalf("the stream read %v on PostgreSQL after the copy; want s020 to s049, then keyed", rest)
	}

	// The copy works as a database: a grant is consumed exactly as before.
	var used bool
	must(t, dst.Update(ctx, func(tx store.Tx) (err error) {
		used, err = tx.ConsumeGrant(ctx, "g0000", at(time.Minute))
		return err
	}))
	if !used {
		t.Fatal("a copied once grant could not be consumed")
	}

	// A target that is not empty is refused, and left alone.
	if _, err := Copy(ctx, srcPath, dst, nil); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("copy into a non-empty database: %v, want ErrConflict", err)
	}
}

func TestDigestIsOrderIndependent(t *testing.T) {
	cols := []column{{name: "a"}, {name: "b"}}
	rows := [][]any{{"x", int64(1)}, {"y", []string{"p", "q"}}, {nil, true}}
	var d1, d2 digest
	for _, r := range rows {
		d1.add(r, cols)
	}
	for i := len(rows) - 1; i >= 0; i-- {
		d2.add(rows[i], cols)
	}
	if d1 != d2 {
		t.Fatal("digest depends on row order")
	}
	var d3 digest
	d3.add([]any{"x", int64(1)}, cols)
	d3.add([]any{"y", []any{"p", "q"}}, cols)
	d3.add([]any{nil, false}, cols)
	if d3 == d1 {
		t.Fatal("digest misses a changed value")
	}
}
