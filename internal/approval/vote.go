package approval

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Ballot is one approver's vote.
type Ballot struct {
	RequestID string
	Voter     store.Member // the approver
	Approve   bool
	// Channel is where it was cast (ChannelPortal, ChannelCLI, …); Actor
	// is the audit actor (the operator, for ChannelCLI).
	Channel string
	Actor   string
	Comment string
	// Evidence is the signed assertion behind the vote, as JSON (package
	// evidence's Signature); empty for an unsigned vote. A ChannelCLI vote
	// never carries one.
	Evidence string
}

// Outcome is a request after a vote.
type Outcome struct {
	Request store.UnlockRequest
	Votes   []store.Vote
	// Grant is the grant the vote's quorum made, if it made one now.
	Grant *store.Grant
	// Decided is set when this vote decided the request.
	Decided bool
}

// Vote casts b. The voter must be one of the request's approvers
// (ErrNotApprover), may not approve their own access unless the policy
// allows it (ErrSelfApproval), and votes once (store.ErrConflict). One
// actor votes once too (ErrSameActor; not the CLI's operator). A
// policy that says sign takes only votes (denials too) whose Evidence the Verifier
// accepts (ErrSignatureRequired). A request already decided or run out is
// access.ErrRequestClosed; one of another tenant is store.ErrNotFound.
//
// The vote that brings the K-th approval approves the request and, in the
// same transaction, opens the account from now (or from the request's
// start, when later) for the asked duration; the vote that denies it
// denies it. Votes on one request run one at a time (LockRequest), so of
// any number of concurrent votes exactly one decides.
func (s *Service) Vote(ctx context.Context, b Ballot) (Outcome, error) {
	decision := voteOf(b.Approve)
	if b.Channel == ChannelCLI && b.Evidence != "" {
		return Outcome{}, fmt.Errorf("%w: a CLI vote carries no signature", store.ErrInvalid)
	}
	var out Outcome
	var change access.RequestChange
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		out, change = Outcome{}, access.RequestChange{}
		now := s.Clock.Now()
		q, err := tx.LockRequest(ctx, b.RequestID)
		if err == nil && q.TenantID != b.Voter.TenantID {
			err = store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("request %q: %w", b.RequestID, err)
		}
		if !q.Open(now) {
			return access.ErrRequestClosed
		}
		app, acct, rule, err := subjectOf(ctx, tx, &q, now)
		if err != nil {
			return err
		}
		who, err := approvers(ctx, tx, q.TenantID, rule, acct)
		if err == nil {
			who, err = present(ctx, tx, q.TenantID, who)
		}
		if err != nil {
			return err
		}
		if !contains(who, b.Voter.ID) {
			return fmt.Errorf("%w: %s", ErrNotApprover, b.Voter.Email)
		}
		if b.Approve && selfVote(rule, q, acct, b.Voter.ID) {
			return ErrSelfApproval
		}
		cast, err := tx.Votes(ctx, q.ID)
		if err != nil {
			return err
		}
		if err := sameActor(b, cast); err != nil {
			return err
		}
		// Under sign, every vote is signed, a denial too: a denial decides
		// as surely as an approval, and the evidence must show who gave it.
		if rule.Sign || b.Evidence != "" {
			if err := s.verify(ctx, tx, q, app, acct, b, decision, now); err != nil {
				return err
			}
		}
		v := store.Vote{RequestID: q.ID, TenantID: q.TenantID, MemberID: b.Voter.ID, Decision: decision,
			Channel: b.Channel, Actor: b.Actor, Comment: b.Comment, Evidence: b.Evidence, At: now}
		if err := tx.CastVote(ctx, v); err != nil {
			return err
		}
		if err := store.AppendAudit(ctx, tx, q.TenantID, b.Actor, "request.voted", "request:"+q.ID, map[string]any{
			"account": acct.Name, "application": app.Issuer, "approver": b.Voter.ID, "decision": decision,
			"channel": b.Channel, "signed": b.Evidence != "", "comment": b.Comment, "policy": q.PolicyID,
		}, now); err != nil {
			return err
		}
		votes, err := tx.Votes(ctx, q.ID)
		if err != nil {
			return err
		}
		out.Votes = votes
		status := tally(rule, q, acct, who, votes)
		if status == store.RequestPending {
			out.Request = q
			return nil
		}
		if err := s.decide(ctx, tx, &out, q, app, acct, rule, status, b.Actor, now); err != nil {
			return err
		}
		if err := s.tellRequester(ctx, tx, app, acct, out.Request, b.Voter.ID, now); err != nil {
			return err
		}
		change = access.RequestChange{OwnerID: acct.OwnerID, Request: out.Request, Account: acct, App: app}
		return nil
	})
	if err != nil {
		return Outcome{}, err
	}
	if out.Decided && s.Changed != nil && change.OwnerID != "" {
		s.Changed(change)
	}
	return out, nil
}

func (s *Service) verify(ctx context.Context, tx store.Tx, q store.UnlockRequest, app store.Application, acct store.Account, b Ballot, decision string, now time.Time) error {
	if b.Evidence == "" || b.Channel == ChannelCLI {
		return fmt.Errorf("%w: sign the approval with your passkey in the portal", ErrSignatureRequired)
	}
	if s.Verifier == nil {
		return fmt.Errorf("%w: this server cannot check signatures", ErrSignatureRequired)
	}
	in := Signed{Request: q, PolicyID: q.PolicyID, App: app, Account: acct, Approver: b.Voter, Decision: decision, Evidence: b.Evidence, At: now}
	if q.RequestedBy != "" {
		m, err := tx.Member(ctx, q.RequestedBy)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil {
			in.Requester = &m
		}
	}
	if err := s.Verifier.VerifyVote(ctx, tx, in); err != nil {
		return fmt.Errorf("%w: %w", ErrSignatureRequired, err)
	}
	return nil
}

