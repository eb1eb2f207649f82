package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The portal's part of the contract: application origins, members'
// channels, unlock requests, passkeys, sessions, invites and nonces.

// An application's server may be let name accounts; the setting is off
// when created without it and survives updates both ways.
func testApplicationServerNamesAccounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant("acme", t0)
	a := newApp(tn.ID, t0)
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateTenant", tx.CreateTenant(ctx, tn))
		return tx.CreateApplication(ctx, a)
	})
	got, err := s.ApplicationByIssuer(ctx, a.Issuer)
	must(t, "ApplicationByIssuer", err)
	if got.ServerNamesAccounts {
		t.Fatal("a new application lets its server name accounts")
	}
	a.ServerNamesAccounts = true
	update(t, s, func(tx store.Tx) error { return tx.UpdateApplication(ctx, a) })
	gives(t, "Application naming accounts", a)(s.Application(ctx, a.ID))
	gives(t, "Application naming accounts, by issuer", a)(s.ApplicationByIssuer(ctx, a.Issuer))

	a.ServerNamesAccounts = false
	update(t, s, func(tx store.Tx) error { return tx.UpdateApplication(ctx, a) })
	gives(t, "Application not naming accounts", a)(s.Application(ctx, a.ID))

	b := newApp(tn.ID, t0)
	b.ServerNamesAccounts = true
	update(t, s, func(tx store.Tx) error { return tx.CreateApplication(ctx, b) })
	gives(t, "Application created naming accounts", b)(s.Application(ctx, b.ID))
}

func testApplicationOrigins(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant("acme", t0)
	a := newApp(tn.ID, t0)
	a.Origins = []string{"https://app.example.com", "http://localhost:8080"}
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateTenant", tx.CreateTenant(ctx, tn))
		return tx.CreateApplication(ctx, a)
	})
	gives(t, "Application with origins", a)(s.Application(ctx, a.ID))

	a.Origins = nil
	update(t, s, func(tx store.Tx) error { return tx.UpdateApplication(ctx, a) })
	gives(t, "Application without origins", a)(s.ApplicationByIssuer(ctx, a.Issuer))

	runErrorCases(t, s, []errorCase{
		{"empty origin", func(tx store.Tx) error {
			b := a
			b.Origins = []string{""}
			return tx.UpdateApplication(ctx, b)
		}, store.ErrInvalid},
		{"origin with a newline", func(tx store.Tx) error {
			b := a
			b.Origins = []string{"https://a.example\nhttps://b.example"}
			return tx.UpdateApplication(ctx, b)
		}, store.ErrInvalid},
	})
}

func testMemberChannels(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	got, err := s.Member(ctx, w.member.ID)
	must(t, "Member", err)
	if got.Channels != nil {
		t.Fatalf("a new member's channels are %#v, want nil (never chose)", got.Channels)
	}
	for _, cs := range [][]string{{store.ChannelEmail, store.ChannelPush}, {}, {store.ChannelPush}, nil} {
		m := w.member
		m.Channels = cs
		update(t, s, func(tx store.Tx) error { return tx.UpdateMember(ctx, m) })
		gives(t, "Member channels", m)(s.Member(ctx, m.ID))
		// The lock check reads the owner too.
		a := newAccount(w.app, newID("acct"), m.ID, t0)
		update(t, s, func(tx store.Tx) error { return tx.CreateAccount(ctx, a) })
		st, err := s.CheckState(ctx, w.app.ID, a.Name)
		must(t, "CheckState", err)
		if st.Owner == nil {
			t.Fatal("CheckState has no owner")
		}
		same(t, "CheckState owner channels", st.Owner.Channels, cs)
	}
	m := w.member
	m.Channels = []string{"pigeon"}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateMember(ctx, m) })
	wantKind(t, "unknown channel", err, store.ErrInvalid)
	n := newMember(w.tenant.ID, newID("bob")+"@example.com", t0)
	n.Channels = []string{store.ChannelEmail}
	update(t, s, func(tx store.Tx) error { return tx.CreateMember(ctx, n) })
	gives(t, "created member with channels", n)(s.Member(ctx, n.ID))
}

