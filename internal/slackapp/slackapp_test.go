package slackapp_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/slackapp"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// call is one Web API call the Slack test server received.
type call struct {
	Method string
	Form   url.Values
}

// fakeSlack is slacktest's server with the calls deadbolt makes recorded,
// and users.lookupByEmail answering from users (email → Slack user ID).
type fakeSlack struct {
	*slacktest.Server
	mu    sync.Mutex
	calls []call
	users map[string]string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{users: map[string]string{}}
	record := func(method string, answer func(url.Values) any) slacktest.Binder {
		return func(c slacktest.Customize) {
			c.Handle("/"+method, func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				f.mu.Lock()
				f.calls = append(f.calls, call{method, r.Form})
				f.mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(answer(r.Form))
			})
		}
	}
	f.Server = slacktest.NewTestServer(
		record("chat.postMessage", func(v url.Values) any {
			return map[string]any{"ok": true, "channel": "D" + v.Get("channel"), "ts": "1700000000.000100"}
		}),
		record("chat.update", func(v url.Values) any {
			return map[string]any{"ok": true, "channel": v.Get("channel"), "ts": v.Get("ts")}
		}),
		record("chat.postEphemeral", func(v url.Values) any { return map[string]any{"ok": true, "message_ts": "1"} }),
		record("users.lookupByEmail", func(v url.Values) any {
			f.mu.Lock()
			id, ok := f.users[v.Get("email")]
			f.mu.Unlock()
			if !ok {
				return map[string]any{"ok": false, "error": "users_not_found"}
			}
			return map[string]any{"ok": true, "user": map[string]any{"id": id, "team_id": "T1", "name": id,
				"profile": map[string]any{"email": v.Get("email")}}}
		}),
	)
	f.Start()
	t.Cleanup(f.Stop)
	return f
}

// calls of one method, in order.
func (f *fakeSlack) of(method string) []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []url.Values
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c.Form)
		}
	}
	return out
}

// env is one tenant on a real SQLite file: account treasury of alice at
// Bank, three finance approvers, an approval policy, and a member of
// another tenant; Slack is slacktest, reached through an egress client
// that allows private addresses (the operator's allow setting).
type env struct {
	t        *testing.T
	ctx      context.Context
	db       store.Store
	slack    *fakeSlack
	app      store.Application
	owner    store.Member
	approv   []store.Member
	stranger store.Member // of another tenant
	votes    *approval.Service
	linker   *slackapp.Linker
	notifier *slackapp.Notifier
	mux      *http.ServeMux
}

