package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Run runs the whole suite against stores made by open, which must return
// a new empty, migrated store on every call.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Ping", testPing},
		{"EmptyLists", testEmptyLists},
		{"Times", testTimes},
		{"Tenants", testTenants},
		{"Applications", testApplications},
		{"ConflictWording", testConflictWording},
		{"SigningKeys", testSigningKeys},
		{"PinMasterKey", testPinMasterKey},
		{"Members", testMembers},
		{"MemberEmailVerified", testMemberEmailVerified},
		{"Accounts", testAccounts},
		{"AccountOwner", testAccountOwner},
		{"AccountPages", testAccountPages},
		{"PutGrant", testPutGrant},
		{"RevokeCurrentGrant", testRevokeCurrentGrant},
		{"RevokeGrantsOfOwner", testRevokeGrantsOfOwner},
		{"ConsumeGrant", testConsumeGrant},
		{"ConsumeGrantConcurrent", testConsumeGrantConcurrent},
		{"CheckState", testCheckState},
		{"UpdateRollbackOnError", testUpdateRollbackOnError},
		{"UpdateRollbackOnPanic", testUpdateRollbackOnPanic},
		{"UpdateIsolation", testUpdateIsolation},
		{"AppendChecks", testAppendChecks},
		{"AppendChecksAllOrNothing", testAppendChecksAllOrNothing},
		{"DeleteChecksBefore", testDeleteChecksBefore},
		{"AuditChain", testAuditChain},
		{"AuditRollback", testAuditRollback},
		{"AuditConcurrent", testAuditConcurrent},
		{"AuditInvalid", testAuditInvalid},
		{"Webhooks", testWebhooks},
		{"OutboxLifecycle", testOutboxLifecycle},
		{"OutboxChannels", testOutboxChannels},
		{"OutboxClaimConcurrent", testOutboxClaimConcurrent},
		{"OutboxEndpointBatch", testOutboxEndpointBatch},
		{"EndedGrants", testEndedGrants},
		{"Leases", testLeases},
		{"AccountLookups", testAccountLookups},
		{"ApplicationOrigins", testApplicationOrigins},
		{"ApplicationServerNamesAccounts", testApplicationServerNamesAccounts},
		{"MemberChannels", testMemberChannels},
		{"UnlockRequests", testUnlockRequests},
		{"UnlockRequestsConcurrent", testRequestsConcurrent},
		{"RequestPages", testRequestPages},
		{"ImportJobs", testImportJobs},
		{"Passkeys", testPasskeys},
		{"Sessions", testSessions},
		{"DeleteMember", testDeleteMember},
		{"Invites", testInvites},
		{"Nonces", testNonces},
		{"PushSubscriptions", testPushSubscriptions},
		{"SlackLinks", testSlackLinks},
		{"ExternalIDs", testExternalIDs},
		{"UpdateGroup", testUpdateGroup},
		{"Groups", testGroups},
		{"Policies", testPolicies},
		{"Executions", testExecutions},
		{"APITokens", testAPITokens},
		{"IdempotencyKeys", testIdempotencyKeys},
		{"BreakGlass", testBreakGlass},
		{"Templates", testTemplates},
		{"Operations", testOperations},
		{"OIDC", testOIDC},
		{"StreamCursors", testStreamCursors},
		{"Checkpoints", testCheckpoints},
		{"GrantsBetween", testGrantsBetween},
		{"ChecksBetween", testChecksBetween},
		{"CommittedChecks", testCommittedChecks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// t0 is the suite's "now": a UTC time with every nanosecond digit set, so a
// backend that rounds shows up.
var t0 = time.Date(2025, time.June, 1, 12, 0, 0, 123456789, time.UTC)

// at returns t0 moved by d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// newID returns a unique ID with a readable prefix.
func newID(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// update runs fn in s.Update and fails the test on error.
func update(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// wantKind checks that err is of kind want (nil: no error).
func wantKind(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: error %v, want one wrapping %q", what, err, want)
	}
}

// same compares records deeply; times must be equal and in UTC, so a
// backend returning another location fails here.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// gives checks the result of a read: no error (else the test stops) and
// want (compared as same does), both named by what. It is called with the
// read itself: gives(t, "Tenant", want)(s.Tenant(ctx, id)).
func gives[T any](t *testing.T, what string, want T) func(got T, err error) {
	return func(got T, err error) {
		t.Helper()
		must(t, what, err)
		same(t, what, got, want)
	}
}

// empty checks that a list read succeeds with no records; otherwise the
// test stops, naming what and what the read gave. It is called with the
// read itself: empty(t, "Policies of another tenant")(s.Policies(ctx, id)).
func empty(t *testing.T, what string) func(got any, err error) {
	return func(got any, err error) {
		t.Helper()
		if err != nil || reflect.ValueOf(got).Len() != 0 {
			t.Fatalf("%s = %+v, %v; want none", what, got, err)
		}
	}
}

// race runs try(0) … try(n-1) at once, each in its own goroutine released
// together, and returns how many reported true. An error fails the test,
// named by what.
func race(t *testing.T, what string, n int, try func(i int) (bool, error)) int {
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			ok, err := try(i)
			if err != nil {
				t.Errorf("%s: %v", what, err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(wins.Load())
}

// updateOK runs fn, a write that reports whether it took effect, in its
// own Update and returns the report; an error fails the test.
func updateOK(t *testing.T, s store.Store, fn func(tx store.Tx) (bool, error)) bool {
	t.Helper()
	ok, err := tryUpdate(t.Context(), s, fn)
	must(t, "Update", err)
	return ok
}

// tryUpdate runs fn, a write that reports whether it took effect, in its
// own Update and returns the report and the Update's error.
func tryUpdate(ctx context.Context, s store.Store, fn func(tx store.Tx) (bool, error)) (bool, error) {
	var ok bool
	err := s.Update(ctx, func(tx store.Tx) error {
		var err error
		ok, err = fn(tx)
		return err
	})
	return ok, err
}

// must fails the test when err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// world is a tenant with one application and one member, the start of
// most tests.
type world struct {
	tenant store.Tenant
	app    store.Application
	member store.Member
}

func newTenant(name string, created time.Time) store.Tenant {
	return store.Tenant{ID: newID("tenant"), Name: name + "-" + newID(""), CreatedAt: created}
}

func newApp(tenantID string, created time.Time) store.Application {
	id := newID("app")
	return store.Application{
		ID: id, TenantID: tenantID, Name: "App " + id, Issuer: "https://" + id + ".example.com",
		Unenrolled: store.UnenrolledDeny, FailMode: store.FailClosed, Enabled: true,
		DefaultUnlock: 15 * time.Minute, MaxUnlock: 8 * time.Hour, CreatedAt: created, UpdatedAt: created,
	}
}

func newMember(tenantID, email string, created time.Time) store.Member {
	return store.Member{
		ID: newID("member"), TenantID: tenantID, Email: email, Name: "Someone",
		Role: store.RoleMember, CreatedAt: created, UpdatedAt: created,
	}
}

func newAccount(app store.Application, name, ownerID string, created time.Time) store.Account {
	return store.Account{
		ID: newID("account"), TenantID: app.TenantID, AppID: app.ID, Name: name,
		OwnerID: ownerID, CreatedAt: created, UpdatedAt: created,
	}
}

func newGrant(a store.Account, created, until time.Time, once bool) store.Grant {
	return store.Grant{
		ID: newID("grant"), TenantID: a.TenantID, AccountID: a.ID, Until: until, Once: once,
		Reason: "testing", GrantedBy: "member:someone", CreatedAt: created,
	}
}

// newWorld stores a tenant, an application and a member.
func newWorld(t *testing.T, s store.Store) world {
	t.Helper()
	w := world{tenant: newTenant("acme", t0)}
	w.app = newApp(w.tenant.ID, t0)
	w.member = newMember(w.tenant.ID, newID("alice")+"@example.com", t0)
	update(t, s, func(tx store.Tx) error {
		if err := tx.CreateTenant(t.Context(), w.tenant); err != nil {
			return err
		}
		if err := tx.CreateApplication(t.Context(), w.app); err != nil {
			return err
		}
		return tx.CreateMember(t.Context(), w.member)
	})
	return w
}

// create stores one account.
func (w world) account(t *testing.T, s store.Store, name, ownerID string) store.Account {
	t.Helper()
	a := newAccount(w.app, name, ownerID, t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateAccount(t.Context(), a) })
	return a
}

// put stores g as its account's current grant.
func put(t *testing.T, s store.Store, g store.Grant) {
	t.Helper()
	update(t, s, func(tx store.Tx) error { return tx.PutGrant(t.Context(), g) })
}

// currentGrant reads an account's current grant, failing the test if it
// has none.
func currentGrant(t *testing.T, s store.Store, accountID string) store.Grant {
	t.Helper()
	g, err := s.CurrentGrant(t.Context(), accountID)
	must(t, "CurrentGrant", err)
	return g
}

// errorCase is one row of a table of writes that must fail with a kind.
type errorCase struct {
	name string
	fn   func(tx store.Tx) error
	want error
}

// runErrorCases runs each case in its own Update and checks the kind.
func runErrorCases(t *testing.T, s store.Store, cases []errorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Update(t.Context(), tc.fn)
			wantKind(t, tc.name, err, tc.want)
			wantPlain(t, tc.name, err)
		})
	}
}

