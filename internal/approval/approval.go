package approval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Errors of the approval paths; httpx maps each to its own code.
var (
	// ErrNoApproval: no approval policy applies to the account, so its
	// owner unlocks it directly.
	ErrNoApproval = errors.New("no approval policy applies to the account: its owner unlocks it directly")
	// ErrNotApprover: the member is not one of the request's approvers.
	ErrNotApprover = errors.New("not an approver of this request")
	// ErrSelfApproval: the member asked for the unlock (or owns the
	// account without counting as an approver) and the policy does not
	// allow self-approval.
	ErrSelfApproval = errors.New("approving one's own request is not allowed by the policy")
	// ErrSignatureRequired: the policy says sign and the approval carries
	// no signed assertion that the Verifier accepts (a CLI approval never
	// does).
	ErrSignatureRequired = errors.New("the policy requires a passkey-signed approval")
	// ErrSameActor: the request already has a vote cast by the same actor
	// (an API token voting "as" several members, say). One actor, one
	// vote: a quorum of K must be K actors, not K names one actor picks.
	ErrSameActor = errors.New("this actor has already voted on the request")
)

// Channels a vote is cast on.
const (
	ChannelPortal = "portal"
	ChannelCLI    = "cli"
	ChannelSlack  = "slack"
	ChannelAPI    = "api"
)

// Verifier checks the signed assertion behind a vote: that it is the
// approver's passkey signing the request's canonical statement with this
// decision. Package evidence implements it. It runs inside the vote's
// transaction and reads through r.
type Verifier interface {
	VerifyVote(ctx context.Context, r store.Reader, v Signed) error
}

// Signed is what a Verifier checks: a vote on an access request
// (Request), or on an approval request for an operation when Operation is
// set.
type Signed struct {
	Operation *store.Operation
	Request   store.UnlockRequest
	PolicyID  string
	App       store.Application
	Account   store.Account
	Requester *store.Member // nil for a request a lock check raised
	Approver  store.Member
	Decision  string // store.VoteApprove or store.VoteDeny
	Evidence  string // the vote's evidence JSON as given
	At        time.Time
}

// Service asks for, votes on, extends and revokes access. It is safe for
// concurrent use.
type Service struct {
	Store interface {
		store.Reader
		store.Updater
	}
	Clock clock.Clock
	// Notify lists the member channels (store.ChannelEmail,
	// store.ChannelPush, store.ChannelSlack) this deployment delivers on:
	// each approver of a new request, and each requester of a closed one,
	// is told on those they chose (Slack: if they linked it), through the
	// outbox (see notice.go).
	Notify []string
	// Sets, if set, reads compiled policies from memory: a sign-in
	// request under no approval policy then costs its raise no query
	// (Raised).
	Sets PolicySets
	// Verifier checks signed votes; nil refuses every vote a policy says
	// to sign.
	Verifier Verifier
	// Changed, if set, is called after each committed decision. It must
	// not block.
	Changed func(access.RequestChange)
}

// Ask says what access a member asks for.
type Ask struct {
	Reason string
	// For is how long; zero means the application's default (capped by
	// the policy's maximum).
	For time.Duration
	// Start, if set and later than the quorum, is when the grant starts.
	Start time.Time
}

// maxReason bounds a request's reason, in bytes.
const maxReason = 1000

// Create asks for access to account name at app ahead of time, on
// behalf of requester. An approval policy must apply to the account
// (ErrNoApproval otherwise). The account's approvers are notified.
func (s *Service) Create(ctx context.Context, actor string, requester store.Member, app store.Application, name string, a Ask) (store.UnlockRequest, error) {
	return s.ask(ctx, actor, requester, app, name, a, store.RequestAhead)
}

// Extend asks to extend the account's open grant by a.For, through the
// same approvals.
func (s *Service) Extend(ctx context.Context, actor string, requester store.Member, app store.Application, name string, a Ask) (store.UnlockRequest, error) {
	return s.ask(ctx, actor, requester, app, name, a, store.RequestExtend)
}

