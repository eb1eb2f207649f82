package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// Format names the evidence file format and its version.
const Format = "deadbolt-approval-evidence/1"

// Kinds of failure. Every error Verify returns wraps exactly one of them
// and says which signature and which field is wrong.
var (
	// ErrMalformed: the file or a field cannot be read (bad JSON or
	// base64url, missing field, unknown format).
	ErrMalformed = errors.New("malformed evidence")
	// ErrNotCanonical: canonical_json is not the canonical form of a
	// statement.
	ErrNotCanonical = errors.New("statement not canonical")
	// ErrChallenge: the assertion signed another challenge than the
	// SHA-256 of this statement (a tampered statement, or an assertion
	// replayed from another decision).
	ErrChallenge = errors.New("challenge does not match the statement")
	// ErrClientData: clientDataJSON is not a WebAuthn assertion for one of
	// the origins (type, origin, cross-origin).
	ErrClientData = errors.New("client data rejected")
	// ErrRelyingParty: the authenticator data is for another relying
	// party, or the origins are not the relying party's.
	ErrRelyingParty = errors.New("relying party mismatch")
	// ErrFlags: the authenticator did not report the user present and
	// verified.
	ErrFlags = errors.New("user not present or not verified")
	// ErrSignature: the signature does not verify with the credential's
	// public key.
	ErrSignature = errors.New("signature does not verify")
	// ErrCredential: the credential's public key cannot be used, or it is
	// not one the verifier trusts (Options.Keys).
	ErrCredential = errors.New("credential rejected")
	// ErrMismatch: the signatures of one file disagree (different
	// requests) or one approver signed twice.
	ErrMismatch = errors.New("signatures disagree")
)

// Evidence is an evidence file: the signed decisions on one request.
type Evidence struct {
	Format     string      `json:"format"`
	Signatures []Signature `json:"signatures"`
}

// Signature is one approver's signed decision, self-contained. Binary
// values are base64url without padding.
type Signature struct {
	// CanonicalJSON is the statement exactly as signed (UTF-8).
	CanonicalJSON string `json:"canonical_json"`
	// Challenge is base64url(SHA-256(CanonicalJSON)), for the reader; the
	// verifier recomputes it and checks the two agree.
	Challenge string `json:"challenge"`
	// RPID is the WebAuthn relying-party ID (the portal's host name).
	RPID string `json:"rp_id"`
	// Origins are the origins the relying party accepts; the client data's
	// origin must be one of them.
	Origins    []string   `json:"origins"`
	Credential Credential `json:"credential"`
	Assertion  Assertion  `json:"assertion"`
}

// Credential is the passkey that signed.
type Credential struct {
	// ID is the credential ID. WebAuthn does not sign it: it locates the
	// passkey (deadbolt's passkey list, its audit trail), while the public
	// key, which the signature does depend on, identifies it.
	ID string `json:"id"`
	// PublicKey is the credential public key as a COSE_Key (CBOR), as the
	// authenticator gave it at registration.
	PublicKey string `json:"public_key"`
}

// Assertion is the authenticator's response to navigator.credentials.get.
type Assertion struct {
	AuthenticatorData string `json:"authenticator_data"`
	ClientDataJSON    string `json:"client_data_json"`
	Signature         string `json:"signature"`
}

var b64 = base64.RawURLEncoding

// NewSignature assembles a Signature from raw parts: the canonical
// statement, the relying party, the credential and the assertion.
func NewSignature(canonical []byte, rpID string, origins []string, credentialID, publicKey, authenticatorData, clientDataJSON, signature []byte) Signature {
	return Signature{
		CanonicalJSON: string(canonical),
		Challenge:     b64.EncodeToString(Challenge(canonical)),
		RPID:          rpID,
		Origins:       append([]string(nil), origins...),
		Credential:    Credential{ID: b64.EncodeToString(credentialID), PublicKey: b64.EncodeToString(publicKey)},
		Assertion: Assertion{
			AuthenticatorData: b64.EncodeToString(authenticatorData),
			ClientDataJSON:    b64.EncodeToString(clientDataJSON),
			Signature:         b64.EncodeToString(signature),
		},
	}
}

// Fingerprint returns the hex SHA-256 of a COSE public key: how a verifier
// names a credential it trusts.
func Fingerprint(publicKey []byte) string {
	h := sha256.Sum256(publicKey)
	return hex.EncodeToString(h[:])
}

// Options are what the verifier expects beyond the file itself.
type Options struct {
	// RPID, when set, is the only relying-party ID accepted.
	RPID string
	// Keys, when set, are the fingerprints (Fingerprint) of the only
	// credentials accepted; a signature by any other is ErrCredential.
	Keys []string
}

