package e2e

import (
	"strings"
	"testing"
)

// TestApprovalsCLI: an approval policy set up with the real binary on a
// real SQLite file: the owner's direct unlock is refused, the owner asks,
// a self-vote and an outsider's vote are refused, two of three approvers
// open the account, an extension goes through the same approvals, an
// approver revokes; a policy that says sign takes no CLI approval; another
// tenant sees nothing; every step is audited.
func TestApprovalsCLI(t *testing.T) {
	in := newInst(t)
	in.setup(issuer)
	in.ok("tenant", "create", "globex")
	in.ok("account", "enroll", "--app", issuer, "--account", "treasury", "--owner", "alice@acme.test")
	in.ok("group", "create", "--tenant", "acme", "finance")
	for _, who := range []string{"bob", "carol", "dave"} {
		in.ok("member", "invite", "--tenant", "acme", "--email", who+"@acme.test", "--role", "approver")
		in.ok("group", "add", "--tenant", "acme", "--group", "finance", "--member", who+"@acme.test")
	}
	p := in.ok("policy", "create", "--tenant", "acme", "--name", "Treasury approvals", "--type", "approval",
		"--approvals", "2", "--approver-group", "finance", "--max-duration", "2h", "--json").json(t)
	in.ok("policy", "assign", "--tenant", "acme", p["id"].(string), "--app", issuer)

	if r := in.run("account", "unlock", "--app", issuer, "--account", "treasury", "--json"); r.code != 1 || r.json(t)["error"] != "approval_required" {
		t.Fatalf("owner's direct unlock under an approval policy: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := in.run("request", "create", "--app", issuer, "--account", "treasury", "--as", "alice@acme.test", "--reason", "close",
		"--for", "3h", "--json"); r.code != 1 || r.json(t)["error"] != "invalid" {
		t.Fatalf("3h under a 2h maximum: %d %s", r.code, r.stdout)
	}
	q := in.ok("request", "create", "--app", issuer, "--account", "treasury", "--as", "alice@acme.test",
		"--reason", "quarter close", "--for", "1h", "--json").json(t)
	id := q["id"].(string)
	if q["status"] != "pending" || q["required"] != 2.0 || q["requester"] != "alice@acme.test" {
		t.Fatalf("request create: %v", q)
	}
	if r := in.run("request", "approve", "--tenant", "acme", id, "--as", "alice@acme.test", "--json"); r.code != 1 || r.json(t)["error"] != "not_approver" {
		t.Fatalf("the owner's own vote: %d %s", r.code, r.stdout)
	}
	if r := in.run("request", "approve", "--tenant", "globex", id, "--as", "bob@acme.test", "--json"); r.code != 1 || r.json(t)["error"] != "not_found" {
		t.Fatalf("a vote through another tenant: %d %s", r.code, r.stdout)
	}
	inbox := in.ok("request", "list", "--tenant", "acme", "--inbox", "--as", "bob@acme.test", "--json").json(t)["requests"].([]any)
	if len(inbox) != 1 || inbox[0].(map[string]any)["id"] != id {
		t.Fatalf("bob's inbox: %v", inbox)
	}
	in.ok("request", "approve", "--tenant", "acme", id, "--as", "bob@acme.test", "--comment", "ok")
	if st := in.ok("account", "status", "--app", issuer, "--account", "treasury", "--json").json(t); st["locked"] != true {
		t.Fatalf("open after one approval of two: %v", st)
	}
	out := in.ok("request", "approve", "--tenant", "acme", id, "--as", "carol@acme.test", "--json").json(t)
	if out["status"] != "approved" || out["approvals"] != 2.0 || len(out["votes"].([]any)) != 2 {
		t.Fatalf("second approval: %v", out)
	}
	if st := in.ok("account", "status", "--app", issuer, "--account", "treasury", "--json").json(t); st["locked"] != false {
		t.Fatalf("locked after the quorum: %v", st)
	}
	mine := in.ok("request", "list", "--tenant", "acme", "--mine", "--as", "alice@acme.test", "--json").json(t)["requests"].([]any)
	if len(mine) != 1 || mine[0].(map[string]any)["status"] != "approved" {
		t.Fatalf("alice's requests: %v", mine)
	}

	x := in.ok("grant", "extend", "--app", issuer, "--account", "treasury", "--as", "alice@acme.test", "--for", "30m",
		"--reason", "still reconciling", "--json").json(t)
	in.ok("request", "deny", "--tenant", "acme", x["id"].(string), "--as", "dave@acme.test")
	if got := in.ok("request", "show", "--tenant", "acme", x["id"].(string), "--json").json(t); got["status"] != "denied" || got["kind"] != "extend" {
		t.Fatalf("denied extension: %v", got)
	}
	if r := in.run("grant", "revoke", "--app", issuer, "--account", "treasury", "--as", "alice@acme.test", "--json"); r.code != 1 || r.json(t)["error"] != "forbidden" {
		t.Fatalf("revoke by the owner who does not approve: %d %s", r.code, r.stdout)
	}
	if got := in.ok("grant", "revoke", "--app", issuer, "--account", "treasury", "--as", "dave@acme.test", "--reason", "done", "--json").json(t); got["revoked"] != true {
		t.Fatalf("revoke: %v", got)
	}
	if st := in.ok("account", "status", "--app", issuer, "--account", "treasury", "--json").json(t); st["locked"] != true {
		t.Fatalf("open after revoke: %v", st)
	}

	// A policy that says sign takes no approval from the CLI.
	in.ok("policy", "delete", "--tenant", "acme", p["id"].(string))
	s := in.ok("policy", "create", "--tenant", "acme", "--name", "Signed", "--type", "approval", "--approvals", "1",
		"--approver", "bob@acme.test", "--sign", "--json").json(t)
	in.ok("policy", "assign", "--tenant", "acme", s["id"].(string), "--app", issuer)
	q2 := in.ok("request", "create", "--app", issuer, "--account", "treasury", "--as", "alice@acme.test", "--reason", "audit", "--json").json(t)
	if r := in.run("request", "approve", "--tenant", "acme", q2["id"].(string), "--as", "bob@acme.test", "--json"); r.code != 1 || r.json(t)["error"] != "signature_required" {
		t.Fatalf("CLI approval under sign: %d %s", r.code, r.stdout)
	}

	audit := in.ok("audit", "export", "--tenant", "acme").stdout
	for _, action := range []string{"request.ahead", "request.voted", "request.approved", "request.extend", "request.denied", "grant.revoked"} {
		if !strings.Contains(audit, `"`+action+`"`) {
			t.Errorf("audit has no %s", action)
		}
	}
}