func (s *Service) ask(ctx context.Context, actor string, requester store.Member, app store.Application, name string, a Ask, kind string) (store.UnlockRequest, error) {
	if strings.TrimSpace(a.Reason) == "" || len(a.Reason) > maxReason {
		return store.UnlockRequest{}, fmt.Errorf("%w: a reason of 1 to %d bytes is required", store.ErrInvalid, maxReason)
	}
	if a.For < 0 {
		return store.UnlockRequest{}, fmt.Errorf("%w: duration %s is negative", store.ErrInvalid, a.For)
	}
	var out store.UnlockRequest
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		now := s.Clock.Now()
		if requester.TenantID != app.TenantID {
			return fmt.Errorf("application %s: %w", app.Issuer, store.ErrNotFound)
		}
		acct, err := tx.Account(ctx, app.ID, name)
		if err != nil {
			return fmt.Errorf("account %q at %s: %w", name, app.Issuer, err)
		}
		if acct.OwnerID != requester.ID && !isAdmin(requester) {
			return fmt.Errorf("%w: only the account's owner or an admin asks for its access", admin.ErrForbidden)
		}
		pol, rule, err := currentRule(ctx, tx, app, acct, now)
		if err != nil {
			return err
		}
		d, err := duration(app, rule, a.For)
		if err != nil {
			return err
		}
		if !a.Start.IsZero() && a.Start.Before(now.Add(-time.Minute)) {
			return fmt.Errorf("%w: start %s is in the past", store.ErrInvalid, a.Start.UTC().Format(time.RFC3339))
		}
		q := store.UnlockRequest{ID: ids.New(), TenantID: app.TenantID, AppID: app.ID, AccountID: acct.ID, Kind: kind,
			RequestedBy: requester.ID, Reason: a.Reason, Duration: d, StartsAt: a.Start, PolicyID: pol.ID,
			UpdatedAt: now, ExpiresAt: now.Add(rule.TTL())}
		if kind == store.RequestExtend {
			g, err := tx.CurrentGrant(ctx, acct.ID)
			if err != nil || !g.Usable(now) {
				return fmt.Errorf("%w: account %q has no open grant to extend", store.ErrInvalid, name)
			}
			q.ExtendsGrant, q.StartsAt = g.ID, time.Time{}
		}
		if q.Rule, err = json.Marshal(rule); err != nil {
			return err
		}
		if out, err = tx.AskRequest(ctx, q); err != nil {
			return err
		}
		if err := store.AppendAudit(ctx, tx, app.TenantID, actor, "request."+kind, "request:"+out.ID, map[string]any{
			"account": acct.Name, "application": app.Issuer, "requester": requester.ID, "reason": a.Reason,
			"duration": d.String(), "start": a.Start, "policy": pol.ID, "expires": out.ExpiresAt,
		}, now); err != nil {
			return err
		}
		// A pending sign-in request this one took over (same ID) asked
		// the approvers already, Slack's message included, whose buttons
		// vote on it still: email and push say what is asked now.
		channels := s.Notify
		if out.ID != q.ID {
			channels = without(channels, store.ChannelSlack)
		}
		return s.askApprovers(ctx, tx, app, acct, out, rule, channels, now)
	})
	return out, err
}

func isAdmin(m store.Member) bool { return m.Role == store.RoleOwner || m.Role == store.RoleAdmin }

// currentRule is the approval policy that applies to acct now.
func currentRule(ctx context.Context, r store.PolicyReader, app store.Application, acct store.Account, now time.Time) (policy.Policy, policy.ApprovalRule, error) {
	t, err := admin.PolicyTenant(ctx, r, app.TenantID, now)
	if err != nil {
		return policy.Policy{}, policy.ApprovalRule{}, err
	}
	set, err := policy.NewSet(t, nil)
	if err != nil {
		return policy.Policy{}, policy.ApprovalRule{}, err
	}
	p, ok := set.Approval(policy.Account{App: app.ID, Owner: acct.OwnerID}, now)
	if !ok {
		return p, policy.ApprovalRule{}, fmt.Errorf("%w: account %q at %s", ErrNoApproval, acct.Name, app.Issuer)
	}
	return p, *p.Approval, nil
}

