package postgres

import (
	"context"
	"embed"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest"
)

// seedFS holds, for every schema version V, testdata/seed/000V.sql: rows a
// database at version V holds that one at V-1 could not (new tables and
// columns). Seeding at version V runs the files 1..V in order, each at its
// own version.
//
//go:embed testdata/seed/*.sql
var seedFS embed.FS

func seedSQL(t *testing.T, v int) string {
	t.Helper()
	b, err := seedFS.ReadFile(fmt.Sprintf("testdata/seed/%04d.sql", v))
	if err != nil {
		t.Fatalf("no seed for schema version %d: add testdata/seed/%04d.sql with rows for what the migration adds (%v)", v, v, err)
	}
	return string(b)
}

// newColumns lists, for every column a migration adds to an existing
// table, the value rows that were there before get. A migration that adds
// a column must say here what old rows hold, or TestMigrateKeepsRows fails.
// A value "=col" means the row's value of column col.
var newColumns = map[string]string{
	"members.email_verified_at":          "=created_at",
	"grants.end_announced_at":            "0",
	"applications.origins":               "[]",
	"members.channels":                   "<nil>",
	"outbox.channel":                     "webhook",
	"outbox.member_id":                   "<nil>",
	"outbox.endpoint":                    "<nil>",
	"applications.server_names_accounts": "false",
	"unlock_requests.kind":               "signin",
	"unlock_requests.requested_by":       "",
	"unlock_requests.reason":             "",
	"unlock_requests.duration":           "0",
	"unlock_requests.starts_at":          "0",
	"unlock_requests.extends_grant":      "",
	"unlock_requests.policy_id":          "",
	"unlock_requests.rule":               "",
	"check_log.policy_id":                "",
	"check_log.xid":                      "0",
	"approval_templates.approvals":       "1",
	"approval_templates.deny_on":         "first",
	"approval_templates.expiry":          "0",
	"slack_links.confirmed_at":           "0",
}

// TestMigrateKeepsRows seeds a database at every schema version, migrates
// it to every later version, and checks that every row and every value
// survives unchanged, that columns added meanwhile hold what newColumns
// says, and — at the latest version — that the store reads the seeded
// records back exactly through its API.
//
// A database seeded at version "from" goes up one version at a time, and
// is compared with its seeded self after each step: migrateTo applies the
// migrations between two versions one after another, each in its own
// transaction, so the database at version "to" is the same as one migrated
// from "from" to "to" in one call, and every pair (from, to) is checked
// without seeding and migrating a fresh copy for each (which made the test
// cubic in the number of migrations).
func TestMigrateKeepsRows(t *testing.T) {
	db := testDB(t)
	latest := len(migrations)
	for v := 1; v <= latest; v++ {
		seedSQL(t, v) // every version has a seed
	}
	for from := 1; from < latest; from++ {
		t.Run(fmt.Sprintf("from %d", from), func(t *testing.T) {
			ctx := t.Context()
			u := pgtest.NewSchema(t, db)
			s, err := Open(ctx, u, Options{SkipSchemaCheck: true})
			mustDo(t, err)
			defer s.Close()
			// Each seed goes in at its own version, as the rows would
			// have: a later migration may take a column's default away.
			for v := 1; v <= from; v++ {
				mustDo(t, s.migrateTo(ctx, v))
				if _, err := s.pool.Exec(ctx, seedSQL(t, v)); err != nil {
					t.Fatalf("seed %d at version %d: %v", v, v, err)
				}
			}
			before := dump(t, s)
			for to := from + 1; to <= latest; to++ {
				ok := t.Run(fmt.Sprintf("%d to %d", from, to), func(t *testing.T) {
					mustDo(t, s.migrateTo(ctx, to))
					after := dump(t, s)
					if have, _, _ := s.SchemaVersion(ctx); have != to {
						t.Fatalf("at version %d after migrating to %d", have, to)
					}
					compareDumps(t, before, after)
					if to == latest {
						s.Close()
						readBack(t, u, from)
					}
				})
				if !ok {
					return // later versions start from a database that already failed
				}
			}
		})
	}
}

// table is every row of one table, ordered by its first column, each row
// a column → value map.
type table []map[string]any

