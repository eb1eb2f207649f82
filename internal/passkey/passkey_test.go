package passkey_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/passkey"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// These tests drive the ceremonies with softkey, a software authenticator
// written from the WebAuthn specification ("none" attestation, ES256), so
// the checks of package passkey run without a browser. The browser tests
// in e2e do the same with Chromium's virtual authenticator.

const origin = "https://deadbolt.test"

var b64 = base64.RawURLEncoding

type authenticator = softkey.Key

func newAuthenticator(t *testing.T) *authenticator {
	t.Helper()
	k, err := softkey.New(origin)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// create answers navigator.credentials.create.
func create(t *testing.T, a *authenticator, opts []byte) []byte {
	t.Helper()
	resp, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// get answers navigator.credentials.get as the member with userHandle.
func get(t *testing.T, a *authenticator, opts []byte, userHandle string) []byte {
	t.Helper()
	a.UserHandle = []byte(userHandle)
	resp, err := a.Get(opts)
	if err != nil {
		t.Fatal(err)
	}
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
	pk, err := svc.FinishRegistration(t.Context(), m, state, create(t, a, opts), "  laptop  ")
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	if pk.ID != b64.EncodeToString(a.ID) || pk.MemberID != m.ID || pk.Name != "laptop" || len(pk.Credential) == 0 {
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
	login, err := svc.FinishLogin(t.Context(), state, get(t, a, opts, m.ID), nil)
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
	if len(o.PublicKey.Exclude) != 1 || o.PublicKey.Exclude[0].ID != b64.EncodeToString(a.ID) {
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
		resp := get(t, a, opts, handle)
		a.Origin = origin
		return svc.FinishLogin(t.Context(), state, resp, allow)
	}
	cases := []struct {
		name  string
		mod   func(*authenticator) string
		allow func(string) bool
		want  error
	}{
		{"wrong origin", func(a *authenticator) string { a.Origin = "https://evil.example"; return m.ID }, nil, passkey.ErrRejected},
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
	a.Count -= 2
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
	a.Count += 10
	if _, err := svc.FinishLogin(t.Context(), state2, get(t, a, opts1, m.ID), nil); !errors.Is(err, passkey.ErrRejected) {
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
	a.RPID = "evil.example" // a credential for another relying party
	if _, err := svc.FinishRegistration(t.Context(), m, state, create(t, a, opts), ""); !errors.Is(err, passkey.ErrRejected) {
		t.Fatalf("wrong RP ID: %v", err)
	}
	a.RPID = "deadbolt.test"
	other := store.Member{ID: "member-2", TenantID: "t1", Email: "bob@acme.test"}
	if _, err := svc.FinishRegistration(t.Context(), other, state, create(t, a, opts), ""); !errors.Is(err, passkey.ErrRejected) {
		t.Fatalf("finishing for another member: %v", err)
	}
	if _, err := passkey.New("not a url", "x", s, clock.Real{}); err == nil {
		t.Fatal("New accepted a bad public URL")
	}
}

// TestStepUpCrossOrigin: in a frame, the answer must name its top origin
// and that must be one of the client's frame origins. go-webauthn skips
// the top-origin check when the client data names none, so an answer
// with crossOrigin and no topOrigin is refused by passkey itself.
func TestStepUpCrossOrigin(t *testing.T) {
	svc, s, m, a := setup(t)
	frames := []string{"https://wiki.acme.test"}
	try := func(cross bool, top string) error {
		t.Helper()
		opts, state, err := svc.BeginStepUp()
		if err != nil {
			t.Fatal(err)
		}
		a.CrossOrigin, a.TopOrigin = cross, top
		login, err := svc.FinishStepUp(t.Context(), state, get(t, a, opts, m.ID), frames, nil)
		if err == nil {
			s.passkeys[login.Passkey.ID] = login.Passkey
		}
		return err
	}
	if err := try(false, ""); err != nil {
		t.Fatalf("same-origin step-up: %v", err)
	}
	if err := try(true, "https://wiki.acme.test"); err != nil {
		t.Fatalf("step-up framed by a frame origin: %v", err)
	}
	for name, c := range map[string]struct {
		cross bool
		top   string
	}{
		"cross-origin without a top origin": {true, ""},
		"framed by another origin":          {true, "https://evil.test"},
	} {
		if err := try(c.cross, c.top); !errors.Is(err, passkey.ErrRejected) {
			t.Errorf("%s: %v, want ErrRejected", name, err)
		}
	}
	// Without frame origins, FinishLogin refuses a cross-origin answer
	// with no top origin as well.
	opts, state, err := svc.BeginLogin()
	if err != nil {
		t.Fatal(err)
	}
	a.CrossOrigin, a.TopOrigin = true, ""
	if _, err := svc.FinishLogin(t.Context(), state, get(t, a, opts, m.ID), nil); !errors.Is(err, passkey.ErrRejected) {
		t.Errorf("sign-in, cross-origin without a top origin: %v, want ErrRejected", err)
	}
}