func newRequest(a store.Account, now time.Time, ip string) store.UnlockRequest {
	return store.UnlockRequest{
		ID: newID("req"), TenantID: a.TenantID, AppID: a.AppID, AccountID: a.ID,
		Kind: store.RequestSignin, IP: ip, Device: "Firefox on Linux", Location: "Madrid, ES", IntegrationType: "cognito",
		UpdatedAt: now, ExpiresAt: now.Add(5 * time.Minute),
	}
}

func raise(t *testing.T, s store.Store, q store.UnlockRequest) (store.UnlockRequest, bool) {
	t.Helper()
	var got store.UnlockRequest
	var created bool
	update(t, s, func(tx store.Tx) error {
		var err error
		got, created, err = tx.RaiseRequest(t.Context(), q)
		return err
	})
	return got, created
}

func decide(t *testing.T, s store.Store, id, status, grantID string, when time.Time) bool {
	t.Helper()
	return updateOK(t, s, func(tx store.Tx) (bool, error) {
		return tx.DecideRequest(t.Context(), id, status, "member:alice", grantID, when)
	})
}

func testUnlockRequests(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	acct := w.account(t, s, "alice", w.member.ID)

	_, err := s.PendingRequest(ctx, acct.ID)
	wantKind(t, "PendingRequest with none", err, store.ErrNotFound)

	// Raise: a new pending request.
	q := newRequest(acct, t0, "203.0.113.7")
	got, created := raise(t, s, q)
	want := q
	want.Status, want.Checks, want.CreatedAt = store.RequestPending, 1, t0
	if !created {
		t.Fatal("first raise did not create")
	}
	same(t, "raised request", got, want)
	gives(t, "UnlockRequest", want)(s.UnlockRequest(ctx, q.ID))

	// Raise again while open: the same request, refreshed.
	q2 := newRequest(acct, at(time.Minute), "198.51.100.9")
	q2.Device, q2.Location, q2.IntegrationType = "curl", "", "api"
	got, created = raise(t, s, q2)
	if created {
		t.Fatal("a raise while a request is pending created another")
	}
	want.IP, want.Device, want.Location, want.IntegrationType = q2.IP, q2.Device, q2.Location, q2.IntegrationType
	want.Checks, want.UpdatedAt, want.ExpiresAt = 2, q2.UpdatedAt, q2.ExpiresAt
	same(t, "refreshed request", got, want)
	pending, err := s.PendingRequest(ctx, acct.ID)
	must(t, "PendingRequest", err)
	same(t, "PendingRequest", pending, want)

	// Approve it.
	if !decide(t, s, q.ID, store.RequestApproved, "grant-1", at(2*time.Minute)) {
		t.Fatal("approving an open request did nothing")
	}
	if decide(t, s, q.ID, store.RequestDenied, "", at(2*time.Minute)) {
		t.Fatal("a decided request was decided again")
	}
	read, err := s.UnlockRequest(ctx, q.ID)
	must(t, "UnlockRequest", err)
	want.Status, want.DecidedBy, want.DecidedAt, want.GrantID = store.RequestApproved, "member:alice", at(2*time.Minute), "grant-1"
	same(t, "approved request", read, want)
	_, err = s.PendingRequest(ctx, acct.ID)
	wantKind(t, "PendingRequest after approval", err, store.ErrNotFound)

	// A new raise after a decision creates a new request.
	q3 := newRequest(acct, at(3*time.Minute), "203.0.113.8")
	if _, created := raise(t, s, q3); !created {
		t.Fatal("raise after a decision did not create")
	}
	// Too early to expire; too late to approve.
	if decide(t, s, q3.ID, store.RequestExpired, "", at(4*time.Minute)) {
		t.Fatal("expired an open request")
	}
	if decide(t, s, q3.ID, store.RequestApproved, "g", q3.ExpiresAt) {
		t.Fatal("approved a request at its expiry")
	}
	exp, err := s.ExpiredRequests(ctx, q3.ExpiresAt, 10)
	must(t, "ExpiredRequests", err)
	if len(exp) != 1 || exp[0].ID != q3.ID {
		t.Fatalf("ExpiredRequests = %+v, want %s", exp, q3.ID)
	}
	exp, err = s.ExpiredRequests(ctx, q3.ExpiresAt.Add(-time.Nanosecond), 10)
	must(t, "ExpiredRequests", err)
	if len(exp) != 0 {
		t.Fatalf("ExpiredRequests before expiry = %+v", exp)
	}

	// A raise after it ran out marks it expired and starts a new one.
	q4 := newRequest(acct, q3.ExpiresAt.Add(time.Second), "203.0.113.9")
	if _, created := raise(t, s, q4); !created {
		t.Fatal("raise after a run-out request did not create")
	}
	old, err := s.UnlockRequest(ctx, q3.ID)
	must(t, "UnlockRequest", err)
	if old.Status != store.RequestExpired || !old.DecidedAt.Equal(q3.ExpiresAt) || old.DecidedBy == "" {
		t.Fatalf("run-out request after a new raise: %+v", old)
	}
	if decide(t, s, q4.ID, store.RequestExpired, "", q4.ExpiresAt) != true {
		t.Fatal("expiring a run-out request did nothing")
	}

	// The owner's inbox, newest first, and another owner's is empty.
	list, err := s.RequestsOfOwner(ctx, w.member.ID, 10)
	must(t, "RequestsOfOwner", err)
	if len(list) != 3 || list[0].ID != q4.ID || list[1].ID != q3.ID || list[2].ID != q.ID {
		t.Fatalf("RequestsOfOwner = %+v", list)
	}
	list, err = s.RequestsOfOwner(ctx, w.member.ID, 1)
	must(t, "RequestsOfOwner", err)
	if len(list) != 1 {
		t.Fatalf("RequestsOfOwner limit 1 gave %d", len(list))
	}
	list, err = s.RequestsOfOwner(ctx, "nobody", 10)
	must(t, "RequestsOfOwner", err)
	if len(list) != 0 {
		t.Fatalf("RequestsOfOwner of nobody = %+v", list)
	}

	_, err = s.UnlockRequest(ctx, "nope")
	wantKind(t, "unknown request", err, store.ErrNotFound)
	other := newWorld(t, s)
	runErrorCases(t, s, []errorCase{
		{"decide unknown", func(tx store.Tx) error {
			_, err := tx.DecideRequest(ctx, "nope", store.RequestDenied, "x", "", t0)
			return err
		}, store.ErrNotFound},
		{"decide to pending", func(tx store.Tx) error {
			_, err := tx.DecideRequest(ctx, q.ID, store.RequestPending, "x", "", t0)
			return err
		}, store.ErrInvalid},
		{"raise for unknown account", func(tx store.Tx) error {
			r := newRequest(acct, t0, "")
			r.AccountID = "nope"
			_, _, err := tx.RaiseRequest(ctx, r)
			return err
		}, store.ErrInvalid},
		{"raise in another tenant", func(tx store.Tx) error {
			r := newRequest(acct, t0, "")
			r.TenantID, r.AppID = other.tenant.ID, other.app.ID
			_, _, err := tx.RaiseRequest(ctx, r)
			return err
		}, store.ErrInvalid},
		{"raise without expiry", func(tx store.Tx) error {
			r := newRequest(acct, t0, "")
			r.ExpiresAt = time.Time{}
			_, _, err := tx.RaiseRequest(ctx, r)
			return err
		}, store.ErrInvalid},
		{"limit below 1", func(tx store.Tx) error {
			_, err := tx.RequestsOfOwner(ctx, w.member.ID, 0)
			return err
		}, store.ErrInvalid},
	})
}

