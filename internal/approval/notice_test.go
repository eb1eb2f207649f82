package approval_test

import (
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/mail"
	"github.com/deadbolt-dev/deadbolt/internal/mail/smtptest"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// noticeEnv is env with every member channel delivered and approvers who
// chose differently:
//
//   - approver0 never chose (email, by default);
//   - approver1 chose push and has a subscribed browser;
//   - approver2 chose email and push, has no browser, and linked Slack;
//   - approver3 chose email, but nobody confirmed their address.
//
// A second tenant, globex, has its own "finance" group, approver and
// approval policy, and must hear nothing of acme's requests.
type noticeEnv struct {
	*env
	unverified store.Member
	other      store.Tenant
	otherIDs   []string
}

var allChannels = []string{store.ChannelEmail, store.ChannelPush, store.ChannelSlack}

func newNoticeEnv(t *testing.T, b backend) *noticeEnv {
	t.Helper()
	e := &noticeEnv{env: newEnv(t, b, 3, policy.ApprovalRule{Required: 2})}
	for _, n := range e.nodes {
		n.Notify = allChannels
	}
	now := e.clock.Now()
	a1, a2 := e.approv[1], e.approv[2]
	a1.Channels, a2.Channels = []string{store.ChannelPush}, []string{store.ChannelEmail, store.ChannelPush}
	e.unverified = store.Member{ID: ids.New(), TenantID: e.tenant.ID, Email: "approver3@acme.test", Role: store.RoleApprover,
		Channels: []string{store.ChannelEmail}, CreatedAt: now, UpdatedAt: now}
	e.update(func(tx store.Tx) error {
		for _, m := range []store.Member{a1, a2} {
			m.UpdatedAt = now
			if err := tx.UpdateMember(e.ctx, m); err != nil {
				return err
			}
		}
		if err := tx.CreateMember(e.ctx, e.unverified); err != nil {
			return err
		}
		if err := tx.PutPushSubscription(e.ctx, store.PushSubscription{ID: "sub-" + a1.ID, TenantID: e.tenant.ID, MemberID: a1.ID,
			Endpoint: "https://push.example.test/" + a1.ID, P256dh: make([]byte, 65), Auth: make([]byte, 16), CreatedAt: now}); err != nil {
			return err
		}
		return tx.PutSlackLink(e.ctx, store.SlackLink{MemberID: a2.ID, TenantID: e.tenant.ID, TeamID: "T1", UserID: "U2",
			CreatedAt: now, ConfirmedAt: now})
	})
	if _, _, err := e.admin.AddToGroup(e.ctx, "test", e.tenant.ID, e.policy.Approval.Groups[0], e.unverified.ID); err != nil {
		t.Fatal(err)
	}

	// globex: the same names, another tenant.
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	e.other, err = e.admin.CreateTenant(e.ctx, "test", "globex")
	must(err)
	app, err := e.admin.CreateApp(e.ctx, "test", admin.NewApp{TenantID: e.other.ID, Name: "Bank", Issuer: "https://bank.globex.test",
		DefaultUnlock: 15 * time.Minute, MaxUnlock: 8 * time.Hour})
	must(err)
	_, err = e.access.Enroll(e.ctx, "test", app, "treasury", "alice@globex.test")
	must(err)
	g, err := e.admin.CreateGroup(e.ctx, "test", e.other.ID, "finance", "")
	must(err)
	m, err := e.admin.CreateMember(e.ctx, "test", admin.NewMember{TenantID: e.other.ID, Email: "approver0@globex.test", Role: store.RoleApprover})
	must(err)
	_, _, err = e.admin.AddToGroup(e.ctx, "test", e.other.ID, g.ID, m.ID)
	must(err)
	p, err := e.admin.CreatePolicy(e.ctx, "test", e.other.ID, policy.Policy{Name: "globex approvals", Type: policy.Approval, Enabled: true,
		Approval: &policy.ApprovalRule{Required: 1, Groups: []string{g.ID}}})
	must(err)
	_, err = e.admin.Assign(e.ctx, "test", e.other.ID, p.ID, admin.Target{App: app.ID})
	must(err)
	owner, err := e.db.MemberByEmail(e.ctx, e.other.ID, "alice@globex.test")
	must(err)
	e.otherIDs = []string{m.ID, owner.ID}
	return e
}

func (e *noticeEnv) update(f func(tx store.Tx) error) {
	e.t.Helper()
	if err := e.db.Update(e.ctx, f); err != nil {
		e.t.Fatal(err)
	}
}

// notices lists, by member ID, the sorted channels of the outbox messages
// of type typ about request id, and checks what every notice must be: of
// the tenant, linking to a page of the portal, carrying the request's
// kind. No message of the tenant goes to another tenant's members, and
// the other tenant's outbox stays empty.
func (e *noticeEnv) notices(typ, id string) map[string][]string {
	e.t.Helper()
	msgs, err := e.db.OutboxOfTenant(e.ctx, e.tenant.ID, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]string{}
	for _, m := range msgs {
		if slices.Contains(e.otherIDs, m.MemberID) {
			e.t.Errorf("acme's message %s %s went to globex's member %s", m.Type, m.Channel, m.MemberID)
		}
		if m.Channel == store.ChannelWebhook && !slices.Contains([]string{webhook.TypeAccountLocked, webhook.TypeAccountUnlocked,
			webhook.TypeApprovalDecided}, m.Type) {
			e.t.Errorf("a webhook message of type %s", m.Type)
		}
		if m.Type != typ {
			continue
		}
		n, err := notify.DecodeNotice(m)
		if err != nil {
			e.t.Fatal(err)
		}
		if n.Request != id {
			continue
		}
		if m.TenantID != e.tenant.ID || typ != notify.TypeRequestRaised && (n.Kind == "" || !strings.HasPrefix(n.Link, "/")) {
			e.t.Errorf("notice %+v in message %+v", n, m)
		}
		out[m.MemberID] = append(out[m.MemberID], m.Channel)
	}
	for _, chs := range out {
		slices.Sort(chs)
	}
	if other, err := e.db.OutboxOfTenant(e.ctx, e.other.ID, 10); err != nil || len(other) > 0 {
		e.t.Errorf("globex's outbox holds %d messages (%v)", len(other), err)
	}
	return out
}

// asked is what every acme request asks of approvers 0 to 3; slack says
// whether approver2's Slack link gets a message.
func (e *noticeEnv) asked(slack bool) map[string][]string {
	want := map[string][]string{
		e.approv[0].ID: {store.ChannelEmail},
		e.approv[1].ID: {store.ChannelPush},
		e.approv[2].ID: {store.ChannelEmail},
	}
	if slack {
		want[e.approv[2].ID] = []string{store.ChannelEmail, store.ChannelSlack}
	}
	return want
}

func sameNotices(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: notices by member %v, want %v", what, got, want)
	}
}

