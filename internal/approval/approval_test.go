package approval_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// pgShared is the database the PostgreSQL tests share, each in a schema
// of its own: a database per test forced a checkpoint at every drop.
var pgShared pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pgShared.Drop()
	os.Exit(code)
}

type db interface {
	store.Store
}

// env is one tenant on a real database: application wiki, account
// "treasury" owned by alice, a group "finance" of approvers, and an
// approval policy on the application. nodes are the stores the test's
// "servers" use: one SQLite file, or two PostgreSQL connections pools
// (two nodes) on one database.
type env struct {
	t      *testing.T
	ctx    context.Context
	clock  *clock.Fake
	nodes  []*approval.Service
	admin  *admin.Service
	access *access.Service
	tenant store.Tenant
	app    store.Application
	owner  store.Member
	approv []store.Member
	policy policy.Policy
	db     db // the first node's store
	box    *seal.Box
}

type backend struct {
	name string
	open func(t *testing.T) []db
}

var kinds = []backend{
	{"sqlite", func(t *testing.T) []db {
		s := backends.SQLite(t)
		return []db{s}
	}},
	{"postgres two nodes", func(t *testing.T) []db {
		u := pgtest.NewSchema(t, pgShared.Database(t))
		var out []db
		for range 2 {
			s, err := postgres.Open(t.Context(), u, postgres.Options{AutoMigrate: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			out = append(out, s)
		}
		return out
	}},
}

// each runs f on every backend.
func each(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range kinds {
		t.Run(b.name, func(t *testing.T) { f(t, b) })
	}
}

// newEnv sets the tenant up with n approvers and the rule.
func newEnv(t *testing.T, b backend, n int, rule policy.ApprovalRule) *env {
	t.Helper()
	ctx := t.Context()
	dbs := b.open(t)
	box, _ := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	e := &env{t: t, ctx: ctx, clock: clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)), db: dbs[0], box: box}
	e.admin = &admin.Service{Store: dbs[0], Clock: e.clock, Box: box}
	e.access = &access.Service{Store: dbs[0], Clock: e.clock}
	for _, s := range dbs {
		e.nodes = append(e.nodes, &approval.Service{Store: s, Clock: e.clock, Notify: []string{store.ChannelEmail}})
	}
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	e.tenant, err = e.admin.CreateTenant(ctx, "test", "acme")
	must(err)
	e.app, err = e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: e.tenant.ID, Name: "Bank", Issuer: "https://bank.acme.test",
		DefaultUnlock: 15 * time.Minute, MaxUnlock: 8 * time.Hour})
	must(err)
	_, err = e.access.Enroll(ctx, "test", e.app, "treasury", "alice@acme.test")
	must(err)
	e.owner, err = dbs[0].MemberByEmail(ctx, e.tenant.ID, "alice@acme.test")
	must(err)
	g, err := e.admin.CreateGroup(ctx, "test", e.tenant.ID, "finance", "approves treasury access")
	must(err)
	for i := range n {
		m, err := e.admin.CreateMember(ctx, "test", admin.NewMember{TenantID: e.tenant.ID, Email: fmt.Sprintf("approver%d@acme.test", i),
			Role: store.RoleApprover})
		must(err)
		_, _, err = e.admin.AddToGroup(ctx, "test", e.tenant.ID, g.ID, m.ID)
		must(err)
		e.approv = append(e.approv, m)
	}
	if len(rule.Groups) == 0 && len(rule.Members) == 0 && !rule.OwnerCounts {
		rule.Groups = []string{g.ID}
	}
	e.policy, err = e.admin.CreatePolicy(ctx, "test", e.tenant.ID, policy.Policy{Name: "treasury approvals", Type: policy.Approval,
		Enabled: true, Approval: &rule})
	must(err)
	_, err = e.admin.Assign(ctx, "test", e.tenant.ID, e.policy.ID, admin.Target{App: e.app.ID})
	must(err)
	return e
}

