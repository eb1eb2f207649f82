package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"net/netip"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// A policy is stored as its JSON document (package policy's encoding,
// times as "09:00", dates as "2026-12-01") without the fields the store
// keeps itself: ID, name and enabled are columns, assignments are rows.

func policyRecord(p policy.Policy, tenantID string, created, updated time.Time) (store.Policy, error) {
	body := p
	body.ID, body.Name, body.Enabled, body.Assign = "", "", false, policy.Assignments{}
	doc, err := json.Marshal(body)
	if err != nil {
		return store.Policy{}, err
	}
	return store.Policy{ID: p.ID, TenantID: tenantID, Name: p.Name, Enabled: p.Enabled, Document: doc,
		CreatedAt: created, UpdatedAt: updated}, nil
}

func policyOf(r store.Policy) (policy.Policy, error) {
	var p policy.Policy
	if err := json.Unmarshal(r.Document, &p); err != nil {
		return p, fmt.Errorf("policy %s: its stored document does not read: %w", r.ID, err)
	}
	p.ID, p.Name, p.Enabled, p.Assign = r.ID, r.Name, r.Enabled, policy.Assignments{}
	return p, nil
}

// PolicyTenant reads everything the tenant's policies are evaluated from:
// its policies with their assignments, its groups with their members, and
// the executions of its alert policies in force at or after since. The
// policies are in name order. An enabled policy whose stored document
// does not read fails it with an error wrapping policy.ErrInvalid.
func PolicyTenant(ctx context.Context, r store.PolicyReader, tenantID string, since time.Time) (policy.Tenant, error) {
	var t policy.Tenant
	recs, err := r.Policies(ctx, tenantID)
	if err != nil {
		return t, err
	}
	assigns, err := r.Assignments(ctx, tenantID)
	if err != nil {
		return t, err
	}
	groups, err := r.Groups(ctx, tenantID)
	if err != nil {
		return t, err
	}
	members, err := r.GroupMembers(ctx, tenantID)
	if err != nil {
		return t, err
	}
	execs, err := r.Executions(ctx, tenantID, since)
	if err != nil {
		return t, err
	}
	byPolicy := map[string]*policy.Assignments{}
	for _, a := range assigns {
		as := byPolicy[a.PolicyID]
		if as == nil {
			as = &policy.Assignments{}
			byPolicy[a.PolicyID] = as
		}
		switch {
		case a.AppID != "":
			as.Apps = append(as.Apps, a.AppID)
		case a.GroupID != "":
			as.Groups = append(as.Groups, a.GroupID)
		default:
			as.Members = append(as.Members, a.MemberID)
		}
	}
	for _, rec := range recs {
		p, err := policyOf(rec)
		switch {
		case err != nil && rec.Enabled:
			return t, fmt.Errorf("%w: %w", policy.ErrInvalid, err)
		case err != nil:
			// Disabled, it decides nothing: list it (by ID and name)
			// rather than fail the tenant; NewSet leaves it out.
			p = policy.Policy{ID: rec.ID, Name: rec.Name}
		}
		if as := byPolicy[p.ID]; as != nil {
			p.Assign = *as
		}
		t.Policies = append(t.Policies, p)
	}
	of := map[string][]string{}
	for _, m := range members {
		of[m.GroupID] = append(of[m.GroupID], m.MemberID)
	}
	for _, g := range groups {
		t.Groups = append(t.Groups, policy.Group{ID: g.ID, Name: g.Name, Description: g.Description, Members: of[g.ID]})
	}
	for _, e := range execs {
		t.Executions = append(t.Executions, policy.Execution{PolicyID: e.PolicyID, At: e.At, Until: e.Until, LiftedAt: e.LiftedAt})
	}
	return t, nil
}

// RecordWindow is how far from an explained instant Past looks for the
// account's check-log record.
const RecordWindow = 5 * time.Minute

