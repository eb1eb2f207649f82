package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
)

// TestPolicyInForceAtNextCheck: a policy change made by the CLI — created,
// assigned, disabled, a group's member removed — is in force at the very
// next check of a running server that answers from its cache, on SQLite
// and on PostgreSQL. Each row is set up with the CLI and checked over
// HTTP, expecting exactly denied_by_policy, unlocked_by_schedule, lockdown
// or plain locked, and policy explain's outcome for the same address.
func TestPolicyInForceAtNextCheck(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { policyInForce(t, newInst(t)) })
	t.Run("postgres", func(t *testing.T) {
		in := newInst(t)
		in.db = pgtest.NewSchema(t, pgShared.Database(t))
		mk := make([]byte, 32)
		rand.Read(mk)
		in.env = []string{"DEADBOLT_MASTER_KEY=" + base64.StdEncoding.EncodeToString(mk)}
		in.ok("migrate")
		policyInForce(t, in)
	})
}

func policyInForce(t *testing.T, in *inst) {
	key := in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice", "--owner", "alice@acme.test")
	in.ok("group", "create", "--tenant", "acme", "finance")
	in.ok("group", "add", "--tenant", "acme", "--group", "finance", "--member", "alice@acme.test")
	in.start()
	tok := mintFor(t, in, key, "alice")
	const office, outside = "10.20.3.4", "192.0.2.9"
	expect := func(after, ip, status string, locked bool) {
		t.Helper()
		for i := range 2 { // the second may be answered from memory
			code, body := in.post("/v1/check", tok, `{"userIP":"`+ip+`"}`)
			if code != 200 || body["status"] != status || body["locked"] != locked {
				t.Fatalf("after %s, check %d from %s: %d %v; want status %s, locked %v", after, i, ip, code, body, status, locked)
			}
		}
		// Explain says the same: its outcome names the status when a
		// policy decides, and no policy decides otherwise.
		text := in.ok("policy", "explain", "--app", issuer, "--account", "alice", "--ip", ip).stdout
		want := "outcome: " + status + ":"
		if status == "locked" {
			want = "outcome: no policy decides"
		}
		if !strings.Contains(text, want) {
			t.Fatalf("after %s, explain from %s does not say %q:\n%s", after, ip, want, text)
		}
	}
	expect("no policy", outside, "locked", true)

	in.ok("policy", "create", "--tenant", "acme", "--name", "Office", "--type", "context", "--allow-cidr", "10.20.0.0/16")
	expect("creating an unassigned policy", outside, "locked", true)
	in.ok("policy", "assign", "--tenant", "acme", "Office", "--app", issuer)
	expect("assigning the context policy", outside, "denied_by_policy", true)
	refused := time.Now().UTC()
	expect("assigning the context policy", outside, "denied_by_policy", true)
	expect("assigning the context policy", office, "locked", true)
	officeID := in.ok("policy", "show", "--tenant", "acme", "Office", "--json").json(t)["id"]

	in.ok("policy", "create", "--tenant", "acme", "--name", "Always open", "--type", "scheduled", "--action", "unlock",
		"--tz", "Europe/Lisbon", "--every", "daily", "--from", "00:00", "--to", "24:00", "--start", "2020-01-01")
	in.ok("policy", "assign", "--tenant", "acme", "Always open", "--member", "alice@acme.test")
	expect("assigning an open schedule", office, "unlocked_by_schedule", false)
	expect("assigning an open schedule", outside, "denied_by_policy", true)

	in.ok("policy", "disable", "--tenant", "acme", "Office")
	expect("disabling the context policy", outside, "unlocked_by_schedule", false)

	// Explaining the refusal afterwards: today's policies no longer
	// refuse, and the explanation says so beside what the check log
	// recorded then (denied by Office) and that Office changed since.
	past := in.ok("policy", "explain", "--app", issuer, "--account", "alice", "--ip", outside,
		"--at", refused.Format(time.RFC3339Nano), "--json").json(t)
	rec, _ := past["recorded"].(map[string]any)
	changed, _ := past["changed_since"].(map[string]any)
	if rec["status"] != "denied_by_policy" || rec["policy_id"] != officeID || rec["ip"] != outside ||
		past["decided_by"] == officeID || changed[officeID.(string)] == nil || !strings.HasPrefix(past["policies"].(string), "today's") {
		t.Fatalf("explain --at the refusal: recorded %v, decided_by %v, changed_since %v, policies %v",
			rec, past["decided_by"], changed, past["policies"])
	}

	in.ok("policy", "create", "--tenant", "acme", "--name", "Freeze", "--type", "scheduled", "--action", "lock",
		"--tz", "Europe/Lisbon", "--every", "daily", "--from", "00:00", "--to", "24:00", "--start", "2020-01-01")
	in.ok("policy", "assign", "--tenant", "acme", "Freeze", "--group", "finance")
	expect("assigning a lock to alice's group", office, "lockdown", true)
	in.ok("group", "remove", "--tenant", "acme", "--group", "finance", "--member", "alice@acme.test")
	expect("removing alice from the group", office, "unlocked_by_schedule", false)
	in.ok("policy", "delete", "--tenant", "acme", "Always open")
	expect("deleting the schedule", office, "locked", true)
}

// TestUnenrolledAnswersToPolicies: an application that lets unenrolled
// accounts in still holds them to its lockdown and its policies (design
// §3, steps 3 and 4 before the unenrolled answer).
func TestUnenrolledAnswersToPolicies(t *testing.T) {
	in := newInst(t)
	key := in.setup(issuer) // --unenrolled allow by default
	in.start()
	tok := mintFor(t, in, key, "bob")
	const office, outside = "10.20.3.4", "192.0.2.9"
	expect := func(after, ip, status string, locked bool) {
		t.Helper()
		for i := range 2 {
			code, body := in.post("/v1/check", tok, `{"userIP":"`+ip+`"}`)
			if code != 200 || body["status"] != status || body["locked"] != locked {
				t.Fatalf("after %s, check %d from %s: %d %v; want status %s, locked %v", after, i, ip, code, body, status, locked)
			}
		}
	}
	expect("no policy", outside, "not_enrolled", false)
	in.ok("policy", "create", "--tenant", "acme", "--name", "Office", "--type", "context", "--allow-cidr", "10.20.0.0/16")
	in.ok("policy", "assign", "--tenant", "acme", "Office", "--app", issuer)
	expect("the application's context policy", outside, "denied_by_policy", true)
	expect("the application's context policy", office, "not_enrolled", false)
	in.ok("app", "set", "--app", issuer, "--lockdown")
	expect("application lockdown", office, "lockdown", true)
	in.ok("app", "set", "--app", issuer, "--lockdown=false", "--unenrolled", "deny")
	expect("the application refusing unenrolled accounts", outside, "not_enrolled", true)
}