func newEnv(t *testing.T, rule policy.ApprovalRule) *env {
	t.Helper()
	ctx := t.Context()
	db := backends.SQLite(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	box, _ := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	adm := &admin.Service{Store: db, Clock: clock.Real{}, Box: box}
	e := &env{t: t, ctx: ctx, db: db, slack: newFakeSlack(t)}
	tenant, err := adm.CreateTenant(ctx, "test", "acme")
	must(err)
	e.app, err = adm.CreateApp(ctx, "test", admin.NewApp{TenantID: tenant.ID, Name: "Bank", Issuer: "https://bank.acme.test",
		DefaultUnlock: 15 * time.Minute, MaxUnlock: 8 * time.Hour})
	must(err)
	_, err = (&access.Service{Store: db, Clock: clock.Real{}}).Enroll(ctx, "test", e.app, "treasury", "alice@acme.test")
	must(err)
	e.owner, err = db.MemberByEmail(ctx, tenant.ID, "alice@acme.test")
	must(err)
	g, err := adm.CreateGroup(ctx, "test", tenant.ID, "finance", "")
	must(err)
	for i := range 3 {
		m, err := adm.CreateMember(ctx, "test", admin.NewMember{TenantID: tenant.ID, Email: fmt.Sprintf("approver%d@acme.test", i),
			Role: store.RoleApprover})
		must(err)
		_, _, err = adm.AddToGroup(ctx, "test", tenant.ID, g.ID, m.ID)
		must(err)
		e.approv = append(e.approv, m)
		e.slack.users[m.Email] = fmt.Sprintf("U%d", i)
	}
	other, err := adm.CreateTenant(ctx, "test", "globex")
	must(err)
	e.stranger, err = adm.CreateMember(ctx, "test", admin.NewMember{TenantID: other.ID, Email: "mallory@globex.test", Role: store.RoleAdmin})
	must(err)
	e.slack.users[e.stranger.Email] = "UM"
	rule.Groups = []string{g.ID}
	pol, err := adm.CreatePolicy(ctx, "test", tenant.ID, policy.Policy{Name: "treasury", Type: policy.Approval, Enabled: true, Approval: &rule})
	must(err)
	_, err = adm.Assign(ctx, "test", tenant.ID, pol.ID, admin.Target{App: e.app.ID})
	must(err)

	cfg := slackapp.Config{BotToken: "xoxb-test", SigningSecret: secret, APIURL: e.slack.GetAPIURL(), PortalURL: "https://deadbolt.acme.test/portal"}
	api := slackapp.NewClient(cfg, egress.Policy{AllowPrivate: true})
	e.votes = &approval.Service{Store: db, Clock: clock.Real{}, Notify: []string{store.ChannelSlack}}
	e.linker = &slackapp.Linker{API: api, Store: db, Clock: clock.Real{}}
	e.notifier = &slackapp.Notifier{API: api, Members: db, Requests: e.votes, PortalURL: cfg.PortalURL}
	e.mux = http.NewServeMux()
	(&slackapp.Handler{API: api, SigningSecret: secret, Store: db, Votes: e.votes, Links: e.linker}).Register(e.mux)
	return e
}

// link links m and confirms it as its Slack user does: the press of the
// button in the direct message Link sent.
func (e *env) link(m store.Member) {
	e.t.Helper()
	l := e.pending(m)
	e.post(press(l.TeamID, l.UserID, slackapp.ActionConfirmLink, confirmValue(e.t, e.slack)), signed(press(l.TeamID, l.UserID, slackapp.ActionConfirmLink, confirmValue(e.t, e.slack)), time.Now(), secret))
	if got, err := e.db.SlackLink(e.ctx, m.ID); err != nil || !got.Confirmed() {
		e.t.Fatalf("link %s not confirmed: %+v, %v", m.Email, got, err)
	}
	e.slack.mu.Lock()
	e.slack.calls = nil // the tests count approval messages: forget the link's
	e.slack.mu.Unlock()
}

// pending links m without confirming it.
func (e *env) pending(m store.Member) store.SlackLink {
	e.t.Helper()
	l, err := e.linker.Link(e.ctx, "member:"+m.Email, m)
	if err != nil {
		e.t.Fatalf("link %s: %v", m.Email, err)
	}
	return l
}

// confirmValue is the value of the confirm button of the last direct
// message Link sent.
func confirmValue(t *testing.T, f *fakeSlack) string {
	t.Helper()
	posts := f.of("chat.postMessage")
	if len(posts) == 0 {
		t.Fatal("Link sent no direct message")
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(posts[len(posts)-1].Get("blocks")), &blocks); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if els, ok := b["elements"].([]any); ok {
			for _, el := range els {
				if el := el.(map[string]any); el["action_id"] == slackapp.ActionConfirmLink {
					return el["value"].(string)
				}
			}
		}
	}
	t.Fatalf("no confirm button in %s", posts[len(posts)-1].Get("blocks"))
	return ""
}