// testRequestsConcurrent: many checks raising at once leave one pending
// request; many decisions at once let exactly one through.
func testRequestsConcurrent(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	acct := w.account(t, s, "alice", w.member.ID)
	const n = 8
	createdN := race(t, "RaiseRequest", n, func(i int) (bool, error) {
		q := newRequest(acct, at(time.Duration(i)*time.Millisecond), "203.0.113.1")
		return tryUpdate(t.Context(), s, func(tx store.Tx) (bool, error) {
			_, created, err := tx.RaiseRequest(t.Context(), q)
			return created, err
		})
	})
	p, err := s.PendingRequest(t.Context(), acct.ID)
	must(t, "PendingRequest", err)
	if createdN != 1 || p.Checks != n {
		t.Fatalf("%d raises created %d requests; pending has %d checks", n, createdN, p.Checks)
	}

	wins := race(t, "DecideRequest", n, func(i int) (bool, error) {
		status := store.RequestApproved
		if i%2 == 1 {
			status = store.RequestDenied
		}
		return tryUpdate(t.Context(), s, func(tx store.Tx) (bool, error) {
			return tx.DecideRequest(t.Context(), p.ID, status, "member:x", "", at(time.Second))
		})
	})
	if wins != 1 {
		t.Fatalf("%d concurrent decisions succeeded, want 1", wins)
	}
}

