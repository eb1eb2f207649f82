package approval_test

import (
	"context"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// nameThenRemove creates an approver, names them in e's policy beside its
// groups, and removes them (admin.RemoveMember): the policy keeps their
// ID. It returns the removed member's ID.
func nameThenRemove(t *testing.T, e *env, rule policy.ApprovalRule) string {
	t.Helper()
	x, err := e.admin.CreateMember(e.ctx, "test", admin.NewMember{TenantID: e.tenant.ID, Email: "gone@acme.test", Role: store.RoleApprover})
	if err != nil {
		t.Fatal(err)
	}
	p := e.policy
	rule.Groups = p.Approval.Groups
	rule.Members = []string{x.ID}
	p.Approval = &rule
	if e.policy, err = e.admin.UpdatePolicy(e.ctx, "test", e.tenant.ID, p.ID, p); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.admin.RemoveMember(e.ctx, admin.By{Actor: "test"}, x.ID); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if len(e.policy.Approval.Members) != 1 {
		t.Fatalf("setup: the policy names %v", e.policy.Approval.Members)
	}
	return x.ID
}

// TestRemovedNamedApproverAsks: a member a policy still names after they
// were removed neither fails the request nor is asked. Asking ahead
// (approval.Create) and the lock check's raise of a sign-in
// (access.Requests.Raise, whose error the check answers 503) both succeed,
// and the remaining approvers are asked as before.
func TestRemovedNamedApproverAsks(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newNoticeEnv(t, b)
		gone := nameThenRemove(t, e.env, policy.ApprovalRule{Required: 2})

		q, err := e.node(0).Create(e.ctx, "member:"+e.owner.ID, e.owner, e.app, "treasury", approval.Ask{Reason: "r", For: time.Hour})
		if err != nil {
			t.Fatalf("ask ahead after a named approver was removed: %v", err)
		}
		asked := e.notices(notify.TypeApprovalAsked, q.ID)
		if _, ok := asked[gone]; ok {
			t.Error("the removed member was asked")
		}
		sameNotices(t, "asked ahead", asked, e.asked(true))

		// The sign-in, on a tenant of its own (the request asked ahead is
		// still open on treasury).
		e = newNoticeEnv(t, b)
		nameThenRemove(t, e.env, policy.ApprovalRule{Required: 2})
		node := e.node(0)
		node.Sets = cache.New(e.db, cache.Options{Box: e.box, Policies: func(ctx context.Context, r store.PolicyReader, tenantID string) (*policy.Set, error) {
			return admin.PolicySets{Store: r, Clock: e.clock}.PolicySet(ctx, tenantID)
		}})
		requests := &access.Requests{Store: e.db, Clock: e.clock, TTL: 5 * time.Minute, Notify: []string{store.ChannelEmail}, Approvers: node}
		e.update(func(tx store.Tx) error {
			return tx.CreatePasskey(e.ctx, store.Passkey{ID: "cred-alice", TenantID: e.tenant.ID, MemberID: e.owner.ID, Name: "laptop",
				Credential: []byte("{}"), CreatedAt: e.clock.Now()})
		})
		st, err := e.db.CheckState(e.ctx, e.app.ID, "treasury")
		if err != nil {
			t.Fatal(err)
		}
		if err := requests.Raise(e.ctx, e.app, st, check.Request{IP: "203.0.113.7"}, e.clock.Now()); err != nil {
			t.Fatalf("the lock check's raise after a named approver was removed: %v", err)
		}
		s, err := e.db.PendingRequest(e.ctx, st.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameNotices(t, "asked of a sign-in", e.notices(notify.TypeApprovalAsked, s.ID), e.asked(true))
	})
}

// TestRemovedNamedApproverQuorum: a removed member a rule still names
// counts neither toward the quorum that is possible nor with a vote they
// cast before their removal. Two of {gone, approver0} are required: once
// gone is removed, quorum cannot be reached, so approver0's approval
// decides the request denied rather than leaving it to wait on a vote
// nobody can cast; and gone's earlier approval does not open the account.
func TestRemovedNamedApproverQuorum(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 1, policy.ApprovalRule{Required: 2})
		nameThenRemove(t, e, policy.ApprovalRule{Required: 2})
		q := e.ask(approval.Ask{For: time.Hour})
		out, err := e.vote(0, q, true)
		if err != nil {
			t.Fatalf("vote beside a removed named approver: %v", err)
		}
		if !out.Decided || out.Request.Status != store.RequestDenied || out.Grant != nil {
			t.Fatalf("approval that cannot reach quorum: %+v", out)
		}
		if _, open := e.grant(); open {
			t.Fatal("the account opened")
		}

		// gone votes, then is removed: their vote no longer counts.
		e2 := newEnv(t, b, 1, policy.ApprovalRule{Required: 2})
		x, err := e2.admin.CreateMember(e2.ctx, "test", admin.NewMember{TenantID: e2.tenant.ID, Email: "late@acme.test", Role: store.RoleApprover})
		if err != nil {
			t.Fatal(err)
		}
		p := e2.policy
		rule := policy.ApprovalRule{Required: 2, Groups: p.Approval.Groups, Members: []string{x.ID}}
		p.Approval = &rule
		if _, err := e2.admin.UpdatePolicy(e2.ctx, "test", e2.tenant.ID, p.ID, p); err != nil {
			t.Fatal(err)
		}
		q2 := e2.ask(approval.Ask{For: time.Hour})
		if out, err := e2.node(0).Vote(e2.ctx, approval.Ballot{RequestID: q2.ID, Voter: x, Approve: true, Channel: approval.ChannelPortal,
			Actor: "member:" + x.ID}); err != nil || out.Decided {
			t.Fatalf("the named approver's vote: %+v, %v", out, err)
		}
		if _, _, err := e2.admin.RemoveMember(e2.ctx, admin.By{Actor: "test"}, x.ID); err != nil {
			t.Fatal(err)
		}
		out, err = e2.vote(0, q2, true)
		if err != nil || out.Request.Status == store.RequestApproved || out.Grant != nil {
			t.Fatalf("a removed member's earlier approval counted: %+v, %v", out, err)
		}
		if _, open := e2.grant(); open {
			t.Fatal("the account opened on a removed member's approval")
		}
	})
}
