package valid

import (
	"encoding/json"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// OIDCClient checks a client for CreateOIDCClient: a confidential client
// has a secret hash, a public one none, and every client a redirect URI.
func OIDCClient(c store.OIDCClient) error {
	var r Rules
	r.Need("client id", c.ID, "tenant id", c.TenantID, "client name", c.Name)
	if len(c.RedirectURIs) == 0 {
		r.Fail("a client needs at least one redirect URI")
	}
	if c.Public != (c.SecretHash == "") {
		r.Fail("a public client has no secret, and a confidential one has one")
	}
	r.Time("created at", c.CreatedAt, true)
	return r.Err()
}

// OIDCKey checks a signing key for CreateOIDCKey.
func OIDCKey(k store.OIDCKey) error {
	var r Rules
	r.Need("key id", k.ID, "algorithm", k.Algorithm)
	if len(k.SealedKey) == 0 || len(k.PublicKey) == 0 {
		r.Fail("a signing key needs its sealed private key and its public key")
	}
	r.Time("created at", k.CreatedAt, true)
	return r.Err()
}

// OIDCRequest checks a request for PutOIDCRequest.
func OIDCRequest(q store.OIDCRequest) error {
	var r Rules
	r.Need("request id", q.ID, "tenant id", q.TenantID, "client id", q.ClientID)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(q.Document, &doc); err != nil || doc == nil {
		r.Fail("request document is not a JSON object")
	}
	r.Time("created at", q.CreatedAt, true)
	r.Time("expires at", q.ExpiresAt, true)
	return r.Err()
}