// Past is what deadbolt knows of a past instant beside an explanation
// worked out with today's policies: what the check log recorded then, and
// how far today's policies may differ from those in force then.
type Past struct {
	// Recorded is the account's check-log record nearest to the instant,
	// within RecordWindow either side; nil when there is none.
	Recorded *Recorded `json:"recorded,omitempty"`
	// Policies says which version of the policies the explanation used.
	Policies string `json:"policies"`
	// ChangedSince lists the tenant's policies created or changed after
	// the instant (ID → when): for those the explanation used the present
	// form, not the one in force then.
	ChangedSince map[string]time.Time `json:"changed_since,omitempty"`
}

// Recorded is what the check log kept of one check.
type Recorded struct {
	Session  string    `json:"session"`
	At       time.Time `json:"at"`
	Locked   bool      `json:"locked"`
	Status   string    `json:"status"`
	PolicyID string    `json:"policy_id,omitempty"` // the policy that decided it
	IP       string    `json:"ip,omitempty"`
}

// PoliciesToday is Past.Policies: policies are not versioned.
const PoliciesToday = "today's: policies, groups and assignments as they are now (no history is kept; a policy deleted since is not shown); alert executions as they were then"

// PastReader is what PastOf reads: the tenant's policies and the check
// log of a period.
type PastReader interface {
	store.PolicyReader
	store.HistoryReader
}

// PastOf finds, for an explanation of account at app at instant at, the
// check-log record nearest to it and the policies changed since. It reads
// at most 5 000 records of the application around at.
func PastOf(ctx context.Context, r PastReader, app store.Application, account string, at time.Time) (Past, error) {
	out := Past{Policies: PoliciesToday}
	recs, err := r.Policies(ctx, app.TenantID)
	if err != nil {
		return out, err
	}
	for _, r := range recs {
		if r.UpdatedAt.After(at) {
			if out.ChangedSince == nil {
				out.ChangedSince = map[string]time.Time{}
			}
			out.ChangedSince[r.ID] = r.UpdatedAt
		}
	}
	var pos store.CheckPosition
	for range 10 {
		page, next, err := r.ChecksBetween(ctx, app.ID, at.Add(-RecordWindow), at.Add(RecordWindow), pos, 500)
		if err != nil {
			return out, err
		}
		for _, c := range page {
			if c.Account == account && (out.Recorded == nil || distance(c.At, at) < distance(out.Recorded.At, at)) {
				out.Recorded = &Recorded{Session: c.ID, At: c.At, Locked: c.Locked, Status: c.Status, PolicyID: c.PolicyID, IP: c.IP}
			}
		}
		if len(page) < 500 {
			break
		}
		pos = next
	}
	return out, nil
}

func distance(a, b time.Time) time.Duration {
	if d := a.Sub(b); d >= 0 {
		return d
	}
	return b.Sub(a)
}

// PolicySets compiles a tenant's policies as stored, on every call (no
// cache): for the CLI's and other one-off decisions, and as the check
// cache's loader. Executions are those in force at Clock's now or later.
// Geo locates addresses for country rules; nil means none (on_unknown
// decides).
type PolicySets struct {
	Store store.PolicyReader
	Clock clock.Clock
	Geo   policy.Geo
}

// PolicySet implements check.PolicySets.
func (p PolicySets) PolicySet(ctx context.Context, tenantID string) (*policy.Set, error) {
	t, err := PolicyTenant(ctx, p.Store, tenantID, p.Clock.Now())
	if err != nil {
		return nil, err
	}
	return policy.NewSet(t, p.Geo)
}

// CreatePolicy validates p (every problem at once, each naming its field)
// and stores it in the tenant with a new ID. Assignments are made with
// Assign: a new policy applies to nothing.
func (s *Service) CreatePolicy(ctx context.Context, actor, tenantID string, p policy.Policy) (policy.Policy, error) {
	p.ID, p.Assign = ids.New(), policy.Assignments{}
	if err := p.Validate(); err != nil {
		return policy.Policy{}, fmt.Errorf("%w: policy %q: %v", store.ErrInvalid, p.Name, err)
	}
	now := s.Clock.Now()
	rec, err := policyRecord(p, tenantID, now, now)
	if err != nil {
		return policy.Policy{}, err
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreatePolicy(ctx, rec); err != nil {
			return fmt.Errorf("policy %q: %w", p.Name, err)
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "policy.created", "policy:"+p.ID,
			map[string]any{"name": p.Name, "document": json.RawMessage(rec.Document), "enabled": p.Enabled}, now)
	})
	return p, err
}

