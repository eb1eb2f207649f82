package oidc

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// fixture is a provider on a real SQLite file with two tenants, each with
// a member and an application.
type fixture struct {
	t       *testing.T
	db      *sqlite.Store
	clock   *clock.Fake
	p       *Provider
	clients *Clients
	acme    store.Tenant
	globex  store.Tenant
	alice   store.Member // of acme
	boss    store.Member // of globex
	wiki    store.Application
	other   store.Application // of globex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	db := backends.SQLite(t)
	box, _ := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	f := &fixture{t: t, db: db, clock: clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))}
	ad := &admin.Service{Store: db, Clock: f.clock, Box: box}
	acc := &access.Service{Store: db, Clock: f.clock}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	f.acme, err = ad.CreateTenant(ctx, "test", "acme")
	must(err)
	f.globex, err = ad.CreateTenant(ctx, "test", "globex")
	must(err)
	f.wiki, err = ad.CreateApp(ctx, "test", admin.NewApp{TenantID: f.acme.ID, Name: "Wiki", Issuer: "https://wiki.acme.test",
		DefaultUnlock: 15 * time.Minute, MaxUnlock: 8 * time.Hour})
	must(err)
	f.other, err = ad.CreateApp(ctx, "test", admin.NewApp{TenantID: f.globex.ID, Name: "Mail", Issuer: "https://mail.globex.test",
		DefaultUnlock: 15 * time.Minute, MaxUnlock: 8 * time.Hour})
	must(err)
	_, err = acc.Enroll(ctx, "test", f.wiki, "alice", "alice@acme.test")
	must(err)
	f.alice, err = db.MemberByEmail(ctx, f.acme.ID, "alice@acme.test")
	must(err)
	_, err = acc.Enroll(ctx, "test", f.other, "boss", "boss@globex.test")
	must(err)
	f.boss, err = db.MemberByEmail(ctx, f.globex.ID, "boss@globex.test")
	must(err)
	f.p, err = New(Deps{Store: db, Box: box, Clock: f.clock, Issuer: "https://deadbolt.example/"})
	must(err)
	f.clients = &Clients{Store: db, Clock: f.clock}
	return f
}

