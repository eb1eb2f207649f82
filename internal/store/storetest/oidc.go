package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func newOIDCClient(w world, name string) store.OIDCClient {
	return store.OIDCClient{ID: newID("oc"), TenantID: w.tenant.ID, Name: name, SecretHash: "h-" + name,
		RedirectURIs: []string{"https://rp.example.com/cb"}, FrameOrigins: []string{"https://rp.example.com"},
		AppID: w.app.ID, CreatedAt: t0}
}

// testOIDC: clients are scoped by tenant with unique names and an
// application of their tenant; signing keys retire and expire; a request's
// code is taken once, and deleting a client takes its requests.
func testOIDC(t *testing.T, s store.Store) {
	w, other := newWorld(t, s), newWorld(t, s)
	c := newOIDCClient(w, "stepup")
	pub := newOIDCClient(w, "spa")
	pub.SecretHash, pub.Public, pub.AppID, pub.FrameOrigins = "", true, "", nil
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateOIDCClient", tx.CreateOIDCClient(t.Context(), c))
		return tx.CreateOIDCClient(t.Context(), pub)
	})
	gives(t, "OIDCClient", c)(s.OIDCClient(t.Context(), c.ID))
	gives(t, "OIDCClients", []store.OIDCClient{pub, c})(s.OIDCClients(t.Context(), w.tenant.ID))
	empty(t, "OIDCClients of another tenant")(s.OIDCClients(t.Context(), other.tenant.ID))
	runErrorCases(t, s, []errorCase{
		{"same name", func(tx store.Tx) error { return tx.CreateOIDCClient(t.Context(), newOIDCClient(w, "stepup")) }, store.ErrConflict},
		{"no redirect", func(tx store.Tx) error {
			x := newOIDCClient(w, "x")
			x.RedirectURIs = nil
			return tx.CreateOIDCClient(t.Context(), x)
		}, store.ErrInvalid},
		{"app of another tenant", func(tx store.Tx) error {
			x := newOIDCClient(w, "y")
			x.AppID = other.app.ID
			return tx.CreateOIDCClient(t.Context(), x)
		}, store.ErrInvalid},
		{"delete through another tenant", func(tx store.Tx) error { return tx.DeleteOIDCClient(t.Context(), other.tenant.ID, c.ID) }, store.ErrNotFound},
	})

	// Keys: one signs; retiring keeps it until it expires.
	k1 := store.OIDCKey{ID: newID("k"), Algorithm: store.AlgES256, SealedKey: []byte{1}, PublicKey: []byte{2}, CreatedAt: t0}
	k2 := store.OIDCKey{ID: newID("k"), Algorithm: store.AlgES256, SealedKey: []byte{3}, PublicKey: []byte{4}, CreatedAt: at(time.Hour)}
	update(t, s, func(tx store.Tx) error { return tx.CreateOIDCKey(t.Context(), k1) })
	update(t, s, func(tx store.Tx) error {
		n, err := tx.RetireOIDCKeys(t.Context(), at(time.Hour), at(2*time.Hour))
		if n != 1 {
			t.Fatalf("RetireOIDCKeys = %d", n)
		}
		must(t, "RetireOIDCKeys", err)
		return tx.CreateOIDCKey(t.Context(), k2)
	})
	k1.RetiredAt, k1.ExpiresAt = at(time.Hour), at(2*time.Hour)
	gives(t, "OIDCKeys", []store.OIDCKey{k2, k1})(s.OIDCKeys(t.Context()))
	update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteOIDCKeys(t.Context(), at(2*time.Hour))
		if n != 1 {
			t.Fatalf("DeleteOIDCKeys = %d", n)
		}
		return err
	})
	gives(t, "OIDCKeys after delete", []store.OIDCKey{k2})(s.OIDCKeys(t.Context()))

	// Requests: the code is taken once.
	r := store.OIDCRequest{ID: newID("or"), TenantID: w.tenant.ID, ClientID: c.ID, Document: json.RawMessage(`{"n":1}`),
		CreatedAt: t0, ExpiresAt: at(time.Minute)}
	update(t, s, func(tx store.Tx) error { return tx.PutOIDCRequest(t.Context(), r) })
	r.CodeHash, r.Document = "code-"+r.ID, json.RawMessage(`{"n":2}`)
	update(t, s, func(tx store.Tx) error { return tx.PutOIDCRequest(t.Context(), r) })
	gives(t, "OIDCRequest", r)(s.OIDCRequest(t.Context(), r.ID))
	update(t, s, func(tx store.Tx) error {
		taken, err := tx.TakeOIDCCode(t.Context(), r.CodeHash)
		same(t, "TakeOIDCCode", taken, r)
		return err
	})
	runErrorCases(t, s, []errorCase{
		{"code taken twice", func(tx store.Tx) error { _, err := tx.TakeOIDCCode(t.Context(), r.CodeHash); return err }, store.ErrNotFound},
	})
	r2 := r
	r2.ID, r2.CodeHash = newID("or"), ""
	update(t, s, func(tx store.Tx) error { return tx.PutOIDCRequest(t.Context(), r2) })
	update(t, s, func(tx store.Tx) error { return tx.DeleteOIDCClient(t.Context(), w.tenant.ID, c.ID) })
	_, err := s.OIDCRequest(t.Context(), r2.ID)
	wantKind(t, "request of a deleted client", err, store.ErrNotFound)
	_, err = s.OIDCClient(t.Context(), c.ID)
	wantKind(t, "deleted client", err, store.ErrNotFound)
}
