package softkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/fxamacker/cbor/v2"
)

var b64 = base64.RawURLEncoding

// Key is one software passkey (a discoverable credential). Its fields may
// be changed between ceremonies to forge what a hostile authenticator
// would send. A Key is not safe for concurrent use.
type Key struct {
	Private *ecdsa.PrivateKey
	// ID is the credential ID.
	ID []byte
	// RPID is the relying-party ID whose hash goes into the authenticator
	// data; Origin is what the client data names.
	RPID, Origin string
	// Count is the signature counter of the last assertion.
	Count uint32
	// UserHandle is the WebAuthn user ID the registration named (for
	// deadbolt, the member ID); assertions carry it.
	UserHandle []byte
	// CrossOrigin and TopOrigin go into the client data as a browser's
	// would from a frame of another origin (TopOrigin: the framing page;
	// left out when "", as a hostile client might).
	CrossOrigin bool
	TopOrigin   string
}

// New returns a fresh passkey for the site at origin (for example
// "https://lock.acme.test"); the relying-party ID is the origin's host
// name.
func New(origin string) (*Key, error) {
	u, err := url.Parse(origin)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("softkey: origin %q is not an absolute URL", origin)
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	return &Key{Private: priv, ID: id, RPID: u.Hostname(), Origin: u.Scheme + "://" + u.Host}, nil
}

// CredentialID returns the credential ID as the server stores it
// (base64url without padding).
func (k *Key) CredentialID() string { return b64.EncodeToString(k.ID) }

// options is the part of the creation and request options a Key reads.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		User      struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func readOptions(raw []byte) (options, error) {
	var o options
	if err := json.Unmarshal(raw, &o); err != nil {
		return o, fmt.Errorf("softkey: options: %w", err)
	}
	if o.PublicKey.Challenge == "" {
		return o, fmt.Errorf("softkey: options carry no challenge")
	}
	return o, nil
}

// Authenticator data flags.
const (
	flagUP = 0x01 // user present
	flagUV = 0x04 // user verified
	flagAT = 0x40 // attested credential data follows
)

func (k *Key) authData(flags byte, attested []byte) []byte {
	rp := sha256.Sum256([]byte(k.RPID))
	out := append([]byte{}, rp[:]...)
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, k.Count)
	return append(out, attested...)
}

func (k *Key) clientData(typ, challenge string) []byte {
	cd := map[string]any{"type": typ, "challenge": challenge, "origin": k.Origin, "crossOrigin": k.CrossOrigin}
	if k.TopOrigin != "" {
		cd["topOrigin"] = k.TopOrigin
	}
	b, _ := json.Marshal(cd)
	return b
}

// PublicKeyCOSE returns the credential public key as a COSE_Key (CBOR), as
// registration hands it to the server: the same bytes at every call
// (CTAP2 canonical CBOR, sorted keys).
func (k *Key) PublicKeyCOSE() ([]byte, error) {
	enc, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		return nil, err
	}
	return enc.Marshal(map[int]any{1: 2, 3: -7, -1: 1, // EC2, ES256, P-256
		-2: k.Private.PublicKey.X.FillBytes(make([]byte, 32)), -3: k.Private.PublicKey.Y.FillBytes(make([]byte, 32))})
}

// Create answers navigator.credentials.create: given the creation options
// a server sent (JSON, {"publicKey": {…}}), it returns the registration
// response JSON with "none" attestation, and remembers the user handle.
func (k *Key) Create(opts []byte) ([]byte, error) {
	o, err := readOptions(opts)
	if err != nil {
		return nil, err
	}
	handle, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		return nil, fmt.Errorf("softkey: user id: %w", err)
	}
	k.UserHandle = handle
	cose, err := k.PublicKeyCOSE()
	if err != nil {
		return nil, err
	}
	attested := make([]byte, 16) // AAGUID: zero
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(k.ID)))
	attested = append(attested, k.ID...)
	attested = append(attested, cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(flagUP|flagUV|flagAT, attested)})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": k.CredentialID(), "rawId": k.CredentialID(), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(k.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal"},
		},
	})
}

// Get answers navigator.credentials.get: given the request options (JSON),
// it returns the assertion response JSON, signed with the key, carrying
// UserHandle. The counter grows by one first.
func (k *Key) Get(opts []byte) ([]byte, error) {
	o, err := readOptions(opts)
	if err != nil {
		return nil, err
	}
	k.Count++
	auth := k.authData(flagUP|flagUV, nil)
	cd := k.clientData("webauthn.get", o.PublicKey.Challenge)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.Private, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": k.CredentialID(), "rawId": k.CredentialID(), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(k.UserHandle),
		},
	})
}