func (f *fixture) client(n NewClient) Created {
	f.t.Helper()
	c, err := f.clients.Create(f.t.Context(), "test", n)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// request stores an authorization request of client as the op package
// does, and returns its ID.
func (f *fixture) request(clientID string, acr ...string) string {
	f.t.Helper()
	a, err := storage{f.p}.CreateAuthRequest(f.t.Context(), &oidc.AuthRequest{ClientID: clientID, RedirectURI: "https://rp.acme.test/cb",
		ResponseType: oidc.ResponseTypeCode, Scopes: []string{"openid"}, State: "st", Nonce: "n", ACRValues: acr}, "")
	if err != nil {
		f.t.Fatal(err)
	}
	return a.GetID()
}

func TestClientDefinitionsChecked(t *testing.T) {
	f := newFixture(t)
	ok := NewClient{TenantID: f.acme.ID, Name: "rp", RedirectURIs: []string{"https://rp.acme.test/cb"}}
	for name, tune := range map[string]func(*NewClient){
		"no name":                          func(n *NewClient) { n.Name = " " },
		"no redirect URI":                  func(n *NewClient) { n.RedirectURIs = nil },
		"relative redirect URI":            func(n *NewClient) { n.RedirectURIs = []string{"/cb"} },
		"redirect URI with a fragment":     func(n *NewClient) { n.RedirectURIs = []string{"https://rp.acme.test/cb#x"} },
		"plain http off loopback":          func(n *NewClient) { n.RedirectURIs = []string{"http://rp.acme.test/cb"} },
		"frame origin with a path":         func(n *NewClient) { n.FrameOrigins = []string{"https://rp.acme.test/app"} },
		"frame origin with a query":        func(n *NewClient) { n.FrameOrigins = []string{"https://rp.acme.test?x=1"} },
		"another tenant's application":     func(n *NewClient) { n.AppID = f.other.ID },
		"an application that is not there": func(n *NewClient) { n.AppID = "no-such-app" },
	} {
		n := ok
		tune(&n)
		if _, err := f.clients.Create(t.Context(), "test", n); !errors.Is(err, ErrInvalidClient) {
			t.Errorf("%s: %v, want ErrInvalidClient", name, err)
		}
	}
	if list, _ := f.clients.List(t.Context(), f.acme.ID); len(list) != 0 {
		t.Fatalf("refused definitions stored clients: %v", list)
	}
	for _, loop := range []string{"http://127.0.0.1:9/cb", "http://localhost:8080/cb", "http://[::1]:9/cb"} {
		n := ok
		n.Name, n.RedirectURIs = loop, []string{loop}
		if _, err := f.clients.Create(t.Context(), "test", n); err != nil {
			t.Errorf("loopback redirect %s: %v", loop, err)
		}
	}
}

// TestClientLookups: the secret is stored as its hash and checked in
// constant time; a public client has none; clients are found and deleted
// only through their own tenant.
func TestClientLookups(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	conf := f.client(NewClient{TenantID: f.acme.ID, Name: "rp", RedirectURIs: []string{"https://rp.acme.test/cb"}, AppID: f.wiki.ID})
	pub := f.client(NewClient{TenantID: f.acme.ID, Name: "spa", RedirectURIs: []string{"https://spa.acme.test/cb"}, Public: true})
	if conf.Secret == "" || conf.Client.SecretHash != ids.SecretHash(conf.Secret) || conf.Client.SecretHash == conf.Secret {
		t.Fatalf("secret %q stored as %q", conf.Secret, conf.Client.SecretHash)
	}
	if pub.Secret != "" || pub.Client.SecretHash != "" {
		t.Fatalf("a public client got a secret: %+v", pub)
	}
	s := storage{f.p}
	if err := s.AuthorizeClientIDSecret(ctx, conf.Client.ID, conf.Secret); err != nil {
		t.Fatalf("the right secret: %v", err)
	}
	for _, bad := range []string{"", "x", conf.Client.SecretHash, conf.Secret + "x"} {
		if s.AuthorizeClientIDSecret(ctx, conf.Client.ID, bad) == nil {
			t.Errorf("secret %q accepted", bad)
		}
	}
	if s.AuthorizeClientIDSecret(ctx, pub.Client.ID, "") == nil {
		t.Error("a public client authenticated with an empty secret at the token endpoint")
	}
	if _, err := s.GetClientByClientID(ctx, "oc_unknown"); err == nil {
		t.Error("an unknown client was found")
	}
	c, err := s.GetClientByClientID(ctx, conf.Client.ID)
	if err != nil || c.GetID() != conf.Client.ID || len(c.RedirectURIs()) != 1 || c.RedirectURIs()[0] != "https://rp.acme.test/cb" {
		t.Fatalf("client lookup: %v %v", c, err)
	}

	for _, ref := range []string{conf.Client.ID, "rp"} {
		if got, err := f.clients.Find(ctx, f.acme.ID, ref); err != nil || got.ID != conf.Client.ID {
			t.Errorf("find %q in its tenant: %v %v", ref, got.ID, err)
		}
		if _, err := f.clients.Find(ctx, f.globex.ID, ref); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("find %q through another tenant: %v", ref, err)
		}
		if _, err := f.clients.Delete(ctx, "test", f.globex.ID, ref); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete %q through another tenant: %v", ref, err)
		}
	}
	id := f.request(conf.Client.ID)
	if _, err := f.clients.Delete(ctx, "test", f.acme.ID, "rp"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetClientByClientID(ctx, conf.Client.ID); err == nil {
		t.Error("a deleted client is still found")
	}
	if _, err := f.p.Step(ctx, id); !errors.Is(err, ErrStepUnknown) {
		t.Errorf("a deleted client's request in flight: %v", err)
	}
}

