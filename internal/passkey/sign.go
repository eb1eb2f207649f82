package passkey

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// signState is what a signing ceremony keeps between BeginSign and
// FinishSign: the WebAuthn session (embedded, so Challenge reads it as it
// reads the other ceremonies' states) and the statement being signed.
type signState struct {
	webauthn.SessionData
	Canonical []byte `json:"deadbolt_canonical"`
}

// BeginSign starts a signing ceremony: member m is asked to sign the
// statement canonical (evidence.Statement.Canonical, naming m as approver)
// with one of their passkeys, user verification required. The WebAuthn
// challenge is evidence.Challenge(canonical). It returns the options for
// navigator.credentials.get (JSON) and the ceremony state, which carries
// canonical and must be kept from the client or integrity-protected like
// the other ceremonies' states.
func (s *Service) BeginSign(ctx context.Context, m store.Member, canonical []byte) (options, state []byte, err error) {
	st, err := evidence.ParseCanonical(canonical)
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: statement to sign: %w", err)
	}
	if st.ApproverID != m.ID {
		return nil, nil, fmt.Errorf("passkey: the statement names approver %s, not member %s", st.ApproverID, m.ID)
	}
	u, _, err := s.loadUser(ctx, m)
	if err != nil {
		return nil, nil, err
	}
	if len(u.creds) == 0 {
		return nil, nil, fmt.Errorf("%w: member %s has no passkey to sign with", ErrRejected, m.ID)
	}
	assertion, sd, err := s.wa.BeginLogin(u, webauthn.WithChallenge(evidence.Challenge(canonical)),
		webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: begin signing: %w", err)
	}
	o, err := json.Marshal(assertion)
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: encode options: %w", err)
	}
	stt, err := json.Marshal(signState{SessionData: *sd, Canonical: canonical})
	if err != nil {
		return nil, nil, fmt.Errorf("passkey: encode state: %w", err)
	}
	return o, stt, nil
}

// Signed is a verified signing ceremony.
type Signed struct {
	// Signature is the evidence of the decision, ready to store with the
	// vote; it verifies offline (evidence.VerifySignature).
	Signature evidence.Signature
	// Statement is what was signed.
	Statement evidence.Statement
	// Passkey is the passkey used, with its sign count and LastUsedAt
	// brought up to date; the caller stores it.
	Passkey store.Passkey
}

// FinishSign checks the browser's response to BeginSign for member m: it
// must be an assertion by one of m's passkeys (user present and verified)
// over the statement's challenge, from the portal's origin. A passkey that
// is not m's, another challenge (an assertion replayed from another
// ceremony), a failed signature or a signature counter that went backwards
// is ErrRejected. The evidence it returns is checked once more by the
// offline verifier, pinned to the passkey's public key and the portal's RP
// ID, so what is stored is what `deadbolt approval verify` accepts.
func (s *Service) FinishSign(ctx context.Context, m store.Member, state, response []byte) (Signed, error) {
	var st signState
	if err := json.Unmarshal(state, &st); err != nil || len(st.Canonical) == 0 {
		return Signed{}, fmt.Errorf("%w: signing ceremony state is unreadable", ErrRejected)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return Signed{}, fmt.Errorf("%w: %v", ErrRejected, detail(err))
	}
	u, pks, err := s.loadUser(ctx, m)
	if err != nil {
		return Signed{}, err
	}
	cred, err := s.wa.ValidateLogin(u, st.SessionData, parsed)
	if err != nil {
		return Signed{}, fmt.Errorf("%w: %v", ErrRejected, detail(err))
	}
	if cred.Authenticator.CloneWarning {
		return Signed{}, fmt.Errorf("%w: signature counter of a passkey of member %s went backwards (cloned authenticator?)", ErrRejected, m.ID)
	}
	var used store.Passkey
	for _, p := range pks {
		if p.ID == base64.RawURLEncoding.EncodeToString(cred.ID) {
			used = p
		}
	}
	if used.ID == "" {
		return Signed{}, fmt.Errorf("%w: the passkey that signed is not member %s's", ErrRejected, m.ID)
	}
	raw := parsed.Raw.AssertionResponse
	sig := evidence.NewSignature(st.Canonical, s.wa.Config.RPID, s.wa.Config.RPOrigins, cred.ID, cred.PublicKey,
		raw.AuthenticatorData, raw.ClientDataJSON, raw.Signature)
	v, err := evidence.VerifySignature(sig, evidence.Options{RPID: s.wa.Config.RPID, Keys: []string{evidence.Fingerprint(cred.PublicKey)}})
	if err != nil {
		return Signed{}, fmt.Errorf("%w: the evidence does not verify: %v", ErrRejected, err)
	}
	if v.Statement.ApproverID != m.ID || st.Challenge != sig.Challenge {
		return Signed{}, fmt.Errorf("%w: the signed statement is not member %s's", ErrRejected, m.ID)
	}
	rec, err := json.Marshal(cred)
	if err != nil {
		return Signed{}, fmt.Errorf("passkey: encode credential: %w", err)
	}
	used.Credential, used.LastUsedAt = rec, s.clock.Now()
	return Signed{Signature: sig, Statement: v.Statement, Passkey: used}, nil
}

// CheckSignature checks a signature that FinishSign made, when it comes
// back to be counted (a vote carries it as JSON): it must verify, for this
// portal's relying party and origins, with the public key of one of m's
// registered passkeys, and name m as the approver. A signature that does
// not is ErrRejected, with the reason in the chain.
func (s *Service) CheckSignature(ctx context.Context, m store.Member, signature []byte) (evidence.Verified, error) {
	var sig evidence.Signature
	if err := json.Unmarshal(signature, &sig); err != nil {
		return evidence.Verified{}, fmt.Errorf("%w: signature is not JSON: %v", ErrRejected, err)
	}
	u, _, err := s.loadUser(ctx, m)
	if err != nil {
		return evidence.Verified{}, err
	}
	keys := make([]string, 0, len(u.creds))
	for _, c := range u.creds {
		keys = append(keys, evidence.Fingerprint(c.PublicKey))
	}
	if len(keys) == 0 {
		return evidence.Verified{}, fmt.Errorf("%w: member %s has no passkey", ErrRejected, m.ID)
	}
	for _, o := range sig.Origins {
		if !slices.Contains(s.wa.Config.RPOrigins, o) {
			return evidence.Verified{}, fmt.Errorf("%w: origin %q is not this portal's", ErrRejected, o)
		}
	}
	v, err := evidence.VerifySignature(sig, evidence.Options{RPID: s.wa.Config.RPID, Keys: keys})
	if err != nil {
		return evidence.Verified{}, fmt.Errorf("%w: %v", ErrRejected, err)
	}
	if v.Statement.ApproverID != m.ID {
		return evidence.Verified{}, fmt.Errorf("%w: the statement names approver %s, not member %s", ErrRejected, v.Statement.ApproverID, m.ID)
	}
	return v, nil
}