// TestNoticesOfAccessRequest: a request asked ahead of time asks each
// approver once per channel they chose (push only with a browser, Slack
// only when linked, email only to a confirmed address) and not the
// requester; the decision tells the requester, and no approver.
func TestNoticesOfAccessRequest(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newNoticeEnv(t, b)
		q := e.ask(approval.Ask{Reason: "quarter close", For: time.Hour})
		sameNotices(t, "asked", e.notices(notify.TypeApprovalAsked, q.ID), e.asked(true))
		msgs, _ := e.db.OutboxOfTenant(e.ctx, e.tenant.ID, 1000)
		for _, m := range msgs {
			if m.Type != notify.TypeApprovalAsked {
				continue
			}
			n, _ := notify.DecodeNotice(m)
			if n.Kind != store.RequestAhead || n.Reason != "quarter close" || n.For != "1h0m0s" || n.Link != "/approvals#request-"+q.ID ||
				!strings.Contains(n.By, e.owner.Email) || n.Account != "treasury" || n.Application != "Bank" {
				t.Fatalf("approver's notice %+v", n)
			}
		}
		if _, err := e.vote(0, q, true); err != nil {
			t.Fatal(err)
		}
		sameNotices(t, "decided before the quorum", e.notices(notify.TypeRequestDecided, q.ID), map[string][]string{})
		if out, err := e.vote(1, q, true); err != nil || !out.Decided {
			t.Fatalf("quorum: %+v, %v", out, err)
		}
		sameNotices(t, "decided", e.notices(notify.TypeRequestDecided, q.ID), map[string][]string{e.owner.ID: {store.ChannelEmail}})
		for _, m := range mustOutbox(t, e) {
			if n, _ := notify.DecodeNotice(m); m.Type == notify.TypeRequestDecided &&
				(n.Status != store.RequestApproved || n.Link != "/approvals#mine-"+q.ID) {
				t.Fatalf("requester's notice %+v", n)
			}
		}

		// A denial by the requester themselves tells nobody: an admin who
		// is an approver asks, and denies it.
		asker := e.approv[0]
		asker.Role = store.RoleAdmin
		e.clock.Advance(time.Hour)
		q2, err := e.node(0).Create(e.ctx, "member:"+asker.ID, asker, e.app, "treasury", approval.Ask{Reason: "audit"})
		if err != nil {
			t.Fatal(err)
		}
		want := e.asked(true)
		delete(want, asker.ID)
		sameNotices(t, "asked by an approver", e.notices(notify.TypeApprovalAsked, q2.ID), want)
		if out, err := e.vote(0, q2, false); err != nil || !out.Decided {
			t.Fatalf("the requester's own denial: %+v, %v", out, err)
		}
		sameNotices(t, "own denial", e.notices(notify.TypeRequestDecided, q2.ID), map[string][]string{})
	})
}