func (e *env) ask() store.UnlockRequest {
	e.t.Helper()
	q, err := e.votes.Create(e.ctx, "member:"+e.owner.Email, e.owner, e.app, "treasury",
		approval.Ask{Reason: "quarter close <@channel>", For: time.Hour})
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

// deliver runs the outbox once with the Slack carrier.
func (e *env) deliver() int {
	e.t.Helper()
	n, err := (&notify.Deliverer{Store: e.db, Clock: clock.Real{}, Slack: e.notifier}).RunOnce(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// press is the interaction Slack sends when Slack user user of team
// presses the button actionID with value.
func press(team, user, actionID, value string) []byte {
	cb := map[string]any{"type": "block_actions", "team": map[string]any{"id": team}, "user": map[string]any{"id": user},
		"channel":   map[string]any{"id": "D" + user},
		"container": map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": "D" + user},
		"actions":   []map[string]any{{"type": "button", "action_id": actionID, "block_id": "deadbolt.vote", "value": value}}}
	b, _ := json.Marshal(cb)
	return []byte(url.Values{"payload": {string(b)}}.Encode())
}

// signed signs body as Slack does (v0) at time at with key.
func signed(body []byte, at time.Time, key string) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return h
}

func (e *env) post(body []byte, h http.Header) int {
	r := httptest.NewRequest(http.MethodPost, slackapp.InteractionsPath, bytes.NewReader(body))
	r.Header = h
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	io.Copy(io.Discard, w.Body)
	return w.Code
}

func (e *env) votesOn(id string) []store.Vote {
	e.t.Helper()
	v, err := e.db.Votes(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func lastText(calls []url.Values) string {
	if len(calls) == 0 {
		return ""
	}
	return calls[len(calls)-1].Get("text") + calls[len(calls)-1].Get("blocks")
}

// TestSlackApproval: a request posts each linked approver an interactive
// message; correctly signed presses vote through the one vote path and
// the quorum opens the account; forged, stale, replayed, unlinked and
// other-tenant presses vote nothing.
func TestSlackApproval(t *testing.T) {
	e := newEnv(t, policy.ApprovalRule{Required: 2})
	e.link(e.approv[0])
	e.link(e.approv[1]) // approver 2 never links: no Slack message for them
	e.link(e.stranger)
	q := e.ask()
	if n := e.deliver(); n != 2 {
		t.Fatalf("delivered %d messages, want 2 (the linked approvers)", n)
	}
	posts := e.slack.of("chat.postMessage")
	if len(posts) != 2 {
		t.Fatalf("posted %d messages: %v", len(posts), posts)
	}
	to := map[string]bool{}
	for _, p := range posts {
		to[p.Get("channel")] = true
		blocks := p.Get("blocks")
		for _, want := range []string{slackapp.ActionApprove, slackapp.ActionDeny, `"value":"` + q.ID + `"`, "quarter close", "treasury", "Approvals: 0 of 2"} {
			if !strings.Contains(blocks, want) {
				t.Errorf("message to %s lacks %q: %s", p.Get("channel"), want, blocks)
			}
		}
		if strings.Contains(blocks, `"type":"mrkdwn"`) {
			t.Errorf("outside text may format the message: %s", blocks)
		}
	}
	if !to["U0"] || !to["U1"] {
		t.Fatalf("posted to %v, want U0 and U1", to)
	}

	now := time.Now()
	approve0 := press("T1", "U0", slackapp.ActionApprove, q.ID)
	refusedAtDoor := []struct {
		name string
		h    http.Header
	}{
		{"forged signature", signed(approve0, now, "not-the-secret")},
		{"stale timestamp", signed(approve0, now.Add(-6*time.Minute), secret)},
		{"future timestamp", signed(approve0, now.Add(6*time.Minute), secret)},
		{"no signature", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
	}
	for _, c := range refusedAtDoor {
		if code := e.post(approve0, c.h); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", c.name, code)
		}
	}
	// A body changed after signing.
	h := signed(approve0, now, secret)
	if code := e.post(press("T1", "U0", slackapp.ActionApprove, q.ID+"x"), h); code != http.StatusUnauthorized {
		t.Errorf("changed body: status %d, want 401", code)
	}
	// Signed by Slack, but the Slack user is another tenant's member, or
	// nobody's, or the right user ID in another workspace.
	for _, who := range [][2]string{{"T1", "UM"}, {"T1", "U9"}, {"T2", "U0"}} {
		b := press(who[0], who[1], slackapp.ActionApprove, q.ID)
		if code := e.post(b, signed(b, now, secret)); code != http.StatusOK {
			t.Errorf("%v: status %d", who, code)
		}
		if !strings.Contains(lastText(e.slack.of("chat.postEphemeral")), "not linked") {
			t.Errorf("%v was not told it is not linked: %v", who, e.slack.of("chat.postEphemeral"))
		}
	}
	if v := e.votesOn(q.ID); len(v) != 0 {
		t.Fatalf("refused presses voted: %+v", v)
	}

	// Approver 0 approves from Slack.
	if code := e.post(approve0, h); code != http.StatusOK {
		t.Fatalf("approve: status %d", code)
	}
	v := e.votesOn(q.ID)
	if len(v) != 1 || v[0].MemberID != e.approv[0].ID || v[0].Channel != approval.ChannelSlack || v[0].Decision != store.VoteApprove {
		t.Fatalf("votes after approver 0: %+v", v)
	}
	if up := lastText(e.slack.of("chat.update")); !strings.Contains(up, "You approved. 1 of 2 approvals so far.") {
		t.Errorf("message after the first approval: %s", up)
	}
	// The same signed request again (a replay inside the five minutes).
	if code := e.post(approve0, h); code != http.StatusOK {
		t.Fatalf("replay: status %d", code)
	}
	if !strings.Contains(lastText(e.slack.of("chat.postEphemeral")), "already voted") {
		t.Errorf("replay not refused: %v", e.slack.of("chat.postEphemeral"))
	}

	// Approver 1 brings the quorum: the account opens.
	approve1 := press("T1", "U1", slackapp.ActionApprove, q.ID)
	h1 := signed(approve1, now, secret)
	if code := e.post(approve1, h1); code != http.StatusOK {
		t.Fatalf("second approve: status %d", code)
	}
	got, err := e.db.UnlockRequest(e.ctx, q.ID)
	if err != nil || got.Status != store.RequestApproved || got.GrantID == "" {
		t.Fatalf("request after the quorum: %+v, %v", got, err)
	}
	acct, _ := e.db.Account(e.ctx, e.app.ID, "treasury")
	g, err := e.db.CurrentGrant(e.ctx, acct.ID)
	if err != nil || !g.Usable(time.Now()) || g.ID != got.GrantID {
		t.Fatalf("grant after the quorum: %+v, %v", g, err)
	}
	if up := lastText(e.slack.of("chat.update")); !strings.Contains(up, "The request is approved: the account is open until") {
		t.Errorf("message after the quorum: %s", up)
	}
	// A replay after the decision, and approver 2 pressing a copy: nothing
	// more is voted and no second grant is made.
	e.link(e.approv[2])
	for _, b := range [][]byte{approve1, press("T1", "U2", slackapp.ActionDeny, q.ID)} {
		if code := e.post(b, signed(b, now, secret)); code != http.StatusOK {
			t.Fatalf("after the decision: status %d", code)
		}
		if !strings.Contains(lastText(e.slack.of("chat.postEphemeral")), "no longer open") &&
			!strings.Contains(lastText(e.slack.of("chat.postEphemeral")), "already voted") {
			t.Errorf("a press after the decision was not refused: %v", lastText(e.slack.of("chat.postEphemeral")))
		}
	}
	if v := e.votesOn(q.ID); len(v) != 2 {
		t.Fatalf("votes after the decision: %+v", v)
	}
	if g2, _ := e.db.CurrentGrant(e.ctx, acct.ID); g2.ID != g.ID {
		t.Fatalf("a second grant: %+v", g2)
	}
	// Every Slack vote is audited with its channel.
	recs, err := e.db.AuditRecords(e.ctx, e.app.TenantID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	slackVotes := 0
	for _, r := range recs {
		if r.Action == "request.voted" && strings.Contains(string(r.Data), `"channel":"slack"`) {
			slackVotes++
		}
	}
	if slackVotes != 2 {
		t.Errorf("%d audited Slack votes, want 2", slackVotes)
	}
}

// TestSlackSignedPolicy: under a policy that says sign, the message links
// to the portal's sign page and has no Approve button; a forged press of
// Approve is refused by the vote path.
func TestSlackSignedPolicy(t *testing.T) {
	e := newEnv(t, policy.ApprovalRule{Required: 1, Sign: true})
	e.link(e.approv[0])
	q := e.ask()
	e.deliver()
	posts := e.slack.of("chat.postMessage")
	if len(posts) != 1 {
		t.Fatalf("posted %d messages", len(posts))
	}
	blocks := posts[0].Get("blocks")
	if strings.Contains(blocks, slackapp.ActionApprove) || !strings.Contains(blocks, "https://deadbolt.acme.test/portal/approvals/"+q.ID+"/sign") {
		t.Fatalf("sign message: %s", blocks)
	}
	b := press("T1", "U0", slackapp.ActionApprove, q.ID)
	if code := e.post(b, signed(b, time.Now(), secret)); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if v := e.votesOn(q.ID); len(v) != 0 {
		t.Fatalf("an unsigned Slack approval was counted: %+v", v)
	}
	if !strings.Contains(lastText(e.slack.of("chat.postEphemeral")), "passkey-signed") {
		t.Errorf("not told to sign: %v", e.slack.of("chat.postEphemeral"))
	}
}

// TestSlackLink: only a verified email is looked up; a Slack user is one
// member's in a tenant; unlinking stops the messages.
func TestSlackLink(t *testing.T) {
	e := newEnv(t, policy.ApprovalRule{Required: 1})
	unverified := e.approv[0]
	unverified.EmailVerifiedAt = time.Time{}
	if _, err := e.linker.Link(e.ctx, "test", unverified); err == nil {
		t.Fatal("an unverified email was linked")
	}
	if len(e.slack.of("users.lookupByEmail")) != 0 {
		t.Fatal("an unverified email was looked up")
	}
	nobody := e.approv[1]
	delete(e.slack.users, nobody.Email)
	if _, err := e.linker.Link(e.ctx, "test", nobody); err == nil {
		t.Fatal("linked an email Slack does not know")
	}
	e.link(e.approv[0])
	e.slack.users[e.approv[2].Email] = "U0" // Slack answers with approver 0's user
	if _, err := e.linker.Link(e.ctx, "test", e.approv[2]); err == nil {
		t.Fatal("a second member of the tenant took a linked Slack user")
	}
	if ok, err := e.linker.Unlink(e.ctx, "test", e.approv[0]); !ok || err != nil {
		t.Fatalf("unlink: %v, %v", ok, err)
	}
	e.ask()
	if n := e.deliver(); n != 0 || len(e.slack.of("chat.postMessage")) != 0 {
		t.Fatalf("an unlinked member got %d messages", n)
	}
}

// TestSlackLinkConfirmation: a pending link (the defect: an email a
// tenant admin set is no proof) gets no approval message and votes
// nothing; a confirm press from another Slack user or team, or with a
// forged value, is refused; the link's own user confirms it, and then the
// member hears requests and their votes count.
func TestSlackLinkConfirmation(t *testing.T) {
	e := newEnv(t, policy.ApprovalRule{Required: 1})
	m := e.approv[0]
	l := e.pending(m)
	value := confirmValue(t, e.slack)
	if got := e.slack.of("chat.postMessage")[0]; got.Get("channel") != l.UserID || !strings.Contains(got.Get("blocks"), "Confirm: this is me") {
		t.Fatalf("the confirm message: %v", got)
	}

	q := e.ask()
	if n := e.deliver(); n != 0 || len(e.slack.of("chat.postMessage")) != 1 {
		t.Fatalf("a pending link got an approval message (%d delivered)", n)
	}
	vote := press("T1", l.UserID, slackapp.ActionApprove, q.ID)
	e.post(vote, signed(vote, time.Now(), secret))
	if v := e.votesOn(q.ID); len(v) != 0 {
		t.Fatalf("a pending link voted: %+v", v)
	}

	for _, c := range []struct{ team, user, value string }{
		{"T1", "U1", value},                             // another Slack user of the workspace
		{"T2", l.UserID, value},                         // the same user ID in another team
		{"T1", l.UserID, m.ID + ".1"},                   // a value naming another request
		{"T1", "UM", e.stranger.ID + value[len(m.ID):]}, // another member's
	} {
		b := press(c.team, c.user, slackapp.ActionConfirmLink, c.value)
		e.post(b, signed(b, time.Now(), secret))
		if got, _ := e.db.SlackLink(e.ctx, m.ID); got.Confirmed() {
			t.Fatalf("confirm press %+v confirmed the link", c)
		}
	}
	unsigned := press("T1", l.UserID, slackapp.ActionConfirmLink, value)
	if code := e.post(unsigned, signed(unsigned, time.Now(), "not-the-secret")); code != http.StatusUnauthorized {
		t.Fatalf("an unsigned confirm: %d", code)
	}

	ok := press("T1", l.UserID, slackapp.ActionConfirmLink, value)
	e.post(ok, signed(ok, time.Now(), secret))
	if got, err := e.db.SlackLink(e.ctx, m.ID); err != nil || !got.Confirmed() {
		t.Fatalf("the link's own user did not confirm it: %+v, %v", got, err)
	}
	recs, err := e.db.AuditRecords(e.ctx, m.TenantID, 0, 1000)
	confirmed := 0
	for _, r := range recs {
		if r.Action == "member.slack_link_confirmed" {
			confirmed++
		}
	}
	if err != nil || confirmed != 1 {
		t.Fatalf("audited %d confirmations (%v)", confirmed, err)
	}

	vote2 := press("T1", l.UserID, slackapp.ActionApprove, q.ID)
	e.post(vote2, signed(vote2, time.Now(), secret))
	if v := e.votesOn(q.ID); len(v) != 1 || v[0].MemberID != m.ID {
		t.Fatalf("the confirmed member's vote: %+v", v)
	}
}

// TestSlackEgress: Slack is reached only through the egress policy, so
// without the operator's allow setting the test server's loopback address
// is refused, and the message stays in the outbox to retry.
func TestSlackEgress(t *testing.T) {
	e := newEnv(t, policy.ApprovalRule{Required: 1})
	e.link(e.approv[0])
	e.ask()
	strict := slackapp.NewClient(slackapp.Config{BotToken: "xoxb-test", APIURL: e.slack.GetAPIURL()}, egress.Policy{})
	e.notifier.API = strict
	if n := e.deliver(); n != 0 {
		t.Fatalf("delivered %d through a refusing policy", n)
	}
	if len(e.slack.of("chat.postMessage")) != 0 {
		t.Fatal("the Slack server was reached")
	}
	msgs, err := e.db.OutboxOfTenant(e.ctx, e.app.TenantID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Channel != store.ChannelSlack || !strings.Contains(msgs[0].LastError, "refused") || msgs[0].State() != store.OutboxPending {
		t.Fatalf("outbox after a refused post: %+v", msgs)
	}
	strictLinker := &slackapp.Linker{API: strict, Store: e.db, Clock: clock.Real{}}
	if _, err := strictLinker.Link(e.ctx, "test", e.approv[1]); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("a lookup through a refusing policy: %v", err)
	}
}

// TestSlackOperation: an approval request for an operation posts each
// linked approver one message with its title and a button to its place in
// the portal, and no Approve or Deny (those vote on access requests); a
// forged Approve with the operation's ID votes nothing; its filled text
// stays in the portal.
func TestSlackOperation(t *testing.T) {
	e := newEnv(t, policy.ApprovalRule{Required: 1})
	e.link(e.approv[0])
	adm := &admin.Service{Store: e.db, Clock: clock.Real{}}
	if _, err := adm.CreateTemplate(e.ctx, "test", e.app.TenantID, admin.NewTemplate{Key: "PURCHASE_APPROVAL", Title: "Purchase",
		Text: "Buy ${item}", ApproverGroups: []string{"finance"}, Mode: store.ModeApprove, Approvals: 1, DenyOn: store.DenyFirst,
		Expiry: time.Hour}); err != nil {
		t.Fatal(err)
	}
	o, err := e.votes.AskOperation(e.ctx, e.app, "treasury", approval.OperationAsk{Template: "PURCHASE_APPROVAL",
		MetaData: map[string]string{"item": "laptops"}})
	if err != nil {
		t.Fatal(err)
	}
	e.deliver()
	posts := e.slack.of("chat.postMessage")
	if len(posts) != 1 || posts[0].Get("channel") != "U0" {
		t.Fatalf("posted %d messages: %v", len(posts), posts)
	}
	blocks := posts[0].Get("blocks")
	if !strings.Contains(blocks, "Approval asked: Purchase") || strings.Contains(blocks, slackapp.ActionApprove) ||
		!strings.Contains(blocks, "https://deadbolt.acme.test/portal/approvals#operation-"+o.ID) || strings.Contains(blocks, "laptops") {
		t.Fatalf("operation message: %s", blocks)
	}
	b := press("T1", "U0", slackapp.ActionApprove, o.ID)
	if code := e.post(b, signed(b, time.Now(), secret)); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if v, err := e.db.OperationVotes(e.ctx, o.ID); err != nil || len(v) != 0 {
		t.Fatalf("a Slack press voted on an operation: %+v, %v", v, err)
	}
}