func newPasskey(m store.Member, name string, created time.Time) store.Passkey {
	return store.Passkey{ID: newID("cred"), TenantID: m.TenantID, MemberID: m.ID, Name: name,
		Credential: []byte(`{"publicKey":"AQID"}`), CreatedAt: created}
}

func testPasskeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	laptop := newPasskey(w.member, "laptop", t0)
	phone := newPasskey(w.member, "phone", at(time.Second))
	update(t, s, func(tx store.Tx) error {
		must(t, "CreatePasskey", tx.CreatePasskey(ctx, phone))
		return tx.CreatePasskey(ctx, laptop)
	})
	gives(t, "Passkey", laptop)(s.Passkey(ctx, laptop.ID))
	gives(t, "Passkeys (oldest first)", []store.Passkey{laptop, phone})(s.Passkeys(ctx, w.member.ID))

	laptop.Name, laptop.Credential, laptop.LastUsedAt = "work laptop", []byte(`{"signCount":7}`), at(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdatePasskey(ctx, laptop) })
	gives(t, "updated Passkey", laptop)(s.Passkey(ctx, laptop.ID))

	update(t, s, func(tx store.Tx) error { return tx.DeletePasskey(ctx, phone.ID) })
	_, err := s.Passkey(ctx, phone.ID)
	wantKind(t, "deleted passkey", err, store.ErrNotFound)

	other := newWorld(t, s)
	runErrorCases(t, s, []errorCase{
		{"delete the last one", func(tx store.Tx) error { return tx.DeletePasskey(ctx, laptop.ID) }, store.ErrInvalid},
		{"delete unknown", func(tx store.Tx) error { return tx.DeletePasskey(ctx, "nope") }, store.ErrNotFound},
		{"same credential ID", func(tx store.Tx) error {
			p := newPasskey(other.member, "x", t0)
			p.ID = laptop.ID
			return tx.CreatePasskey(ctx, p)
		}, store.ErrConflict},
		{"member in another tenant", func(tx store.Tx) error {
			p := newPasskey(w.member, "x", t0)
			p.TenantID = other.tenant.ID
			return tx.CreatePasskey(ctx, p)
		}, store.ErrInvalid},
		{"unknown member", func(tx store.Tx) error {
			p := newPasskey(w.member, "x", t0)
			p.MemberID = "nope"
			return tx.CreatePasskey(ctx, p)
		}, store.ErrInvalid},
		{"no credential", func(tx store.Tx) error {
			p := newPasskey(w.member, "x", t0)
			p.Credential = nil
			return tx.CreatePasskey(ctx, p)
		}, store.ErrInvalid},
		{"update unknown", func(tx store.Tx) error { return tx.UpdatePasskey(ctx, newPasskey(w.member, "x", t0)) }, store.ErrNotFound},
	})
	if _, err := s.Passkey(ctx, laptop.ID); err != nil {
		t.Fatalf("the last passkey is gone: %v", err)
	}

	// Two members each delete "one of two" at once: never both of a
	// member's two.
	second := newPasskey(w.member, "spare", at(2*time.Second))
	update(t, s, func(tx store.Tx) error { return tx.CreatePasskey(ctx, second) })
	var wg sync.WaitGroup
	for _, id := range []string{laptop.ID, second.ID} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, func(tx store.Tx) error { return tx.DeletePasskey(ctx, id) })
			if err != nil && !errors.Is(err, store.ErrInvalid) {
				t.Errorf("DeletePasskey: %v", err)
			}
		}()
	}
	wg.Wait()
	list, err := s.Passkeys(ctx, w.member.ID)
	must(t, "Passkeys", err)
	if len(list) != 1 {
		t.Fatalf("concurrent deletes left %d passkeys, want 1", len(list))
	}
}

func testSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	sess := store.Session{ID: newID("sess"), TenantID: w.tenant.ID, MemberID: w.member.ID, CreatedAt: t0,
		SeenAt: t0, ExpiresAt: at(12 * time.Hour), IP: "203.0.113.7", UserAgent: "Chromium"}
	idle := store.Session{ID: newID("sess"), TenantID: w.tenant.ID, MemberID: w.member.ID, CreatedAt: t0,
		ExpiresAt: at(12 * time.Hour)}
	old := store.Session{ID: newID("sess"), TenantID: w.tenant.ID, MemberID: w.member.ID, CreatedAt: at(-13 * time.Hour),
		SeenAt: at(-time.Minute), ExpiresAt: at(-time.Hour)}
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateSession", tx.CreateSession(ctx, sess))
		must(t, "CreateSession", tx.CreateSession(ctx, idle))
		return tx.CreateSession(ctx, old)
	})
	gives(t, "Session", sess)(s.Session(ctx, sess.ID))
	got, err := s.Session(ctx, idle.ID)
	must(t, "Session", err)
	if !got.SeenAt.Equal(t0) {
		t.Fatalf("a session created without SeenAt has SeenAt %v, want its CreatedAt", got.SeenAt)
	}

	update(t, s, func(tx store.Tx) error { return tx.TouchSession(ctx, sess.ID, at(time.Hour)) })
	update(t, s, func(tx store.Tx) error { return tx.TouchSession(ctx, sess.ID, at(time.Minute)) })
	got, err = s.Session(ctx, sess.ID)
	must(t, "Session", err)
	if !got.SeenAt.Equal(at(time.Hour)) {
		t.Fatalf("SeenAt after touches = %v, want %v (never back)", got.SeenAt, at(time.Hour))
	}

	var n int
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteSessions(ctx, t0, at(30*time.Minute))
		return err
	})
	if n != 2 {
		t.Fatalf("DeleteSessions removed %d, want 2 (one expired, one idle)", n)
	}
	if _, err := s.Session(ctx, sess.ID); err != nil {
		t.Fatalf("a live session was removed: %v", err)
	}
	update(t, s, func(tx store.Tx) error { return tx.DeleteSession(ctx, sess.ID) })
	update(t, s, func(tx store.Tx) error { return tx.DeleteSession(ctx, sess.ID) })
	_, err = s.Session(ctx, sess.ID)
	wantKind(t, "deleted session", err, store.ErrNotFound)
	runErrorCases(t, s, []errorCase{
		{"touch unknown", func(tx store.Tx) error { return tx.TouchSession(ctx, "nope", t0) }, store.ErrNotFound},
		{"unknown member", func(tx store.Tx) error {
			x := sess
			x.ID, x.MemberID = newID("sess"), "nope"
			return tx.CreateSession(ctx, x)
		}, store.ErrInvalid},
		{"no expiry", func(tx store.Tx) error {
			x := sess
			x.ID, x.ExpiresAt = newID("sess"), time.Time{}
			return tx.CreateSession(ctx, x)
		}, store.ErrInvalid},
	})
}

func testInvites(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	inv := store.Invite{ID: newID("inv"), TenantID: w.tenant.ID, MemberID: w.member.ID, CreatedBy: "cli:root",
		CreatedAt: t0, ExpiresAt: at(time.Hour)}
	update(t, s, func(tx store.Tx) error { return tx.CreateInvite(ctx, inv) })
	gives(t, "Invite", inv)(s.Invite(ctx, inv.ID))

	use := func(id string, when time.Time) bool {
		return updateOK(t, s, func(tx store.Tx) (bool, error) { return tx.UseInvite(ctx, id, when) })
	}
	if use(inv.ID, at(time.Hour)) {
		t.Fatal("used an invite at its expiry")
	}
	// Exactly one of several concurrent uses wins.
	wins := race(t, "UseInvite", 6, func(int) (bool, error) {
		return tryUpdate(ctx, s, func(tx store.Tx) (bool, error) { return tx.UseInvite(ctx, inv.ID, at(time.Minute)) })
	})
	if wins != 1 {
		t.Fatalf("%d concurrent uses of one invite succeeded, want 1", wins)
	}
	got, err := s.Invite(ctx, inv.ID)
	must(t, "Invite", err)
	if !got.UsedAt.Equal(at(time.Minute)) {
		t.Fatalf("UsedAt = %v", got.UsedAt)
	}
	runErrorCases(t, s, []errorCase{
		{"use unknown", func(tx store.Tx) error { _, err := tx.UseInvite(ctx, "nope", t0); return err }, store.ErrNotFound},
		{"same ID", func(tx store.Tx) error { return tx.CreateInvite(ctx, inv) }, store.ErrConflict},
		{"unknown member", func(tx store.Tx) error {
			x := inv
			x.ID, x.MemberID = newID("inv"), "nope"
			return tx.CreateInvite(ctx, x)
		}, store.ErrInvalid},
		{"no expiry", func(tx store.Tx) error {
			x := inv
			x.ID, x.ExpiresAt = newID("inv"), time.Time{}
			return tx.CreateInvite(ctx, x)
		}, store.ErrInvalid},
	})
}

