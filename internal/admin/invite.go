package admin

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// DefaultInviteTTL is how long an invite link works unless told otherwise.
const DefaultInviteTTL = 72 * time.Hour

// CreateInviteTx creates a one-time link for m inside tx, with its audit
// event, and returns the link's secret (shown once: only its hash is
// stored).
func CreateInviteTx(ctx context.Context, tx store.PortalTx, actor string, m store.Member, ttl time.Duration, now time.Time) (string, store.Invite, error) {
	if ttl <= 0 {
		ttl = DefaultInviteTTL
	}
	secret := ids.NewSecret()
	inv := store.Invite{ID: ids.SecretHash(secret), TenantID: m.TenantID, MemberID: m.ID, CreatedBy: actor,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := tx.CreateInvite(ctx, inv); err != nil {
		return "", store.Invite{}, err
	}
	return secret, inv, store.AppendAudit(ctx, tx, m.TenantID, actor, "member.invited", "member:"+m.ID,
		map[string]any{"email": m.Email, "expires": inv.ExpiresAt}, now)
}

// TenantsWithoutOwner lists the tenants that have no owner at all, so
// nobody can be given a link to their portal until one is made (`serve`
// names the command that does).
func (s *Service) TenantsWithoutOwner(ctx context.Context) ([]store.Tenant, error) {
	tenants, err := s.Store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Tenant
	for _, t := range tenants {
		owners, err := s.Store.Owners(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		if len(owners) == 0 {
			out = append(out, t)
		}
	}
	return out, nil
}

// SetupLinks makes sure every tenant can reach its portal: for each tenant
// where no owner has a passkey but an owner exists, it creates a one-time
// link for the oldest such owner. `serve` prints them at start.
func (s *Service) SetupLinks(ctx context.Context, actor string, ttl time.Duration) ([]Invitation, error) {
	tenants, err := s.Store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []Invitation
	for _, t := range tenants {
		owners, err := s.Store.Owners(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		var first *store.Member
		canSignIn := false
		for i, m := range owners {
			keys, err := s.Store.Passkeys(ctx, m.ID)
			if err != nil {
				return nil, err
			}
			if len(keys) > 0 {
				canSignIn = true
				break
			}
			if first == nil {
				first = &owners[i]
			}
		}
		if canSignIn || first == nil {
			continue
		}
		inv := Invitation{Member: *first}
		err = s.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			inv.Secret, inv.Invite, err = CreateInviteTx(ctx, tx, actor, *first, ttl, s.Clock.Now())
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}
