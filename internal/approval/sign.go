package approval

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/passkey"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Statement returns what approver signs to decide request id of the
// tenant (approve or deny), stamped now with a fresh nonce, for the
// portal's sign-to-approve step. The approver must be able to vote on it
// now (ErrNotApprover otherwise, ErrSelfApproval for a self-approval the
// policy forbids). Vote's Verifier checks the signed statement against
// the same fields.
func (s *Service) Statement(ctx context.Context, approver store.Member, id string, approve bool) (evidence.Statement, error) {
	it, err := s.Show(ctx, approver.TenantID, id, approver)
	if err != nil {
		return evidence.Statement{}, err
	}
	if !it.CanVote {
		return evidence.Statement{}, fmt.Errorf("%w: %s cannot vote on request %s now", ErrNotApprover, approver.Email, id)
	}
	if approve && selfVote(it.Rule, it.Request, it.Account, approver.ID) {
		return evidence.Statement{}, ErrSelfApproval
	}
	t, err := s.Store.Tenant(ctx, approver.TenantID)
	if err != nil {
		return evidence.Statement{}, err
	}
	d, err := duration(it.App, it.Rule, it.Request.Duration)
	if err != nil {
		return evidence.Statement{}, err
	}
	return s.stamped(statementOf(t, it.Request, it.PolicyID, it.App, it.Account, it.Requester, approver, voteOf(approve), d))
}

// stamped stamps st now with a fresh nonce.
func (s *Service) stamped(st evidence.Statement) (evidence.Statement, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return evidence.Statement{}, err
	}
	return st.Stamp(s.Clock.Now(), nonce), nil
}

// voteOf is the vote approve stands for: store.VoteApprove or
// store.VoteDeny.
func voteOf(approve bool) string {
	if approve {
		return store.VoteApprove
	}
	return store.VoteDeny
}

// statementOf is the statement of a decision, without its stamp: the
// fields a signature must match.
func statementOf(t store.Tenant, q store.UnlockRequest, policyID string, app store.Application, acct store.Account,
	requester *store.Member, approver store.Member, decision string, d time.Duration) evidence.Statement {
	st := evidence.Statement{
		Request: q.ID, Tenant: t.Name, Application: app.Issuer, Account: acct.Name,
		Reason: q.Reason, DurationSeconds: int64(d / time.Second), Context: map[string]string{},
		Policy: policyID, Decision: decision, Approver: approver.Email, ApproverID: approver.ID,
	}
	if requester != nil {
		st.Requester = requester.Email
	}
	for k, v := range map[string]string{"ip": q.IP, "device": q.Device, "location": q.Location, "integration": q.IntegrationType} {
		if v != "" {
			st.Context[k] = v
		}
	}
	return st
}

// OperationStatement returns what approver signs to decide the approval
// request for an operation id of their tenant, stamped now with a fresh
// nonce, for the portal's sign step. The approver must be able to vote on
// it now (ErrNotApprover otherwise, ErrSelfApproval for an approval of a
// request about their own account).
func (s *Service) OperationStatement(ctx context.Context, approver store.Member, id string, approve bool) (evidence.Statement, error) {
	it, err := s.ShowOperation(ctx, approver.TenantID, id, approver)
	if err != nil {
		return evidence.Statement{}, err
	}
	if !it.CanVote {
		return evidence.Statement{}, fmt.Errorf("%w: %s cannot vote on approval request %s now", ErrNotApprover, approver.Email, id)
	}
	if approve && approver.ID == it.Request.RequesterID {
		return evidence.Statement{}, ErrSelfApproval
	}
	t, err := s.Store.Tenant(ctx, approver.TenantID)
	if err != nil {
		return evidence.Statement{}, err
	}
	var requester *store.Member
	if it.Request.RequesterID != "" {
		if m, err := s.Store.Member(ctx, it.Request.RequesterID); err == nil {
			requester = &m
		}
	}
	return s.stamped(operationStatement(t, it.Request, it.App, requester, approver, voteOf(approve)))
}

// operationStatement is the statement of a decision on an approval request
// for an operation, without its stamp. The account is the request's
// subject at the application; the requester, the member who owns that
// account ("" when none does).
func operationStatement(t store.Tenant, o store.Operation, app store.Application, requester *store.Member, approver store.Member, decision string) evidence.Statement {
	st := evidence.Statement{
		Request: o.ID, Tenant: t.Name, Application: app.Issuer, Account: o.Subject, Context: map[string]string{},
		Decision: decision, Approver: approver.Email, ApproverID: approver.ID,
		Template: o.TemplateKey, Title: o.Title, Text: o.Text, MetaData: o.MetaData,
	}
	if requester != nil {
		st.Requester = requester.Email
	}
	return st
}

// Bounds of a signed statement's issued_at against the time of the vote
// it backs: the portal stamps it when the approver starts to sign, so it
// cannot be later than the vote (beyond clock skew between nodes), nor
// much older (a statement kept aside and signed later).
const (
	MaxSignAge  = 10 * time.Minute
	MaxSignSkew = time.Minute
)

// ErrStale: a signed statement was issued too long before the vote, or
// after it.
var ErrStale = errors.New("the signed statement's issued_at is too far from the vote")

// PasskeyVerifier is the Verifier of signed votes: the evidence must be
// an assertion by one of the approver's registered passkeys over the
// canonical statement of exactly this decision (passkey.CheckSignature,
// evidence.Statement.SameDecision), issued within MaxSignAge before the
// vote.
type PasskeyVerifier struct {
	Passkeys *passkey.Service
}

// VerifyVote implements Verifier.
func (v PasskeyVerifier) VerifyVote(ctx context.Context, r store.Reader, in Signed) error {
	got, err := v.Passkeys.CheckSignature(ctx, in.Approver, []byte(in.Evidence))
	if err != nil {
		return err
	}
	if err := fresh(got.Statement, in.At); err != nil {
		return err
	}
	if in.Operation != nil {
		t, err := r.Tenant(ctx, in.Operation.TenantID)
		if err != nil {
			return err
		}
		return got.Statement.SameDecision(operationStatement(t, *in.Operation, in.App, in.Requester, in.Approver, in.Decision))
	}
	t, err := r.Tenant(ctx, in.Request.TenantID)
	if err != nil {
		return err
	}
	var rule policy.ApprovalRule
	if len(in.Request.Rule) > 0 {
		if err := jsonRule(in.Request.Rule, &rule); err != nil {
			return err
		}
	}
	d, err := duration(in.App, rule, in.Request.Duration)
	if err != nil {
		return err
	}
	return got.Statement.SameDecision(statementOf(t, in.Request, in.PolicyID, in.App, in.Account, in.Requester, in.Approver, in.Decision, d))
}

// fresh checks st's issued_at against the vote's time at.
func fresh(st evidence.Statement, at time.Time) error {
	issued, err := time.Parse(time.RFC3339, st.IssuedAt)
	if err != nil {
		return fmt.Errorf("%w: issued_at %q does not read", ErrStale, st.IssuedAt)
	}
	if issued.After(at.Add(MaxSignSkew)) || issued.Before(at.Add(-MaxSignAge)) {
		return fmt.Errorf("%w: issued at %s, voted at %s (at most %s before)", ErrStale, st.IssuedAt,
			at.UTC().Format(time.RFC3339), MaxSignAge)
	}
	return nil
}