// TestStepTenantAndLifecycle: only the client's tenant's members pass a
// step; a completed or refused step takes no more changes; a request
// runs out after its ten minutes.
func TestStepTenantAndLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	conf := f.client(NewClient{TenantID: f.acme.ID, Name: "rp", RedirectURIs: []string{"https://rp.acme.test/cb"}, AppID: f.wiki.ID})

	id := f.request(conf.Client.ID)
	st, err := f.p.Step(ctx, id)
	if err != nil || st.TenantID != f.acme.ID || st.ACR != ACRPasskey || st.Client.ID != conf.Client.ID {
		t.Fatalf("step: %+v %v", st, err)
	}
	if _, err := f.p.Passed(ctx, id, f.boss, "", false); !errors.Is(err, ErrWrongTenant) {
		t.Fatalf("another tenant's member passed: %v", err)
	}
	secret, err := f.p.Passed(ctx, id, f.alice, "", false)
	if err != nil || secret == "" {
		t.Fatalf("passed: %v", err)
	}
	a, err := storage{f.p}.AuthRequestByID(ctx, id)
	if err != nil || !a.Done() || a.GetACR() != ACRPasskey || a.GetSubject() != f.alice.ID || len(a.GetAMR()) != 3 {
		t.Fatalf("after passing: %+v %v", a, err)
	}
	if _, err := f.p.Step(ctx, id); !errors.Is(err, ErrStepUnknown) {
		t.Errorf("a completed step is still open: %v", err)
	}
	if err := f.p.Refuse(ctx, id, "late"); !errors.Is(err, ErrStepUnknown) {
		t.Errorf("a completed step was refused: %v", err)
	}

	// passkey+unlocked waits for the account; the secret completes it.
	id = f.request(conf.Client.ID, ACRPasskeyUnlocked)
	secret, err = f.p.Passed(ctx, id, f.alice, "alice", false)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := (storage{f.p}).AuthRequestByID(ctx, id); a.Done() {
		t.Fatal("passkey+unlocked was done before the account was open")
	}
	if err := f.p.Unlocked(ctx, id, "not-the-secret"); !errors.Is(err, ErrStepUnknown) {
		t.Fatalf("unlocked with a wrong secret: %v", err)
	}
	if err := f.p.Unlocked(ctx, id, secret); err != nil {
		t.Fatal(err)
	}
	if a, _ := (storage{f.p}).AuthRequestByID(ctx, id); !a.Done() || a.GetACR() != ACRPasskeyUnlocked {
		t.Fatalf("after the unlock: %+v", a)
	}

	// A refused step: over, audited.
	id = f.request(conf.Client.ID)
	if err := f.p.Refuse(ctx, id, "The person cancelled the step-up."); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Step(ctx, id); !errors.Is(err, ErrStepUnknown) {
		t.Errorf("a refused step is still open: %v", err)
	}
	if _, err := f.p.Passed(ctx, id, f.alice, "", false); !errors.Is(err, ErrStepUnknown) {
		t.Errorf("a refused step was passed: %v", err)
	}
	events, err := f.db.AuditRecords(ctx, f.acme.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var refused, passed int
	for _, e := range events {
		switch e.Action {
		case "oidc.stepup.refused":
			refused++
		case "oidc.stepup":
			passed++
		}
	}
	if refused != 1 || passed != 2 {
		t.Errorf("audit: %d oidc.stepup.refused, %d oidc.stepup; want 1 and 2", refused, passed)
	}

	// Ten minutes later a request in flight is gone.
	id = f.request(conf.Client.ID)
	f.clock.Advance(requestTTL)
	if _, err := f.p.Step(ctx, id); !errors.Is(err, ErrStepUnknown) {
		t.Errorf("a request past its %s: %v", requestTTL, err)
	}
}

