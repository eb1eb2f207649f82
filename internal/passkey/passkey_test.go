package passkey_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/passkey"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// These tests drive the ceremonies with a software authenticator written
// from the WebAuthn specification (packed-less "none" attestation, ES256),
// so the checks of package passkey run without a browser. The browser
// tests in e2e do the same with Chromium's virtual authenticator.

const origin = "https://deadbolt.test"

var b64 = base64.RawURLEncoding

// authenticator is one software passkey.
type authenticator struct {
	key    *ecdsa.PrivateKey
	id     []byte
	count  uint32
	rpID   string
	origin string
}

func newAuthenticator(t *testing.T) *authenticator {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &authenticator{key: key, id: id, rpID: "deadbolt.test", origin: origin}
}

type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		User      struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func (a *authenticator) authData(flags byte, attested []byte) []byte {
	rp := sha256.Sum256([]byte(a.rpID))
	out := append([]byte{}, rp[:]...)
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, a.count)
	return append(out, attested...)
}

func clientData(typ, challenge, origin string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}

// create answers navigator.credentials.create.
func (a *authenticator) create(t *testing.T, opts []byte) []byte {
	t.Helper()
	var o options
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatal(err)
	}
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1,
		-2: a.key.PublicKey.X.FillBytes(make([]byte, 32)), -3: a.key.PublicKey.Y.FillBytes(make([]byte, 32))})
	if err != nil {
		t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID zero
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(a.id)))
	attested = append(attested, a.id...)
	attested = append(attested, cose...)
	const up, uv, at = 0x01, 0x04, 0x40
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(up|uv|at, attested)})
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData("webauthn.create", o.PublicKey.Challenge, a.origin)),
			"attestationObject": b64.EncodeToString(att),
		},
	})
	return resp
}

// get answers navigator.credentials.get for the member with userHandle.
func (a *authenticator) get(t *testing.T, opts []byte, userHandle string) []byte {
	t.Helper()
	var o options
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatal(err)
	}
	a.count++
	auth := a.authData(0x01|0x04, nil)
	cd := clientData("webauthn.get", o.PublicKey.Challenge, a.origin)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString([]byte(userHandle)),
		},
	})
	return resp
}

// memStore is the store's read side for the ceremonies.
type memStore struct {
	members  map[string]store.Member
	passkeys map[string]store.Passkey
}

func (m *memStore) Member(_ context.Context, id string) (store.Member, error) {
	if v, ok := m.members[id]; ok {
		return v, nil
	}
	return store.Member{}, store.ErrNotFound
}

func (m *memStore) Passkey(_ context.Context, id string) (store.Passkey, error) {
	if v, ok := m.passkeys[id]; ok {
		return v, nil
	}
	return store.Passkey{}, store.ErrNotFound
}

func (m *memStore) Passkeys(_ context.Context, memberID string) ([]store.Passkey, error) {
	var out []store.Passkey
	for _, p := range m.passkeys {
		if p.MemberID == memberID {
			out = append(out, p)
		}
	}
	return out, nil
}

