package approval

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// Approval requests for any operation (NL3 approvalRequest): an
// application asks its tenant's approvers to approve something that is not
// an unlock, from a template. The request keeps a copy of the template and
// the approvers it resolved, so that later edits change nothing under way.
// Votes are counted like those on access requests: one transaction at a
// time per request (store.OperationTx.LockOperation), K approvals approve,
// a denial denies at once (deny_on first) or once K approvals can no
// longer come (quorum), and a request left unanswered expires. Each
// decision reaches the application as a signed approval.decided webhook,
// through the outbox, in the transaction that makes it.

// OperationAsk is what an application asks for.
type OperationAsk struct {
	// Template is the template's key (NL3 templateId).
	Template string
	// Approvers, if any, are emails that narrow the template's approvers
	// to those named; each must be one of them.
	Approvers []string
	// MetaData fills the template's ${key} placeholders.
	MetaData map[string]string
}

// Limits of an approval request's metadata.
const (
	MaxMetaKeys  = 50
	MaxMetaValue = 1000 // bytes
)

var metaKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`)

// AskOperation stores the approval request app asks for about subject (the
// user at app its token names) and returns it pending. The template must be
// one of the tenant's (store.ErrNotFound otherwise); bad metadata or
// approvers are store.ErrInvalid naming the problem. The member who owns
// subject's account at app may not approve it, and there must be enough
// other approvers to reach the template's K.
func (s *Service) AskOperation(ctx context.Context, app store.Application, subject string, a OperationAsk) (store.Operation, error) {
	if err := checkMeta(a.MetaData); err != nil {
		return store.Operation{}, err
	}
	if subject == "" {
		return store.Operation{}, fmt.Errorf("%w: the token names no subject (sub)", store.ErrInvalid)
	}
	var out store.Operation
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		now := s.Clock.Now()
		t, err := tx.Template(ctx, app.TenantID, strings.TrimSpace(a.Template))
		if err != nil {
			return fmt.Errorf("template %q: %w", a.Template, err)
		}
		who, err := templateApprovers(ctx, tx, t)
		if err != nil {
			return err
		}
		if len(a.Approvers) > 0 {
			named := []string{}
			for _, email := range a.Approvers {
				m, err := tx.MemberByEmail(ctx, app.TenantID, strings.TrimSpace(email))
				if err != nil || !slices.Contains(who, m.ID) {
					return fmt.Errorf("%w: approver %q is not one of template %s's approvers", store.ErrInvalid, email, t.Key)
				}
				if !slices.Contains(named, m.ID) {
					named = append(named, m.ID)
				}
			}
			slices.Sort(named)
			who = named
		}
		requester := ""
		if acct, err := tx.Account(ctx, app.ID, subject); err == nil {
			requester = acct.OwnerID
		} else if !isNotFound(err) {
			return err
		}
		if n := len(who) - btoi(slices.Contains(who, requester)); n < t.Approvals {
			return fmt.Errorf("%w: template %s needs %d approvals and only %d approvers can give them", store.ErrInvalid, t.Key, t.Approvals, n)
		}
		expiry := t.Expiry
		if expiry == 0 {
			expiry = store.DefaultOperationExpiry
		}
		meta := map[string]string{}
		for k, v := range a.MetaData {
			meta[k] = v
		}
		out = store.Operation{ID: ids.New(), TenantID: app.TenantID, AppID: app.ID, Subject: subject, RequesterID: requester,
			TemplateID: t.ID, TemplateKey: t.Key, Title: t.Title, Text: admin.RenderTemplate(t.Text, meta), MetaData: meta,
			Mode: t.Mode, Approvers: who, Approvals: t.Approvals, DenyOn: t.DenyOn, Status: store.RequestPending,
			CreatedAt: now, ExpiresAt: now.Add(expiry)}
		if err := tx.CreateOperation(ctx, out); err != nil {
			return err
		}
		if err := s.askOperationApprovers(ctx, tx, app, out, now); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, app.TenantID, "app:"+app.Issuer, "operation.requested", "operation:"+out.ID, map[string]any{
			"template": t.Key, "application": app.Issuer, "subject": subject, "approvers": who, "approvals": t.Approvals,
			"mode": t.Mode, "metadata": meta, "expires": out.ExpiresAt,
		}, now)
	})
	return out, err
}

// checkMeta refuses metadata that could not be shown or signed as is.
func checkMeta(meta map[string]string) error {
	if len(meta) > MaxMetaKeys {
		return fmt.Errorf("%w: metaData has %d keys, at most %d", store.ErrInvalid, len(meta), MaxMetaKeys)
	}
	for k, v := range meta {
		switch {
		case !metaKey.MatchString(k):
			return fmt.Errorf("%w: metaData key %.70q: use letters, digits, _ . - (at most 64), starting with a letter or _", store.ErrInvalid, k)
		case len(v) > MaxMetaValue:
			return fmt.Errorf("%w: metaData %s is longer than %d bytes", store.ErrInvalid, k, MaxMetaValue)
		case !utf8.ValidString(v):
			return fmt.Errorf("%w: metaData %s is not valid UTF-8", store.ErrInvalid, k)
		}
	}
	return nil
}

// templateApprovers lists the members who approve t's requests, sorted:
// its approvers and the members of its groups who still exist.
func templateApprovers(ctx context.Context, r store.Reader, t store.Template) ([]string, error) {
	set := map[string]bool{}
	for _, id := range t.Approvers {
		set[id] = true
	}
	if len(t.ApproverGroups) > 0 {
		gms, err := r.GroupMembers(ctx, t.TenantID)
		if err != nil {
			return nil, err
		}
		for _, gm := range gms {
			if slices.Contains(t.ApproverGroups, gm.GroupID) {
				set[gm.MemberID] = true
			}
		}
	}
	out := []string{}
	for id := range set {
		m, err := r.Member(ctx, id)
		if isNotFound(err) || err == nil && m.TenantID != t.TenantID {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// OperationItem is an approval request with its votes, as people see it.
type OperationItem struct {
	Request store.Operation
	App     store.Application
	Votes   []store.Vote
	// Decisions are the votes with the approvers' emails.
	Decisions []webhook.Decision
	// CanVote is set when the member the item was made for may vote now.
	CanVote bool
}

// Signs reports whether votes on the request must be passkey-signed.
func (it OperationItem) Signs() bool { return it.Request.Mode == store.ModeSignAndApprove }

// ShowOperation reads the tenant's approval request id with its votes.
func (s *Service) ShowOperation(ctx context.Context, tenantID, id string, viewer store.Member) (OperationItem, error) {
	o, err := s.Store.Operation(ctx, tenantID, id)
	if err != nil {
		return OperationItem{}, fmt.Errorf("approval request %q: %w", id, err)
	}
	return s.operationItem(ctx, s.Store, o, viewer, s.Clock.Now())
}

func (s *Service) operationItem(ctx context.Context, r store.Reader, o store.Operation, viewer store.Member, now time.Time) (OperationItem, error) {
	it := OperationItem{Request: o}
	var err error
	if it.App, err = r.Application(ctx, o.AppID); err != nil {
		return it, err
	}
	if it.Votes, err = r.OperationVotes(ctx, o.ID); err != nil {
		return it, err
	}
	if it.Decisions, err = decisions(ctx, r, it.Votes); err != nil {
		return it, err
	}
	voted := slices.ContainsFunc(it.Votes, func(v store.Vote) bool { return v.MemberID == viewer.ID })
	it.CanVote = o.Open(now) && !voted && slices.Contains(o.Approvers, viewer.ID)
	return it, nil
}

// decisions words votes for the application: who (by email), what, when.
func decisions(ctx context.Context, r store.MemberReader, votes []store.Vote) ([]webhook.Decision, error) {
	out := make([]webhook.Decision, 0, len(votes))
	for _, v := range votes {
		email := v.MemberID
		if m, err := r.Member(ctx, v.MemberID); err == nil {
			email = m.Email
		} else if !isNotFound(err) {
			return nil, err
		}
		out = append(out, webhook.Decision{Approver: email, Decision: v.Decision, Comment: v.Comment, Signed: v.Evidence != "", At: v.At.UTC()})
	}
	return out, nil
}

// OperationInbox lists the tenant's open approval requests member may vote
// on now, newest first.
func (s *Service) OperationInbox(ctx context.Context, member store.Member, limit int) ([]OperationItem, error) {
	os, err := s.Store.PendingOperations(ctx, member.TenantID, limit)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	out := []OperationItem{}
	for _, o := range os {
		if !o.Open(now) || !slices.Contains(o.Approvers, member.ID) {
			continue
		}
		it, err := s.operationItem(ctx, s.Store, o, member, now)
		if err != nil {
			return nil, err
		}
		if it.CanVote {
			out = append(out, it)
		}
	}
	return out, nil
}

// VoteOperation casts b on an approval request for an operation (b's
// RequestID). The voter must be one of its approvers (ErrNotApprover), may
// not approve a request about their own account (ErrSelfApproval), and
// votes once (store.ErrConflict), as does each actor (ErrSameActor; not
// the CLI's operator). Under sign_and_approve every vote,
// approval or denial, must carry a signature the Verifier accepts
// (ErrSignatureRequired). A request decided or run out is
// access.ErrRequestClosed; one of another tenant store.ErrNotFound. The
// vote that decides writes the approval.decided webhook in its
// transaction; of concurrent votes exactly one decides.
func (s *Service) VoteOperation(ctx context.Context, b Ballot) (OperationItem, bool, error) {
	decision := voteOf(b.Approve)
	if b.Channel == ChannelCLI && b.Evidence != "" {
		return OperationItem{}, false, fmt.Errorf("%w: a CLI vote carries no signature", store.ErrInvalid)
	}
	var out OperationItem
	var decided bool
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		decided = false
		now := s.Clock.Now()
		o, err := tx.LockOperation(ctx, b.Voter.TenantID, b.RequestID)
		if err != nil {
			return fmt.Errorf("approval request %q: %w", b.RequestID, err)
		}
		if !o.Open(now) {
			return access.ErrRequestClosed
		}
		if !slices.Contains(o.Approvers, b.Voter.ID) {
			return fmt.Errorf("%w: %s", ErrNotApprover, b.Voter.Email)
		}
		if b.Approve && b.Voter.ID == o.RequesterID {
			return ErrSelfApproval
		}
		cast, err := tx.OperationVotes(ctx, o.ID)
		if err != nil {
			return err
		}
		if err := sameActor(b, cast); err != nil {
			return err
		}
		app, err := tx.Application(ctx, o.AppID)
		if err != nil {
			return err
		}
		if o.Mode == store.ModeSignAndApprove || b.Evidence != "" {
			if err := s.verifyOperation(ctx, tx, o, app, b, decision, now); err != nil {
				return err
			}
		}
		v := store.Vote{RequestID: o.ID, TenantID: o.TenantID, MemberID: b.Voter.ID, Decision: decision,
			Channel: b.Channel, Actor: b.Actor, Comment: b.Comment, Evidence: b.Evidence, At: now}
		if err := tx.CastOperationVote(ctx, v); err != nil {
			return err
		}
		if err := store.AppendAudit(ctx, tx, o.TenantID, b.Actor, "operation.voted", "operation:"+o.ID, map[string]any{
			"template": o.TemplateKey, "application": app.Issuer, "approver": b.Voter.ID, "decision": decision,
			"channel": b.Channel, "signed": b.Evidence != "", "comment": b.Comment,
		}, now); err != nil {
			return err
		}
		votes, err := tx.OperationVotes(ctx, o.ID)
		if err != nil {
			return err
		}
		if status := tallyOperation(o, votes); status != store.RequestPending {
			if err := s.decideOperation(ctx, tx, &o, app, votes, status, b.Actor, b.Voter.ID, now); err != nil {
				return err
			}
			decided = true
		}
		out, err = s.operationItem(ctx, tx, o, b.Voter, now)
		return err
	})
	return out, decided, err
}

func (s *Service) verifyOperation(ctx context.Context, tx store.Tx, o store.Operation, app store.Application, b Ballot, decision string, now time.Time) error {
	if b.Evidence == "" || b.Channel == ChannelCLI {
		return fmt.Errorf("%w: sign your decision with your passkey in the portal", ErrSignatureRequired)
	}
	if s.Verifier == nil {
		return fmt.Errorf("%w: this server cannot check signatures", ErrSignatureRequired)
	}
	in := Signed{Operation: &o, App: app, Approver: b.Voter, Decision: decision, Evidence: b.Evidence, At: now}
	if o.RequesterID != "" {
		if m, err := tx.Member(ctx, o.RequesterID); err == nil {
			in.Requester = &m
		} else if !isNotFound(err) {
			return err
		}
	}
	if err := s.Verifier.VerifyVote(ctx, tx, in); err != nil {
		return fmt.Errorf("%w: %w", ErrSignatureRequired, err)
	}
	return nil
}

// tallyOperation decides what votes make of o, as tally does for access
// requests; the requester's own approvals never count.
func tallyOperation(o store.Operation, votes []store.Vote) string {
	approvals, denials := 0, 0
	for _, v := range votes {
		if !slices.Contains(o.Approvers, v.MemberID) {
			continue
		}
		if v.Decision == store.VoteApprove && v.MemberID != o.RequesterID {
			approvals++
		} else if v.Decision == store.VoteDeny {
			denials++
		}
	}
	possible := len(o.Approvers) - btoi(slices.Contains(o.Approvers, o.RequesterID))
	switch {
	case approvals >= o.Approvals:
		return store.RequestApproved
	case denials > 0 && o.DenyOn != store.DenyQuorum:
		return store.RequestDenied
	case possible-denials < o.Approvals:
		return store.RequestDenied
	}
	return store.RequestPending
}

// decideOperation records status on o and writes its approval.decided
// webhook, and the notice to its requester unless they are decider (the
// voting member's ID; empty for expiry).
func (s *Service) decideOperation(ctx context.Context, tx store.Tx, o *store.Operation, app store.Application, votes []store.Vote, status, actor, decider string, now time.Time) error {
	ok, err := tx.DecideOperation(ctx, o.ID, status, actor, now)
	if err != nil {
		return err
	}
	if !ok {
		return access.ErrRequestClosed
	}
	o.Status, o.DecidedBy, o.DecidedAt = status, actor, now
	if err := store.AppendAudit(ctx, tx, o.TenantID, actor, "operation."+status, "operation:"+o.ID, map[string]any{
		"template": o.TemplateKey, "application": app.Issuer, "subject": o.Subject, "votes": len(votes),
	}, now); err != nil {
		return err
	}
	t, err := tx.Tenant(ctx, o.TenantID)
	if err != nil {
		return err
	}
	ds, err := decisions(ctx, tx, votes)
	if err != nil {
		return err
	}
	if err := notify.EnqueueApproval(ctx, tx, o.TenantID, webhook.ApprovalEvent{At: now, Tenant: t.Name, Data: webhook.ApprovalData{
		RequestID: o.ID, TemplateID: o.TemplateKey, Application: app.Issuer, Subject: o.Subject, Status: status, Decisions: ds,
	}}, now); err != nil {
		return err
	}
	return s.tellOperationRequester(ctx, tx, app, *o, decider, now)
}

// ExpireOperations marks every pending approval request that has run out
// as expired, each in its own transaction with its audit event and its
// approval.decided webhook, and returns how many it marked. Of several
// nodes running it at once, each request is marked by one. It is a
// background job.
func (s *Service) ExpireOperations(ctx context.Context) (int, error) {
	total := 0
	for {
		now := s.Clock.Now()
		os, err := s.Store.ExpiredOperations(ctx, now, 100)
		if err != nil || len(os) == 0 {
			return total, err
		}
		for _, o := range os {
			err := s.Store.Update(ctx, func(tx store.Tx) error {
				o, err := tx.LockOperation(ctx, o.TenantID, o.ID)
				if err != nil || o.Status != store.RequestPending {
					return errors.Join(err, access.ErrRequestClosed)
				}
				app, err := tx.Application(ctx, o.AppID)
				if err != nil {
					return err
				}
				votes, err := tx.OperationVotes(ctx, o.ID)
				if err != nil {
					return err
				}
				return s.decideOperation(ctx, tx, &o, app, votes, store.RequestExpired, "system:expiry", "", now)
			})
			switch {
			case err == nil:
				total++
			case !errors.Is(err, access.ErrRequestClosed):
				return total, err
			}
		}
		if len(os) < 100 {
			return total, nil
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