// Policies lists the tenant's policies by name, with their assignments.
func (s *Service) Policies(ctx context.Context, tenantID string) ([]policy.Policy, error) {
	t, err := PolicyTenant(ctx, s.Store, tenantID, s.Clock.Now())
	return t.Policies, err
}

// Policy reads one policy of the tenant (by ID or name) with its
// assignments.
func (s *Service) Policy(ctx context.Context, tenantID, ref string) (policy.Policy, error) {
	rec, err := policyRef(ctx, s.Store, tenantID, ref)
	if err != nil {
		return policy.Policy{}, err
	}
	ps, err := s.Policies(ctx, tenantID)
	if err != nil {
		return policy.Policy{}, err
	}
	for _, p := range ps {
		if p.ID == rec.ID {
			return p, nil
		}
	}
	return policy.Policy{}, notAPolicy(ref)
}

func notAPolicy(ref string) error {
	return fmt.Errorf("policy %q (no policy of this tenant has this id or name; deadbolt policy list shows them): %w", ref, store.ErrNotFound)
}

// policyRef finds a policy of the tenant by ID or name.
func policyRef(ctx context.Context, r store.PolicyReader, tenantID, ref string) (store.Policy, error) {
	p, err := r.Policy(ctx, tenantID, ref)
	if !errors.Is(err, store.ErrNotFound) {
		return p, err
	}
	ps, err := r.Policies(ctx, tenantID)
	if err != nil {
		return store.Policy{}, err
	}
	for _, p := range ps {
		if p.Name == ref {
			return p, nil
		}
	}
	return store.Policy{}, notAPolicy(ref)
}

// storedPolicy finds policy ref (its ID or its name) of the tenant, as
// policyRef does, and reads its document.
func storedPolicy(ctx context.Context, r store.PolicyReader, tenantID, ref string) (store.Policy, policy.Policy, error) {
	rec, err := policyRef(ctx, r, tenantID, ref)
	if err != nil {
		return rec, policy.Policy{}, err
	}
	p, err := policyOf(rec)
	return rec, p, err
}

// SetPolicyEnabled enables or disables a policy of the tenant (by ID or
// name). A policy that does not validate can be disabled but not
// enabled.
func (s *Service) SetPolicyEnabled(ctx context.Context, actor, tenantID, ref string, enabled bool) (policy.Policy, error) {
	var p policy.Policy
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		rec, err := policyRef(ctx, tx, tenantID, ref)
		if err != nil {
			return err
		}
		if p, err = policyOf(rec); err != nil && enabled {
			return fmt.Errorf("%w: %w", store.ErrInvalid, err)
		}
		p.ID, p.Name = rec.ID, rec.Name
		if enabled {
			// Refuse here what would stop every check of the tenant
			// (policy.NewSet fails on an enabled policy that does not
			// validate, for instance one stored by another version).
			if err := p.Validate(); err != nil {
				return fmt.Errorf("%w: policy %q cannot be enabled: %v", store.ErrInvalid, rec.Name, err)
			}
		}
		now := s.Clock.Now()
		rec.Enabled, rec.UpdatedAt, p.Enabled = enabled, now, enabled
		if err := tx.UpdatePolicy(ctx, rec); err != nil {
			return err
		}
		action := "policy.disabled"
		if enabled {
			action = "policy.enabled"
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, action, "policy:"+rec.ID, map[string]any{"name": rec.Name}, now)
	})
	return p, err
}

// DeletePolicy deletes a policy of the tenant (by ID or name) with its
// assignments and executions.
func (s *Service) DeletePolicy(ctx context.Context, actor, tenantID, ref string) error {
	return s.Store.Update(ctx, func(tx store.Tx) error {
		rec, err := policyRef(ctx, tx, tenantID, ref)
		if err != nil {
			return err
		}
		if err := tx.DeletePolicy(ctx, tenantID, rec.ID); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "policy.deleted", "policy:"+rec.ID, map[string]any{"name": rec.Name}, s.Clock.Now())
	})
}

