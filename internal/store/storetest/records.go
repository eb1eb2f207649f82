package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func testApplications(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := newTenant("other", t0)
	second := newApp(w.tenant.ID, at(time.Second))
	second.Unenrolled, second.FailMode, second.Enabled, second.LockedDown = store.UnenrolledAllow, store.FailOpen, false, true
	foreign := newApp(other.ID, at(-time.Hour))
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateTenant", tx.CreateTenant(ctx, other))
		must(t, "CreateApplication", tx.CreateApplication(ctx, second))
		return tx.CreateApplication(ctx, foreign)
	})

	gives(t, "Application", second)(s.Application(ctx, second.ID))
	gives(t, "ApplicationByIssuer", w.app)(s.ApplicationByIssuer(ctx, w.app.Issuer))
	gives(t, "Applications (one tenant, oldest first)", []store.Application{w.app, second})(s.Applications(ctx, w.tenant.ID))

	_, err := s.Application(ctx, "no-such-app")
	wantKind(t, "Application of an unknown ID", err, store.ErrNotFound)
	_, err = s.ApplicationByIssuer(ctx, "https://nowhere.example.com")
	wantKind(t, "ApplicationByIssuer of an unknown issuer", err, store.ErrNotFound)

	create := func(change func(a *store.Application)) func(tx store.Tx) error {
		a := newApp(w.tenant.ID, t0)
		change(&a)
		return func(tx store.Tx) error { return tx.CreateApplication(ctx, a) }
	}
	runErrorCases(t, s, []errorCase{
		{"same issuer", create(func(a *store.Application) { a.Issuer = w.app.Issuer }), store.ErrConflict},
		{"same issuer in another tenant", create(func(a *store.Application) { a.TenantID, a.Issuer = other.ID, w.app.Issuer }), store.ErrConflict},
		{"same ID", create(func(a *store.Application) { a.ID = w.app.ID }), store.ErrConflict},
		{"no ID", create(func(a *store.Application) { a.ID = "" }), store.ErrInvalid},
		{"no tenant", create(func(a *store.Application) { a.TenantID = "" }), store.ErrInvalid},
		{"unknown tenant", create(func(a *store.Application) { a.TenantID = "no-such-tenant" }), store.ErrInvalid},
		{"no name", create(func(a *store.Application) { a.Name = "" }), store.ErrInvalid},
		{"no issuer", create(func(a *store.Application) { a.Issuer = "" }), store.ErrInvalid},
		{"bad unenrolled", create(func(a *store.Application) { a.Unenrolled = "maybe" }), store.ErrInvalid},
		{"bad fail mode", create(func(a *store.Application) { a.FailMode = "" }), store.ErrInvalid},
		{"zero default unlock", create(func(a *store.Application) { a.DefaultUnlock = 0 }), store.ErrInvalid},
		{"negative max unlock", create(func(a *store.Application) { a.MaxUnlock = -time.Minute }), store.ErrInvalid},
		{"no created time", create(func(a *store.Application) { a.CreatedAt = time.Time{} }), store.ErrInvalid},
	})

	// UpdateApplication replaces the mutable fields and nothing else.
	changed := w.app
	changed.Name, changed.Unenrolled, changed.FailMode = "Renamed", store.UnenrolledAllow, store.FailOpen
	changed.Enabled, changed.LockedDown = false, true
	changed.DefaultUnlock, changed.MaxUnlock = time.Minute, 2*time.Hour+3*time.Nanosecond
	changed.UpdatedAt = at(time.Hour + 7)
	attempt := changed
	attempt.Issuer, attempt.TenantID, attempt.CreatedAt = "https://changed.example.com", other.ID, at(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateApplication(ctx, attempt) })
	gives(t, "Application after UpdateApplication", changed)(s.Application(ctx, w.app.ID))

	upd := func(change func(a *store.Application)) func(tx store.Tx) error {
		a := changed
		change(&a)
		return func(tx store.Tx) error { return tx.UpdateApplication(ctx, a) }
	}
	runErrorCases(t, s, []errorCase{
		{"update unknown", upd(func(a *store.Application) { a.ID = "no-such-app" }), store.ErrNotFound},
		{"update bad fail mode", upd(func(a *store.Application) { a.FailMode = "sideways" }), store.ErrInvalid},
		{"update zero max unlock", upd(func(a *store.Application) { a.MaxUnlock = 0 }), store.ErrInvalid},
		{"update no name", upd(func(a *store.Application) { a.Name = "" }), store.ErrInvalid},
	})
	gives(t, "Application after failed updates", changed)(s.Application(ctx, w.app.ID))
}