// TestKeyRotation: the first signature makes a key; it signs until it is
// RotateAfter old; a retired key stays published KeepRetired more, then
// drops out of the JWKS and is deleted at the next rotation.
func TestKeyRotation(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	k := f.p.Keys()
	k.RotateAfter, k.KeepRetired = 24*time.Hour, time.Hour
	if pub, _ := k.Published(ctx); len(pub) != 0 {
		t.Fatalf("keys before the first signature: %v", pub)
	}
	first, priv, err := k.Signer(ctx)
	if err != nil || priv == nil || first.Algorithm != store.AlgES256 {
		t.Fatalf("first signer: %+v %v", first, err)
	}
	if again, _, _ := k.Signer(ctx); again.ID != first.ID {
		t.Fatal("a young key was rotated")
	}
	f.clock.Advance(24 * time.Hour)
	second, _, err := k.Signer(ctx)
	if err != nil || second.ID == first.ID {
		t.Fatalf("a key %s old still signs: %v", 24*time.Hour, err)
	}
	kids := func() []string {
		pub, err := k.Published(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range pub {
			out = append(out, p.ID)
		}
		return out
	}
	if got := kids(); len(got) != 2 || got[0] != second.ID || got[1] != first.ID {
		t.Fatalf("published after rotation: %v, want [%s %s]", got, second.ID, first.ID)
	}
	set, err := storage{f.p}.KeySet(ctx)
	if err != nil || len(set) != 2 {
		t.Fatalf("JWKS: %d keys, %v", len(set), err)
	}
	f.clock.Advance(time.Hour)
	if got := kids(); len(got) != 1 || got[0] != second.ID {
		t.Fatalf("published after the retired key's hour: %v", got)
	}
	if all, _ := f.db.OIDCKeys(ctx); len(all) != 2 {
		t.Fatalf("stored before the next rotation: %d keys", len(all))
	}
	third, err := k.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := f.db.OIDCKeys(ctx)
	var ids []string
	for _, key := range all {
		ids = append(ids, key.ID)
	}
	if len(all) != 2 || (ids[0] != third.ID && ids[1] != third.ID) {
		t.Fatalf("after rotating again, stored %v (the expired key should be deleted, the retired one kept)", ids)
	}
	// A key sealed under another master key does not open.
	other, _ := seal.New(bytes.Repeat([]byte{8}, seal.KeySize))
	foreign := &Keys{Store: f.db, Box: other, Clock: f.clock, RotateAfter: 24 * time.Hour}
	if _, _, err := foreign.Signer(ctx); !errors.Is(err, store.ErrMasterKey) {
		t.Fatalf("a key under another master key: %v", err)
	}
}

// TestFrameOriginsStrict: a frame origin goes into a CSP frame-ancestors
// directive, so anything but scheme://host[:port] with a real host is
// refused, plain http only on loopback, and what is stored is normalized.
func TestFrameOriginsStrict(t *testing.T) {
	f := newFixture(t)
	ok := NewClient{TenantID: f.acme.ID, Name: "rp", RedirectURIs: []string{"https://rp.acme.test/cb"}}
	for _, bad := range []string{
		"https://*", "https://*.com", "https://*.acme.test", "https://a.com;", "https://a.com;script-src *",
		"https://a.com,'unsafe-inline'", "https://a.com 'unsafe-inline'", "https://a.com'", `https://a.com"`,
		"https://user@a.com", "https://user:pw@a.com", "https://a.com:", "https://a.com:0", "https://a.com:99999",
		"https://a.com:x", "https://a.com#", "https://a.com?", "https://a.com/app", "https://-a.com", "https://a_b.com",
		"https://[::1%25eth0]", "https://[127.0.0.1]", "http://rp.acme.test", "http://127.evil.test", "ftp://a.com",
		"a.com", "https:a.com", "https://", "//a.com", "https://a.com/\\", "HTTPS://*",
	} {
		n := ok
		n.FrameOrigins = []string{bad}
		if _, err := f.clients.Create(t.Context(), "test", n); !errors.Is(err, ErrInvalidClient) {
			t.Errorf("frame origin %q: %v, want ErrInvalidClient", bad, err)
		}
		if _, err := FrameOrigin(bad); err == nil {
			t.Errorf("FrameOrigin(%q) accepted it", bad)
		}
	}
	n := ok
	n.FrameOrigins = []string{"https://RP.Acme.test:443/", "https://rp.acme.test", "http://localhost:8080",
		"http://127.0.0.1:9", "http://[::1]:9", "https://[2001:DB8::1]:8443", "https://192.0.2.1"}
	c, err := f.clients.Create(t.Context(), "test", n)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://rp.acme.test", "http://localhost:8080", "http://127.0.0.1:9", "http://[::1]:9",
		"https://[2001:db8::1]:8443", "https://192.0.2.1"}
	if !slices.Equal(c.Client.FrameOrigins, want) {
		t.Fatalf("stored frame origins %q, want %q", c.Client.FrameOrigins, want)
	}
	got, err := f.clients.Find(t.Context(), f.acme.ID, c.Client.ID)
	if err != nil || !slices.Equal(got.FrameOrigins, want) {
		t.Fatalf("read back %q (%v), want %q", got.FrameOrigins, err, want)
	}
}