func setup(t *testing.T) (*passkey.Service, *memStore, store.Member, *authenticator) {
	t.Helper()
	m := store.Member{ID: "member-1", TenantID: "t1", Email: "alice@acme.test", Name: "Alice"}
	s := &memStore{members: map[string]store.Member{m.ID: m}, passkeys: map[string]store.Passkey{}}
	svc, err := passkey.New(origin, "deadbolt", s, clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	a := newAuthenticator(t)
	opts, state, err := svc.BeginRegistration(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := svc.FinishRegistration(t.Context(), m, state, a.create(t, opts), "  laptop  ")
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	if pk.ID != b64.EncodeToString(a.id) || pk.MemberID != m.ID || pk.Name != "laptop" || len(pk.Credential) == 0 {
		t.Fatalf("registered %+v", pk)
	}
	s.passkeys[pk.ID] = pk
	return svc, s, m, a
}

func TestRegisterAndSignIn(t *testing.T) {
	svc, s, m, a := setup(t)
	opts, state, err := svc.BeginLogin()
	if err != nil {
		t.Fatal(err)
	}
	login, err := svc.FinishLogin(t.Context(), state, a.get(t, opts, m.ID), nil)
	if err != nil {
		t.Fatalf("FinishLogin: %v", err)
	}
	if login.Member.ID != m.ID || login.Passkey.LastUsedAt.IsZero() {
		t.Fatalf("login %+v", login)
	}
	s.passkeys[login.Passkey.ID] = login.Passkey // the caller stores the new sign count

	// Registering the same authenticator again is excluded in the options.
	opts, _, err = svc.BeginRegistration(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		PublicKey struct {
			Exclude []struct{ ID string } `json:"excludeCredentials"`
		} `json:"publicKey"`
	}
	json.Unmarshal(opts, &o)
	if len(o.PublicKey.Exclude) != 1 || o.PublicKey.Exclude[0].ID != b64.EncodeToString(a.id) {
		t.Fatalf("excludeCredentials = %+v", o.PublicKey.Exclude)
	}
}

func TestSignInRejections(t *testing.T) {
	svc, s, m, a := setup(t)
	try := func(mod func(*authenticator) (handle string), allow func(string) bool) (passkey.Login, error) {
		opts, state, err := svc.BeginLogin()
		if err != nil {
			t.Fatal(err)
		}
		handle := m.ID
		if mod != nil {
			handle = mod(a)
		}
		resp := a.get(t, opts, handle)
		a.origin = origin
		return svc.FinishLogin(t.Context(), state, resp, allow)
	}
	cases := []struct {
		name  string
		mod   func(*authenticator) string
		allow func(string) bool
		want  error
	}{
		{"wrong origin", func(a *authenticator) string { a.origin = "https://evil.example"; return m.ID }, nil, passkey.ErrRejected},
		{"another member's handle", func(*authenticator) string { return "member-2" }, nil, passkey.ErrRejected},
		{"throttled member", nil, func(string) bool { return false }, passkey.ErrThrottled},
	}
	for _, tc := range cases {
		login, err := try(tc.mod, tc.allow)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if tc.want == passkey.ErrThrottled && login.Member.ID != m.ID {
			t.Errorf("%s: the refusal does not name the member", tc.name)
		}
	}
	// A signature counter that goes backwards: a cloned authenticator.
	good, err := try(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.passkeys[good.Passkey.ID] = good.Passkey
	a.count -= 2
	if _, err := try(nil, nil); !errors.Is(err, passkey.ErrRejected) {
		t.Fatalf("counter went backwards: %v", err)
	}
	// An unknown passkey.
	delete(s.passkeys, good.Passkey.ID)
	if _, err := try(nil, nil); !errors.Is(err, passkey.ErrRejected) {
		t.Fatalf("unknown passkey: %v", err)
	}
	// A response to another ceremony's challenge.
	opts1, _, _ := svc.BeginLogin()
	_, state2, _ := svc.BeginLogin()
	s.passkeys[good.Passkey.ID] = good.Passkey
	a.count += 10
	if _, err := svc.FinishLogin(t.Context(), state2, a.get(t, opts1, m.ID), nil); !errors.Is(err, passkey.ErrRejected) {
		t.Fatalf("answer to another challenge: %v", err)
	}
	if _, err := svc.FinishLogin(t.Context(), []byte("not json"), []byte("{}"), nil); !errors.Is(err, passkey.ErrRejected) {
		t.Fatalf("garbage state: %v", err)
	}
	if _, err := passkey.Challenge([]byte("{}")); !errors.Is(err, passkey.ErrRejected) {
		t.Fatalf("Challenge of empty state: %v", err)
	}
}

func TestRegistrationRejections(t *testing.T) {
	m := store.Member{ID: "member-1", TenantID: "t1", Email: "alice@acme.test"}
	s := &memStore{members: map[string]store.Member{m.ID: m}, passkeys: map[string]store.Passkey{}}
	svc, err := passkey.New(origin, "deadbolt", s, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	a := newAuthenticator(t)
	opts, state, _ := svc.BeginRegistration(t.Context(), m)
	a.rpID = "evil.example" // a credential for another relying party
	if _, err := svc.FinishRegistration(t.Context(), m, state, a.create(t, opts), ""); !errors.Is(err, passkey.ErrRejected) {
		t.Fatalf("wrong RP ID: %v", err)
	}
	a.rpID = "deadbolt.test"
	other := store.Member{ID: "member-2", TenantID: "t1", Email: "bob@acme.test"}
	if _, err := svc.FinishRegistration(t.Context(), other, state, a.create(t, opts), ""); !errors.Is(err, passkey.ErrRejected) {
		t.Fatalf("finishing for another member: %v", err)
	}
	if _, err := passkey.New("not a url", "x", s, clock.Real{}); err == nil {
		t.Fatal("New accepted a bad public URL")
	}
}