// normKey makes empty byte slices nil, since backends may return either.
func normKey(k store.SigningKey) store.SigningKey {
	if len(k.SealedSecret) == 0 {
		k.SealedSecret = nil
	}
	if len(k.PublicKey) == 0 {
		k.PublicKey = nil
	}
	return k
}

func testSigningKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	otherApp := newApp(w.tenant.ID, t0)
	otherTenant := newTenant("other", t0)
	hs := store.SigningKey{
		KID: newID("kid"), AppID: w.app.ID, TenantID: w.tenant.ID, Algorithm: store.AlgHS256,
		SealedSecret: []byte{0, 1, 2, 0xff, 0}, CreatedAt: at(time.Second),
	}
	ed := store.SigningKey{
		KID: newID("kid"), AppID: w.app.ID, TenantID: w.tenant.ID, Algorithm: store.AlgEdDSA,
		PublicKey: []byte("0*0\x05\x06\x03+ep\x03!\x00 public"), CreatedAt: at(time.Millisecond), ExpiresAt: at(24 * time.Hour),
	}
	es := store.SigningKey{
		KID: newID("kid"), AppID: otherApp.ID, TenantID: w.tenant.ID, Algorithm: store.AlgES256,
		PublicKey: []byte{0x30, 0x59}, CreatedAt: t0, LastUsedAt: at(time.Minute),
	}
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateApplication", tx.CreateApplication(ctx, otherApp))
		must(t, "CreateTenant", tx.CreateTenant(ctx, otherTenant))
		for _, k := range []store.SigningKey{hs, ed, es} {
			if err := tx.CreateSigningKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})

	for _, k := range []store.SigningKey{hs, ed, es} {
		got, err := s.SigningKey(ctx, k.KID)
		must(t, "SigningKey", err)
		same(t, "SigningKey "+k.Algorithm, normKey(got), k)
	}
	_, err := s.SigningKey(ctx, "no-such-kid")
	wantKind(t, "SigningKey of an unknown kid", err, store.ErrNotFound)

	// Revoking keeps the first time; revoked keys are still listed.
	update(t, s, func(tx store.Tx) error { return tx.RevokeSigningKey(ctx, hs.KID, at(time.Hour)) })
	update(t, s, func(tx store.Tx) error { return tx.RevokeSigningKey(ctx, hs.KID, at(2*time.Hour)) })
	hs.RevokedAt = at(time.Hour)
	keys, err := s.SigningKeys(ctx, w.app.ID)
	must(t, "SigningKeys", err)
	for i := range keys {
		keys[i] = normKey(keys[i])
	}
	same(t, "SigningKeys (one application, oldest first)", keys, []store.SigningKey{ed, hs})

	create := func(change func(k *store.SigningKey)) func(tx store.Tx) error {
		k := store.SigningKey{
			KID: newID("kid"), AppID: w.app.ID, TenantID: w.tenant.ID, Algorithm: store.AlgHS256,
			SealedSecret: []byte("sealed"), CreatedAt: t0,
		}
		change(&k)
		return func(tx store.Tx) error { return tx.CreateSigningKey(ctx, k) }
	}
	runErrorCases(t, s, []errorCase{
		{"same kid", create(func(k *store.SigningKey) { k.KID = ed.KID }), store.ErrConflict},
		{"no kid", create(func(k *store.SigningKey) { k.KID = "" }), store.ErrInvalid},
		{"no application", create(func(k *store.SigningKey) { k.AppID = "" }), store.ErrInvalid},
		{"unknown application", create(func(k *store.SigningKey) { k.AppID = "no-such-app" }), store.ErrInvalid},
		{"application of another tenant", create(func(k *store.SigningKey) { k.TenantID = otherTenant.ID }), store.ErrInvalid},
		{"unknown algorithm", create(func(k *store.SigningKey) { k.Algorithm = "RS256" }), store.ErrInvalid},
		{"HS256 without secret", create(func(k *store.SigningKey) { k.SealedSecret = nil }), store.ErrInvalid},
		{"EdDSA without public key", create(func(k *store.SigningKey) { k.Algorithm = store.AlgEdDSA; k.SealedSecret = nil }), store.ErrInvalid},
		{"no created time", create(func(k *store.SigningKey) { k.CreatedAt = time.Time{} }), store.ErrInvalid},
		{"revoke unknown", func(tx store.Tx) error { return tx.RevokeSigningKey(ctx, "no-such-kid", t0) }, store.ErrNotFound},
		{"delete unknown", func(tx store.Tx) error { return tx.DeleteSigningKey(ctx, "no-such-kid") }, store.ErrNotFound},
		{"delete active", func(tx store.Tx) error { return tx.DeleteSigningKey(ctx, ed.KID) }, store.ErrConflict},
	})

	// A revoked key can be deleted; the others stay.
	update(t, s, func(tx store.Tx) error { return tx.DeleteSigningKey(ctx, hs.KID) })
	_, err = s.SigningKey(ctx, hs.KID)
	wantKind(t, "SigningKey after DeleteSigningKey", err, store.ErrNotFound)
	keys, err = s.SigningKeys(ctx, w.app.ID)
	must(t, "SigningKeys", err)
	for i := range keys {
		keys[i] = normKey(keys[i])
	}
	same(t, "SigningKeys after deleting the revoked key", keys, []store.SigningKey{ed})
}

