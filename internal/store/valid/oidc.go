package valid

import "github.com/deadbolt-dev/deadbolt/internal/store"

// OIDCClient checks a client for CreateOIDCClient: a confidential client
// has a secret hash, a public one none, and every client a redirect URI.
func OIDCClient(c store.OIDCClient) error {
	var r Rules
	return r.Need("client id", c.ID, "tenant id", c.TenantID, "client name", c.Name).
		Require(len(c.RedirectURIs) != 0, "a client needs at least one redirect URI").
		Require(c.Public == (c.SecretHash == ""), "a public client has no secret, and a confidential one has one").
		At("created at", c.CreatedAt, true).Err()
}

// OIDCKey checks a signing key for CreateOIDCKey.
func OIDCKey(k store.OIDCKey) error {
	var r Rules
	return r.Need("key id", k.ID, "algorithm", k.Algorithm).
		Require(len(k.SealedKey) != 0 && len(k.PublicKey) != 0, "a signing key needs its sealed private key and its public key").
		At("created at", k.CreatedAt, true).Err()
}

// OIDCRequest checks a request for PutOIDCRequest.
func OIDCRequest(q store.OIDCRequest) error {
	var r Rules
	return r.Need("request id", q.ID, "tenant id", q.TenantID, "client id", q.ClientID).Object("request document", q.Document).
		At("created at", q.CreatedAt, true).At("expires at", q.ExpiresAt, true).Err()
}
