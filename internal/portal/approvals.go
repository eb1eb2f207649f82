package portal

import (
	"context"
	"net/http"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The approvals inbox: /approvals lists the requests the signed-in member
// may vote on now (from approval.Service.Inbox) with Approve and Deny
// forms, or a link to sign when the request's rule says sign, and the
// requests the member asked for (Mine) with their votes so far, and the
// open grants the member may revoke (approval.MayRevoke: approvers of the
// account, and admins), each with a Revoke button.

// inboxLimit caps each list of the inbox page.
const inboxLimit = 100

// inboxRow is one request on the page, with its countdown worded.
type inboxRow struct {
	approval.Item
	Expires string // "expires in 14 min", or "expired"
}

func (p *Portal) approvalsPage(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.approvalsSession(w, r)
	if !ok {
		return err
	}
	inbox, err := p.d.Approvals.Inbox(r.Context(), s.member, inboxLimit)
	if err != nil {
		return err
	}
	mine, err := p.d.Approvals.Mine(r.Context(), s.member, inboxLimit)
	if err != nil {
		return err
	}
	ops, err := p.d.Approvals.OperationInbox(r.Context(), s.member, inboxLimit)
	if err != nil {
		return err
	}
	opRows := make([]operationRow, len(ops))
	for i, op := range ops {
		opRows[i] = operationRow{op}
	}
	now := p.d.Clock.Now()
	grants, err := p.revocable(r.Context(), s.member, now)
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "approvals", map[string]any{
		"Title": "Approvals", "Member": s.member, "Notice": notice(r),
		"Inbox": inboxRows(inbox, now), "Mine": inboxRows(mine, now), "Operations": opRows, "Grants": grants,
	})
	return nil
}

// grantRow is an open grant the signed-in member may revoke.
type grantRow struct {
	Grant   store.Grant
	Account store.Account
	App     store.Application
}

// revocableScan bounds the open grants of a tenant the approvals page
// reads to find those the member may revoke.
const revocableScan = 10 * inboxLimit

// revocable lists the tenant's open grants that m may revoke, by the rule
// of the revoke route itself (approval.MayRevoke), oldest first, at most
// inboxLimit of them among the first revocableScan open grants.
func (p *Portal) revocable(ctx context.Context, m store.Member, now time.Time) ([]grantRow, error) {
	out := []grantRow{}
	apps := map[string]store.Application{}
	rules := &pageReads{PolicyReader: p.d.Store, tenantID: m.TenantID, now: now}
	var after store.Grant
	for scanned := 0; scanned < revocableScan && len(out) < inboxLimit; {
		gs, err := p.d.Store.GrantsBetween(ctx, m.TenantID, now, now.Add(time.Nanosecond), after, inboxLimit)
		if err != nil || len(gs) == 0 {
			return out, err
		}
		scanned += len(gs)
		after = gs[len(gs)-1]
		for _, g := range gs {
			a, err := p.d.Store.AccountByID(ctx, g.AccountID)
			if err != nil {
				return nil, err
			}
			app, ok := apps[a.AppID]
			if !ok {
				if app, err = p.d.Store.Application(ctx, a.AppID); err != nil {
					return nil, err
				}
				apps[a.AppID] = app
			}
			if approval.MayRevoke(ctx, rules, m, app, a, now) == nil && len(out) < inboxLimit {
				out = append(out, grantRow{Grant: g, Account: a, App: app})
			}
		}
	}
	return out, nil
}

// voteControls are what the "vote" template offers on one request of the
// inbox: a link to sign when its rule says sign, else Approve and Deny.
type voteControls struct {
	Sign bool
	Path string // the request's routes: /approvals/ID or /approvals/ops/ID
	ID   string // what the controls' ids end with: ID, or op-ID
	Name string // what the controls name for screen readers
}

// Vote is the controls of a request for access to an account.
func (r inboxRow) Vote() voteControls {
	return voteControls{Sign: r.Rule.Sign, Path: "/approvals/" + r.Request.ID, ID: r.Request.ID, Name: r.Account.Name + " at " + r.App.Name}
}

// operationRow is one approval request for an operation on the page.
type operationRow struct{ approval.OperationItem }

// Vote is the controls of an approval request for an operation.
func (r operationRow) Vote() voteControls {
	return voteControls{Sign: r.Signs(), Path: "/approvals/ops/" + r.Request.ID, ID: "op-" + r.Request.ID, Name: r.Request.Title}
}