func mustOutbox(t *testing.T, e *noticeEnv) []store.OutboxMessage {
	t.Helper()
	msgs, err := e.db.OutboxOfTenant(e.ctx, e.tenant.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// TestNoticesOfSigninRequest: a sign-in that a lock check stopped under an
// approval policy asks the approvers in the raise's transaction (the owner
// has their own notice); when it runs out, the owner hears it. Under no
// approval policy, the owner alone is told, and hears nothing more when it
// runs out.
func TestNoticesOfSigninRequest(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newNoticeEnv(t, b)
		node := e.node(0)
		// The node's policy cache, built as the server builds it.
		node.Sets = cache.New(e.db, cache.Options{Box: e.box, Policies: func(ctx context.Context, r store.PolicyReader, tenantID string) (*policy.Set, error) {
			return admin.PolicySets{Store: r, Clock: e.clock}.PolicySet(ctx, tenantID)
		}})
		requests := &access.Requests{Store: e.db, Clock: e.clock, TTL: 5 * time.Minute, Notify: []string{store.ChannelEmail, store.ChannelPush},
			Approvers: node}
		plain, err := e.admin.CreateApp(e.ctx, "test", admin.NewApp{TenantID: e.tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test",
			DefaultUnlock: 15 * time.Minute, MaxUnlock: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.access.Enroll(e.ctx, "test", plain, "alice", e.owner.Email); err != nil {
			t.Fatal(err)
		}
		e.update(func(tx store.Tx) error {
			return tx.CreatePasskey(e.ctx, store.Passkey{ID: "cred-alice", TenantID: e.tenant.ID, MemberID: e.owner.ID, Name: "laptop",
				Credential: []byte("{}"), CreatedAt: e.clock.Now()})
		})
		raise := func(app store.Application, account string) store.UnlockRequest {
			t.Helper()
			st, err := e.db.CheckState(e.ctx, app.ID, account)
			if err != nil {
				t.Fatal(err)
			}
			if err := requests.Raise(e.ctx, app, st, check.Request{IP: "203.0.113.7", Device: "Firefox", IntegrationType: "cognito"}, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			q, err := e.db.PendingRequest(e.ctx, st.Account.ID)
			if err != nil {
				t.Fatal(err)
			}
			return q
		}

		q := raise(e.app, "treasury")
		sameNotices(t, "asked", e.notices(notify.TypeApprovalAsked, q.ID), e.asked(true))
		sameNotices(t, "owner's own notice", e.notices(notify.TypeRequestRaised, q.ID), map[string][]string{e.owner.ID: {store.ChannelEmail}})
		for _, m := range mustOutbox(t, e) {
			if n, _ := notify.DecodeNotice(m); m.Type == notify.TypeApprovalAsked &&
				(n.Kind != store.RequestSignin || n.By != "" || n.IP != "203.0.113.7" || n.Link != "/approvals#request-"+q.ID) {
				t.Fatalf("approver's notice of a sign-in %+v", n)
			}
		}
		other := raise(plain, "alice")
		sameNotices(t, "asked under no approval policy", e.notices(notify.TypeApprovalAsked, other.ID), map[string][]string{})

		e.clock.Advance(6 * time.Minute)
		if n, err := requests.ExpireRequests(e.ctx); err != nil || n != 2 {
			t.Fatalf("expired %d, %v; want 2", n, err)
		}
		sameNotices(t, "ran out", e.notices(notify.TypeRequestDecided, q.ID), map[string][]string{e.owner.ID: {store.ChannelEmail}})
		sameNotices(t, "ran out under no approval policy", e.notices(notify.TypeRequestDecided, other.ID), map[string][]string{})
		for _, m := range mustOutbox(t, e) {
			if n, _ := notify.DecodeNotice(m); m.Type == notify.TypeRequestDecided && (n.Status != store.RequestExpired || n.Link != "/") {
				t.Fatalf("owner's notice of the expiry %+v", n)
			}
		}

		// The owner asks ahead while a sign-in is pending: the request
		// takes it over (same ID), and approvers hear by email and push
		// what is asked now, but get no second Slack message.
		signin := raise(e.app, "treasury")
		ahead := e.ask(approval.Ask{Reason: "it was me"})
		if ahead.ID != signin.ID {
			t.Fatalf("the ahead request %s did not take the sign-in %s over", ahead.ID, signin.ID)
		}
		sameNotices(t, "asked twice", e.notices(notify.TypeApprovalAsked, signin.ID), map[string][]string{
			e.approv[0].ID: {store.ChannelEmail, store.ChannelEmail},
			e.approv[1].ID: {store.ChannelPush, store.ChannelPush},
			e.approv[2].ID: {store.ChannelEmail, store.ChannelEmail, store.ChannelSlack},
		})
	})
}

// TestNoticesOfOperationRequest: an approval request for an operation asks
// each of its approvers but the member it is about (who is one of them
// here), on the channels they chose; the decision tells that member, and the application's
// approval.decided webhook is still written, once, under its own name.
func TestNoticesOfOperationRequest(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newNoticeEnv(t, b)
		if _, _, err := e.admin.AddToGroup(e.ctx, "test", e.tenant.ID, e.policy.Approval.Groups[0], e.owner.ID); err != nil {
			t.Fatal(err)
		}
		e.template(1, store.DenyFirst, store.ModeApprove)
		o := e.askOperation(map[string]string{"item": "laptops", "amount": "9000 EUR"})
		if !slices.Contains(o.Approvers, e.owner.ID) || o.RequesterID != e.owner.ID {
			t.Fatalf("the request's approvers %v and requester %s: the owner should be both", o.Approvers, o.RequesterID)
		}
		sameNotices(t, "asked", e.notices(notify.TypeApprovalAsked, o.ID), e.asked(true))
		for _, m := range mustOutbox(t, e) {
			if n, _ := notify.DecodeNotice(m); m.Type == notify.TypeApprovalAsked {
				if n.Kind != notify.KindOperation || n.Title != "Purchase" || n.Link != "/approvals#operation-"+o.ID {
					t.Fatalf("approver's notice of an operation %+v", n)
				}
				if strings.Contains(string(m.Payload), "laptops") || strings.Contains(string(m.Payload), "9000") {
					t.Fatalf("the notice carries the metadata: %s", m.Payload)
				}
			}
		}
		if _, decided, err := e.voteOperation(1, o, true, ""); err != nil || !decided {
			t.Fatalf("vote: %v, %v", decided, err)
		}
		sameNotices(t, "decided", e.notices(notify.TypeRequestDecided, o.ID), map[string][]string{e.owner.ID: {store.ChannelEmail}})
		if evs := e.decidedEvents(); len(evs) != 1 || evs[0].Type != "approval.decided" || evs[0].Data.Status != store.RequestApproved {
			t.Fatalf("approval.decided webhooks: %+v", evs)
		}
		if webhook.TypeApprovalDecided != "approval.decided" || webhook.TypeAccountLocked != "account.locked" ||
			webhook.TypeAccountUnlocked != "account.unlocked" {
			t.Fatal("a webhook event was renamed")
		}
	})
}

// TestApproverNoticeDelivered: the approvers' notices of a new request
// leave through the outbox's real deliverer and mail carrier to a real
// SMTP server: one mail to each approver who chose email and confirmed
// their address, naming the request and linking to its page in the
// portal, with no way to answer but the portal.
func TestApproverNoticeDelivered(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		e := newNoticeEnv(t, b)
		srv := smtptest.New(t, smtptest.Options{})
		carrier := &mail.Notifier{Sender: &mail.Sender{Addr: srv.Addr, From: "deadbolt <deadbolt@acme.test>", TLS: mail.TLSNone,
			Timeout: 5 * time.Second}, Members: e.db, PortalURL: "https://lock.acme.test"}
		q := e.ask(approval.Ask{Reason: "quarter close", For: 2 * time.Hour})
		d := &notify.Deliverer{Store: e.db, Box: e.box, Clock: e.clock, Mail: carrier}
		if _, err := d.RunOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for range 2 {
			m := srv.Wait(t)
			msg, err := netmail.ReadMessage(strings.NewReader(m.Data))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if err != nil {
				t.Fatal(err)
			}
			got[strings.Trim(strings.TrimPrefix(m.To, "TO:"), "<>")] = "Subject: " + msg.Header.Get("Subject") + "\n" + string(body)
		}
		for _, who := range []string{e.approv[0].Email, e.approv[2].Email} {
			data, ok := got[who]
			if !ok {
				t.Fatalf("no mail to %s; mails to %v", who, keys(got))
			}
			for _, want := range []string{"Approval asked: access to treasury at Bank", "quarter close", "2h0m0s",
				"https://lock.acme.test/approvals#request-" + q.ID, e.owner.Email} {
				if !strings.Contains(data, want) {
					t.Errorf("mail to %s lacks %q:\n%s", who, want, data)
				}
			}
		}
		select {
		case m := <-srv.Received():
			t.Fatalf("a third mail, to %s", m.To)
		default:
		}
		// The email messages are delivered; push and Slack, with no
		// carrier on this node, wait for one.
		for _, m := range mustOutbox(t, e) {
			if m.Type != notify.TypeApprovalAsked {
				continue
			}
			if done := !m.DeliveredAt.IsZero(); done != (m.Channel == store.ChannelEmail) {
				t.Errorf("%s message to %s: delivered %v", m.Channel, m.MemberID, done)
			}
		}
	})
}

func keys(m map[string]string) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}