// testPinMasterKey: the first fingerprint is kept, the same one passes,
// another is ErrMasterKey; concurrent first calls keep exactly one.
func testPinMasterKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- s.PinMasterKey(ctx, fmt.Sprintf("fingerprint-%d", i)) }()
	}
	won := 0
	for range n {
		err := <-errs
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrMasterKey):
			t.Errorf("concurrent PinMasterKey: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent first fingerprints were accepted, want 1", won, n)
	}
	var kept string
	for i := range n {
		if s.PinMasterKey(ctx, fmt.Sprintf("fingerprint-%d", i)) == nil {
			kept = fmt.Sprintf("fingerprint-%d", i)
		}
	}
	if kept == "" {
		t.Fatal("no fingerprint is kept")
	}
	must(t, "PinMasterKey again", s.PinMasterKey(ctx, kept))
	wantKind(t, "PinMasterKey with another key", s.PinMasterKey(ctx, "another"), store.ErrMasterKey)
	wantKind(t, "PinMasterKey with nothing", s.PinMasterKey(ctx, ""), store.ErrInvalid)
}

func testMembers(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := newTenant("other", t0)
	alice := newMember(w.tenant.ID, "Alice.Smith@Example.COM", at(time.Second))
	alice.Role, alice.Name = store.RoleApprover, "Alice Smith"
	aliceElsewhere := newMember(other.ID, "alice.smith@example.com", t0)
	aliceElsewhere.Role = store.RoleOwner
	carol := newMember(w.tenant.ID, "carol@example.com", at(2*time.Second))
	carol.Role = store.RoleOwner
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateTenant", tx.CreateTenant(ctx, other))
		must(t, "CreateMember", tx.CreateMember(ctx, alice))
		must(t, "CreateMember", tx.CreateMember(ctx, carol))
		return tx.CreateMember(ctx, aliceElsewhere)
	})
	alice.Email = "alice.smith@example.com" // stored lower-case

	got, err := s.Member(ctx, alice.ID)
	must(t, "Member", err)
	same(t, "Member", got, alice)
	for _, email := range []string{"alice.smith@example.com", "ALICE.SMITH@EXAMPLE.COM", "Alice.Smith@example.Com"} {
		got, err := s.MemberByEmail(ctx, w.tenant.ID, email)
		must(t, "MemberByEmail "+email, err)
		same(t, "MemberByEmail "+email, got, alice)
	}
	gives(t, "MemberByEmail in the other tenant", aliceElsewhere)(s.MemberByEmail(ctx, other.ID, "Alice.Smith@example.com"))
	_, err = s.MemberByEmail(ctx, w.tenant.ID, "nobody@example.com")
	wantKind(t, "MemberByEmail of an unknown email", err, store.ErrNotFound)
	_, err = s.Member(ctx, "no-such-member")
	wantKind(t, "Member of an unknown ID", err, store.ErrNotFound)
	gives(t, "Members (one tenant, oldest first)", []store.Member{w.member, alice, carol})(s.Members(ctx, w.tenant.ID))
	gives(t, "Owners (one tenant, owners only)", []store.Member{carol})(s.Owners(ctx, w.tenant.ID))

	create := func(change func(m *store.Member)) func(tx store.Tx) error {
		m := newMember(w.tenant.ID, newID("bob")+"@example.com", t0)
		change(&m)
		return func(tx store.Tx) error { return tx.CreateMember(ctx, m) }
	}
	runErrorCases(t, s, []errorCase{
		{"same email, other case", create(func(m *store.Member) { m.Email = "ALICE.smith@example.com" }), store.ErrConflict},
		{"same ID", create(func(m *store.Member) { m.ID = alice.ID }), store.ErrConflict},
		{"no ID", create(func(m *store.Member) { m.ID = "" }), store.ErrInvalid},
		{"no email", create(func(m *store.Member) { m.Email = "" }), store.ErrInvalid},
		{"no tenant", create(func(m *store.Member) { m.TenantID = "" }), store.ErrInvalid},
		{"unknown tenant", create(func(m *store.Member) { m.TenantID = "no-such-tenant" }), store.ErrInvalid},
		{"unknown role", create(func(m *store.Member) { m.Role = "root" }), store.ErrInvalid},
		{"no created time", create(func(m *store.Member) { m.CreatedAt = time.Time{} }), store.ErrInvalid},
	})

	// UpdateMember replaces name, role, LockAll, LockedDown, UpdatedAt.
	changed := alice
	changed.Name, changed.Role, changed.LockAll, changed.LockedDown = "Alice Jones", store.RoleAdmin, true, true
	changed.UpdatedAt = at(time.Hour + 1)
	attempt := changed
	attempt.Email, attempt.TenantID, attempt.CreatedAt = "other@example.com", other.ID, at(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateMember(ctx, attempt) })
	gives(t, "Member after UpdateMember", changed)(s.Member(ctx, alice.ID))

	runErrorCases(t, s, []errorCase{
		{"update unknown", func(tx store.Tx) error {
			m := changed
			m.ID = "no-such-member"
			return tx.UpdateMember(ctx, m)
		}, store.ErrNotFound},
		{"update unknown role", func(tx store.Tx) error {
			m := changed
			m.Role = "superuser"
			return tx.UpdateMember(ctx, m)
		}, store.ErrInvalid},
	})
}

