package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
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
	in := newInst(t)
	key := in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice", "--owner", "alice@acme.test")
	in.ok("account", "enroll", "--app", issuer, "--account", "bob", "--owner", "bob@acme.test")
	in.ok("group", "create", "--tenant", "acme", "finance")
	in.ok("group", "add", "--tenant", "acme", "--group", "finance", "--member", "alice@acme.test")

	got := make(chan webhook.Event, 10)
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
	defer receiver.Close()
	in.env = append(in.env, "DEADBOLT_WEBHOOKS_ALLOW_PRIVATE=true") // the receiver listens on loopback
	in.start()
	hook := in.ok("webhook", "create", "--tenant", "acme", "--url", receiver.URL, "--json").json(t)
	secret.Store(hook["secret"])

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
	select {
	case ev := <-got:
		if ev.Type != webhook.TypeAccountLocked || ev.Data.Account != "alice" {
			t.Fatalf("webhook event %+v; want account.locked of alice", ev)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no webhook within 20s\n%s", in.srvLog)
	}

	in.ok("policy", "lift", "--tenant", "acme", "SIEM incident")
	expect("the lift", alice, "locked")
	if r := in.run("policy", "lift", "--tenant", "acme", "SIEM incident"); r.code == 0 {
		t.Fatal("lifting a policy with no execution in force succeeded")
	}
}