// leaks are the database's own words, which must never reach a person.
var leaks = []string{"constraint", "sqlstate", "unique", "foreign key", "violates", "duplicate key", "(2067)", "(787)", "(1555)"}

// wantPlain checks that what people are shown of err (store.Message)
// says something and repeats none of the database's words.
func wantPlain(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := store.Message(err)
	if msg == "" {
		t.Errorf("%s: store.Message of %v is empty", what, err)
	}
	low := strings.ToLower(msg)
	for _, l := range leaks {
		if strings.Contains(low, l) {
			t.Errorf("%s: store.Message %q repeats the database's words (%q)", what, msg, l)
		}
	}
}

// testConflictWording: every uniqueness rule a person can break is told
// in the same words by every backend, naming the field (finding: raw SQL
// errors reached users).
func testConflictWording(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := newTenant("other", t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateTenant(ctx, other) })
	w.account(t, s, "alice", "")
	cases := []struct {
		name  string
		fn    func(tx store.Tx) error
		field string
	}{
		{"tenant name", func(tx store.Tx) error {
			return tx.CreateTenant(ctx, store.Tenant{ID: newID("tenant"), Name: w.tenant.Name, CreatedAt: t0})
		}, "a tenant with this name already exists"},
		{"issuer in another tenant", func(tx store.Tx) error {
			a := newApp(other.ID, t0)
			a.Issuer = w.app.Issuer
			return tx.CreateApplication(ctx, a)
		}, "an application with this issuer already exists"},
		{"member email, other case", func(tx store.Tx) error {
			return tx.CreateMember(ctx, newMember(w.tenant.ID, strings.ToUpper(w.member.Email), t0))
		}, "a member with this email already exists in this tenant"},
		{"account name", func(tx store.Tx) error {
			return tx.CreateAccount(ctx, newAccount(w.app, "alice", "", t0))
		}, "this application already has an account with this name"},
	}
	for _, tc := range cases {
		err := s.Update(ctx, tc.fn)
		wantKind(t, tc.name, err, store.ErrConflict)
		wantPlain(t, tc.name, err)
		if got := store.Message(err); got != tc.field {
			t.Errorf("%s: store.Message = %q, want %q", tc.name, got, tc.field)
		}
	}
}

