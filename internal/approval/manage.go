package approval

import (
	"context"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Revoke closes the account's open grant at once, on behalf of by: an
// admin of the tenant, or an approver under the approval policy that
// applies to the account (admin.ErrForbidden otherwise). Push receivers
// (webhooks, IAM) are told through the outbox in the same transaction. It
// reports whether a grant was open.
func (s *Service) Revoke(ctx context.Context, actor string, by store.Member, app store.Application, name, reason string) (bool, error) {
	var revoked bool
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		now := s.Clock.Now()
		if by.TenantID != app.TenantID {
			return fmt.Errorf("application %s: %w", app.Issuer, store.ErrNotFound)
		}
		acct, err := tx.Account(ctx, app.ID, name)
		if err != nil {
			return fmt.Errorf("account %q at %s: %w", name, app.Issuer, err)
		}
		if err := MayRevoke(ctx, tx, by, app, acct, now); err != nil {
			return err
		}
		g, err := tx.CurrentGrant(ctx, acct.ID)
		if err != nil && !isNotFound(err) {
			return err
		}
		if revoked, err = tx.RevokeCurrentGrant(ctx, acct.ID, now); err != nil || !revoked {
			return err
		}
		if err := notify.Enqueue(ctx, tx, notify.Change{App: app, Account: acct.Name, Locked: true}, now); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, app.TenantID, actor, "grant.revoked", "account:"+acct.ID,
			map[string]any{"account": acct.Name, "application": app.Issuer, "grant": g.ID, "by": by.ID, "reason": reason}, now)
	})
	return revoked, err
}

// errNoRevoke is MayRevoke's refusal.
var errNoRevoke = fmt.Errorf("%w: only an admin or an approver of the account revokes its grant", admin.ErrForbidden)

// MayRevoke is the rule of Revoke, for those who show its button: nil when
// by may revoke acct's grant at now (an owner or admin of its tenant, or
// an approver under the approval policy that applies to acct),
// admin.ErrForbidden otherwise.
func MayRevoke(ctx context.Context, r store.PolicyReader, by store.Member, app store.Application, acct store.Account, now time.Time) error {
	if by.TenantID != app.TenantID || acct.AppID != app.ID {
		return errNoRevoke
	}
	if isAdmin(by) {
		return nil
	}
	_, rule, err := currentRule(ctx, r, app, acct, now)
	if err != nil {
		return errNoRevoke
	}
	who, err := approvers(ctx, r, app.TenantID, rule, acct)
	if err != nil {
		return err
	}
	if !contains(who, by.ID) {
		return errNoRevoke
	}
	return nil
}

// Item is a request with what people need to judge it.
type Item struct {
	Request   store.UnlockRequest
	Account   store.Account
	App       store.Application
	Requester *store.Member // nil for a request a lock check raised
	Rule      policy.ApprovalRule
	PolicyID  string
	Votes     []store.Vote
	Approvers []string // member IDs
	// Approvals counts the approvals so far, of Rule.Required.
	Approvals int
	// CanVote is set when the member the item was made for may vote now.
	CanVote bool
}

// Show reads one request of the tenant with its votes.
func (s *Service) Show(ctx context.Context, tenantID, id string, viewer store.Member) (Item, error) {
	q, err := s.Store.UnlockRequest(ctx, id)
	if err == nil && q.TenantID != tenantID {
		err = store.ErrNotFound
	}
	if err != nil {
		return Item{}, fmt.Errorf("request %q: %w", id, err)
	}
	return s.item(ctx, q, viewer, s.Clock.Now())
}

func (s *Service) item(ctx context.Context, q store.UnlockRequest, viewer store.Member, now time.Time) (Item, error) {
	it := Item{Request: q, PolicyID: q.PolicyID}
	var err error
	if it.Account, err = s.Store.AccountByID(ctx, q.AccountID); err != nil {
		return it, err
	}
	if it.App, err = s.Store.Application(ctx, q.AppID); err != nil {
		return it, err
	}
	if q.RequestedBy != "" {
		if m, err := s.Store.Member(ctx, q.RequestedBy); err == nil {
			it.Requester = &m
		}
	}
	if it.Votes, err = s.Store.Votes(ctx, q.ID); err != nil {
		return it, err
	}
	if len(q.Rule) > 0 {
		if err := jsonRule(q.Rule, &it.Rule); err != nil {
			return it, err
		}
	} else {
		p, rule, err := currentRule(ctx, s.Store, it.App, it.Account, now)
		if err != nil {
			return it, nil // the owner decides it: no approvers
		}
		it.Rule, it.PolicyID = rule, p.ID
	}
	if it.Approvers, err = approvers(ctx, s.Store, q.TenantID, it.Rule, it.Account); err != nil {
		return it, err
	}
	voted := false
	for _, v := range it.Votes {
		if v.Decision == store.VoteApprove {
			it.Approvals++
		}
		voted = voted || v.MemberID == viewer.ID
	}
	it.CanVote = q.Open(now) && !voted && contains(it.Approvers, viewer.ID)
	return it, nil
}

// Inbox lists the tenant's open requests that member may vote on now,
// newest first: what an approver has to answer.
func (s *Service) Inbox(ctx context.Context, member store.Member, limit int) ([]Item, error) {
	qs, err := s.Store.PendingRequests(ctx, member.TenantID, limit)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	out := []Item{}
	for _, q := range qs {
		if !q.Open(now) {
			continue
		}
		it, err := s.item(ctx, q, member, now)
		if err != nil {
			return nil, err
		}
		if it.CanVote {
			out = append(out, it)
		}
	}
	return out, nil
}

// Mine lists the requests member asked for, newest first, with their
// votes so far.
func (s *Service) Mine(ctx context.Context, member store.Member, limit int) ([]Item, error) {
	qs, err := s.Store.RequestsOfRequester(ctx, member.ID, limit)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	out := make([]Item, 0, len(qs))
	for _, q := range qs {
		it, err := s.item(ctx, q, member, now)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// List lists the tenant's requests of every kind that f picks (its Now
// is the service's clock), newest ID first, at most limit, each with its
// rule, approvers and votes; a request the account's owner decides alone
// has no PolicyID.
func (s *Service) List(ctx context.Context, tenantID string, f store.RequestFilter, limit int) ([]Item, error) {
	f.Now = s.Clock.Now()
	qs, err := s.Store.RequestsOfTenant(ctx, tenantID, f, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(qs))
	for _, q := range qs {
		it, err := s.item(ctx, q, store.Member{}, f.Now)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// Pending lists the tenant's open requests decided by approvals, newest
// first (what an operator sees).
func (s *Service) Pending(ctx context.Context, tenantID string, limit int) ([]Item, error) {
	qs, err := s.Store.PendingRequests(ctx, tenantID, limit)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	out := []Item{}
	for _, q := range qs {
		it, err := s.item(ctx, q, store.Member{}, now)
		if err != nil {
			return nil, err
		}
		if it.PolicyID != "" {
			out = append(out, it)
		}
	}
	return out, nil
}
