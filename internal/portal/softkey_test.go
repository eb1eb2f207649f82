package portal_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// served is an env whose portal answers on a real loopback listener, its
// public URL that listener's, so that softkey clients run the passkey
// ceremonies over HTTP as a browser would. It returns the portal's URL.
func served(t *testing.T) (*env, string) {
	t.Helper()
	return servedWith(t, nil)
}

// servedWith is served with the portal's Deps changed by mod first.
func servedWith(t *testing.T, mod func(*portal.Deps)) (*env, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, "http://"+l.Addr().String(), mod)
	srv := httptest.NewUnstartedServer(e.portal)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return e, e.portal.BaseURL()
}

// browser is a softkey client with a fresh passkey for the portal at base.
func browser(t *testing.T, base string) (*softkey.Client, *softkey.Key) {
	t.Helper()
	c, err := softkey.NewClient(base)
	if err != nil {
		t.Fatal(err)
	}
	k, err := softkey.New(base)
	if err != nil {
		t.Fatal(err)
	}
	return c, k
}

// page fetches path and returns its status and body.
func page(t *testing.T, c *softkey.Client, path string) (int, string) {
	t.Helper()
	res, err := c.Get(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// signedInAs reports whether the client's session belongs to m.
func signedInAs(t *testing.T, c *softkey.Client, m store.Member) bool {
	t.Helper()
	code, body := page(t, c, "/passkeys")
	return code == http.StatusOK && strings.Contains(body, m.Email)
}

// setupMember invites m by the admin service and registers a fresh passkey
// for them through the setup link, over HTTP.
func (e *env) setupMember(base string, m store.Member) (*softkey.Client, *softkey.Key) {
	e.t.Helper()
	inv, err := e.admin.Invite(context.Background(), admin.Operator("cli:test"), m.TenantID, m.Email, "", "", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	c, k := browser(e.t, base)
	if _, err := c.Setup(context.Background(), k, portal.SetupURL(e.deps.PublicURL, inv.Secret), "laptop"); err != nil {
		e.t.Fatalf("setup of %s: %v", m.Email, err)
	}
	return c, k
}

// TestSoftkeyCeremonies: a setup link registers a software passkey over
// HTTP and signs the tab in; the passkey then signs in a fresh tab; a
// passkey the portal does not know is refused.
func TestSoftkeyCeremonies(t *testing.T) {
	e, base := served(t)
	ctx := context.Background()
	tab, k := e.setupMember(base, e.bob)
	if !signedInAs(t, tab, e.bob) {
		t.Fatal("the setup link did not sign the tab in as bob")
	}
	other, _ := browser(t, base)
	if signedInAs(t, other, e.bob) {
		t.Fatal("a fresh tab is signed in")
	}
	if to, err := other.SignIn(ctx, k); err != nil || to != "/" {
		t.Fatalf("sign-in with bob's passkey: %q, %v", to, err)
	}
	if !signedInAs(t, other, e.bob) {
		t.Fatal("the sign-in did not sign the tab in as bob")
	}
	stranger, sk := browser(t, base)
	sk.UserHandle = []byte(e.bob.ID)
	var se *softkey.StatusError
	if _, err := stranger.SignIn(ctx, sk); !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Fatalf("sign-in with an unknown passkey: %v, want 401", err)
	}
	if signedInAs(t, stranger, e.bob) {
		t.Fatal("an unknown passkey signed in")
	}
}
