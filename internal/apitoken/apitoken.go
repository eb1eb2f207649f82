package apitoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The roles a token may have. Each stands for a fixed set of scopes.
const (
	RoleAdmin    = "admin"
	RoleApprover = "approver"
	RoleAuditor  = "auditor"
)

// Prefix starts every token's secret, so that a leaked one is easy to
// recognise (secret scanners) and to tell from a lock-check JWT.
const Prefix = "dbt_"

// Scopes a token may hold. A write scope does not imply its read scope.
var Scopes = []string{
	"applications:read", "applications:write",
	"accounts:read", "accounts:write",
	"members:read", "members:write",
	"groups:read", "groups:write",
	"policies:read", "policies:write",
	"webhooks:read", "webhooks:write",
	"requests:read", "requests:write", "requests:create",
	"templates:read", "templates:write",
	"audit:read", "checks:read",
	"users:import", "scim",
}

var roleScopes = map[string][]string{
	RoleAdmin: Scopes,
	// An approver sees the accounts and people whose unlocks it answers,
	// and the policies that decide them, and changes nothing else.
	// It votes on behalf of the members it names (package approval
	// decides whether that member may, and lets one token cast one vote
	// of a request). It cannot ask: a token that could ask as the owner
	// and approve as an approver would open a one-approval request alone.
	RoleApprover: {"applications:read", "accounts:read", "members:read", "groups:read", "policies:read",
		"requests:read", "requests:write", "templates:read"},
	// An auditor reads everything, the audit trail and check log included,
	// and changes nothing.
	RoleAuditor: {"applications:read", "accounts:read", "members:read", "groups:read", "policies:read",
		"webhooks:read", "requests:read", "templates:read", "audit:read", "checks:read"},
}

// Roles lists the roles, most powerful first.
var Roles = []string{RoleAdmin, RoleApprover, RoleAuditor}

// Errors of Authenticate and Allows; httpx.ErrorOf maps them to 401 and 403.
var (
	// ErrUnauthenticated: no token, or one that is unknown, revoked or
	// expired. The message says which, so an operator can fix it.
	ErrUnauthenticated = errors.New("api token not accepted")
	// ErrScope: the token is valid but lacks the scope the route needs.
	ErrScope = errors.New("api token lacks the scope")
)

// Store is what the service reads and changes.
type Store interface {
	store.APITokenReader
	store.ConfigReader
	store.Updater
}

// Service manages API tokens. It is safe for concurrent use.
type Service struct {
	Store Store
	Clock clock.Clock
}

// New describes a token to make. Role or Scopes (or both: the role's
// scopes plus these) must be given. ExpiresIn 0 means the token never
// expires.
type New struct {
	TenantID  string
	Name      string
	Role      string
	Scopes    []string
	ExpiresIn time.Duration
}

