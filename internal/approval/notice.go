package approval

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Who is told, and how. Every notice is an outbox message written in the
// transaction that creates or closes the request, on the member channels
// of Service.Notify that each person chose (notify.EnqueueAsk and
// EnqueueDecided say which):
//
//   - each approver who may vote on a new request is asked (an access
//     request, an extension, a sign-in a lock check stopped under an
//     approval policy, an approval request for an operation), except the
//     requester and anyone whose vote would be a self-approval;
//   - the requester hears the outcome: approved, denied or run out,
//     unless they decided it themselves.
//
// Slack sends each approver one message per request: with Approve and
// Deny for an access request, with a link to the portal for an operation.
// It never carries outcomes.

// PolicySets reads a tenant's compiled policies from memory (the node's
// cache, *cache.Cache), so that a sign-in request under no approval policy
// costs its raise no query to find out.
type PolicySets interface {
	PolicySet(ctx context.Context, tenantID string) (*policy.Set, error)
}

var _ access.Approvers = (*Service)(nil)

// Raised implements access.Approvers: a lock check raised the sign-in
// request q of acct; under an approval policy, its approvers are asked.
// The account's owner was told by the raise itself, so as an approver
// (owner_counts) they hear of it only on Slack, which can take their vote.
func (s *Service) Raised(ctx context.Context, tx store.Tx, app store.Application, acct store.Account, q store.UnlockRequest, now time.Time) error {
	if len(s.Notify) == 0 {
		return nil
	}
	if s.Sets != nil {
		set, err := s.Sets.PolicySet(ctx, app.TenantID)
		if err != nil {
			return err
		}
		if _, ok := set.Approval(policy.Account{App: app.ID, Owner: acct.OwnerID}, now); !ok {
			return nil
		}
	}
	_, rule, err := currentRule(ctx, tx, app, acct, now)
	if errors.Is(err, ErrNoApproval) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.askApprovers(ctx, tx, app, acct, q, rule, s.Notify, now)
}

// Expired implements access.Approvers: the request q of acct ran out. Its
// requester hears it when approvers were to decide it: a request asked
// ahead or to extend, or a sign-in under an approval policy (the owner
// decides any other, and was told of it when it was raised).
func (s *Service) Expired(ctx context.Context, tx store.Tx, acct store.Account, q store.UnlockRequest, now time.Time) error {
	if len(s.Notify) == 0 {
		return nil
	}
	app, err := tx.Application(ctx, q.AppID)
	if isNotFound(err) {
		return nil // nothing to tell about an application that is gone; the expiry stands
	} else if err != nil {
		return err
	}
	if q.PolicyID == "" && (q.Kind == "" || q.Kind == store.RequestSignin) {
		// No approval policy: the owner decided it, and heard of it at the
		// raise. Policies that do not read (policy.ErrInvalid) must not
		// keep the request from expiring either: it expires untold.
		if _, _, err := currentRule(ctx, tx, app, acct, now); err != nil {
			return nil
		}
	}
	return s.tellRequester(ctx, tx, app, acct, q, "", now)
}

// askApprovers asks each approver who may vote on q, on those of channels
// they chose.
func (s *Service) askApprovers(ctx context.Context, tx store.Tx, app store.Application, acct store.Account, q store.UnlockRequest, rule policy.ApprovalRule, channels []string, now time.Time) error {
	if len(channels) == 0 {
		return nil
	}
	who, err := approvers(ctx, tx, app.TenantID, rule, acct)
	if err != nil {
		return err
	}
	n, err := requestNotice(ctx, tx, app, acct, q)
	if err != nil {
		return err
	}
	n.Link = "/approvals#request-" + q.ID
	if rule.Sign {
		n.Link = "/approvals/" + q.ID + "/sign"
	}
	signin := q.Kind == "" || q.Kind == store.RequestSignin
	for _, id := range who {
		if selfVote(rule, q, acct, id) {
			continue
		}
		// A member the rule still names after they were removed (or one of
		// another tenant) is not asked: a notice must never fail the raise
		// of the request, which for a sign-in is the lock check's answer.
		m, err := tx.Member(ctx, id)
		if isNotFound(err) || err == nil && m.TenantID != app.TenantID {
			continue
		}
		if err != nil {
			return err
		}
		chs := channels
		if signin && id == acct.OwnerID {
			chs = only(channels, store.ChannelSlack)
		}
		if _, err := notify.EnqueueAsk(ctx, tx, m, n, chs, now); err != nil {
			return err
		}
	}
	return nil
}

