package approval_test

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/passkey"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// template stores a template over e's finance group and a webhook that
// receives approval.decided.
func (e *env) template(k int, denyOn, mode string) store.Template {
	e.t.Helper()
	e.admin.Egress = egress.Policy{AllowPrivate: true}
	if _, _, err := e.admin.CreateWebhook(e.ctx, "test", admin.NewWebhook{TenantID: e.tenant.ID, URL: "http://127.0.0.1:9/hook",
		Events: []string{webhook.TypeApprovalDecided}}); err != nil {
		e.t.Fatal(err)
	}
	tp, err := e.admin.CreateTemplate(e.ctx, "test", e.tenant.ID, admin.NewTemplate{Key: "PURCHASE_APPROVAL", Title: "Purchase",
		Text: "Buy ${item} for ${amount}", ApproverGroups: []string{"finance"}, Mode: mode, Approvals: k, DenyOn: denyOn, Expiry: time.Hour})
	if err != nil {
		e.t.Fatal(err)
	}
	return tp
}

func (e *env) askOperation(meta map[string]string) store.Operation {
	e.t.Helper()
	o, err := e.node(0).AskOperation(e.ctx, e.app, "treasury", approval.OperationAsk{Template: "PURCHASE_APPROVAL", MetaData: meta})
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *env) voteOperation(i int, o store.Operation, approve bool, sig string) (approval.OperationItem, bool, error) {
	m := e.approv[i]
	return e.node(i).VoteOperation(e.ctx, approval.Ballot{RequestID: o.ID, Voter: m, Approve: approve,
		Channel: approval.ChannelPortal, Actor: "member:" + m.ID, Evidence: sig})
}

// decidedEvents reads the approval.decided webhooks in the tenant's outbox.
func (e *env) decidedEvents() []webhook.ApprovalEvent {
	e.t.Helper()
	msgs, err := e.nodes[0].Store.OutboxOfTenant(e.ctx, e.tenant.ID, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []webhook.ApprovalEvent
	for _, m := range msgs {
		if m.Type != webhook.TypeApprovalDecided {
			continue
		}
		var ev webhook.ApprovalEvent
		if err := json.Unmarshal(m.Payload, &ev); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// TestOperationQuorum: a request for an operation from a 2-of-3 template
// fills its text, refuses a non-approver and a second vote, is approved at
// the second approval, and writes exactly one approval.decided webhook.
func TestOperationQuorum(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 1})
		e.template(2, store.DenyFirst, store.ModeApprove)
		o := e.askOperation(map[string]string{"item": "<b>paper</b>", "amount": "12 EUR"})
		if o.Text != "Buy <b>paper</b> for 12 EUR" || o.Status != store.RequestPending || len(o.Approvers) != 3 {
			t.Fatalf("asked = %+v", o)
		}
		_, err := e.node(0).AskOperation(e.ctx, e.app, "treasury", approval.OperationAsk{Template: "NOPE"})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown template: %v", err)
		}
		_, err = e.node(0).AskOperation(e.ctx, e.app, "treasury", approval.OperationAsk{Template: "PURCHASE_APPROVAL",
			Approvers: []string{e.owner.Email}})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("an approver outside the template: %v", err)
		}
		if _, _, err := e.node(0).VoteOperation(e.ctx, approval.Ballot{RequestID: o.ID, Voter: e.owner, Approve: true,
			Channel: approval.ChannelPortal, Actor: "member:" + e.owner.ID}); !errors.Is(err, approval.ErrNotApprover) {
			t.Fatalf("owner's vote: %v", err)
		}
		if _, decided, err := e.voteOperation(0, o, true, ""); err != nil || decided {
			t.Fatalf("first approval: %v, decided %v", err, decided)
		}
		if _, _, err := e.voteOperation(0, o, true, ""); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second vote of one approver: %v", err)
		}
		it, decided, err := e.voteOperation(1, o, true, "")
		if err != nil || !decided || it.Request.Status != store.RequestApproved || len(it.Decisions) != 2 {
			t.Fatalf("second approval: %+v, decided %v, %v", it.Request, decided, err)
		}
		if _, _, err := e.voteOperation(2, o, false, ""); !errors.Is(err, access.ErrRequestClosed) {
			t.Fatalf("vote after the decision: %v", err)
		}
		evs := e.decidedEvents()
		if len(evs) != 1 || evs[0].Data.Status != store.RequestApproved || evs[0].Data.RequestID != o.ID ||
			evs[0].Data.TemplateID != "PURCHASE_APPROVAL" || len(evs[0].Data.Decisions) != 2 || evs[0].Tenant != "acme" {
			t.Fatalf("approval.decided events = %+v", evs)
		}
		other := newEnv(t, b, 1, policy.ApprovalRule{Required: 1})
		if _, err := other.node(0).ShowOperation(e.ctx, other.tenant.ID, o.ID, store.Member{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another tenant reads the request: %v", err)
		}
	})
}