func testPing(t *testing.T, s store.Store) {
	must(t, "Ping", s.Ping(t.Context()))
}

func testEmptyLists(t *testing.T, s store.Store) {
	ctx := t.Context()
	lens := map[string]func() (int, error){
		"Tenants":        func() (int, error) { l, err := s.Tenants(ctx); return len(l), err },
		"Applications":   func() (int, error) { l, err := s.Applications(ctx, "none"); return len(l), err },
		"SigningKeys":    func() (int, error) { l, err := s.SigningKeys(ctx, "none"); return len(l), err },
		"Members":        func() (int, error) { l, err := s.Members(ctx, "none"); return len(l), err },
		"Owners":         func() (int, error) { l, err := s.Owners(ctx, "none"); return len(l), err },
		"Accounts":       func() (int, error) { l, err := s.Accounts(ctx, "none", "", 10); return len(l), err },
		"CountAccounts":  func() (int, error) { return s.CountAccounts(ctx, "none") },
		"CheckRecords":   func() (int, error) { l, err := s.CheckRecords(ctx, "none", 10); return len(l), err },
		"AuditRecords":   func() (int, error) { l, err := s.AuditRecords(ctx, "none", 0, 10); return len(l), err },
		"OutboxOfTenant": func() (int, error) { l, err := s.OutboxOfTenant(ctx, "none", 10); return len(l), err },
	}
	for name, fn := range lens {
		n, err := fn()
		if err != nil || n != 0 {
			t.Errorf("%s on an empty store: %d records, error %v; want 0, nil", name, n, err)
		}
	}
	for name, fn := range map[string]func() error{
		"Accounts":     func() error { _, err := s.Accounts(ctx, "none", "", 0); return err },
		"CheckRecords": func() error { _, err := s.CheckRecords(ctx, "none", 0); return err },
		"AuditRecords": func() error { _, err := s.AuditRecords(ctx, "none", 0, -1); return err },
	} {
		wantKind(t, name+" with limit below 1", fn(), store.ErrInvalid)
	}
}