func (e *env) node(i int) *approval.Service { return e.nodes[i%len(e.nodes)] }

func (e *env) ask(a approval.Ask) store.UnlockRequest {
	e.t.Helper()
	if a.Reason == "" {
		a.Reason = "quarter close"
	}
	q, err := e.node(0).Create(e.ctx, "member:"+e.owner.ID, e.owner, e.app, "treasury", a)
	if err != nil {
		e.t.Fatalf("ask: %v", err)
	}
	return q
}

func (e *env) vote(i int, q store.UnlockRequest, approve bool) (approval.Outcome, error) {
	m := e.approv[i]
	return e.node(i).Vote(e.ctx, approval.Ballot{RequestID: q.ID, Voter: m, Approve: approve, Channel: approval.ChannelPortal,
		Actor: "member:" + m.ID})
}

func (e *env) grant() (store.Grant, bool) {
	e.t.Helper()
	a, err := e.nodes[0].Store.Account(e.ctx, e.app.ID, "treasury")
	if err != nil {
		e.t.Fatal(err)
	}
	g, err := e.nodes[0].Store.CurrentGrant(e.ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return g, false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return g, g.Usable(e.clock.Now())
}

func (e *env) request(id string) store.UnlockRequest {
	e.t.Helper()
	q, err := e.nodes[0].Store.UnlockRequest(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

// TestQuorumTwoOfThree: two of three approvers open the account; the
// grant's clock starts at the quorum, not at the request; a third vote
// finds the request closed.
func TestQuorumTwoOfThree(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 2, MaxDuration: 2 * time.Hour})
		q := e.ask(approval.Ask{For: time.Hour})
		if q.Kind != store.RequestAhead || q.RequestedBy != e.owner.ID || q.PolicyID != e.policy.ID || q.Duration != time.Hour {
			t.Fatalf("asked request: %+v", q)
		}
		e.clock.Advance(10 * time.Minute)
		out, err := e.vote(0, q, true)
		if err != nil || out.Decided || out.Request.Status != store.RequestPending || len(out.Votes) != 1 {
			t.Fatalf("first approval: %+v, %v", out, err)
		}
		if _, open := e.grant(); open {
			t.Fatal("one approval of two opened the account")
		}
		e.clock.Advance(7 * time.Minute)
		quorum := e.clock.Now()
		out, err = e.vote(1, q, true)
		if err != nil || !out.Decided || out.Request.Status != store.RequestApproved || out.Grant == nil {
			t.Fatalf("second approval: %+v, %v", out, err)
		}
		g, open := e.grant()
		if !open || g.ID != out.Grant.ID || !g.CreatedAt.Equal(quorum) || !g.Until.Equal(quorum.Add(time.Hour)) {
			t.Fatalf("grant %+v: want from the quorum %s for 1h", g, quorum)
		}
		if _, err := e.vote(2, q, true); !errors.Is(err, access.ErrRequestClosed) {
			t.Fatalf("third vote after the quorum: %v, want request closed", err)
		}
		if got := e.request(q.ID); got.Status != store.RequestApproved || got.GrantID != g.ID {
			t.Fatalf("stored request: %+v", got)
		}
	})
}

// TestSelfApprovalRefused: a requester who is also an approver cannot
// approve their own request unless the policy allows it; a member who is
// not an approver cannot vote at all; nobody votes twice.
func TestSelfApprovalRefused(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 2})
		// approver 0 asks for the account (as an admin may): alice's account,
		// asked by someone who approves.
		asker := e.approv[0]
		asker.Role = store.RoleAdmin
		q, err := e.node(0).Create(e.ctx, "member:"+asker.ID, asker, e.app, "treasury", approval.Ask{Reason: "audit"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.vote(0, q, true); !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("self-approval: %v, want ErrSelfApproval", err)
		}
		if _, err := e.node(0).Vote(e.ctx, approval.Ballot{RequestID: q.ID, Voter: e.owner, Approve: true,
			Channel: approval.ChannelPortal, Actor: "member:" + e.owner.ID}); !errors.Is(err, approval.ErrNotApprover) {
			t.Fatalf("owner who does not count: %v, want ErrNotApprover", err)
		}
		if _, err := e.vote(1, q, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.vote(1, q, true); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second vote of one approver: %v, want conflict", err)
		}
		if out, err := e.vote(2, q, true); err != nil || out.Grant == nil {
			t.Fatalf("quorum without the requester: %+v, %v", out, err)
		}
	})
}