func testNonces(t *testing.T, s store.Store) {
	ctx := t.Context()
	key := newID("jti")
	use := func(k string, expires time.Time) bool {
		return updateOK(t, s, func(tx store.Tx) (bool, error) { return tx.UseNonce(ctx, k, expires, t0) })
	}
	if !use(key, at(time.Minute)) {
		t.Fatal("first use of a nonce refused")
	}
	if use(key, at(time.Hour)) {
		t.Fatal("second use of a nonce accepted")
	}
	// A rolled-back use leaves nothing behind.
	rolled := newID("jti")
	err := s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.UseNonce(ctx, rolled, at(time.Minute), t0); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update: %v", err)
	}
	if !use(rolled, at(time.Minute)) {
		t.Fatal("a rolled-back nonce counts as used")
	}

	// Concurrent uses: exactly one wins.
	hot := newID("jti")
	wins := race(t, "UseNonce", 6, func(int) (bool, error) {
		return tryUpdate(ctx, s, func(tx store.Tx) (bool, error) { return tx.UseNonce(ctx, hot, at(time.Minute), t0) })
	})
	if wins != 1 {
		t.Fatalf("%d concurrent uses of one nonce succeeded, want 1", wins)
	}

	var n int
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.PurgeNonces(ctx, at(time.Minute))
		return err
	})
	if n != 3 {
		t.Fatalf("PurgeNonces removed %d, want 3", n)
	}
	if !use(key, at(2*time.Minute)) {
		t.Fatal("a purged nonce is still used")
	}
	runErrorCases(t, s, []errorCase{
		{"empty key", func(tx store.Tx) error { _, err := tx.UseNonce(ctx, "", at(time.Minute), t0); return err }, store.ErrInvalid},
		{"no expiry", func(tx store.Tx) error { _, err := tx.UseNonce(ctx, newID("k"), time.Time{}, t0); return err }, store.ErrInvalid},
	})
}

func testPushSubscriptions(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := newMember(w.tenant.ID, newID("bob")+"@example.com", t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateMember(ctx, other) })
	a := store.PushSubscription{ID: newID("push"), TenantID: w.tenant.ID, MemberID: w.member.ID,
		Endpoint: "https://push.example.com/a", P256dh: []byte{4, 1, 2}, Auth: []byte{9, 9}, UserAgent: "Chromium", CreatedAt: t0}
	b := a
	b.ID, b.Endpoint, b.CreatedAt = newID("push"), "https://push.example.com/b", at(time.Second)
	update(t, s, func(tx store.Tx) error {
		must(t, "PutPushSubscription", tx.PutPushSubscription(ctx, b))
		return tx.PutPushSubscription(ctx, a)
	})
	gives(t, "PushSubscriptions (oldest first)", []store.PushSubscription{a, b})(s.PushSubscriptions(ctx, w.member.ID))

	// The same browser subscribing again for its member replaces it.
	again := a
	again.P256dh, again.UserAgent, again.CreatedAt = []byte{4, 5}, "Chromium 2", at(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.PutPushSubscription(ctx, again) })
	got, _ := s.PushSubscriptions(ctx, w.member.ID)
	same(t, "after subscribing again", got, []store.PushSubscription{b, again})

	// Another member naming the same subscription does not take it over.
	runErrorCases(t, s, []errorCase{
		{"another member's subscription", func(tx store.Tx) error {
			taken := a
			taken.MemberID, taken.P256dh, taken.CreatedAt = other.ID, []byte{4, 7}, at(time.Hour)
			return tx.PutPushSubscription(ctx, taken)
		}, store.ErrConflict},
	})
	got, _ = s.PushSubscriptions(ctx, w.member.ID)
	same(t, "after another member's attempt", got, []store.PushSubscription{b, again})
	got, _ = s.PushSubscriptions(ctx, other.ID)
	if len(got) != 0 {
		t.Fatalf("the other member got %+v", got)
	}

	update(t, s, func(tx store.Tx) error { return tx.DeletePushSubscription(ctx, a.ID) })
	update(t, s, func(tx store.Tx) error { return tx.DeletePushSubscription(ctx, b.ID) })
	update(t, s, func(tx store.Tx) error { return tx.DeletePushSubscription(ctx, b.ID) })
	got, _ = s.PushSubscriptions(ctx, w.member.ID)
	if len(got) != 0 {
		t.Fatalf("after delete: %+v", got)
	}
	empty, err := s.PushSubscriptions(ctx, "nobody")
	if err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("PushSubscriptions of nobody: %#v, %v (want an empty list)", empty, err)
	}
	runErrorCases(t, s, []errorCase{
		{"unknown member", func(tx store.Tx) error {
			x := a
			x.ID, x.MemberID = newID("push"), "nope"
			return tx.PutPushSubscription(ctx, x)
		}, store.ErrInvalid},
		{"no keys", func(tx store.Tx) error {
			x := a
			x.ID, x.Auth = newID("push"), nil
			return tx.PutPushSubscription(ctx, x)
		}, store.ErrInvalid},
		{"no endpoint", func(tx store.Tx) error {
			x := a
			x.ID, x.Endpoint = newID("push"), ""
			return tx.PutPushSubscription(ctx, x)
		}, store.ErrInvalid},
	})
}

