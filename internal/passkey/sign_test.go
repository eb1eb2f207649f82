package passkey_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/passkey"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func statementFor(t *testing.T, m store.Member, request string) []byte {
	t.Helper()
	c, err := evidence.Statement{Request: request, Tenant: "acme", Application: "https://erp.acme.test", Account: "treasury",
		Requester: "carol@acme.test", Reason: "close", DurationSeconds: 3600, Policy: "pol_1", Decision: evidence.Approve,
		Approver: m.Email, ApproverID: m.ID}.Stamp(time.Now(), bytes.Repeat([]byte{1}, 16)).Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSignDecision: a member signs a statement with their passkey; the
// evidence the ceremony returns verifies offline, pinned to the passkey.
func TestSignDecision(t *testing.T) {
	svc, s, m, a := setup(t)
	canonical := statementFor(t, m, "req_1")
	opts, state, err := svc.BeginSign(t.Context(), m, canonical)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := svc.FinishSign(t.Context(), m, state, get(t, a, opts, m.ID))
	if err != nil {
		t.Fatalf("FinishSign: %v", err)
	}
	if signed.Statement.Request != "req_1" || signed.Signature.CanonicalJSON != string(canonical) ||
		signed.Passkey.ID != a.CredentialID() || signed.Passkey.LastUsedAt.IsZero() {
		t.Fatalf("signed %+v", signed)
	}
	pub, _ := a.PublicKeyCOSE()
	if _, err := evidence.Verify(evidence.Evidence{Format: evidence.Format, Signatures: []evidence.Signature{signed.Signature}},
		evidence.Options{RPID: svc.RPID(), Keys: []string{evidence.Fingerprint(pub)}}); err != nil {
		t.Fatalf("the stored evidence does not verify offline: %v", err)
	}
	s.passkeys[signed.Passkey.ID] = signed.Passkey
}

// TestSignRejections: another member's passkey, an assertion made for
// another statement, a statement naming someone else, a cloned
// authenticator.
func TestSignRejections(t *testing.T) {
	svc, s, m, a := setup(t)
	other := store.Member{ID: "member-2", TenantID: "t1", Email: "mallory@acme.test"}
	s.members[other.ID] = other
	b := newAuthenticator(t)
	o2, st2, _ := svc.BeginRegistration(t.Context(), other)
	pk2, err := svc.FinishRegistration(t.Context(), other, st2, create(t, b, o2), "phone")
	if err != nil {
		t.Fatal(err)
	}
	s.passkeys[pk2.ID] = pk2

	opts, state, err := svc.BeginSign(t.Context(), m, statementFor(t, m, "req_1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FinishSign(t.Context(), m, state, get(t, b, opts, other.ID)); !errors.Is(err, passkey.ErrRejected) {
		t.Errorf("another member's passkey: %v", err)
	}
	if _, err := svc.FinishSign(t.Context(), m, state, get(t, b, opts, m.ID)); !errors.Is(err, passkey.ErrRejected) {
		t.Errorf("another member's passkey claiming m's handle: %v", err)
	}
	optsOther, _, err := svc.BeginSign(t.Context(), m, statementFor(t, m, "req_2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FinishSign(t.Context(), m, state, get(t, a, optsOther, m.ID)); !errors.Is(err, passkey.ErrRejected) {
		t.Errorf("an assertion over another request's statement: %v", err)
	}
	if _, _, err := svc.BeginSign(t.Context(), m, statementFor(t, other, "req_1")); err == nil {
		t.Error("BeginSign accepted a statement that names another approver")
	}
	if _, _, err := svc.BeginSign(t.Context(), m, []byte(`{"v":1}`)); !errors.Is(err, evidence.ErrNotCanonical) && !errors.Is(err, evidence.ErrMalformed) {
		t.Errorf("a statement that is not canonical: %v", err)
	}
	good, err := svc.FinishSign(t.Context(), m, state, get(t, a, opts, m.ID))
	if err != nil {
		t.Fatal(err)
	}
	s.passkeys[good.Passkey.ID] = good.Passkey
	a.Count -= 2
	opts, state, _ = svc.BeginSign(t.Context(), m, statementFor(t, m, "req_3"))
	if _, err := svc.FinishSign(t.Context(), m, state, get(t, a, opts, m.ID)); !errors.Is(err, passkey.ErrRejected) {
		t.Errorf("counter went backwards: %v", err)
	}
	if _, err := svc.FinishSign(t.Context(), m, []byte("{}"), []byte("{}")); !errors.Is(err, passkey.ErrRejected) {
		t.Errorf("unreadable state: %v", err)
	}
}

// TestCheckSignature: a stored signature is counted only with one of the
// member's own passkeys, for this portal, naming them.
func TestCheckSignature(t *testing.T) {
	svc, s, m, a := setup(t)
	opts, state, _ := svc.BeginSign(t.Context(), m, statementFor(t, m, "req_1"))
	signed, err := svc.FinishSign(t.Context(), m, state, get(t, a, opts, m.ID))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(signed.Signature)
	if v, err := svc.CheckSignature(t.Context(), m, raw); err != nil || v.Statement.Request != "req_1" {
		t.Fatalf("CheckSignature: %+v, %v", v, err)
	}
	other := store.Member{ID: "member-2", TenantID: "t1", Email: "mallory@acme.test"}
	s.members[other.ID] = other
	b := newAuthenticator(t)
	o2, st2, _ := svc.BeginRegistration(t.Context(), other)
	pk2, _ := svc.FinishRegistration(t.Context(), other, st2, create(t, b, o2), "phone")
	s.passkeys[pk2.ID] = pk2
	if _, err := svc.CheckSignature(t.Context(), other, raw); !errors.Is(err, passkey.ErrRejected) {
		t.Errorf("m's signature as other's vote: %v", err)
	}
	foreign := signed.Signature
	foreign.Origins = []string{"https://evil.deadbolt.test"}
	if raw, _ := json.Marshal(foreign); true {
		if _, err := svc.CheckSignature(t.Context(), m, raw); !errors.Is(err, passkey.ErrRejected) {
			t.Errorf("another origin: %v", err)
		}
	}
	delete(s.passkeys, signed.Passkey.ID) // the passkey was removed since
	if _, err := svc.CheckSignature(t.Context(), m, raw); !errors.Is(err, passkey.ErrRejected) {
		t.Errorf("a passkey the member no longer has: %v", err)
	}
}

// TestSignStateChallenge: the portal records a signing ceremony's
// challenge as used, as it does for the others.
func TestSignStateChallenge(t *testing.T) {
	svc, _, m, _ := setup(t)
	canonical := statementFor(t, m, "req_1")
	_, state, err := svc.BeginSign(t.Context(), m, canonical)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := passkey.Challenge(state)
	if err != nil || ch != b64.EncodeToString(evidence.Challenge(canonical)) {
		t.Fatalf("Challenge(sign state) = %q, %v", ch, err)
	}
}