// TestOperationDenyAndExpiry: the first denial denies (deny_on first);
// under quorum a denial denies only once K approvals cannot come; an
// unanswered request expires, once, with its webhook.
func TestOperationDenyAndExpiry(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 1})
		e.template(2, store.DenyQuorum, store.ModeApprove)
		o := e.askOperation(nil)
		if _, decided, err := e.voteOperation(0, o, false, ""); err != nil || decided {
			t.Fatalf("one denial of three under quorum: %v, decided %v", err, decided)
		}
		it, decided, err := e.voteOperation(1, o, false, "")
		if err != nil || !decided || it.Request.Status != store.RequestDenied {
			t.Fatalf("second denial: %+v, %v, %v", it.Request, decided, err)
		}
		late := e.askOperation(nil)
		e.clock.Advance(time.Hour)
		for range 2 {
			n, err := e.node(1).ExpireOperations(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := e.node(0).ShowOperation(e.ctx, e.tenant.ID, late.ID, store.Member{}); got.Request.Status != store.RequestExpired {
				t.Fatalf("after expiry (%d): %+v", n, got.Request)
			}
		}
		evs := e.decidedEvents()
		if len(evs) != 2 {
			t.Fatalf("approval.decided events = %+v, want denied and expired", evs)
		}
	})
}

// TestOperationConcurrentVotes: 16 approvers vote at once (on two nodes
// for PostgreSQL), approvals mixed with denials: exactly one vote decides
// and exactly one webhook is written.
func TestOperationConcurrentVotes(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 16, policy.ApprovalRule{Required: 1})
		e.template(2, store.DenyFirst, store.ModeApprove)
		o := e.askOperation(nil)
		var wg sync.WaitGroup
		decided := make([]bool, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, decided[i], _ = e.voteOperation(i, o, i%3 != 0, "")
			}()
		}
		wg.Wait()
		n := 0
		for _, d := range decided {
			if d {
				n++
			}
		}
		if evs := e.decidedEvents(); n != 1 || len(evs) != 1 {
			t.Fatalf("%d votes decided, %d webhooks; want 1 and 1", n, len(evs))
		}
	})
}