// testMemberEmailVerified: CreateMember stores EmailVerifiedAt as given;
// VerifyEmail sets it once, only for the member's current email, and
// nothing else changes it.
func testMemberEmailVerified(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	verified := newMember(w.tenant.ID, "vera@example.com", t0)
	verified.EmailVerifiedAt = at(time.Second)
	claimed := newMember(w.tenant.ID, "Carl@Example.com", t0)
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateMember verified", tx.CreateMember(ctx, verified))
		return tx.CreateMember(ctx, claimed)
	})
	gives(t, "verified member", verified)(s.Member(ctx, verified.ID))
	got, err := s.MemberByEmail(ctx, w.tenant.ID, "carl@example.com")
	must(t, "MemberByEmail", err)
	if got.EmailVerified() || !got.EmailVerifiedAt.IsZero() {
		t.Fatalf("a member created unverified reads verified: %+v", got)
	}

	// UpdateMember never changes it, either way.
	changed := verified
	changed.EmailVerifiedAt, changed.Name, changed.UpdatedAt = time.Time{}, "Vera", at(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.UpdateMember(ctx, changed) })
	got, _ = s.Member(ctx, verified.ID)
	if !got.EmailVerifiedAt.Equal(verified.EmailVerifiedAt) || got.Name != "Vera" {
		t.Fatalf("UpdateMember changed EmailVerifiedAt: %+v", got)
	}
	unchanged := got
	unchanged.EmailVerifiedAt, unchanged.UpdatedAt = at(time.Hour), at(2*time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.UpdateMember(ctx, unchanged) })
	if got, _ := s.Member(ctx, verified.ID); !got.EmailVerifiedAt.Equal(verified.EmailVerifiedAt) {
		t.Fatalf("UpdateMember set EmailVerifiedAt: %+v", got)
	}

	// Another email than the member's does not verify it.
	runErrorCases(t, s, []errorCase{
		{"verify another email", func(tx store.Tx) error {
			_, err := tx.VerifyEmail(ctx, claimed.ID, "victim@example.com", at(time.Minute))
			return err
		}, store.ErrNotFound},
		{"verify unknown member", func(tx store.Tx) error {
			_, err := tx.VerifyEmail(ctx, "no-such-member", "carl@example.com", at(time.Minute))
			return err
		}, store.ErrNotFound},
		{"verify without email", func(tx store.Tx) error {
			_, err := tx.VerifyEmail(ctx, claimed.ID, "", at(time.Minute))
			return err
		}, store.ErrInvalid},
		{"verify without time", func(tx store.Tx) error {
			_, err := tx.VerifyEmail(ctx, claimed.ID, "carl@example.com", time.Time{})
			return err
		}, store.ErrInvalid},
	})
	if got, _ := s.Member(ctx, claimed.ID); got.EmailVerified() {
		t.Fatalf("a refused VerifyEmail verified: %+v", got)
	}

	// Of concurrent verifications exactly one reports it; the case of the
	// email does not matter; the first time stays.
	const racers = 16
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			err := s.Update(ctx, func(tx store.Tx) error {
				ok, err := tx.VerifyEmail(ctx, claimed.ID, "CARL@example.com", at(time.Duration(i+1)*time.Minute))
				if ok {
					wins.Add(1)
				}
				return err
			})
			if err != nil {
				t.Errorf("VerifyEmail: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of %d concurrent VerifyEmail calls reported true, want exactly 1", wins.Load(), racers)
	}
	first, err := s.Member(ctx, claimed.ID)
	must(t, "Member", err)
	if !first.EmailVerified() {
		t.Fatalf("not verified after VerifyEmail: %+v", first)
	}
	var again bool
	update(t, s, func(tx store.Tx) error {
		var err error
		again, err = tx.VerifyEmail(ctx, claimed.ID, "carl@example.com", at(24*time.Hour))
		return err
	})
	got, _ = s.Member(ctx, claimed.ID)
	if again || !got.EmailVerifiedAt.Equal(first.EmailVerifiedAt) {
		t.Fatalf("verifying again: reported %v, time %v, want false and %v", again, got.EmailVerifiedAt, first.EmailVerifiedAt)
	}
	same(t, "verified member", got.EmailVerifiedAt.Location(), time.UTC)
}

func testAccounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	otherApp := newApp(w.tenant.ID, t0)
	otherTenant := newTenant("other", t0)
	stranger := newMember(otherTenant.ID, "stranger@example.com", t0)
	owned := newAccount(w.app, "alice@example.com", w.member.ID, at(time.Second))
	unowned := newAccount(w.app, "bob", "", at(2*time.Second))
	sameName := newAccount(otherApp, "alice@example.com", "", t0)
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateApplication", tx.CreateApplication(ctx, otherApp))
		must(t, "CreateTenant", tx.CreateTenant(ctx, otherTenant))
		must(t, "CreateMember", tx.CreateMember(ctx, stranger))
		for _, a := range []store.Account{owned, unowned, sameName} {
			if err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})

	for _, a := range []store.Account{owned, unowned, sameName} {
		got, err := s.Account(ctx, a.AppID, a.Name)
		must(t, "Account", err)
		same(t, "Account "+a.Name, got, a)
	}
	_, err := s.Account(ctx, w.app.ID, "nobody")
	wantKind(t, "Account of an unknown name", err, store.ErrNotFound)
	_, err = s.Account(ctx, otherApp.ID, "bob")
	wantKind(t, "Account of a name known only in another application", err, store.ErrNotFound)

	create := func(change func(a *store.Account)) func(tx store.Tx) error {
		a := newAccount(w.app, newID("carol"), "", t0)
		change(&a)
		return func(tx store.Tx) error { return tx.CreateAccount(ctx, a) }
	}
	runErrorCases(t, s, []errorCase{
		{"same name in the application", create(func(a *store.Account) { a.Name = owned.Name }), store.ErrConflict},
		{"same ID", create(func(a *store.Account) { a.ID = owned.ID }), store.ErrConflict},
		{"no ID", create(func(a *store.Account) { a.ID = "" }), store.ErrInvalid},
		{"no name", create(func(a *store.Account) { a.Name = "" }), store.ErrInvalid},
		{"no application", create(func(a *store.Account) { a.AppID = "" }), store.ErrInvalid},
		{"no tenant", create(func(a *store.Account) { a.TenantID = "" }), store.ErrInvalid},
		{"unknown application", create(func(a *store.Account) { a.AppID = "no-such-app" }), store.ErrInvalid},
		{"application of another tenant", create(func(a *store.Account) { a.TenantID = otherTenant.ID }), store.ErrInvalid},
		{"unknown owner", create(func(a *store.Account) { a.OwnerID = "no-such-member" }), store.ErrInvalid},
		{"owner in another tenant", create(func(a *store.Account) { a.OwnerID = stranger.ID }), store.ErrInvalid},
		{"no created time", create(func(a *store.Account) { a.CreatedAt = time.Time{} }), store.ErrInvalid},
	})
	n, err := s.CountAccounts(ctx, w.app.ID)
	must(t, "CountAccounts", err)
	if n != 2 {
		t.Errorf("CountAccounts = %d after failed creates, want 2", n)
	}
}