// TestDenyOnFirst: the first denial decides; later votes find it closed
// and nothing opens. With deny_on quorum one denial of three does not.
func TestDenyOnFirst(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 2, DenyOn: policy.DenyFirst})
		q := e.ask(approval.Ask{})
		if _, err := e.vote(0, q, true); err != nil {
			t.Fatal(err)
		}
		out, err := e.vote(1, q, false)
		if err != nil || !out.Decided || out.Request.Status != store.RequestDenied || out.Grant != nil {
			t.Fatalf("first denial: %+v, %v", out, err)
		}
		if _, err := e.vote(2, q, true); !errors.Is(err, access.ErrRequestClosed) {
			t.Fatalf("approval after the denial: %v, want closed", err)
		}
		if _, open := e.grant(); open {
			t.Fatal("a denied request opened the account")
		}
	})
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 2, DenyOn: policy.DenyQuorum})
		q := e.ask(approval.Ask{})
		if out, err := e.vote(0, q, false); err != nil || out.Decided {
			t.Fatalf("one denial under deny_on quorum: %+v, %v", out, err)
		}
		if out, err := e.vote(1, q, false); err != nil || out.Request.Status != store.RequestDenied {
			t.Fatalf("two denials of three (quorum out of reach): %+v, %v", out, err)
		}
	})
}

// TestConcurrentVotes: 16 approvers vote at once (on two nodes for
// PostgreSQL); exactly one vote decides, exactly one grant is made, and
// never a grant after a denial.
func TestConcurrentVotes(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		for _, mixed := range []bool{false, true} {
			e := newEnv(t, b, 16, policy.ApprovalRule{Required: 2})
			q := e.ask(approval.Ask{})
			var wg sync.WaitGroup
			outs := make([]approval.Outcome, 16)
			errs := make([]error, 16)
			for i := range 16 {
				wg.Go(func() { outs[i], errs[i] = e.vote(i, q, !mixed || i%3 != 0) })
			}
			wg.Wait()
			decided, grants := 0, 0
			for i := range 16 {
				switch {
				case errs[i] == nil:
					if outs[i].Decided {
						decided++
					}
					if outs[i].Grant != nil {
						grants++
					}
				case !errors.Is(errs[i], access.ErrRequestClosed):
					t.Fatalf("vote %d: %v", i, errs[i])
				}
			}
			got := e.request(q.ID)
			_, open := e.grant()
			if decided != 1 || got.Status == store.RequestPending {
				t.Fatalf("mixed=%v: %d votes decided, request %s", mixed, decided, got.Status)
			}
			if got.Status == store.RequestApproved && (grants != 1 || !open) || got.Status == store.RequestDenied && (grants != 0 || open) {
				t.Fatalf("mixed=%v: request %s with %d grants made, account open %v", mixed, got.Status, grants, open)
			}
			votes, err := e.nodes[0].Store.Votes(e.ctx, q.ID)
			if err != nil || len(votes) < 1 {
				t.Fatalf("votes stored: %d, %v", len(votes), err)
			}
		}
	})
}