func dump(t *testing.T, s *Store) map[string]table {
	t.Helper()
	ctx := t.Context()
	rows, err := s.pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_version'`)
	mustDo(t, err)
	var names []string
	for rows.Next() {
		var n string
		mustDo(t, rows.Scan(&n))
		names = append(names, n)
	}
	mustDo(t, rows.Err())
	out := map[string]table{}
	for _, n := range names {
		// Not from the statement cache: the table's columns change.
		rows, err := s.pool.Query(ctx, `SELECT * FROM `+n+` ORDER BY 1`, pgx.QueryExecModeDescribeExec)
		mustDo(t, err)
		fields := rows.FieldDescriptions()
		var tb table
		for rows.Next() {
			vals, err := rows.Values()
			mustDo(t, err)
			row := map[string]any{}
			for i, f := range fields {
				row[f.Name] = vals[i]
			}
			tb = append(tb, row)
		}
		mustDo(t, rows.Err())
		out[n] = tb
	}
	return out
}

func compareDumps(t *testing.T, before, after map[string]table) {
	t.Helper()
	for name, old := range before {
		cur, ok := after[name]
		if !ok {
			t.Errorf("table %s is gone", name)
			continue
		}
		if len(cur) != len(old) {
			t.Errorf("table %s: %d rows, had %d", name, len(cur), len(old))
			continue
		}
		for i := range old {
			for col, v := range old[i] {
				if !reflect.DeepEqual(cur[i][col], v) {
					t.Errorf("%s row %d column %s: %#v, was %#v", name, i, col, cur[i][col], v)
				}
			}
			for col, v := range cur[i] {
				if _, had := old[i][col]; had {
					continue
				}
				want, known := newColumns[name+"."+col]
				if !known {
					t.Errorf("column %s.%s is new: say in newColumns what existing rows get", name, col)
				} else if from, ok := strings.CutPrefix(want, "="); ok && fmt.Sprint(v) != fmt.Sprint(cur[i][from]) {
					t.Errorf("new column %s.%s of an existing row holds %v, want %s's %v", name, col, v, from, cur[i][from])
				} else if got := fmt.Sprint(v); !ok && got != want {
					t.Errorf("new column %s.%s of an existing row holds %s, want %s", name, col, got, want)
				}
			}
		}
	}
}

