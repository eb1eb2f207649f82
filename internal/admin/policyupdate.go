package admin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// UpdatePolicy replaces the rules of a policy of the tenant (by ID or
// name) with p's: its name, type, action, enabled, active bounds and
// rule. Its ID, assignments and executions stay. p is validated first
// (every problem at once, each naming its field) and nothing changes
// when it does not validate. The change is audited as policy.updated,
// with the new document, like policy.created.
func (s *Service) UpdatePolicy(ctx context.Context, actor, tenantID, ref string, p policy.Policy) (policy.Policy, error) {
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		old, err := policyRef(ctx, tx, tenantID, ref)
		if err != nil {
			return err
		}
		p.ID, p.Assign = old.ID, policy.Assignments{}
		if err := p.Validate(); err != nil {
			return fmt.Errorf("%w: policy %q: %v", store.ErrInvalid, p.Name, err)
		}
		now := s.Clock.Now()
		rec, err := policyRecord(p, tenantID, old.CreatedAt, now)
		if err != nil {
			return err
		}
		if err := tx.UpdatePolicy(ctx, rec); err != nil {
			return fmt.Errorf("policy %q: %w", p.Name, err)
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "policy.updated", "policy:"+p.ID,
			map[string]any{"name": p.Name, "document": json.RawMessage(rec.Document), "enabled": p.Enabled}, now)
	})
	if err != nil {
		return policy.Policy{}, err
	}
	return s.Policy(ctx, tenantID, p.ID)
}
