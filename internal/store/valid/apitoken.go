package valid

import (
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// APIToken checks a token for CreateAPIToken: a role or scopes, and
// scopes that fit the space-separated column.
func APIToken(t store.APIToken) error {
	var r Rules
	r.Need("token id", t.ID, "tenant id", t.TenantID, "token hash", t.Hash).
		Require(t.Role != "" || len(t.Scopes) != 0, "a token needs a role or at least one scope")
	for _, s := range t.Scopes {
		r.Require(s != "" && !strings.ContainsAny(s, " \t\n"), "scope %q is empty or has spaces", s)
	}
	return r.At("created at", t.CreatedAt, true).At("expires at", t.ExpiresAt, false).Err()
}

// IdempotentAnswer checks a claim for ClaimIdempotencyKey.
func IdempotentAnswer(a store.IdempotentAnswer) error {
	var r Rules
	return r.Need("token id", a.TokenID, "idempotency key", a.Key, "tenant id", a.TenantID, "request digest", a.Request).
		At("created at", a.CreatedAt, true).Err()
}
