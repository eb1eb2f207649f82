package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// TestAlertExecuteLift: an alert lock policy assigned to a group, executed
// with the CLI while serve runs, locks the group's accounts at the next
// check (lockdown), sends a signed account.locked webhook for each, and
// is lifted again; an account outside the group is untouched.
func TestAlertExecuteLift(t *testing.T) {
	in, key, got := financeServe(t)

	in.ok("policy", "create", "--tenant", "acme", "--name", "SIEM incident", "--type", "alert", "--action", "lock",
		"--on", "execute", "--notify", "webhooks", "--for", "24h", "--liftable")
	in.ok("policy", "assign", "--tenant", "acme", "SIEM incident", "--group", "finance")
	alice, bob := mintFor(t, in, key, "alice"), mintFor(t, in, key, "bob")
	expect := func(after, tok, status string) {
		t.Helper()
		code, body := in.post("/v1/check", tok, `{"userIP":"192.0.2.9"}`)
		if code != 200 || body["status"] != status || body["locked"] != true {
			t.Fatalf("after %s: %d %v; want %s", after, code, body, status)
		}
	}
	expect("creating the alert policy", alice, "locked")

	ex := in.ok("policy", "execute", "--tenant", "acme", "SIEM incident", "--reason", "INC-4411", "--json").json(t)
	if ex["execution"] == nil {
		t.Fatalf("execute --json: %v", ex)
	}
	expect("the execution", alice, "lockdown")
	expect("the execution (bob is not in finance)", bob, "locked")
	wantEvent(t, in, got, webhook.TypeAccountLocked, "alice")

	in.ok("policy", "lift", "--tenant", "acme", "SIEM incident")
	expect("the lift", alice, "locked")
	if r := in.run("policy", "lift", "--tenant", "acme", "SIEM incident"); r.code == 0 {
		t.Fatal("lifting a policy with no execution in force succeeded")
	}
}

// financeServe starts serve for tenant acme with accounts alice (whose
// owner is in group finance) and bob (whose owner is not) at issuer, and a
// webhook whose events it returns.
func financeServe(t *testing.T) (*inst, string, <-chan webhook.Event) {
	t.Helper()
	in := newInst(t)
	key := in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice", "--owner", "alice@acme.test")
	in.ok("account", "enroll", "--app", issuer, "--account", "bob", "--owner", "bob@acme.test")
	in.ok("group", "create", "--tenant", "acme", "finance")
	in.ok("group", "add", "--tenant", "acme", "--group", "finance", "--member", "alice@acme.test")
	in.env = append(in.env, "DEADBOLT_WEBHOOKS_ALLOW_PRIVATE=true") // the receiver listens on loopback
	in.start()
	return in, key, receiveWebhooks(t, in)
}

// receiveWebhooks creates a webhook of tenant acme (serve must run, with
// private webhooks allowed) that posts to a receiver on loopback, which
// checks every signature and hands the events over.
func receiveWebhooks(t *testing.T, in *inst) <-chan webhook.Event {
	t.Helper()
	got := make(chan webhook.Event, 100)
	var secret atomic.Value
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s, _ := secret.Load().(string)
		if err := webhook.Verify(s, r.Header.Get(webhook.HeaderSignature), body, time.Now(), 0); err != nil {
			t.Errorf("webhook signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ev, err := webhook.ParseEvent(body)
		if err != nil {
			t.Errorf("webhook body: %v", err)
		}
		got <- ev
	}))
	t.Cleanup(receiver.Close)
	hook := in.ok("webhook", "create", "--tenant", "acme", "--url", receiver.URL, "--json").json(t)
	secret.Store(hook["secret"])
	return got
}

// wantEvent waits (at most 30 s: the outbox delivers every second) for the
// next webhook event and checks its type and account.
func wantEvent(t *testing.T, in *inst, got <-chan webhook.Event, typ, account string) webhook.Event {
	t.Helper()
	select {
	case ev := <-got:
		if ev.Type != typ || ev.Data.Account != account {
			t.Fatalf("webhook event %+v; want %s of %s", ev, typ, account)
		}
		return ev
	case <-time.After(30 * time.Second):
		t.Fatalf("no webhook within 30s\n%s", in.srvLog)
	}
	return webhook.Event{}
}

// TestBlockedSigninAlert: an alert policy on blocked sign-ins ("lock the
// finance group for an hour"), with a real serve: a blocked sign-in of a
// finance member's account is read from the check log by the
// blocked-signin job (nothing on the check's path), which executes the
// policy once: the signed account.locked webhook arrives, the account's
// next check answers lockdown, and the audit names the job and the
// blocked check. The sign-ins the lock then blocks do not execute it
// again, and a blocked sign-in outside the group executes nothing.
func TestBlockedSigninAlert(t *testing.T) {
	in, key, got := financeServe(t)
	in.ok("policy", "create", "--tenant", "acme", "--name", "Finance sign-in alarm", "--type", "alert", "--action", "lock",
		"--on", "blocked_signin", "--notify", "webhooks", "--for", "1h", "--liftable")
	in.ok("policy", "assign", "--tenant", "acme", "Finance sign-in alarm", "--group", "finance")
	alice, bob := mintFor(t, in, key, "alice"), mintFor(t, in, key, "bob")
	check := func(tok string) string {
		t.Helper()
		code, body := in.post("/v1/check", tok, `{"userIP":"192.0.2.9"}`)
		if code != 200 || body["locked"] != true {
			t.Fatalf("check: %d %v", code, body)
		}
		return body["status"].(string)
	}
	if s := check(bob); s != "locked" {
		t.Fatalf("bob: %s, want locked", s)
	}
	if s := check(alice); s != "locked" { // the blocked sign-in
		t.Fatalf("alice before the alert: %s, want locked", s)
	}
	wantEvent(t, in, got, webhook.TypeAccountLocked, "alice")
	for range 3 {
		if s := check(alice); s != "lockdown" {
			t.Fatalf("alice after the alert: %s, want lockdown", s)
		}
	}
	executed := in.ok("audit", "export", "--tenant", "acme", "--action", "policy.executed").stdout
	if n := strings.Count(strings.TrimSpace(executed), "\n") + 1; n != 1 || !strings.Contains(executed, `"system:blocked-signin"`) ||
		!strings.Contains(executed, `blocked sign-in of \"alice\"`) {
		t.Fatalf("audited executions after the blocked sign-ins (want one, by the job, naming alice's sign-in):\n%s", executed)
	}
	select {
	case ev := <-got:
		t.Fatalf("unexpected webhook %+v (bob's sign-in, or a second execution)", ev)
	default:
	}
}