// subjectOf reads, inside tx, the application and account q is about and
// the rule that decides it (ruleOf).
func subjectOf(ctx context.Context, tx store.Tx, q *store.UnlockRequest, now time.Time) (store.Application, store.Account, policy.ApprovalRule, error) {
	acct, err := tx.AccountByID(ctx, q.AccountID)
	if err != nil {
		return store.Application{}, acct, policy.ApprovalRule{}, err
	}
	app, err := tx.Application(ctx, q.AppID)
	if err != nil {
		return app, acct, policy.ApprovalRule{}, err
	}
	rule, err := ruleOf(ctx, tx, app, acct, q, now)
	return app, acct, rule, err
}

// ruleOf is the rule that decides q: the one it keeps, else the policy
// that applies now, which it then keeps.
func ruleOf(ctx context.Context, tx store.Tx, app store.Application, acct store.Account, q *store.UnlockRequest, now time.Time) (policy.ApprovalRule, error) {
	var rule policy.ApprovalRule
	if len(q.Rule) > 0 {
		if err := json.Unmarshal(q.Rule, &rule); err != nil {
			return rule, fmt.Errorf("request %s: its rule does not read: %w", q.ID, err)
		}
		return rule, nil
	}
	p, rule, err := currentRule(ctx, tx, app, acct, now)
	if err != nil {
		return rule, err
	}
	b, err := json.Marshal(rule)
	if err != nil {
		return rule, err
	}
	if _, err := tx.SetRequestRule(ctx, q.ID, p.ID, b); err != nil {
		return rule, err
	}
	q.PolicyID, q.Rule = p.ID, b
	return rule, nil
}

// approvers lists the member IDs who approve under rule for acct, sorted.
func approvers(ctx context.Context, r store.PolicyReader, tenantID string, rule policy.ApprovalRule, acct store.Account) ([]string, error) {
	set := map[string]bool{}
	for _, id := range rule.Members {
		set[id] = true
	}
	if rule.OwnerCounts && acct.OwnerID != "" {
		set[acct.OwnerID] = true
	}
	if len(rule.Groups) > 0 {
		gms, err := r.GroupMembers(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		for _, gm := range gms {
			if slices.Contains(rule.Groups, gm.GroupID) {
				set[gm.MemberID] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// present keeps of who the members that still exist in tenantID, in
// order. A policy may still name a member removed since (its rule, or the
// rule a request keeps, holds their ID): they can vote no more, so they
// neither count toward the quorum that is still possible nor have their
// earlier votes counted.
func present(ctx context.Context, r store.MemberReader, tenantID string, who []string) ([]string, error) {
	out := make([]string, 0, len(who))
	for _, id := range who {
		m, err := r.Member(ctx, id)
		if isNotFound(err) || err == nil && m.TenantID != tenantID {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// selfVote reports whether memberID voting on q would approve their own
// access: they asked for it, or they own the account without counting as
// its owner.
func selfVote(rule policy.ApprovalRule, q store.UnlockRequest, acct store.Account, memberID string) bool {
	if rule.AllowSelf {
		return false
	}
	return memberID == q.RequestedBy || memberID == acct.OwnerID && !rule.OwnerCounts
}

// duration is how long a grant asked for d lasts: the application's
// default when zero, refused beyond the policy's or the application's
// maximum.
func duration(app store.Application, rule policy.ApprovalRule, d time.Duration) (time.Duration, error) {
	most := app.MaxUnlock
	if rule.MaxDuration > 0 && rule.MaxDuration < most {
		most = rule.MaxDuration
	}
	if d == 0 {
		d = min(app.DefaultUnlock, most)
	}
	if d > most {
		return 0, fmt.Errorf("%w: %s asked, %s at most for %s under its approval policy", access.ErrTooLong, d, most, app.Issuer)
	}
	return d, nil
}

func jsonRule(b []byte, r *policy.ApprovalRule) error { return json.Unmarshal(b, r) }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