func testDeleteMember(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := newMember(w.tenant.ID, newID("bob")+"@example.com", t0)
	sess := func(m store.Member) store.Session {
		return store.Session{ID: newID("sess"), TenantID: w.tenant.ID, MemberID: m.ID, CreatedAt: t0, SeenAt: t0, ExpiresAt: at(time.Hour)}
	}
	keep, drop1, drop2, bobs := sess(w.member), sess(w.member), sess(w.member), sess(other)
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateMember", tx.CreateMember(ctx, other))
		for _, x := range []store.Session{keep, drop1, drop2, bobs} {
			must(t, "CreateSession", tx.CreateSession(ctx, x))
		}
		must(t, "CreatePasskey", tx.CreatePasskey(ctx, store.Passkey{ID: newID("pk"), TenantID: w.tenant.ID, MemberID: w.member.ID,
			Name: "laptop", Credential: []byte("{}"), CreatedAt: t0}))
		return tx.CreateInvite(ctx, store.Invite{ID: newID("inv"), TenantID: w.tenant.ID, MemberID: w.member.ID, CreatedBy: "test",
			CreatedAt: t0, ExpiresAt: at(time.Hour)})
	})

	// DeleteMemberSessions keeps the one named, and other members' sessions.
	var n int
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteMemberSessions(ctx, w.member.ID, keep.ID)
		return err
	})
	if n != 2 {
		t.Fatalf("DeleteMemberSessions removed %d, want 2", n)
	}
	for _, x := range []store.Session{keep, bobs} {
		if _, err := s.Session(ctx, x.ID); err != nil {
			t.Fatalf("session %s was removed: %v", x.ID, err)
		}
	}
	_, err := s.Session(ctx, drop1.ID)
	wantKind(t, "removed session", err, store.ErrNotFound)

	// A member who owns an account cannot be removed; once unlinked they can.
	acct := w.account(t, s, "alice", w.member.ID)
	runErrorCases(t, s, []errorCase{
		{"owner of an account", func(tx store.Tx) error { return tx.DeleteMember(ctx, w.member.ID) }, store.ErrConflict},
		{"unknown member", func(tx store.Tx) error { return tx.DeleteMember(ctx, "nope") }, store.ErrNotFound},
	})
	update(t, s, func(tx store.Tx) error {
		must(t, "SetAccountOwner", tx.SetAccountOwner(ctx, acct.ID, "", at(time.Minute)))
		return tx.DeleteMember(ctx, w.member.ID)
	})
	_, err = s.Member(ctx, w.member.ID)
	wantKind(t, "removed member", err, store.ErrNotFound)
	_, err = s.Session(ctx, keep.ID)
	wantKind(t, "removed member's session", err, store.ErrNotFound)
	empty(t, "removed member's passkeys")(s.Passkeys(ctx, w.member.ID))
	if _, err := s.Session(ctx, bobs.ID); err != nil {
		t.Fatalf("another member's session went with them: %v", err)
	}
	if a, err := s.Account(ctx, w.app.ID, "alice"); err != nil || a.OwnerID != "" {
		t.Fatalf("the unlinked account: %+v, %v", a, err)
	}
}
