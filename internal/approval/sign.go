package approval

import (
	"context"
	"crypto/rand"
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
	decision := store.VoteDeny
	if approve {
		decision = store.VoteApprove
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return evidence.Statement{}, err
	}
	return statementOf(t, it.Request, it.PolicyID, it.App, it.Account, it.Requester, approver, decision, d).Stamp(s.Clock.Now(), nonce), nil
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

// PasskeyVerifier is the Verifier of signed votes: the evidence must be
// an assertion by one of the approver's registered passkeys over the
// canonical statement of exactly this decision (passkey.CheckSignature,
// evidence.Statement.SameDecision).
type PasskeyVerifier struct {
	Passkeys *passkey.Service
}

// VerifyVote implements Verifier.
func (v PasskeyVerifier) VerifyVote(ctx context.Context, r store.Reader, in Signed) error {
	got, err := v.Passkeys.CheckSignature(ctx, in.Approver, []byte(in.Evidence))
	if err != nil {
		return err
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