// TestExpiry: a request nobody answers expires, and then takes no vote.
func TestExpiry(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 2, Expiry: 30 * time.Minute})
		q := e.ask(approval.Ask{})
		if !q.ExpiresAt.Equal(e.clock.Now().Add(30 * time.Minute)) {
			t.Fatalf("expires at %s", q.ExpiresAt)
		}
		if _, err := e.vote(0, q, true); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(31 * time.Minute)
		reqs := &access.Requests{Store: e.nodes[0].Store, Clock: e.clock}
		if n, err := reqs.ExpireRequests(e.ctx); err != nil || n != 1 {
			t.Fatalf("expired %d, %v", n, err)
		}
		if got := e.request(q.ID); got.Status != store.RequestExpired {
			t.Fatalf("request after expiry: %s", got.Status)
		}
		if _, err := e.vote(1, q, true); !errors.Is(err, access.ErrRequestClosed) {
			t.Fatalf("vote on an expired request: %v", err)
		}
	})
}

// TestStartLater: a quorum before the asked-for start approves the
// request and opens the account at the start, for the asked duration.
func TestStartLater(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 2, policy.ApprovalRule{Required: 2, Expiry: 3 * time.Hour})
		start := e.clock.Now().Add(2 * time.Hour)
		q := e.ask(approval.Ask{For: 30 * time.Minute, Start: start})
		e.vote(0, q, true)
		out, err := e.vote(1, q, true)
		if err != nil || out.Request.Status != store.RequestApproved || out.Grant != nil {
			t.Fatalf("quorum before the start: %+v, %v", out, err)
		}
		if n, err := e.node(0).StartDue(e.ctx); err != nil || n != 0 {
			t.Fatalf("started %d before the start, %v", n, err)
		}
		e.clock.Advance(2 * time.Hour)
		if n, err := e.node(1).StartDue(e.ctx); err != nil || n != 1 {
			t.Fatalf("started %d at the start, %v", n, err)
		}
		g, open := e.grant()
		if !open || !g.Until.Equal(start.Add(30*time.Minute)) {
			t.Fatalf("grant at the start: %+v", g)
		}
		if n, _ := e.node(0).StartDue(e.ctx); n != 0 {
			t.Fatal("a request started twice")
		}
	})
}

// TestOwnerNeedsApprovals: under an approval policy the owner's direct
// unlock is refused with the reason; asking for more than the policy's
// maximum is refused; an approver revokes, a plain member cannot.
func TestOwnerNeedsApprovalsAndRevoke(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 2, policy.ApprovalRule{Required: 1, MaxDuration: time.Hour})
		if _, err := e.access.Unlock(e.ctx, "member:"+e.owner.ID, e.app, "treasury", access.Unlock{}); !errors.Is(err, access.ErrApprovalRequired) {
			t.Fatalf("owner's unlock: %v, want ErrApprovalRequired", err)
		}
		if _, err := e.node(0).Create(e.ctx, "x", e.owner, e.app, "treasury", approval.Ask{Reason: "r", For: 2 * time.Hour}); !errors.Is(err, access.ErrTooLong) {
			t.Fatalf("2h under a 1h maximum: %v", err)
		}
		q := e.ask(approval.Ask{For: time.Hour})
		if out, err := e.vote(0, q, true); err != nil || out.Grant == nil {
			t.Fatalf("approval: %+v, %v", out, err)
		}
		// Extend goes through the same approvals.
		x, err := e.node(0).Extend(e.ctx, "x", e.owner, e.app, "treasury", approval.Ask{Reason: "not done", For: 30 * time.Minute})
		if err != nil || x.Kind != store.RequestExtend {
			t.Fatalf("extend: %+v, %v", x, err)
		}
		before, _ := e.grant()
		if out, err := e.vote(1, x, true); err != nil || out.Grant == nil || !out.Grant.Until.Equal(before.Until.Add(30*time.Minute)) {
			t.Fatalf("extension: %+v, %v (grant was until %s)", out.Grant, err, before.Until)
		}
		if _, err := e.node(0).Revoke(e.ctx, "x", e.owner, e.app, "treasury", "done"); !errors.Is(err, admin.ErrForbidden) {
			t.Fatalf("revoke by a member who does not approve: %v", err)
		}
		if ok, err := e.node(1).Revoke(e.ctx, "x", e.approv[1], e.app, "treasury", "done"); err != nil || !ok {
			t.Fatalf("revoke by an approver: %v %v", ok, err)
		}
		if _, open := e.grant(); open {
			t.Fatal("revoked grant still open")
		}
	})
}