func testAccountOwner(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	stranger := newMember(w.tenant.ID, "x@example.com", t0)
	otherTenant := newTenant("other", t0)
	stranger.TenantID = otherTenant.ID
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateTenant", tx.CreateTenant(ctx, otherTenant))
		return tx.CreateMember(ctx, stranger)
	})
	a := w.account(t, s, "alice", "")

	update(t, s, func(tx store.Tx) error { return tx.SetAccountOwner(ctx, a.ID, w.member.ID, at(time.Minute)) })
	a.OwnerID, a.UpdatedAt = w.member.ID, at(time.Minute)
	gives(t, "Account after linking", a)(s.Account(ctx, a.AppID, a.Name))

	update(t, s, func(tx store.Tx) error { return tx.SetAccountOwner(ctx, a.ID, "", at(time.Hour)) })
	a.OwnerID, a.UpdatedAt = "", at(time.Hour)
	gives(t, "Account after unlinking", a)(s.Account(ctx, a.AppID, a.Name))

	runErrorCases(t, s, []errorCase{
		{"unknown account", func(tx store.Tx) error { return tx.SetAccountOwner(ctx, "no-such-account", w.member.ID, t0) }, store.ErrNotFound},
		{"unknown owner", func(tx store.Tx) error { return tx.SetAccountOwner(ctx, a.ID, "no-such-member", t0) }, store.ErrInvalid},
		{"owner in another tenant", func(tx store.Tx) error { return tx.SetAccountOwner(ctx, a.ID, stranger.ID, t0) }, store.ErrInvalid},
	})
	gives(t, "Account after failed links", a)(s.Account(ctx, a.AppID, a.Name))
}

func testAccountPages(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	const total = 25
	var want []store.Account
	for i := range total {
		want = append(want, newAccount(w.app, fmt.Sprintf("user-%02d", i), "", at(time.Duration(i))))
	}
	shuffled := slices.Clone(want)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	update(t, s, func(tx store.Tx) error {
		for _, a := range shuffled {
			if err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})

	var got []store.Account
	after, pages := "", 0
	for {
		page, err := s.Accounts(ctx, w.app.ID, after, 10)
		must(t, "Accounts", err)
		if len(page) > 10 {
			t.Fatalf("Accounts returned %d accounts, limit 10", len(page))
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1].Name
		pages++
	}
	same(t, "Accounts, page by page", got, want)
	if pages != 3 {
		t.Errorf("%d accounts in pages of 10 took %d pages, want 3", total, pages)
	}
	gives(t, "Accounts after user-22", want[23:])(s.Accounts(ctx, w.app.ID, "user-22", 10))

	n, err := s.CountAccounts(ctx, w.app.ID)
	must(t, "CountAccounts", err)
	if n != total {
		t.Errorf("CountAccounts = %d, want %d", n, total)
	}
}