func inboxRows(items []approval.Item, now time.Time) []inboxRow {
	rows := make([]inboxRow, 0, len(items))
	for _, it := range items {
		rows = append(rows, inboxRow{Item: it, Expires: expiresIn(it.Request.ExpiresAt, now)})
	}
	return rows
}

// expiresIn words how long a request has left: "expires in 14 min".
func expiresIn(at, now time.Time) string {
	if at.IsZero() {
		return ""
	}
	if !at.After(now) {
		return "expired"
	}
	return "expires in " + roughDuration(at.Sub(now))
}

// operationVote casts the member's plain (unsigned) vote on an approval
// request for an operation.
func (p *Portal) operationVote(w http.ResponseWriter, r *http.Request) error {
	return p.castVote(w, r, func(b approval.Ballot) error {
		_, _, err := p.d.Approvals.VoteOperation(r.Context(), b)
		return err
	})
}

// approvalVote casts the member's plain (unsigned) vote on a request.
func (p *Portal) approvalVote(w http.ResponseWriter, r *http.Request) error {
	return p.castVote(w, r, func(b approval.Ballot) error {
		_, err := p.d.Approvals.Vote(r.Context(), b)
		return err
	})
}

// castVote reads the form's decision and casts it with vote.
func (p *Portal) castVote(w http.ResponseWriter, r *http.Request, vote func(approval.Ballot) error) error {
	s, ok, err := p.approvalsSession(w, r)
	if !ok {
		return err
	}
	var approve bool
	switch r.FormValue("decision") {
	case "approve":
		approve = true
	case "deny":
	default:
		return &pageError{Status: http.StatusBadRequest, Title: "Choose approve or deny", Message: "Say whether you approve or deny the request.", Back: "/approvals"}
	}
	err = vote(approval.Ballot{RequestID: r.PathValue("id"), Voter: s.member, Approve: approve,
		Channel: approval.ChannelPortal, Actor: s.actor(), Comment: r.FormValue("comment")})
	if err != nil {
		return withBack(voteError(err), "/approvals")
	}
	p.d.Broker.Publish(s.member.ID)
	return seeOther(w, r, "/approvals?done=voted")
}

// pageReads is a store.PolicyReader that reads the tenant's lists
// (policies, assignments, groups, memberships, executions since now) once,
// for one page that asks a rule about many accounts: the approvals page
// asks approval.MayRevoke about every open grant. It lives as long as one
// request, so it never serves a list older than the page. Other tenants,
// and executions since another instant, are read through.
type pageReads struct {
	store.PolicyReader
	tenantID    string
	now         time.Time
	policies    memo[store.Policy]
	assignments memo[store.Assignment]
	groups      memo[store.Group]
	members     memo[store.GroupMember]
	executions  memo[store.Execution]
}

// memo is a list read once.
type memo[T any] struct {
	v  []T
	ok bool
}

// get is the list read once; when cached is false (another tenant's, or
// another instant's) it reads through and keeps nothing.
func (m *memo[T]) get(cached bool, read func() ([]T, error)) ([]T, error) {
	if !cached {
		return read()
	}
	if !m.ok {
		v, err := read()
		if err != nil {
			return nil, err
		}
		m.v, m.ok = v, true
	}
	return m.v, nil
}

func (c *pageReads) Policies(ctx context.Context, tenantID string) ([]store.Policy, error) {
	return c.policies.get(tenantID == c.tenantID, func() ([]store.Policy, error) { return c.PolicyReader.Policies(ctx, tenantID) })
}

func (c *pageReads) Assignments(ctx context.Context, tenantID string) ([]store.Assignment, error) {
	return c.assignments.get(tenantID == c.tenantID, func() ([]store.Assignment, error) { return c.PolicyReader.Assignments(ctx, tenantID) })
}

func (c *pageReads) Groups(ctx context.Context, tenantID string) ([]store.Group, error) {
	return c.groups.get(tenantID == c.tenantID, func() ([]store.Group, error) { return c.PolicyReader.Groups(ctx, tenantID) })
}

func (c *pageReads) GroupMembers(ctx context.Context, tenantID string) ([]store.GroupMember, error) {
	return c.members.get(tenantID == c.tenantID, func() ([]store.GroupMember, error) { return c.PolicyReader.GroupMembers(ctx, tenantID) })
}

func (c *pageReads) Executions(ctx context.Context, tenantID string, since time.Time) ([]store.Execution, error) {
	return c.executions.get(tenantID == c.tenantID && since.Equal(c.now), func() ([]store.Execution, error) { return c.PolicyReader.Executions(ctx, tenantID, since) })
}
