package access_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

const (
	issuer = "https://wiki.acme.test"
	aud    = "http://deadbolt.test"
)

// env is the check service with unlock requests on a real SQLite file.
type env struct {
	t        *testing.T
	clock    *clock.Fake
	store    *sqlite.Store
	access   *access.Service
	admin    *admin.Service
	requests *access.Requests
	check    *check.Service
	app      store.Application
	secret   []byte
	owner    store.Member

	mu      sync.Mutex
	changes []access.RequestChange
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	s := backends.SQLite(t)
	box, _ := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	e := &env{t: t, clock: clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), store: s}
	ad := &admin.Service{Store: s, Clock: e.clock, Box: box}
	e.access = &access.Service{Store: s, Clock: e.clock}
	e.admin = ad
	e.requests = &access.Requests{Store: s, Clock: e.clock, Changed: func(c access.RequestChange) {
		e.mu.Lock()
		e.changes = append(e.changes, c)
		e.mu.Unlock()
	}}
	tenant, err := ad.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if e.app, err = ad.CreateApp(ctx, "test", admin.NewApp{TenantID: tenant.ID, Name: "Wiki", Issuer: issuer,
		DefaultUnlock: 5 * time.Minute, MaxUnlock: time.Hour}); err != nil {
		t.Fatal(err)
	}
	_, e.secret, err = ad.CreateKey(ctx, "test", e.app, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, acct := range []struct{ name, owner string }{{"alice", "alice@acme.test"}, {"nobody", ""}, {"bob", "bob@acme.test"}} {
		if _, err := e.access.Enroll(ctx, "test", e.app, acct.name, acct.owner); err != nil {
			t.Fatal(err)
		}
	}
	if e.owner, err = s.MemberByEmail(ctx, tenant.ID, "alice@acme.test"); err != nil {
		t.Fatal(err)
	}
	// Alice can sign in to the portal; Bob cannot (no passkey).
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.CreatePasskey(ctx, store.Passkey{ID: "cred-1", TenantID: tenant.ID, MemberID: e.owner.ID, Name: "laptop",
			Credential: []byte("{}"), CreatedAt: e.clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	logw := checklog.New(s, checklog.Options{Mode: checklog.Sync})
	t.Cleanup(func() { logw.Close(context.Background()) })
	e.check = check.New(check.Deps{Store: s, Keys: cache.New(s, cache.Options{Box: box}), Clock: e.clock, Log: logw, Requests: e.requests,
		Verifier: &token.Verifier{Audiences: []string{aud}, Now: e.clock.Now}})
	return e
}

func (e *env) checkAccount(account, ip string) check.Result {
	e.t.Helper()
	now := e.clock.Now()
	raw, err := token.Mint(token.Key{Algorithm: "HS256", Secret: e.secret}, token.Claims{Issuer: issuer, Subject: account,
		Audience: []string{aud}, IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(5 * time.Minute)})
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.check.Check(context.Background(), check.Request{Token: raw, IP: ip, Device: "Firefox", IntegrationType: "cognito"})
	if err != nil {
		e.t.Fatalf("check %s: %v", account, err)
	}
	return res
}

func (e *env) pending(account string) store.UnlockRequest {
	e.t.Helper()
	a, err := e.store.Account(context.Background(), e.app.ID, account)
	if err != nil {
		e.t.Fatal(err)
	}
	q, err := e.store.PendingRequest(context.Background(), a.ID)
	if err != nil {
		e.t.Fatalf("pending request of %s: %v", account, err)
	}
	return q
}

func TestLockedCheckRaisesRequest(t *testing.T) {
	e := newEnv(t)
	res := e.checkAccount("alice", "203.0.113.7")
	if !res.Locked || res.Status != lock.StatusPendingApproval || res.Message != lock.Message(lock.StatusPendingApproval, true) {
		t.Fatalf("locked check: %+v", res)
	}
	q := e.pending("alice")
	if q.IP != "203.0.113.7" || q.Device != "Firefox" || q.IntegrationType != "cognito" || q.Checks != 1 ||
		!q.ExpiresAt.Equal(e.clock.Now().Add(access.DefaultRequestTTL)) {
		t.Fatalf("raised request: %+v", q)
	}
	if len(e.changes) != 1 || !e.changes[0].Created || e.changes[0].OwnerID != e.owner.ID {
		t.Fatalf("listener heard %+v", e.changes)
	}

	// Another attempt from elsewhere refreshes the same request.
	e.clock.Advance(time.Minute)
	e.checkAccount("alice", "198.51.100.2")
	q2 := e.pending("alice")
	if q2.ID != q.ID || q2.IP != "198.51.100.2" || q2.Checks != 2 || !q2.ExpiresAt.Equal(e.clock.Now().Add(access.DefaultRequestTTL)) {
		t.Fatalf("refreshed request: %+v (first %+v)", q2, q)
	}
	if e.changes[len(e.changes)-1].Created {
		t.Fatal("a refresh was announced as a new request")
	}
	// The same client retrying at once costs no write.
	e.checkAccount("alice", "198.51.100.2")
	if q3 := e.pending("alice"); q3.Checks != 2 {
		t.Fatalf("a quiet retry was written: %+v", q3)
	}

	// Nobody can approve for an account without an owner, or whose owner
	// has no passkey: plain "locked", no request.
	for _, name := range []string{"nobody", "bob"} {
		res := e.checkAccount(name, "203.0.113.7")
		if !res.Locked || res.Status != lock.StatusLocked {
			t.Fatalf("%s: %+v, want plain locked", name, res)
		}
		a, _ := e.store.Account(t.Context(), e.app.ID, name)
		if _, err := e.store.PendingRequest(t.Context(), a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s has a request: %v", name, err)
		}
	}
}

func TestApproveOpensFromApproval(t *testing.T) {
	e := newEnv(t)
	e.checkAccount("alice", "203.0.113.7")
	q := e.pending("alice")
	e.clock.Advance(2 * time.Minute)
	approvedAt := e.clock.Now()
	got, err := e.requests.Decide(t.Context(), "member:alice", e.owner.ID, q.ID, access.Decision{Approve: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.RequestApproved || got.GrantID == "" {
		t.Fatalf("approved: %+v", got)
	}
	a, _ := e.store.Account(t.Context(), e.app.ID, "alice")
	g, err := e.store.CurrentGrant(t.Context(), a.ID)
	if err != nil || !g.Until.Equal(approvedAt.Add(e.app.DefaultUnlock)) || g.ID != got.GrantID {
		t.Fatalf("grant %+v (%v); want until approval + default", g, err)
	}
	if res := e.checkAccount("alice", "203.0.113.7"); res.Locked {
		t.Fatalf("after approval: %+v", res)
	}
	// A second decision on the same request is refused.
	_, err = e.requests.Decide(t.Context(), "member:alice", e.owner.ID, q.ID, access.Decision{})
	if !errors.Is(err, access.ErrRequestClosed) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second decision: %v", err)
	}
	// Audit: raised, unlocked, approved, in order, in the tenant's chain.
	recs, err := e.store.AuditRecords(t.Context(), e.app.TenantID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range recs {
		actions = append(actions, r.Action)
	}
	want := []string{"request.raised", "account.unlocked", "request.approved"}
	if len(actions) < 3 || !equal(actions[len(actions)-3:], want) {
		t.Fatalf("audit actions %v, want to end with %v", actions, want)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestApproveOnce(t *testing.T) {
	e := newEnv(t)
	e.checkAccount("alice", "203.0.113.7")
	q := e.pending("alice")
	if _, err := e.requests.Decide(t.Context(), "member:alice", e.owner.ID, q.ID, access.Decision{Approve: true, Once: true}); err != nil {
		t.Fatal(err)
	}
	if res := e.checkAccount("alice", "203.0.113.7"); res.Locked || res.Status != lock.StatusUnlocked {
		t.Fatalf("first check after once: %+v", res)
	}
	if res := e.checkAccount("alice", "203.0.113.7"); !res.Locked || res.Status != lock.StatusPendingApproval {
		t.Fatalf("second check after once: %+v", res)
	}
	if q2 := e.pending("alice"); q2.ID == q.ID {
		t.Fatal("the second check reused the approved request")
	}
}

func TestDenyAndRules(t *testing.T) {
	e := newEnv(t)
	e.checkAccount("alice", "203.0.113.7")
	q := e.pending("alice")

	bob, err := e.store.MemberByEmail(t.Context(), e.app.TenantID, "bob@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		memberID string
		d        access.Decision
		want     error
	}{
		{"someone else's request", bob.ID, access.Decision{Approve: true}, store.ErrNotFound},
		{"longer than the maximum", e.owner.ID, access.Decision{Approve: true, For: 2 * time.Hour}, access.ErrTooLong},
		{"negative", e.owner.ID, access.Decision{Approve: true, For: -time.Minute}, store.ErrInvalid},
	}
	for _, tc := range cases {
		if _, err := e.requests.Decide(t.Context(), "x", tc.memberID, q.ID, tc.d); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := e.requests.Decide(t.Context(), "x", e.owner.ID, "nope", access.Decision{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown request: %v", err)
	}
	if p := e.pending("alice"); p.ID != q.ID {
		t.Fatal("failed decisions changed the request")
	}
	got, err := e.requests.Decide(t.Context(), "member:alice", e.owner.ID, q.ID, access.Decision{})
	if err != nil || got.Status != store.RequestDenied {
		t.Fatalf("deny: %+v %v", got, err)
	}
	a, _ := e.store.Account(t.Context(), e.app.ID, "alice")
	if _, err := e.store.CurrentGrant(t.Context(), a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a denial made a grant: %v", err)
	}
	if res := e.checkAccount("alice", "203.0.113.7"); !res.Locked {
		t.Fatal("denied account opened")
	}
}

func TestExpiry(t *testing.T) {
	e := newEnv(t)
	e.requests.TTL = time.Minute
	e.checkAccount("alice", "203.0.113.7")
	q := e.pending("alice")
	e.clock.Advance(59 * time.Second)
	if n, err := e.requests.ExpireRequests(t.Context()); err != nil || n != 0 {
		t.Fatalf("expired %d (%v) before the TTL", n, err)
	}
	e.clock.Advance(time.Second)
	if _, err := e.requests.Decide(t.Context(), "x", e.owner.ID, q.ID, access.Decision{Approve: true}); !errors.Is(err, access.ErrRequestClosed) {
		t.Fatalf("approving a run-out request: %v", err)
	}
	if n, err := e.requests.ExpireRequests(t.Context()); err != nil || n != 1 {
		t.Fatalf("ExpireRequests = %d, %v; want 1", n, err)
	}
	got, err := e.store.UnlockRequest(t.Context(), q.ID)
	if err != nil || got.Status != store.RequestExpired {
		t.Fatalf("after expiry: %+v %v", got, err)
	}
	if last := e.changes[len(e.changes)-1]; last.Request.Status != store.RequestExpired {
		t.Fatalf("expiry not announced: %+v", last)
	}
}