// tellRequester tells the requester of q, now closed, its outcome: the
// member who asked, or the account's owner for a sign-in. Nobody is told
// of a decision they made themselves (decider, a member ID).
func (s *Service) tellRequester(ctx context.Context, tx store.Tx, app store.Application, acct store.Account, q store.UnlockRequest, decider string, now time.Time) error {
	id := q.RequestedBy
	if id == "" {
		id = acct.OwnerID
	}
	if len(s.Notify) == 0 || id == "" || id == decider {
		return nil
	}
	m, err := tx.Member(ctx, id)
	if isNotFound(err) || err == nil && m.TenantID != q.TenantID {
		return nil
	}
	if err != nil {
		return err
	}
	n, err := requestNotice(ctx, tx, app, acct, q)
	if err != nil {
		return err
	}
	n.Status, n.Link = q.Status, "/"
	if q.RequestedBy != "" {
		n.Link = "/approvals#mine-" + q.ID
	}
	_, err = notify.EnqueueDecided(ctx, tx, m, n, s.Notify, now)
	return err
}

// requestNotice is the notice about access request q of acct at app.
func requestNotice(ctx context.Context, tx store.Tx, app store.Application, acct store.Account, q store.UnlockRequest) (notify.Notice, error) {
	n := notify.NoticeOf(app, acct.Name, q)
	n.Kind, n.Reason = q.Kind, q.Reason
	if n.Kind == "" {
		n.Kind = store.RequestSignin
	}
	if q.Duration > 0 {
		n.For = q.Duration.String()
	}
	if q.RequestedBy != "" {
		m, err := tx.Member(ctx, q.RequestedBy)
		if err != nil && !isNotFound(err) {
			return n, err
		}
		n.By = memberName(m)
	}
	return n, nil
}

// askOperationApprovers asks each approver of the approval request o,
// but its requester, on the channels they chose (on Slack, a message that
// links to the portal: its buttons vote on access requests only).
func (s *Service) askOperationApprovers(ctx context.Context, tx store.Tx, app store.Application, o store.Operation, now time.Time) error {
	channels := s.Notify
	if len(channels) == 0 {
		return nil
	}
	n := operationNotice(app, o)
	n.Link = "/approvals#operation-" + o.ID
	for _, id := range o.Approvers {
		if id == o.RequesterID {
			continue
		}
		m, err := tx.Member(ctx, id)
		if isNotFound(err) || err == nil && m.TenantID != o.TenantID {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := notify.EnqueueAsk(ctx, tx, m, n, channels, now); err != nil {
			return err
		}
	}
	return nil
}

// tellOperationRequester tells the member whose account the approval
// request o is about its outcome, unless they decided it (decider).
func (s *Service) tellOperationRequester(ctx context.Context, tx store.Tx, app store.Application, o store.Operation, decider string, now time.Time) error {
	if len(s.Notify) == 0 || o.RequesterID == "" || o.RequesterID == decider {
		return nil
	}
	m, err := tx.Member(ctx, o.RequesterID)
	if isNotFound(err) || err == nil && m.TenantID != o.TenantID {
		return nil
	}
	if err != nil {
		return err
	}
	n := operationNotice(app, o)
	n.Status, n.Link = o.Status, "/"
	_, err = notify.EnqueueDecided(ctx, tx, m, n, s.Notify, now)
	return err
}

// operationNotice is the notice about approval request o of app: its
// title, never its filled text or metadata.
func operationNotice(app store.Application, o store.Operation) notify.Notice {
	name := app.Name
	if name == "" {
		name = app.Issuer
	}
	return notify.Notice{Request: o.ID, Application: name, Account: o.Subject, Kind: notify.KindOperation, By: name,
		Title: o.Title, At: o.CreatedAt.UTC(), Expires: o.ExpiresAt.UTC()}
}

// memberName is how a notice names m: "Name <email>", or the email.
func memberName(m store.Member) string {
	if m.Name != "" && m.Email != "" {
		return m.Name + " <" + m.Email + ">"
	}
	return m.Email
}

// only is the channels of chs that are ch.
func only(chs []string, ch string) []string {
	if slices.Contains(chs, ch) {
		return []string{ch}
	}
	return nil
}

// without is chs without ch.
func without(chs []string, ch string) []string {
	out := make([]string, 0, len(chs))
	for _, c := range chs {
		if c != ch {
			out = append(out, c)
		}
	}
	return out
}
