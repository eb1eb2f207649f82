package valid

import (
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// APIToken checks a token for CreateAPIToken: a role or scopes, and
// scopes that fit the space-separated column.
func APIToken(t store.APIToken) error {
	var r Rules
	r.Need("token id", t.ID, "tenant id", t.TenantID, "token hash", t.Hash)
	if t.Role == "" && len(t.Scopes) == 0 {
		r.Fail("a token needs a role or at least one scope")
	}
	for _, s := range t.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\n") {
			r.Fail("scope %q is empty or has spaces", s)
		}
	}
	r.Time("created at", t.CreatedAt, true)
	r.Time("expires at", t.ExpiresAt, false)
	return r.Err()
}

// IdempotentAnswer checks a claim for ClaimIdempotencyKey.
func IdempotentAnswer(a store.IdempotentAnswer) error {
	var r Rules
	r.Need("token id", a.TokenID, "idempotency key", a.Key, "tenant id", a.TenantID, "request digest", a.Request)
	r.Time("created at", a.CreatedAt, true)
	return r.Err()
}