// Target names what a policy is assigned to: exactly one of an
// application (ID or issuer), a group (name or ID) or a member (email or
// ID) of the policy's tenant.
type Target struct {
	App, Group, Member string
}

// resolve finds t's record in the tenant and returns the assignment it
// makes and words for people.
func (s *Service) resolve(ctx context.Context, tenantID string, t Target) (store.Assignment, string, error) {
	a := store.Assignment{TenantID: tenantID}
	n := 0
	for _, v := range []string{t.App, t.Group, t.Member} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return a, "", fmt.Errorf("%w: give exactly one of --app, --group or --member", store.ErrInvalid)
	}
	switch {
	case t.App != "":
		app, err := s.App(ctx, t.App)
		if err == nil && app.TenantID != tenantID {
			err = fmt.Errorf("application %q is not in this policy's tenant: %w", t.App, store.ErrNotFound)
		}
		a.AppID = app.ID
		return a, "application " + app.Issuer, err
	case t.Group != "":
		g, err := s.Group(ctx, tenantID, t.Group)
		a.GroupID = g.ID
		return a, "group " + g.Name, err
	default:
		m, err := s.Member(ctx, tenantID, t.Member)
		a.MemberID = m.ID
		return a, "member " + m.Email, err
	}
}

// Assign applies the policy (by ID or name) to the target and returns the
// target in words.
func (s *Service) Assign(ctx context.Context, actor, tenantID, ref string, t Target) (string, error) {
	return s.assign(ctx, actor, tenantID, ref, t, true)
}

// Unassign removes the policy's assignment to the target.
func (s *Service) Unassign(ctx context.Context, actor, tenantID, ref string, t Target) (string, error) {
	return s.assign(ctx, actor, tenantID, ref, t, false)
}

func (s *Service) assign(ctx context.Context, actor, tenantID, ref string, t Target, on bool) (string, error) {
	a, what, err := s.resolve(ctx, tenantID, t)
	if err != nil {
		return "", err
	}
	return what, s.Store.Update(ctx, func(tx store.Tx) error {
		rec, err := policyRef(ctx, tx, tenantID, ref)
		if err != nil {
			return err
		}
		a.PolicyID = rec.ID
		now := s.Clock.Now()
		action := "policy.assigned"
		if on {
			a.CreatedAt = now
			err = tx.Assign(ctx, a)
		} else {
			action = "policy.unassigned"
			err = tx.Unassign(ctx, a)
			if errors.Is(err, store.ErrNotFound) {
				err = fmt.Errorf("policy %q is not assigned to %s: %w", rec.Name, what, store.ErrNotFound)
			}
		}
		if err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, action, "policy:"+rec.ID,
			map[string]any{"name": rec.Name, "app": a.AppID, "group": a.GroupID, "member": a.MemberID}, now)
	})
}

// Explain says which of the tenant's policies apply to the account of app
// at instant at from address ip, and which one decides (design §3, steps
// 3 to 5). It reads today's policies, groups and assignments: a past
// instant is explained with the policies as they are now (only alert
// executions are read as they were then). geo may be nil (no GeoIP
// database: on_unknown decides country rules). An account that is not
// enrolled is explained with no owner.
func (s *Service) Explain(ctx context.Context, app store.Application, account string, at time.Time, ip netip.Addr, geo policy.Geo) (policy.Explanation, error) {
	acc := policy.Account{App: app.ID}
	switch a, err := s.Store.Account(ctx, app.ID, account); {
	case err == nil:
		acc.Owner = a.OwnerID
	case !errors.Is(err, store.ErrNotFound):
		return policy.Explanation{}, err
	}
	t, err := PolicyTenant(ctx, s.Store, app.TenantID, at)
	if err != nil {
		return policy.Explanation{}, err
	}
	set, err := policy.NewSet(t, geo)
	if err != nil {
		return policy.Explanation{}, err
	}
	return set.Explain(acc, at, ip), nil
}
