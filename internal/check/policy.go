package check

import (
	"context"
	"net/netip"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// PolicySets reads a tenant's compiled JIT policies. *cache.Cache
// implements it, from memory when its feed allows. Implementations are
// safe for concurrent use.
type PolicySets interface {
	PolicySet(ctx context.Context, tenantID string) (*policy.Set, error)
}

// Policies is the PolicyEvaluator of the tenant's JIT policies: it
// evaluates the tenant's policy.Set, kept in memory by Sets, for the
// account's application and owner, at now, from the request's IP. An IP
// that does not parse counts as none, so a context rule's on_unknown
// decides (deny by default).
type Policies struct {
	Sets PolicySets
}

// Evaluate implements PolicyEvaluator.
func (p Policies) Evaluate(ctx context.Context, app store.Application, st store.CheckState, req Request, now time.Time) (PolicyVerdict, error) {
	set, err := p.Sets.PolicySet(ctx, app.TenantID)
	if err != nil {
		return PolicyVerdict{}, err
	}
	ip, _ := netip.ParseAddr(req.IP)
	v := set.Evaluate(policy.Account{App: app.ID, Owner: st.Account.OwnerID}, now, ip)
	return PolicyVerdict{HardLock: v.HardLock, ContextDenied: v.ContextDenied, ContextReason: v.ContextReason, Scheduled: v.Scheduled,
		LockPolicy: v.LockPolicy, ContextPolicy: v.ContextPolicy, UnlockPolicy: v.UnlockPolicy, AddressPolicy: v.AddressPolicy}, nil
}
