package store

import (
	"context"
	"encoding/json"
	"time"
)

// OIDCClient is a relying party of deadbolt's OpenID provider, in one
// tenant: only that tenant's members can sign in through it.
type OIDCClient struct {
	ID       string // the client_id; unique across the deployment
	TenantID string
	Name     string // unique in the tenant
	// SecretHash is ids.SecretHash of the client secret; "" for a public
	// client, which has none and must use PKCE.
	SecretHash string
	Public     bool
	// RedirectURIs are matched exactly; at least one.
	RedirectURIs []string
	// FrameOrigins may embed the step-up page in a frame (CSP
	// frame-ancestors); nil: none may.
	FrameOrigins []string
	// AppID, when set, is the application whose account of the signing-in
	// member must be unlocked for acr urn:deadbolt:acr:passkey+unlocked.
	AppID     string
	CreatedAt time.Time
}

// OIDCKey is one of the provider's signing keys. The key that signs has
// no RetiredAt; a retired key is still published until ExpiresAt, when
// every token it signed has expired.
type OIDCKey struct {
	ID        string // the kid; unique across the deployment
	Algorithm string // AlgES256
	// SealedKey is the PKCS#8 private key sealed under the master key
	// (owner: the kid).
	SealedKey []byte
	PublicKey []byte // PKIX DER
	CreatedAt time.Time
	RetiredAt time.Time // zero: signing
	ExpiresAt time.Time // zero: not retired
}

// OIDCRequest is an authorization request in flight. Document is a JSON
// object that package oidc writes and reads; the store never looks inside.
type OIDCRequest struct {
	ID       string
	TenantID string
	ClientID string
	// CodeHash is ids.SecretHash of the authorization code once one is
	// issued; "" before.
	CodeHash  string
	Document  json.RawMessage
	CreatedAt time.Time
	ExpiresAt time.Time
}

// OIDCReader reads the OpenID provider's clients, keys and requests.
type OIDCReader interface {
	// OIDCClient returns a client by its ID, in any tenant (the token
	// endpoint knows only the client_id).
	OIDCClient(ctx context.Context, id string) (OIDCClient, error)
	// OIDCClients lists a tenant's clients by name.
	OIDCClients(ctx context.Context, tenantID string) ([]OIDCClient, error)
	// OIDCKeys lists every signing key, newest first.
	OIDCKeys(ctx context.Context) ([]OIDCKey, error)
	// OIDCRequest returns a request in flight by ID (expired or not: the
	// caller looks at ExpiresAt).
	OIDCRequest(ctx context.Context, id string) (OIDCRequest, error)
}

// OIDCTx changes the OpenID provider's records inside a transaction.
type OIDCTx interface {
	OIDCReader
	AuditTx

	// CreateOIDCClient stores c; a name the tenant already uses is
	// ErrConflict, an AppID not of the tenant ErrInvalid.
	CreateOIDCClient(ctx context.Context, c OIDCClient) error
	// DeleteOIDCClient removes a client of the tenant with its requests
	// in flight (ErrNotFound when the tenant has no such client).
	DeleteOIDCClient(ctx context.Context, tenantID, id string) error

	// CreateOIDCKey stores a new signing key. RetireOIDCKeys retires every
	// signing key at time at, to be published until expires, and returns
	// how many it retired. DeleteOIDCKeys removes the retired keys whose
	// ExpiresAt is at or before now, and returns how many.
	CreateOIDCKey(ctx context.Context, k OIDCKey) error
	RetireOIDCKeys(ctx context.Context, at, expires time.Time) (int, error)
	DeleteOIDCKeys(ctx context.Context, now time.Time) (int, error)

	// PutOIDCRequest stores r, replacing the request with its ID
	// (CodeHash, Document and ExpiresAt change). A code hash another
	// request holds is ErrConflict.
	PutOIDCRequest(ctx context.Context, r OIDCRequest) error
	// TakeOIDCCode removes the request whose code hash is codeHash and
	// returns it: of concurrent calls for one code exactly one gets it,
	// the others ErrNotFound.
	TakeOIDCCode(ctx context.Context, codeHash string) (OIDCRequest, error)
	// DeleteOIDCRequest removes a request; a missing one is not an error.
	DeleteOIDCRequest(ctx context.Context, id string) error
	// PurgeOIDCRequests removes the requests that expired at now and
	// returns how many.
	PurgeOIDCRequests(ctx context.Context, now time.Time) (int, error)
}