// readBack opens the migrated database as deadbolt would and reads the
// seeded records through the store, then writes to it.
func readBack(t *testing.T, u string, seededAt int) {
	t.Helper()
	ctx := t.Context()
	s, err := Open(ctx, u, Options{}) // no AutoMigrate: it must be current
	mustDo(t, err)
	defer s.Close()
	ns := func(n int64) time.Time { return time.Unix(0, n).UTC() }

	tn, err := s.TenantByName(ctx, "acme")
	mustDo(t, err)
	same(t, "tenant", tn, store.Tenant{ID: "t1", Name: "acme", CreatedAt: ns(1748779200123456789)})

	app, err := s.ApplicationByIssuer(ctx, "https://wiki.acme.test")
	mustDo(t, err)
	wantApp := store.Application{ID: "a1", TenantID: "t1", Name: "Wiki", Issuer: "https://wiki.acme.test",
		Unenrolled: store.UnenrolledDeny, FailMode: store.FailClosed, Enabled: true,
		DefaultUnlock: 15 * time.Minute, MaxUnlock: 8 * time.Hour, CreatedAt: ns(1748779200123456789)}
	if seededAt >= 3 {
		wantApp.Origins = []string{"https://wiki.acme.test", "https://wiki.acme.test:8443"}
	}
	same(t, "application", app, wantApp)
	mail, err := s.Application(ctx, "a2")
	mustDo(t, err)
	if mail.MaxUnlock != time.Hour+7 || !mail.LockedDown || mail.Enabled || mail.UpdatedAt != ns(1748779300000000005) {
		t.Errorf("application a2: %+v", mail)
	}

	keys, err := s.SigningKeys(ctx, "a1")
	mustDo(t, err)
	same(t, "signing keys", keys, []store.SigningKey{
		{KID: "k1", AppID: "a1", TenantID: "t1", Algorithm: store.AlgHS256, SealedSecret: []byte{0, 0xff, 0x10},
			CreatedAt: ns(1748779200000000001), LastUsedAt: ns(1748779260000000002)},
		{KID: "k2", AppID: "a1", TenantID: "t1", Algorithm: store.AlgEdDSA,
			PublicKey: []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00},
			CreatedAt: ns(1748779200000000002), ExpiresAt: ns(1748865600000000000), RevokedAt: ns(1748779400000000000)},
	})

	alice, err := s.MemberByEmail(ctx, "t1", "ALICE@acme.test")
	mustDo(t, err)
	bob, err := s.Member(ctx, "m2")
	mustDo(t, err)
	wantAlice := store.Member{ID: "m1", TenantID: "t1", Email: "alice@acme.test", Name: "Alice", Role: store.RoleOwner,
		CreatedAt: ns(1748779200000000000), EmailVerifiedAt: ns(1748779200000000000)}
	if seededAt >= 3 {
		wantAlice.Channels = []string{store.ChannelEmail}
		if bob.Channels == nil || len(bob.Channels) != 0 {
			t.Errorf("member m2 chose no channel: %#v, want an empty list", bob.Channels)
		}
	} else if bob.Channels != nil {
		t.Errorf("member m2 never chose: channels %#v, want nil", bob.Channels)
	}
	same(t, "member", alice, wantAlice)
	if seededAt >= 18 {
		aud, err := s.Member(ctx, "m18")
		mustDo(t, err)
		if aud.Role != store.RoleAuditor {
			t.Errorf("member m18: role %q, want auditor", aud.Role)
		}
	}

	st, err := s.CheckState(ctx, "a1", "alice")
	mustDo(t, err)
	if !st.Found || st.Grant == nil || st.Grant.ID != "g2" || !st.Grant.Once || st.Owner == nil || st.Owner.ID != "m1" {
		t.Errorf("check state of alice: %+v", st)
	}
	accts, err := s.Accounts(ctx, "a1", "", 10)
	mustDo(t, err)
	var names []string
	for _, a := range accts {
		names = append(names, a.Name)
	}
	same(t, "accounts in name order", names, []string{"alice", "bob", "ünïcode name"})

	ended, err := s.EndedGrants(ctx, ns(1748779400000000000), 10)
	mustDo(t, err)
	if len(ended) != 1 || ended[0].ID != "g3" {
		t.Errorf("ended grants: %+v, want g3", ended)
	}
	recs, err := s.CheckRecords(ctx, "a1", 10)
	mustDo(t, err)
	wantRecs := 2
	if seededAt >= 10 {
		wantRecs = 3 // and s0, the oldest, last
	}
	if seededAt >= 17 { // s17, the newest, first, with its policy
		if len(recs) == 0 || recs[0].ID != "s17" || recs[0].PolicyID != "p17" {
			t.Errorf("check records: %+v, want s17 first", recs)
		} else {
			recs = recs[1:]
		}
	}
	if len(recs) != wantRecs || recs[0].ID != "s2" || recs[1].ID != "s1" || recs[1].IntegrationType != "cognito" {
		t.Errorf("check records: %+v", recs)
	}

	if seededAt >= 2 {
		w2, err := s.Webhook(ctx, "w2")
		mustDo(t, err)
		same(t, "webhook events", w2.Events, []string{"account.locked", "account.unlocked"})
		w1, err := s.Webhook(ctx, "w1")
		mustDo(t, err)
		if w1.Events != nil {
			t.Errorf("webhook w1 takes every event: %#v, want nil", w1.Events)
		}
		msgs, err := s.OutboxMessages(ctx, "w2", 10)
		mustDo(t, err)
		if len(msgs) != 1 || msgs[0].Attempts != 3 || msgs[0].LastError != "503 Service Unavailable" ||
			msgs[0].Channel != store.ChannelWebhook || msgs[0].WebhookID != "w2" || msgs[0].MemberID != "" {
			t.Errorf("outbox: %+v", msgs)
		}
		held, err := s.TryLease(ctx, "outbox", "node-2", ns(1748779214000000000), time.Minute)
		mustDo(t, err)
		if held {
			t.Error("took a lease that had not run out")
		}
	}
	if seededAt >= 3 {
		r, err := s.PendingRequest(ctx, "ac3")
		mustDo(t, err)
		if r.ID != "r1" || r.Checks != 2 || r.Location != "Lisbon, PT" {
			t.Errorf("pending request: %+v", r)
		}
		pks, err := s.Passkeys(ctx, "m1")
		mustDo(t, err)
		if len(pks) != 1 || !slices.Equal(pks[0].Credential, []byte{0xa1, 0xa2}) {
			t.Errorf("passkeys: %+v", pks)
		}
		if _, err := s.Session(ctx, "sess-hash"); err != nil {
			t.Error(err)
		}
		if _, err := s.Invite(ctx, "inv-hash"); err != nil {
			t.Error(err)
		}
	}

	if seededAt >= 7 {
		gw, err := s.ApplicationByIssuer(ctx, "https://gateway.acme.test")
		mustDo(t, err)
		if !gw.ServerNamesAccounts || gw.Name != "Gateway" {
			t.Errorf("application a6: %+v", gw)
		}
	}
	if seededAt >= 5 {
		msgs, err := s.OutboxOfTenant(ctx, "t1", 10)
		mustDo(t, err)
		var got []string
		for _, m := range msgs {
			got = append(got, m.ID+" "+m.Channel+" "+m.WebhookID+m.MemberID+" "+m.State())
		}
		want := []string{"o4 push m2 failed", "o3 email m1 delivered", "o2 webhook w2 pending", "o1 webhook w1 delivered"}
		if seededAt >= 16 { // seed 0016's SIEM and witness messages, newest
			want = append([]string{"ob-s1 siem  pending", "ob-w1 witness  pending"}, want...)
		}
		if seededAt >= 19 { // seed 0019's Slack message, newest
			want = append([]string{"ob-k1 slack m1 pending"}, want...)
		}
		same(t, "outbox of tenant", got, want)
	}

	if seededAt >= 14 { // seed 0014's template reads with the defaults 0020 gave it
		tp, err := s.Template(ctx, "t1", "PURCHASE_APPROVAL")
		mustDo(t, err)
		if tp.Approvals != 1 || tp.DenyOn != store.DenyFirst || tp.Expiry != 0 {
			t.Errorf("template of seed 14 after migrating = %+v", tp)
		}
	}
	if seededAt >= 20 {
		op, err := s.Operation(ctx, "t1", "or1")
		mustDo(t, err)
		if op.Text != "Buy paper for 12 EUR" || op.MetaData["item"] != "paper" || len(op.Approvers) != 2 || op.Approvals != 2 {
			t.Errorf("operation request of seed 18 = %+v", op)
		}
	}
	// The migrated database takes writes: a grant and an audit chain.
	mustDo(t, s.Update(ctx, func(tx store.Tx) error {
		if err := tx.PutGrant(ctx, store.Grant{ID: "g9", TenantID: "t1", AccountID: "ac3", Until: ns(1748790000000000000),
			GrantedBy: "test", CreatedAt: ns(1748779600000000000)}); err != nil {
			return err
		}
		if err := tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: "o9", TenantID: "t1", Channel: store.ChannelEmail, MemberID: "m1",
			Type: "request.raised", Payload: []byte(`{}`), CreatedAt: ns(1748779600000000000)}); err != nil {
			return err
		}
		_, err := tx.AppendAudit(ctx, audit.Event{TenantID: "t1", Actor: "test", Action: "migration.checked"}, ns(1748779600000000000))
		return err
	}))
	chain, err := s.AuditRecords(ctx, "t1", 0, 10)
	mustDo(t, err)
	if _, err := audit.Verify(chain); err != nil || len(chain) != 1 {
		t.Errorf("audit chain after migrating: %d records, %v", len(chain), err)
	}
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// TestEmailVerifiedBackfill: migration 0006 counts existing members as
// verified at their creation, except those the audit log shows registered
// themselves through an enablement link.
func TestEmailVerifiedBackfill(t *testing.T) {
	ctx := t.Context()
	u := pgtest.NewSchema(t, testDB(t))
	s, err := Open(ctx, u, Options{SkipSchemaCheck: true})
	mustDo(t, err)
	defer s.Close()
	mustDo(t, s.migrateTo(ctx, 5))
	_, err = s.pool.Exec(ctx, storetest.EmailVerifiedSeed)
	mustDo(t, err)
	mustDo(t, s.migrateTo(ctx, 6))
	storetest.CheckEmailVerifiedBackfill(t, s)
}

// TestConcurrentMigrations starts several opens of one empty database at
// once, as nodes starting together do: the advisory lock lets exactly one
// apply each migration, and all of them end up current.
func TestConcurrentMigrations(t *testing.T) {
	u := pgtest.NewSchema(t, testDB(t))
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := Open(context.Background(), u, Options{AutoMigrate: true, MaxConns: 2})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		mustDo(t, <-errs)
	}
	s, err := Open(t.Context(), u, Options{})
	mustDo(t, err)
	defer s.Close()
	var n, distinct int
	mustDo(t, s.pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_version`).Scan(&n, &distinct))
	if n != len(migrations) || distinct != len(migrations) {
		t.Fatalf("schema_version has %d rows (%d versions), want %d", n, distinct, len(migrations))
	}
}