// tally decides what votes make of q: store.RequestApproved at the
// quorum, store.RequestDenied at the first denial (DenyFirst) or once the
// quorum is out of reach (DenyQuorum), else store.RequestPending. Only
// the votes of current approvers count.
func tally(rule policy.ApprovalRule, q store.UnlockRequest, acct store.Account, who []string, votes []store.Vote) string {
	approvals, denials := 0, 0
	for _, v := range votes {
		if !contains(who, v.MemberID) {
			continue
		}
		if v.Decision == store.VoteApprove && !selfVote(rule, q, acct, v.MemberID) {
			approvals++
		} else if v.Decision == store.VoteDeny {
			denials++
		}
	}
	possible := 0 // approvers who could still approve
	for _, id := range who {
		if !selfVote(rule, q, acct, id) {
			possible++
		}
	}
	switch {
	case approvals >= rule.Required:
		return store.RequestApproved
	case denials > 0 && rule.DeniesOnFirst():
		return store.RequestDenied
	case denials >= rule.Required || possible-denials < rule.Required:
		return store.RequestDenied
	}
	return store.RequestPending
}

// decide records the decision status of q; an approval whose start has
// come opens the account now.
func (s *Service) decide(ctx context.Context, tx store.Tx, out *Outcome, q store.UnlockRequest, app store.Application, acct store.Account, rule policy.ApprovalRule, status, actor string, now time.Time) error {
	data := map[string]any{"account": acct.Name, "application": app.Issuer, "policy": q.PolicyID, "votes": len(out.Votes)}
	grantID := ""
	if status == store.RequestApproved && !q.StartsAt.After(now) {
		g, err := s.open(ctx, tx, q, app, acct, rule, now)
		if err != nil {
			return err
		}
		out.Grant, grantID = &g, g.ID
		data["grant"], data["until"] = g.ID, g.Until
	} else if status == store.RequestApproved {
		data["starts"] = q.StartsAt
	}
	ok, err := tx.DecideRequest(ctx, q.ID, status, actor, grantID, now)
	if err != nil {
		return err
	}
	if !ok {
		return access.ErrRequestClosed
	}
	if err := store.AppendAudit(ctx, tx, q.TenantID, actor, "request."+status, "request:"+q.ID, data, now); err != nil {
		return err
	}
	q.Status, q.DecidedBy, q.DecidedAt, q.GrantID = status, actor, now, grantID
	out.Request, out.Decided = q, true
	return nil
}

// open grants the access q asked for, from now: for q.Duration (the
// application's default when zero, capped again by the rule), added to
// the end of the grant it extends when that grant is still open.
func (s *Service) open(ctx context.Context, tx store.Tx, q store.UnlockRequest, app store.Application, acct store.Account, rule policy.ApprovalRule, now time.Time) (store.Grant, error) {
	d, err := duration(app, rule, q.Duration)
	if err != nil {
		return store.Grant{}, err
	}
	if q.Kind == store.RequestExtend {
		if g, err := tx.CurrentGrant(ctx, acct.ID); err == nil && g.ID == q.ExtendsGrant && g.Usable(now) {
			d += g.Until.Sub(now)
		}
	}
	return access.GrantTx(ctx, tx, "request:"+q.ID, app, acct, d, false, "approved request "+q.ID, now)
}

// StartDue opens the accounts of approved requests whose start has come,
// each in its own transaction, and returns how many it opened. Of several
// nodes running it at once, each request is opened by one. It is a
// background job.
func (s *Service) StartDue(ctx context.Context) (int, error) {
	total := 0
	for {
		now := s.Clock.Now()
		qs, err := s.Store.StartingRequests(ctx, now, 100)
		if err != nil || len(qs) == 0 {
			return total, err
		}
		for _, q := range qs {
			err := s.Store.Update(ctx, func(tx store.Tx) error {
				q, err := tx.LockRequest(ctx, q.ID)
				if err != nil || q.Status != store.RequestApproved || q.GrantID != "" {
					return err
				}
				app, acct, rule, err := subjectOf(ctx, tx, &q, now)
				if err != nil {
					return err
				}
				g, err := s.open(ctx, tx, q, app, acct, rule, now)
				if err != nil {
					return err
				}
				if ok, err := tx.StartRequest(ctx, q.ID, g.ID); err != nil || !ok {
					return errors.Join(err, access.ErrRequestClosed)
				}
				total++
				return store.AppendAudit(ctx, tx, q.TenantID, "system:approval-start", "request.started", "request:"+q.ID,
					map[string]any{"account": acct.Name, "grant": g.ID, "until": g.Until}, now)
			})
			if err != nil && !errors.Is(err, access.ErrRequestClosed) {
				return total, err
			}
		}
		if len(qs) < 100 {
			return total, nil
		}
	}
}

// sameActor refuses b when votes hold one its actor cast already. The
// CLI is exempt: its actor is the server's operator, who may run
// anything and votes with --as by design.
func sameActor(b Ballot, votes []store.Vote) error {
	if b.Channel == ChannelCLI || b.Actor == "" {
		return nil
	}
	for _, v := range votes {
		if v.Actor == b.Actor && v.MemberID != b.Voter.ID { // one member's second vote is store.ErrConflict
			return fmt.Errorf("%w: %s voted on it as member %s", ErrSameActor, b.Actor, v.MemberID)
		}
	}
	return nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