// Verified is a signature that holds.
type Verified struct {
	Statement Statement
	// Fingerprint names the credential that signed (Fingerprint).
	Fingerprint string
	// CredentialID is the credential ID, base64url.
	CredentialID string
	// Counter is the authenticator's signature counter in the assertion.
	Counter uint32
}

// Read decodes an evidence file. Unknown fields are refused, so a file
// cannot carry something a reader might take for signed.
func Read(r io.Reader) (Evidence, error) {
	var e Evidence
	dec := json.NewDecoder(io.LimitReader(r, 16<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Evidence{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if e.Format != Format {
		return Evidence{}, fmt.Errorf("%w: format %q, want %q", ErrMalformed, e.Format, Format)
	}
	return e, nil
}

// Write encodes e, indented for people; the signed bytes are inside
// canonical_json and the base64url fields, so indentation changes nothing.
func Write(w io.Writer, e Evidence) error {
	e.Format = Format
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(e)
}

// Verify checks every signature of e (see VerifySignature), then that they
// all decide the same request and that no credential or approver signed
// twice. It returns the verified signatures in file order.
func Verify(e Evidence, opt Options) ([]Verified, error) {
	if e.Format != Format {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrMalformed, e.Format, Format)
	}
	if len(e.Signatures) == 0 {
		return nil, fmt.Errorf("%w: the file holds no signature", ErrMalformed)
	}
	out := make([]Verified, 0, len(e.Signatures))
	keys, approvers := map[string]int{}, map[string]int{}
	for i, s := range e.Signatures {
		v, err := VerifySignature(s, opt)
		if err != nil {
			return nil, fmt.Errorf("signature %d: %w", i+1, err)
		}
		if len(out) > 0 && v.Statement.Request != out[0].Statement.Request {
			return nil, fmt.Errorf("signature %d: %w: it decides request %s, signature 1 request %s", i+1, ErrMismatch, v.Statement.Request, out[0].Statement.Request)
		}
		if j, ok := keys[v.Fingerprint]; ok {
			return nil, fmt.Errorf("signature %d: %w: the credential of signature %d signed again", i+1, ErrMismatch, j)
		}
		if j, ok := approvers[v.Statement.ApproverID]; ok {
			return nil, fmt.Errorf("signature %d: %w: approver %s signed signature %d too", i+1, ErrMismatch, v.Statement.ApproverID, j)
		}
		keys[v.Fingerprint], approvers[v.Statement.ApproverID] = i+1, i+1
		out = append(out, v)
	}
	return out, nil
}

// VerifySignature checks one signature with nothing but its own content
// and opt, in the order a WebAuthn relying party checks an assertion
// (WebAuthn Level 3, §7.2):
//  1. canonical_json is the canonical form of a statement;
//  2. challenge is base64url(SHA-256(canonical_json));
//  3. clientDataJSON has type "webauthn.get", that challenge, an origin in
//     origins, and is not cross-origin; every origin is the RP ID's host
//     or a subdomain of it;
//  4. authenticatorData starts with SHA-256(rp_id) and has the user
//     present (UP) and user verified (UV) flags;
//  5. the credential public key (COSE_Key) verifies signature over
//     authenticatorData || SHA-256(clientDataJSON);
//  6. with opt.Keys, the key is one of them.
func VerifySignature(s Signature, opt Options) (Verified, error) {
	canonical := []byte(s.CanonicalJSON)
	st, err := ParseCanonical(canonical)
	if err != nil {
		return Verified{}, err
	}
	want := b64.EncodeToString(Challenge(canonical))
	if s.Challenge != want {
		return Verified{}, fmt.Errorf("%w: challenge field %q is not base64url(SHA-256(canonical_json)) %q", ErrChallenge, s.Challenge, want)
	}
	authData, err := field("assertion.authenticator_data", s.Assertion.AuthenticatorData)
	if err != nil {
		return Verified{}, err
	}
	clientData, err := field("assertion.client_data_json", s.Assertion.ClientDataJSON)
	if err != nil {
		return Verified{}, err
	}
	sig, err := field("assertion.signature", s.Assertion.Signature)
	if err != nil {
		return Verified{}, err
	}
	pub, err := field("credential.public_key", s.Credential.PublicKey)
	if err != nil {
		return Verified{}, err
	}
	if _, err := field("credential.id", s.Credential.ID); err != nil {
		return Verified{}, err
	}
	if err := checkClientData(clientData, want, s.RPID, s.Origins); err != nil {
		return Verified{}, err
	}
	var ad protocol.AuthenticatorData
	if err := ad.Unmarshal(authData); err != nil {
		return Verified{}, fmt.Errorf("%w: assertion.authenticator_data: %v", ErrMalformed, err)
	}
	if opt.RPID != "" && s.RPID != opt.RPID {
		return Verified{}, fmt.Errorf("%w: rp_id is %q, the verifier expects %q", ErrRelyingParty, s.RPID, opt.RPID)
	}
	rpHash := sha256.Sum256([]byte(s.RPID))
	if !bytes.Equal(ad.RPIDHash, rpHash[:]) {
		return Verified{}, fmt.Errorf("%w: assertion.authenticator_data is for another relying party than rp_id %q", ErrRelyingParty, s.RPID)
	}
	if !ad.Flags.HasUserPresent() || !ad.Flags.HasUserVerified() {
		return Verified{}, fmt.Errorf("%w: authenticator flags UP=%t UV=%t", ErrFlags, ad.Flags.HasUserPresent(), ad.Flags.HasUserVerified())
	}
	key, err := webauthncose.ParsePublicKey(pub)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: credential.public_key is not a usable COSE key: %v", ErrCredential, err)
	}
	cdHash := sha256.Sum256(clientData)
	signed := append(append([]byte{}, authData...), cdHash[:]...)
	if ok, err := webauthncose.VerifySignature(key, signed, sig); !ok {
		if err != nil && !errors.Is(err, webauthncose.ErrSigNotProvidedOrInvalid) {
			return Verified{}, fmt.Errorf("%w: with credential %s: %v", ErrSignature, s.Credential.ID, err)
		}
		return Verified{}, fmt.Errorf("%w: assertion.signature is not credential %s's signature over authenticator_data and client_data_json", ErrSignature, s.Credential.ID)
	}
	fp := Fingerprint(pub)
	if len(opt.Keys) > 0 && !trusted(fp, opt.Keys) {
		return Verified{}, fmt.Errorf("%w: credential %s (public key sha256 %s) is not among the trusted keys", ErrCredential, s.Credential.ID, fp)
	}
	return Verified{Statement: st, Fingerprint: fp, CredentialID: s.Credential.ID, Counter: ad.Counter}, nil
}

func trusted(fp string, keys []string) bool {
	for _, k := range keys {
		if strings.EqualFold(strings.TrimSpace(k), fp) {
			return true
		}
	}
	return false
}

// field decodes a base64url field, naming it when it is missing or bad.
func field(name, v string) ([]byte, error) {
	if v == "" {
		return nil, fmt.Errorf("%w: %s is missing", ErrMalformed, name)
	}
	b, err := b64.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64url without padding: %v", ErrMalformed, name, err)
	}
	return b, nil
}