func testTimes(t *testing.T, s store.Store) {
	// Times in any location come back as the same instant in UTC, to the
	// nanosecond, including ones far from now.
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	cases := []time.Time{
		time.Date(2025, 1, 2, 3, 4, 5, 999999999, zone),
		time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 1, time.Local),
		time.Date(2200, 2, 28, 1, 2, 3, 4, zone),
		time.Now(), // carries a monotonic reading
	}
	for i, when := range cases {
		tn := store.Tenant{ID: newID("tenant"), Name: fmt.Sprintf("times-%d", i), CreatedAt: when}
		update(t, s, func(tx store.Tx) error { return tx.CreateTenant(t.Context(), tn) })
		got, err := s.Tenant(t.Context(), tn.ID)
		must(t, "Tenant", err)
		if !got.CreatedAt.Equal(when) || got.CreatedAt.Location() != time.UTC || got.CreatedAt.Nanosecond() != when.Nanosecond() {
			t.Errorf("CreatedAt %v came back as %v (location %v)", when, got.CreatedAt, got.CreatedAt.Location())
		}
		same(t, "CreatedAt", got.CreatedAt, when.UTC().Round(0))
	}
}

func testTenants(t *testing.T, s store.Store) {
	ctx := t.Context()
	newer := newTenant("acme", t0)
	older := newTenant("globex", at(-time.Hour))
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateTenant", tx.CreateTenant(ctx, newer))
		return tx.CreateTenant(ctx, older)
	})

	gives(t, "Tenant", newer)(s.Tenant(ctx, newer.ID))
	gives(t, "TenantByName", older)(s.TenantByName(ctx, older.Name))
	gives(t, "Tenants (oldest first)", []store.Tenant{older, newer})(s.Tenants(ctx))

	_, err := s.Tenant(ctx, "no-such-tenant")
	wantKind(t, "Tenant of an unknown ID", err, store.ErrNotFound)
	_, err = s.TenantByName(ctx, "no-such-tenant")
	wantKind(t, "TenantByName of an unknown name", err, store.ErrNotFound)

	create := func(tn store.Tenant) func(tx store.Tx) error {
		return func(tx store.Tx) error { return tx.CreateTenant(ctx, tn) }
	}
	runErrorCases(t, s, []errorCase{
		{"same name", create(store.Tenant{ID: newID("tenant"), Name: newer.Name, CreatedAt: t0}), store.ErrConflict},
		{"same ID", create(store.Tenant{ID: newer.ID, Name: "other", CreatedAt: t0}), store.ErrConflict},
		{"no ID", create(store.Tenant{Name: "other", CreatedAt: t0}), store.ErrInvalid},
		{"no name", create(store.Tenant{ID: newID("tenant"), CreatedAt: t0}), store.ErrInvalid},
		{"no created time", create(store.Tenant{ID: newID("tenant"), Name: "other"}), store.ErrInvalid},
	})
	all, err := s.Tenants(ctx)
	must(t, "Tenants", err)
	if len(all) != 2 {
		t.Errorf("failed creates wrote tenants: %d tenants, want 2", len(all))
	}
}
