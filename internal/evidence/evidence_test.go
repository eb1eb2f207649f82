package evidence_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
)

const origin = "https://lock.acme.test"

var b64 = base64.RawURLEncoding

func statement(request, approverID, decision string) evidence.Statement {
	return evidence.Statement{
		Request: request, Tenant: "acme", Application: "https://treasury.acme.test", Account: "treasury",
		Requester: "alice@acme.test", Reason: "quarter close", DurationSeconds: 7200,
		Context: map[string]string{"ip": "192.0.2.7", "location": "Zürich"}, Policy: "pol_finance",
		Decision: decision, Approver: approverID + "@acme.test", ApproverID: approverID,
	}.Stamp(time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC), bytes.Repeat([]byte{7}, 16))
}

// passkey is a fresh software passkey for the portal at origin.
func passkey(t *testing.T) *softkey.Key {
	t.Helper()
	k, err := softkey.New(origin)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sign has k sign st as a browser would (navigator.credentials.get with
// the statement's challenge) and returns the signature the server keeps.
func sign(t *testing.T, k *softkey.Key, st evidence.Statement) evidence.Signature {
	t.Helper()
	canonical, err := st.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := json.Marshal(map[string]any{"publicKey": map[string]any{"challenge": b64.EncodeToString(evidence.Challenge(canonical))}})
	raw, err := k.Get(opts)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Response struct{ AuthenticatorData, ClientDataJSON, Signature string }
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	pub, err := k.PublicKeyCOSE()
	if err != nil {
		t.Fatal(err)
	}
	dec := func(s string) []byte {
		b, err := b64.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return evidence.NewSignature(canonical, k.RPID, []string{k.Origin}, k.ID, pub,
		dec(res.Response.AuthenticatorData), dec(res.Response.ClientDataJSON), dec(res.Response.Signature))
}

// forge signs st with k's private key the way the test says: authenticator
// flags and client data type chosen, for hostile or broken authenticators.
func forge(t *testing.T, k *softkey.Key, st evidence.Statement, flags byte, typ string) evidence.Signature {
	t.Helper()
	canonical, err := st.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	rp := sha256.Sum256([]byte(k.RPID))
	auth := binary.BigEndian.AppendUint32(append(rp[:], flags), 1)
	cd, _ := json.Marshal(map[string]any{"type": typ, "challenge": b64.EncodeToString(evidence.Challenge(canonical)), "origin": k.Origin})
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.Private, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := k.PublicKeyCOSE()
	return evidence.NewSignature(canonical, k.RPID, []string{k.Origin}, k.ID, pub, auth, cd, sig)
}

func file(sigs ...evidence.Signature) evidence.Evidence {
	return evidence.Evidence{Format: evidence.Format, Signatures: sigs}
}

// TestCanonicalForm pins the canonical JSON byte for byte: sorted keys, no
// whitespace, UTF-8 as is, JCS escapes, integers in decimal.
func TestCanonicalForm(t *testing.T) {
	st := statement("req_1", "mem_b", evidence.Approve)
	st.Reason = "close \"Q4\"\n\ttab\u0001 ü \u2028 <&>"
	st.Context["zeta"] = "😀"
	st.Context["\ue000"] = "private use sorts after the emoji's surrogates"
	got, err := st.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"account":"treasury","application":"https://treasury.acme.test","approver":"mem_b@acme.test","approver_id":"mem_b",` +
		`"context":{"ip":"192.0.2.7","location":"Zürich","zeta":"😀","` + "\ue000" + `":"private use sorts after the emoji's surrogates"},` +
		`"decision":"approve","duration_seconds":7200,"issued_at":"2026-11-30T06:00:00Z","nonce":"BwcHBwcHBwcHBwcHBwcHBw",` +
		`"policy":"pol_finance","reason":"close \"Q4\"\n\ttab\u0001 ü ` + "\u2028" + ` <&>","request":"req_1","requester":"alice@acme.test",` +
		`"tenant":"acme","v":1}`
	if string(got) != want {
		t.Fatalf("canonical JSON\n got %s\nwant %s", got, want)
	}
	back, err := evidence.ParseCanonical(got)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := back.Canonical(); !bytes.Equal(again, got) {
		t.Fatalf("round trip changed the bytes:\n%s", again)
	}
	if c := evidence.Challenge(got); len(c) != 32 {
		t.Fatalf("challenge is %d bytes", len(c))
	}
}

// TestCanonicalRefuses: bytes that are not the canonical form of what they
// decode to, and statements that cannot be signed.
func TestCanonicalRefuses(t *testing.T) {
	good, err := statement("req_1", "mem_b", evidence.Approve).Canonical()
	if err != nil {
		t.Fatal(err)
	}
	s := string(good)
	for name, in := range map[string]string{
		"whitespace":     strings.Replace(s, `"v":1`, `"v": 1`, 1),
		"key order":      `{"v":1,` + strings.TrimSuffix(strings.TrimPrefix(s, "{"), `,"v":1}`) + "}",
		"escaped letter": strings.Replace(s, "treasury\"", `treas\u0075ry"`, 1),
		"duplicate key":  strings.Replace(s, `"v":1}`, `"v":1,"v":1}`, 1),
		"unknown key":    strings.Replace(s, `"v":1}`, `"v":1,"w":1}`, 1),
		"missing key":    strings.Replace(s, `"reason":"quarter close",`, "", 1),
		"float":          strings.Replace(s, `7200`, `7200.0`, 1),
		"upper-case key": strings.Replace(s, `"tenant"`, `"Tenant"`, 1),
		"trailing data":  s + " ",
		"bad utf-8":      strings.Replace(s, "quarter", "quart\xffr", 1),
	} {
		if _, err := evidence.ParseCanonical([]byte(in)); err == nil {
			t.Errorf("%s: accepted %s", name, in)
		}
	}
	for name, mod := range map[string]func(*evidence.Statement){
		"no request":  func(s *evidence.Statement) { s.Request = "" },
		"decision":    func(s *evidence.Statement) { s.Decision = "maybe" },
		"negative":    func(s *evidence.Statement) { s.DurationSeconds = -1 },
		"no approver": func(s *evidence.Statement) { s.ApproverID = "" },
		"short nonce": func(s *evidence.Statement) { s.Nonce = "AAAA" },
		"bad utf-8":   func(s *evidence.Statement) { s.Reason = "\xff" },
		"not stamped": func(s *evidence.Statement) { s.V = 0 },
	} {
		st := statement("req_1", "mem_b", evidence.Approve)
		mod(&st)
		if _, err := st.Canonical(); !errors.Is(err, evidence.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// TestVerifyValid: two approvers' signatures verify offline, through a
// written and read file, and say what was decided by whom.
func TestVerifyValid(t *testing.T) {
	kb, kc := passkey(t), passkey(t)
	var buf bytes.Buffer
	if err := evidence.Write(&buf, file(sign(t, kb, statement("req_1", "mem_b", evidence.Approve)), sign(t, kc, statement("req_1", "mem_c", evidence.Approve)))); err != nil {
		t.Fatal(err)
	}
	e, err := evidence.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := kb.PublicKeyCOSE()
	pc, _ := kc.PublicKeyCOSE()
	got, err := evidence.Verify(e, evidence.Options{RPID: "lock.acme.test", Keys: []string{evidence.Fingerprint(pb), strings.ToUpper(evidence.Fingerprint(pc))}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Statement.ApproverID != "mem_b" || got[1].Statement.ApproverID != "mem_c" ||
		got[0].Statement.Duration() != 2*time.Hour || got[0].Fingerprint != evidence.Fingerprint(pb) || got[1].Counter != 1 {
		t.Fatalf("verified %+v", got)
	}
}

// TestEveryByteCounts flips, one at a time, every byte of every field the
// verifier relies on; each flip must fail. Only credential.id is outside
// the signature (WebAuthn does not sign it).
func TestEveryByteCounts(t *testing.T) {
	good := sign(t, passkey(t), statement("req_1", "mem_b", evidence.Approve))
	type part struct {
		name   string
		binary bool
		get    func(*evidence.Signature) *string
	}
	parts := []part{
		{"canonical_json", false, func(s *evidence.Signature) *string { return &s.CanonicalJSON }},
		{"challenge", false, func(s *evidence.Signature) *string { return &s.Challenge }},
		{"rp_id", false, func(s *evidence.Signature) *string { return &s.RPID }},
		{"origins[0]", false, func(s *evidence.Signature) *string { return &s.Origins[0] }},
		{"credential.public_key", true, func(s *evidence.Signature) *string { return &s.Credential.PublicKey }},
		{"assertion.authenticator_data", true, func(s *evidence.Signature) *string { return &s.Assertion.AuthenticatorData }},
		{"assertion.client_data_json", true, func(s *evidence.Signature) *string { return &s.Assertion.ClientDataJSON }},
		{"assertion.signature", true, func(s *evidence.Signature) *string { return &s.Assertion.Signature }},
	}
	flips := 0
	for _, p := range parts {
		t.Run(p.name, func(t *testing.T) {
			orig := *p.get(&good)
			raw := []byte(orig)
			if p.binary {
				raw, _ = b64.DecodeString(orig)
			}
			for i := range raw {
				bad := good
				bad.Origins = append([]string(nil), good.Origins...)
				flipped := append([]byte(nil), raw...)
				flipped[i] ^= 0x01
				if p.binary {
					*p.get(&bad) = b64.EncodeToString(flipped)
				} else {
					*p.get(&bad) = string(flipped)
				}
				flips++
				_, err := evidence.Verify(file(bad), evidence.Options{})
				if err == nil {
					t.Fatalf("byte %d of %s flipped: still verifies", i, p.name)
				}
				if !strings.Contains(err.Error(), "signature 1") {
					t.Fatalf("byte %d of %s: %v does not name the signature", i, p.name, err)
				}
			}
		})
	}
	if _, err := evidence.Verify(file(good), evidence.Options{}); err != nil {
		t.Fatalf("the untouched signature: %v", err)
	}
	t.Logf("%d single-byte flips, all refused", flips)
}

// TestRefusals: each way a signature can be wrong fails with its kind.
func TestRefusals(t *testing.T) {
	kb, stranger := passkey(t), passkey(t)
	st1 := statement("req_1", "mem_b", evidence.Approve)
	good := sign(t, kb, st1)
	other := sign(t, kb, statement("req_2", "mem_b", evidence.Approve))
	strangerKey, _ := stranger.PublicKeyCOSE()
	kbKey, _ := kb.PublicKeyCOSE()

	cases := []struct {
		name string
		e    evidence.Evidence
		opt  evidence.Options
		want error
	}{
		{"replayed assertion: another request's", func() evidence.Evidence {
			s := good
			s.Assertion = other.Assertion
			return file(s)
		}(), evidence.Options{}, evidence.ErrChallenge},
		{"statement of another request under this assertion", func() evidence.Evidence {
			s := good
			s.CanonicalJSON, s.Challenge = other.CanonicalJSON, other.Challenge
			return file(s)
		}(), evidence.Options{}, evidence.ErrChallenge},
		{"swapped credential: a stranger's public key", func() evidence.Evidence {
			s := good
			s.Credential.PublicKey = b64.EncodeToString(strangerKey)
			return file(s)
		}(), evidence.Options{}, evidence.ErrSignature},
		{"foreign credential: a stranger signed it themselves", file(sign(t, stranger, st1)),
			evidence.Options{Keys: []string{evidence.Fingerprint(kbKey)}}, evidence.ErrCredential},
		{"user not verified", file(forge(t, kb, st1, 0x01, "webauthn.get")), evidence.Options{}, evidence.ErrFlags},
		{"user not present", file(forge(t, kb, st1, 0x04, "webauthn.get")), evidence.Options{}, evidence.ErrFlags},
		{"a registration, not an assertion", file(forge(t, kb, st1, 0x05, "webauthn.create")), evidence.Options{}, evidence.ErrClientData},
		{"another relying party expected", file(good), evidence.Options{RPID: "evil.test"}, evidence.ErrRelyingParty},
		{"origin outside the RP ID", func() evidence.Evidence {
			s := good
			s.Origins = []string{origin, "https://evil.test"}
			return file(s)
		}(), evidence.Options{}, evidence.ErrRelyingParty},
		{"origin not listed", func() evidence.Evidence {
			s := good
			s.Origins = []string{"https://other.lock.acme.test"}
			return file(s)
		}(), evidence.Options{}, evidence.ErrClientData},
		{"two requests in one file", file(good, sign(t, stranger, statement("req_2", "mem_c", evidence.Approve))), evidence.Options{}, evidence.ErrMismatch},
		{"one approver twice", file(good, sign(t, stranger, statement("req_1", "mem_b", evidence.Deny))), evidence.Options{}, evidence.ErrMismatch},
		{"one credential twice", file(good, sign(t, kb, statement("req_1", "mem_c", evidence.Approve))), evidence.Options{}, evidence.ErrMismatch},
		{"empty file", file(), evidence.Options{}, evidence.ErrMalformed},
		{"missing signature", func() evidence.Evidence {
			s := good
			s.Assertion.Signature = ""
			return file(s)
		}(), evidence.Options{}, evidence.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := evidence.Verify(c.e, c.opt)
			if !errors.Is(err, c.want) {
				t.Fatalf("%v, want %v", err, c.want)
			}
		})
	}
}

// TestReadRefusesUnknown: a file cannot carry fields a reader might take
// for signed, nor another format.
func TestReadRefusesUnknown(t *testing.T) {
	for _, in := range []string{
		`{"format":"deadbolt-approval-evidence/1","signatures":[],"approved":true}`,
		`{"format":"deadbolt-approval-evidence/2","signatures":[]}`,
		`not json`,
	} {
		if _, err := evidence.Read(strings.NewReader(in)); !errors.Is(err, evidence.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", in, err)
		}
	}
}

// FuzzParseCanonical: whatever ParseCanonical accepts is exactly the
// canonical form of what it returns.
func FuzzParseCanonical(f *testing.F) {
	good, _ := statement("req_1", "mem_b", evidence.Approve).Canonical()
	f.Add(good)
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		st, err := evidence.ParseCanonical(in)
		if err != nil {
			return
		}
		again, err := st.Canonical()
		if err != nil || !bytes.Equal(again, in) {
			t.Fatalf("accepted %q, which is not canonical (%q, %v)", in, again, err)
		}
	})
}

// TestDocumentedExample: the canonical JSON docs/approvals.md shows is in
// canonical form.
func TestDocumentedExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/approvals.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "For example (one line; broken here for reading):\n\n```\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/approvals.md has no canonical JSON example")
	}
	if _, err := evidence.ParseCanonical([]byte(strings.ReplaceAll(strings.TrimSpace(block), "\n", ""))); err != nil {
		t.Fatalf("the documented example: %v", err)
	}
}

func TestSameDecision(t *testing.T) {
	a := statement("req_1", "mem_b", evidence.Approve)
	b := a.Stamp(time.Now(), bytes.Repeat([]byte{9}, 16)) // another signing of the same decision
	if err := b.SameDecision(a); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*evidence.Statement){
		"decision": func(s *evidence.Statement) { s.Decision = evidence.Deny },
		"duration": func(s *evidence.Statement) { s.DurationSeconds++ },
		"request":  func(s *evidence.Statement) { s.Request = "req_2" },
		"approver": func(s *evidence.Statement) { s.ApproverID = "mem_x" },
		"context": func(s *evidence.Statement) {
			s.Context = map[string]string{"ip": "198.51.100.1", "location": "Zürich"}
		},
	} {
		c := statement("req_1", "mem_b", evidence.Approve)
		mod(&c)
		if err := c.SameDecision(a); !errors.Is(err, evidence.ErrStatementMismatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