// checkClientData checks clientDataJSON against the challenge and origins.
func checkClientData(raw []byte, challenge, rpID string, origins []string) error {
	var cd protocol.CollectedClientData
	if err := json.Unmarshal(raw, &cd); err != nil {
		return fmt.Errorf("%w: assertion.client_data_json is not JSON: %v", ErrMalformed, err)
	}
	if cd.Type != protocol.AssertCeremony {
		return fmt.Errorf("%w: type is %q, want %q", ErrClientData, cd.Type, protocol.AssertCeremony)
	}
	if cd.Challenge != challenge {
		return fmt.Errorf("%w: the assertion signed challenge %q, the statement's is %q (another decision's assertion?)", ErrChallenge, cd.Challenge, challenge)
	}
	if cd.CrossOrigin {
		return fmt.Errorf("%w: the assertion was made in a cross-origin frame", ErrClientData)
	}
	if len(origins) == 0 {
		return fmt.Errorf("%w: origins is empty", ErrMalformed)
	}
	for _, o := range origins {
		if err := originOf(o, rpID); err != nil {
			return err
		}
	}
	for _, o := range origins {
		if cd.Origin == o {
			return nil
		}
	}
	return fmt.Errorf("%w: origin %q is not one of %q", ErrClientData, cd.Origin, origins)
}

// originOf checks that origin is an origin (scheme://host[:port]) whose
// host is rpID or a subdomain of it, as WebAuthn requires of an RP ID.
func originOf(origin, rpID string) error {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%w: origins: %q is not scheme://host[:port]", ErrMalformed, origin)
	}
	h := u.Hostname()
	if rpID == "" || (h != rpID && !strings.HasSuffix(h, "."+rpID)) {
		return fmt.Errorf("%w: origin %q is not within rp_id %q", ErrRelyingParty, origin, rpID)
	}
	return nil
}

// Collect makes the evidence file of a request from its signed votes'
// evidence as stored (each one Signature as JSON).
func Collect(stored []string) (Evidence, error) {
	e := Evidence{Format: Format, Signatures: make([]Signature, 0, len(stored))}
	for i, raw := range stored {
		var s Signature
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return Evidence{}, fmt.Errorf("%w: stored signature %d: %v", ErrMalformed, i+1, err)
		}
		e.Signatures = append(e.Signatures, s)
	}
	return e, nil
}
