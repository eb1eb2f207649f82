package e2e

import (
	"strings"
	"testing"
)

// TestPolicyCLI: groups and policies set up through the real binary on a
// real SQLite file, assigned, explained, toggled and removed; bad input
// changes nothing; another tenant sees nothing; every change is audited.
func TestPolicyCLI(t *testing.T) {
	in := newInst(t)
	in.setup(issuer)
	in.ok("tenant", "create", "globex")
	in.ok("account", "enroll", "--app", issuer, "--account", "alice", "--owner", "alice@acme.test")

	g := in.ok("group", "create", "--tenant", "acme", "--description", "Accounts payable", "finance", "--json").json(t)
	if g["name"] != "finance" || g["id"] == "" {
		t.Fatalf("group create: %v", g)
	}
	in.ok("group", "add", "--tenant", "acme", "--group", "finance", "--member", "alice@acme.test")
	groups := in.ok("group", "list", "--tenant", "acme", "--json").json(t)["groups"].([]any)
	if len(groups) != 1 || groups[0].(map[string]any)["members"].([]any)[0] != "alice@acme.test" {
		t.Fatalf("group list: %v", groups)
	}
	if r := in.run("group", "add", "--tenant", "acme", "--group", "finance", "--member", "alice@acme.test", "--json"); r.code != 1 || r.json(t)["error"] != "conflict" {
		t.Fatalf("adding alice twice: %d %s", r.code, r.stdout)
	}
	if r := in.run("group", "add", "--tenant", "globex", "--group", "finance", "--member", "alice@acme.test", "--json"); r.code != 1 || r.json(t)["error"] != "not_found" {
		t.Fatalf("another tenant's group: %d %s", r.code, r.stdout)
	}

	// Bad input: every problem named, nothing stored, nothing audited.
	auditBefore := in.ok("audit", "export", "--tenant", "acme").stdout
	r := in.run("policy", "create", "--tenant", "acme", "--name", "Hours", "--type", "scheduled", "--action", "unlock",
		"--tz", "Europe/Atlantis", "--every", "weekdays", "--from", "09:00", "--to", "09:00", "--start", "2026-12-01", "--allow-cidr", "10.0.0.1/8")
	for _, says := range []string{"schedule.zone", "Europe/Atlantis", "schedule.to", "context:"} {
		if r.code != 1 || !strings.Contains(r.stderr, says) {
			t.Errorf("bad policy: exit %d, stderr %q; want exit 1 naming %q", r.code, r.stderr, says)
		}
	}
	if r := in.run("policy", "create", "--tenant", "acme", "--name", "Hours", "--type", "scheduled", "--from", "9am"); r.code != 1 || !strings.Contains(r.stderr, "--from") {
		t.Errorf("--from 9am: exit %d, stderr %q", r.code, r.stderr)
	}
	if ps := in.ok("policy", "list", "--tenant", "acme", "--json").json(t)["policies"].([]any); len(ps) != 0 {
		t.Fatalf("refused policies were stored: %v", ps)
	}
	if after := in.ok("audit", "export", "--tenant", "acme").stdout; after != auditBefore {
		t.Fatalf("refused input was audited:\n%s", strings.TrimPrefix(after, auditBefore))
	}

	hours := in.ok("policy", "create", "--tenant", "acme", "--name", "Finance office hours", "--type", "scheduled", "--action", "unlock",
		"--tz", "Europe/Lisbon", "--every", "weekdays", "--from", "08:00", "--to", "18:00", "--start", "2026-12-01", "--json").json(t)["id"].(string)
	office := in.ok("policy", "create", "--tenant", "acme", "--name", "Office network", "--type", "context",
		"--allow-cidr", "10.20.0.0/16", "--json").json(t)["id"].(string)
	for _, id := range []string{hours, office} {
		in.ok("policy", "assign", "--tenant", "acme", id, "--group", "finance")
	}
	if r := in.run("policy", "assign", "--tenant", "acme", hours, "--group", "finance", "--app", issuer, "--json"); r.code != 1 || r.json(t)["error"] != "invalid" {
		t.Fatalf("assign to two targets: %d %s", r.code, r.stdout)
	}
	shown := in.ok("policy", "show", "--tenant", "acme", hours, "--json").json(t)
	sched := shown["policy"].(map[string]any)["schedule"].(map[string]any)
	if sched["from"] != "08:00" || sched["start"] != "2026-12-01" || sched["zone"] != "Europe/Lisbon" {
		t.Fatalf("policy show: %v", shown)
	}
	// Another tenant sees none of acme's policies.
	if r := in.run("policy", "show", "--tenant", "globex", hours, "--json"); r.code != 1 || r.json(t)["error"] != "not_found" {
		t.Fatalf("show through another tenant: %d %s", r.code, r.stdout)
	}
	if r := in.run("policy", "disable", "--tenant", "globex", hours, "--json"); r.code != 1 || r.json(t)["error"] != "not_found" {
		t.Fatalf("disable through another tenant: %d %s", r.code, r.stdout)
	}

	explain := func(at, ip string) map[string]any {
		t.Helper()
		return in.ok("policy", "explain", "--app", issuer, "--account", "alice", "--at", at, "--ip", ip, "--json").json(t)
	}
	monday10, monday20 := "2026-12-07T10:00:00Z", "2026-12-07T20:00:00Z"
	for _, tc := range []struct {
		at, ip, decider string
		denied, open    bool
	}{
		{monday10, "10.20.3.4", hours, false, true},
		{monday20, "10.20.3.4", "", false, false},
		{monday10, "192.0.2.9", office, true, true},
		{monday10, "::ffff:10.20.3.4", hours, false, true},
	} {
		ex := explain(tc.at, tc.ip)
		v := ex["verdict"].(map[string]any)
		if got, _ := ex["decided_by"].(string); got != tc.decider || v["context_denied"] != tc.denied || v["scheduled"] != tc.open {
			t.Errorf("explain at %s from %s: decided by %q, verdict %v; want %q, denied %v, open %v", tc.at, tc.ip, got, v, tc.decider, tc.denied, tc.open)
		}
	}
	text := in.ok("policy", "explain", "--app", issuer, "--account", "alice", "--at", monday10, "--ip", "192.0.2.9").stdout
	if !strings.Contains(text, `outcome: denied_by_policy: refused by policy "Office network"`) || !strings.Contains(text, "via group finance") {
		t.Errorf("explain text:\n%s", text)
	}

	in.ok("policy", "disable", "--tenant", "acme", "Finance office hours") // by name
	if ex := explain(monday10, "10.20.3.4"); ex["decided_by"] != nil {
		t.Errorf("a disabled policy decided: %v", ex)
	}
	in.ok("policy", "enable", "--tenant", "acme", hours)
	in.ok("policy", "unassign", "--tenant", "acme", hours, "--group", "finance")
	if r := in.run("policy", "unassign", "--tenant", "acme", hours, "--group", "finance"); r.code != 1 || !strings.Contains(r.stderr, "not assigned") {
		t.Errorf("unassign twice: %d %s", r.code, r.stderr)
	}
	if ex := explain(monday10, "10.20.3.4"); ex["decided_by"] != nil {
		t.Errorf("an unassigned policy decided: %v", ex)
	}
	in.ok("policy", "delete", "--tenant", "acme", hours)
	in.ok("group", "remove", "--tenant", "acme", "--group", "finance", "--member", "alice@acme.test")
	if r := in.run("group", "remove", "--tenant", "acme", "--group", "finance", "--member", "alice@acme.test"); r.code != 1 || !strings.Contains(r.stderr, "not a member") {
		t.Errorf("remove twice: %d %s", r.code, r.stderr)
	}
	in.ok("group", "delete", "--tenant", "acme", "finance")
	if ps := in.ok("policy", "list", "--tenant", "acme", "--json").json(t)["policies"].([]any); len(ps) != 1 ||
		len(ps[0].(map[string]any)["policy"].(map[string]any)["assign"].(map[string]any)) != 0 {
		t.Fatalf("after deleting the group: %v", ps)
	}

	log := in.ok("audit", "export", "--tenant", "acme").stdout
	for _, action := range []string{"group.created", "group.member_added", "group.member_removed", "group.deleted", "policy.created",
		"policy.assigned", "policy.unassigned", "policy.disabled", "policy.enabled", "policy.deleted"} {
		if !strings.Contains(log, `"`+action+`"`) {
			t.Errorf("no %s in the audit log", action)
		}
	}
	for _, cmd := range [][]string{{"group", "create"}, {"group", "add"}, {"policy", "create"}, {"policy", "assign"}, {"policy", "explain"}} {
		if r := in.ok(append(cmd, "--help")...); !strings.Contains(r.stdout, "Example") {
			t.Errorf("%v --help has no examples", cmd)
		}
	}
}