// Hash is what the store keeps of a secret.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ScopesOf lists every scope a token holds: its role's and its own,
// sorted, without repeats.
func ScopesOf(t store.APIToken) []string {
	out := append(slices.Clone(roleScopes[t.Role]), t.Scopes...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Allows reports whether the token holds scope; it returns nil or an
// error wrapping ErrScope that names the scope.
func Allows(t store.APIToken, scope string) error {
	if slices.Contains(roleScopes[t.Role], scope) || slices.Contains(t.Scopes, scope) {
		return nil
	}
	return fmt.Errorf("%w: this route needs the scope %s, which token %s does not hold", ErrScope, scope, t.ID)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", store.ErrInvalid, fmt.Sprintf(format, args...))
}

// Create makes a token and returns it with its secret, which is shown
// this once and never stored.
func (s *Service) Create(ctx context.Context, actor string, n New) (store.APIToken, string, error) {
	var problems []string
	if n.Role != "" && !slices.Contains(Roles, n.Role) {
		problems = append(problems, fmt.Sprintf("role must be one of %s, not %q", strings.Join(Roles, ", "), n.Role))
	}
	for _, sc := range n.Scopes {
		if !slices.Contains(Scopes, sc) {
			problems = append(problems, fmt.Sprintf("unknown scope %q (known: %s)", sc, strings.Join(Scopes, " ")))
		}
	}
	if n.Role == "" && len(n.Scopes) == 0 {
		problems = append(problems, "give a role (admin, approver, auditor) or at least one scope")
	}
	if n.ExpiresIn < 0 {
		problems = append(problems, "the expiry must be in the future")
	}
	if len(n.Name) > 200 {
		problems = append(problems, "the name is longer than 200 characters")
	}
	if len(problems) > 0 {
		return store.APIToken{}, "", invalid("%s", strings.Join(problems, "; "))
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return store.APIToken{}, "", fmt.Errorf("token secret: %w", err)
	}
	secret := Prefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.Clock.Now()
	scopes := slices.Clone(n.Scopes)
	slices.Sort(scopes)
	t := store.APIToken{ID: ids.New(), TenantID: n.TenantID, Name: strings.TrimSpace(n.Name), Hash: Hash(secret),
		Role: n.Role, Scopes: slices.Compact(scopes), CreatedBy: actor, CreatedAt: now}
	if n.ExpiresIn > 0 {
		t.ExpiresAt = now.Add(n.ExpiresIn)
	}
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Tenant(ctx, n.TenantID); err != nil {
			return fmt.Errorf("tenant %q: %w", n.TenantID, err)
		}
		if err := tx.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		data := map[string]any{"name": t.Name, "role": t.Role, "scopes": t.Scopes}
		if !t.ExpiresAt.IsZero() {
			data["expires_at"] = t.ExpiresAt.Format(time.RFC3339)
		}
		return store.AppendAudit(ctx, tx, t.TenantID, actor, "api_token.created", "api_token:"+t.ID, data, now)
	})
	if err != nil {
		return store.APIToken{}, "", err
	}
	return t, secret, nil
}

// List lists a tenant's tokens, oldest first.
func (s *Service) List(ctx context.Context, tenantID string) ([]store.APIToken, error) {
	return s.Store.APITokens(ctx, tenantID)
}

// Revoke revokes the tenant's token id at once. Revoking a revoked token
// changes nothing; a token of another tenant is not found.
func (s *Service) Revoke(ctx context.Context, actor, tenantID, id string) (store.APIToken, error) {
	var t store.APIToken
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		now := s.Clock.Now()
		changed, err := tx.RevokeAPIToken(ctx, tenantID, id, now)
		if err != nil {
			return fmt.Errorf("api token %q: %w", id, err)
		}
		if t, err = tx.APIToken(ctx, id); err != nil {
			return err
		}
		if !changed {
			return nil
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "api_token.revoked", "api_token:"+id, map[string]any{"name": t.Name}, now)
	})
	return t, err
}

// Authenticate finds the token whose secret this is and checks that it
// may be used now.
func (s *Service) Authenticate(ctx context.Context, secret string) (store.APIToken, error) {
	if secret == "" {
		return store.APIToken{}, fmt.Errorf("%w: no API token: send it as Authorization: Bearer, x-nl3-api-token or x-nl3-server-api-token", ErrUnauthenticated)
	}
	if !strings.HasPrefix(secret, Prefix) {
		return store.APIToken{}, fmt.Errorf("%w: this is not a deadbolt API token (they start with %s)", ErrUnauthenticated, Prefix)
	}
	t, err := s.Store.APITokenByHash(ctx, Hash(secret))
	if errors.Is(err, store.ErrNotFound) {
		return t, fmt.Errorf("%w: unknown API token", ErrUnauthenticated)
	}
	if err != nil {
		return t, err
	}
	now := s.Clock.Now()
	switch {
	case !t.RevokedAt.IsZero():
		return t, fmt.Errorf("%w: API token %s was revoked", ErrUnauthenticated, t.ID)
	case !t.Usable(now):
		return t, fmt.Errorf("%w: API token %s expired at %s", ErrUnauthenticated, t.ID, t.ExpiresAt.Format(time.RFC3339))
	}
	return t, nil
}