// TestOperationSigned: under sign_and_approve an unsigned approval and an
// unsigned denial are refused, a signature for another decision is
// refused, and two signed approvals approve; the statement covers the
// template, the filled text and the metadata.
func TestOperationSigned(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 1})
		svc, keys := signers(e)
		e.template(2, store.DenyFirst, store.ModeSignAndApprove)
		o := e.askOperation(map[string]string{"item": "paper", "amount": "12"})
		for _, approve := range []bool{true, false} {
			if _, _, err := e.voteOperation(0, o, approve, ""); !errors.Is(err, approval.ErrSignatureRequired) {
				t.Fatalf("unsigned vote (approve %v): %v", approve, err)
			}
		}
		deny := signOperation(e, svc, keys[0], 0, o, false)
		if _, _, err := e.voteOperation(0, o, true, deny); !errors.Is(err, approval.ErrSignatureRequired) {
			t.Fatalf("a signed denial cast as an approval: %v", err)
		}
		st, err := e.node(0).OperationStatement(e.ctx, e.approv[0], o.ID, true)
		if err != nil || st.Template != "PURCHASE_APPROVAL" || st.Text != "Buy paper for 12" || st.MetaData["amount"] != "12" || st.V != 2 {
			t.Fatalf("statement = %+v, %v", st, err)
		}
		stale := signOperation(e, svc, keys[0], 0, o, true)
		e.clock.Advance(approval.MaxSignAge + time.Second)
		if _, _, err := e.voteOperation(0, o, true, stale); !errors.Is(err, approval.ErrStale) {
			t.Fatalf("a statement issued %s before the vote: %v", approval.MaxSignAge+time.Second, err)
		}
		if _, _, err := e.voteOperation(0, o, true, signOperation(e, svc, keys[0], 0, o, true)); err != nil {
			t.Fatal(err)
		}
		it, decided, err := e.voteOperation(1, o, true, signOperation(e, svc, keys[1], 1, o, true))
		if err != nil || !decided || it.Request.Status != store.RequestApproved || !it.Decisions[1].Signed {
			t.Fatalf("second signed approval: %+v, %v, %v", it.Request, decided, err)
		}
	})
}

func signOperation(e *env, svc *passkey.Service, k *softkey.Key, i int, o store.Operation, approve bool) string {
	e.t.Helper()
	st, err := e.node(i).OperationStatement(e.ctx, e.approv[i], o.ID, approve)
	if err != nil {
		e.t.Fatalf("statement: %v", err)
	}
	return signStatement(e, svc, k, e.approv[i], st)
}

// TestOneActorOneVote: an actor that votes "as" several members (an API
// token) casts one vote per request, on an access request and on an
// operation's; the CLI's operator, who acts for members by design, is
// exempt.
func TestOneActorOneVote(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newEnv(t, b, 3, policy.ApprovalRule{Required: 2})
		q := e.ask(approval.Ask{For: time.Hour})
		as := func(i int, ch string) approval.Ballot {
			return approval.Ballot{RequestID: q.ID, Voter: e.approv[i], Approve: true, Channel: ch, Actor: "api-token:tok1"}
		}
		if _, err := e.node(0).Vote(e.ctx, as(0, approval.ChannelAPI)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.node(0).Vote(e.ctx, as(1, approval.ChannelAPI)); !errors.Is(err, approval.ErrSameActor) {
			t.Fatalf("the token's second vote, as another member: %v, want ErrSameActor", err)
		}
		if got := e.request(q.ID); got.Status != store.RequestPending {
			t.Fatalf("request after a refused vote: %+v", got)
		}
		if out, err := e.vote(1, q, true); err != nil || !out.Decided {
			t.Fatalf("a second actor's approval: %+v, %v", out, err)
		}

		e.template(2, store.DenyFirst, store.ModeApprove)
		o := e.askOperation(map[string]string{"item": "x", "amount": "1"})
		opBallot := func(i int, ch string) approval.Ballot {
			return approval.Ballot{RequestID: o.ID, Voter: e.approv[i], Approve: true, Channel: ch, Actor: "api-token:tok1"}
		}
		if _, _, err := e.node(0).VoteOperation(e.ctx, opBallot(0, approval.ChannelAPI)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.node(0).VoteOperation(e.ctx, opBallot(1, approval.ChannelAPI)); !errors.Is(err, approval.ErrSameActor) {
			t.Fatalf("the token's second vote on an operation: %v, want ErrSameActor", err)
		}
		o = e.askOperation(map[string]string{"item": "y", "amount": "2"})
		for i := range 2 {
			cli := opBallot(i, approval.ChannelCLI)
			cli.Actor = "cli:root"
			if _, decided, err := e.node(0).VoteOperation(e.ctx, cli); err != nil || decided != (i == 1) {
				t.Fatalf("operator's vote %d: decided %v, %v", i, decided, err)
			}
		}
	})
}