type verifier struct{ ok string }

func (v verifier) VerifyVote(_ context.Context, _ store.Reader, s approval.Signed) error {
	if s.Evidence != v.ok {
		return errors.New("bad signature")
	}
	return nil
}

// TestSign: under sign, an unsigned or CLI approval is refused, a signed
// one the Verifier accepts counts.
func TestSign(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 2, policy.ApprovalRule{Required: 1, Sign: true})
		q := e.ask(approval.Ask{})
		m := e.approv[0]
		for _, bal := range []approval.Ballot{
			{Channel: approval.ChannelPortal},
			{Channel: approval.ChannelCLI},
			{Channel: approval.ChannelPortal, Evidence: `{"forged":true}`},
		} {
			bal.RequestID, bal.Voter, bal.Approve, bal.Actor = q.ID, m, true, "member:"+m.ID
			if _, err := e.node(0).Vote(e.ctx, bal); err == nil {
				t.Fatalf("unsigned approval %+v accepted", bal)
			}
		}
		e.node(0).Verifier = verifier{ok: `{"sig":"good"}`}
		out, err := e.node(0).Vote(e.ctx, approval.Ballot{RequestID: q.ID, Voter: m, Approve: true, Channel: approval.ChannelPortal,
			Actor: "member:" + m.ID, Evidence: `{"sig":"good"}`})
		if err != nil || out.Grant == nil || out.Votes[0].Evidence != `{"sig":"good"}` {
			t.Fatalf("signed approval: %+v, %v", out, err)
		}
	})
}

// TestAskAfterVotesStartsAfresh: an approver's vote on a sign-in request
// was for that request's terms. When the owner then asks ahead with other
// terms, the voted request is closed and the new one starts with no
// votes, so one more approval cannot open the account on terms only one
// approver saw.
func TestAskAfterVotesStartsAfresh(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 2, MaxDuration: 8 * time.Hour})
		a, err := e.nodes[0].Store.Account(e.ctx, e.app.ID, "treasury")
		if err != nil {
			t.Fatal(err)
		}
		now := e.clock.Now()
		var signin store.UnlockRequest
		err = e.nodes[0].Store.Update(e.ctx, func(tx store.Tx) error {
			var err error
			signin, _, err = tx.RaiseRequest(e.ctx, store.UnlockRequest{ID: ids.New(), TenantID: e.tenant.ID, AppID: e.app.ID,
				AccountID: a.ID, Kind: store.RequestSignin, IP: "203.0.113.7", UpdatedAt: now, ExpiresAt: now.Add(10 * time.Minute)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.vote(0, signin, true); err != nil {
			t.Fatalf("vote on the sign-in request: %v", err)
		}
		asked := e.ask(approval.Ask{For: 8 * time.Hour, Reason: "something else"})
		if asked.ID == signin.ID {
			t.Fatalf("the asked request took over the voted sign-in request %s", signin.ID)
		}
		if got := e.request(signin.ID); got.Status != store.RequestExpired || got.DecidedBy != "system:superseded" {
			t.Fatalf("voted sign-in request after the ask: %+v", got)
		}
		out, err := e.vote(1, asked, true)
		if err != nil || out.Decided || len(out.Votes) != 1 {
			t.Fatalf("first vote on the asked request: %+v, %v (want pending with one vote)", out, err)
		}
		if _, open := e.grant(); open {
			t.Fatal("an approval given for the sign-in request counted toward the asked one")
		}
	})
}
