package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
)

func TestImportAccounts(t *testing.T) {
	in := newInst(t)
	in.setup(issuer)
	write := func(name, content string) string {
		p := filepath.Join(in.dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.csv", "account,owner,state\nalice,alice@acme.test,locked\n,nobody@acme.test,locked\nbob,not-an-email,locked\ncarol,,open\nalice,,locked\ndave,dave@acme.test,unlocked\n")

	r := in.run("import", "accounts", "--app", issuer, bad)
	if r.code != 1 {
		t.Fatalf("file with bad rows: exit %d, want 1", r.code)
	}
	for _, line := range []string{":3:", ":4:", ":5:", ":6:"} {
		if !strings.Contains(r.stderr, line) {
			t.Errorf("bad row at line %s not reported:\n%s", line, r.stderr)
		}
	}
	if got := in.ok("account", "list", "--app", issuer, "--json").json(t)["total"]; got != float64(0) {
		t.Fatalf("a file with errors imported %v accounts", got)
	}

	res := in.ok("import", "accounts", "--app", issuer, "--skip-bad-rows", "--json", bad).json(t)
	if res["enrolled"] != float64(2) || res["skipped_bad_rows"] != float64(4) || res["unlocked"] != float64(1) {
		t.Fatalf("skip-bad-rows import: %v", res)
	}
	st := in.ok("account", "status", "--app", issuer, "--account", "dave", "--json").json(t)
	if st["locked"] != false || st["owner"] != "dave@acme.test" {
		t.Fatalf("dave imported as unlocked: %v", st)
	}

	// Next Level3's importUsers columns; re-running changes nothing twice.
	nl3 := write("nl3.csv", "first_name,last_name,email,domain,phone,userAccountId\nErin,Ng,erin@acme.test,wiki.acme.test,+1555,erin\nalice,,alice@acme.test,wiki.acme.test,,alice\n")
	res = in.ok("import", "accounts", "--app", issuer, "--json", nl3).json(t)
	if res["enrolled"] != float64(1) || res["already_enrolled"] != float64(1) {
		t.Fatalf("NL3 import: %v", res)
	}
	res = in.ok("import", "accounts", "--app", issuer, "--json", nl3).json(t)
	if res["enrolled"] != float64(0) || res["already_enrolled"] != float64(2) {
		t.Fatalf("re-import: %v", res)
	}

	if r := in.run("import", "accounts", "--app", issuer, write("nohdr.csv", "name,email\nx,y@z\n")); r.code != 1 || !strings.Contains(r.stderr, "account") {
		t.Fatalf("file without an account column: %d %s", r.code, r.stderr)
	}
}

func TestCLIErrorsAndExitCodes(t *testing.T) {
	in := newInst(t)
	in.setup(issuer)
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"account", "lock", "--app", "https://nope.test", "--account", "x"}, 1, "not found"},
		{[]string{"account", "lock", "--app", issuer, "--account", "ghost"}, 1, "not found"},
		{[]string{"app", "create", "--tenant", "acme", "--name", "Dup", "--issuer", issuer}, 1, "already exists"},
		{[]string{"app", "create", "--tenant", "acme", "--name", "X", "--issuer", "x.test", "--unenrolled", "maybe"}, 1, "unenrolled must be allow or deny"},
		{[]string{"account", "unlock", "--app", issuer, "--account", "alice", "--for", "48h"}, 1, ""},
		{[]string{"account", "enroll", "--app", issuer}, 1, "required flag"},
		{[]string{"frobnicate"}, 1, "unknown command"},
		{[]string{"token", "mint", "--issuer", issuer, "--key", "AAAA", "--account", "a", "--aud", "x", "--ttl", "1h"}, 1, "15m"},
		{[]string{"--db", "mysql://x", "tenant", "list"}, 1, "db:"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			if tc.args[0] == "account" && tc.args[1] == "unlock" {
				in.ok("account", "enroll", "--app", issuer, "--account", "alice")
			}
			r := in.run(tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.says) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, tc.code, tc.says)
			}
		})
	}
	// --json errors are one JSON object on stdout too.
	r := in.run("account", "status", "--app", "https://nope.test", "--account", "x", "--json")
	if r.code != 1 || r.json(t)["error"] != "not_found" {
		t.Fatalf("json error: %d %q", r.code, r.stdout)
	}
	// Every command teaches with --help.
	for _, cmd := range [][]string{{"serve"}, {"check"}, {"import", "accounts"}, {"account", "unlock"}, {"key", "create"}} {
		r := in.ok(append(cmd, "--help")...)
		if !strings.Contains(r.stdout, "Example") && !strings.Contains(r.stdout, "Examples") {
			t.Errorf("%v --help has no examples:\n%s", cmd, r.stdout)
		}
	}
}

// TestWebhookAndDeliveryCLI: webhook create, list and delete through the
// domain code the portal shares, and the outbox as `delivery list` shows it.
func TestWebhookAndDeliveryCLI(t *testing.T) {
	in := newInst(t)
	in.setup(issuer)
	if r := in.run("webhook", "create", "--tenant", "acme", "--url", "hooks.acme.test", "--json"); r.code != 1 || r.json(t)["error"] != "invalid" {
		t.Fatalf("webhook with a relative URL: %d %s", r.code, r.stdout)
	}
	if r := in.run("webhook", "create", "--tenant", "acme", "--url", "https://hooks.acme.test/", "--events", "account.gone"); r.code != 1 ||
		!strings.Contains(r.stderr, "account.gone") {
		t.Fatalf("webhook with an unknown event: %d %s", r.code, r.stderr)
	}
	if r := in.ok("delivery", "list", "--tenant", "acme"); !strings.Contains(r.stdout, "nothing sent yet") {
		t.Fatalf("delivery list of a new install: %q", r.stdout)
	}
	// Loopback, private and metadata receivers are refused unless the
	// operator allows private receivers (finding: webhook SSRF).
	for _, u := range []string{"http://127.0.0.1:1/hook", "http://localhost:1/", "http://[::1]:1/", "http://10.0.0.1/", "http://169.254.169.254/latest"} {
		if r := in.run("webhook", "create", "--tenant", "acme", "--url", u, "--json"); r.code != 1 || r.json(t)["error"] != "invalid" {
			t.Fatalf("webhook to %s: %d %s", u, r.code, r.stdout)
		}
	}
	in.env = append(in.env, "DEADBOLT_WEBHOOKS_ALLOW_PRIVATE=true")
	if r := in.run("webhook", "create", "--tenant", "acme", "--url", "http://169.254.169.254/latest"); r.code != 1 || !strings.Contains(r.stderr, "metadata") {
		t.Fatalf("a metadata webhook with private receivers allowed: %d %s", r.code, r.stderr)
	}
	// The receiver does not answer: the event waits in the outbox.
	hook := in.ok("webhook", "create", "--tenant", "acme", "--url", "http://127.0.0.1:1/hook", "--events", "account.locked, account.unlocked", "--json").json(t)
	if s, _ := hook["secret"].(string); !strings.HasPrefix(s, "whsec_") || len(hook["events"].([]any)) != 2 {
		t.Fatalf("webhook create: %v", hook)
	}
	in.ok("account", "enroll", "--app", issuer, "--account", "alice")
	in.ok("account", "unlock", "--app", issuer, "--account", "alice", "--for", "5m")
	list := in.ok("delivery", "list", "--tenant", "acme", "--json").json(t)["deliveries"].([]any)
	d, _ := list[0].(map[string]any)
	if len(list) != 1 || d["channel"] != "webhook" || d["to"] != "http://127.0.0.1:1/hook" || d["type"] != "account.unlocked" ||
		d["state"] != "pending" || d["attempts"] != 0.0 {
		t.Fatalf("delivery list: %v", list)
	}
	if r := in.ok("notify", "list", "--tenant", "acme"); !strings.Contains(r.stdout, "account.unlocked") || !strings.Contains(r.stdout, "pending") {
		t.Fatalf("delivery list as text: %q", r.stdout)
	}
	id, _ := hook["id"].(string)
	in.ok("webhook", "delete", id)
	if r := in.run("webhook", "delete", id, "--json"); r.code != 1 || r.json(t)["error"] != "not_found" {
		t.Fatalf("deleting twice: %d %s", r.code, r.stdout)
	}
	if r := in.ok("delivery", "list", "--tenant", "acme"); !strings.Contains(r.stdout, "nothing sent yet") {
		t.Fatalf("a deleted webhook's events remain: %q", r.stdout)
	}
}

// TestStoreErrorsArePlain: a rule the database enforces is told in plain
// words naming the field, on both backends, never the database's own text
// (finding: "UNIQUE constraint failed: applications.issuer (2067)" reached
// another tenant's admin).
func TestStoreErrorsArePlain(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			in := newInst(t)
			if backend == "postgres" {
				mk := make([]byte, 32)
				rand.Read(mk)
				in.db = pgtest.NewSchema(t, pgShared.Database(t))
				in.env = []string{"DEADBOLT_MASTER_KEY=" + base64.StdEncoding.EncodeToString(mk)}
			}
			in.ok("tenant", "create", "acme")
			in.ok("tenant", "create", "globex")
			in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", "https://wiki.example.com")
			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"app", "create", "--tenant", "globex", "--name", "Mine", "--issuer", "https://wiki.example.com"},
					"an application with this issuer already exists"},
				{[]string{"tenant", "create", "acme"}, "a tenant with this name already exists"},
			} {
				r := in.run(append(tc.args, "--json")...)
				if r.code != 1 || r.json(t)["error"] != "conflict" || r.json(t)["message"] != tc.want {
					t.Errorf("%v: exit %d, %s", tc.args, r.code, r.stdout)
				}
				r = in.run(tc.args...)
				for _, leak := range []string{"constraint", "UNIQUE", "SQLSTATE", "2067", "duplicate key", "sqlite", "postgres"} {
					if strings.Contains(r.stdout+r.stderr, leak) {
						t.Errorf("%v prints %q: %s", tc.args, leak, r.stderr)
					}
				}
			}
		})
	}
}

// TestMasterKeyIsPinned: the database keeps its master key's fingerprint
// at the first start; serve and the CLI given another key refuse to start,
// naming where the key came from, and write nothing (finding: a key sealed
// under another master key answered 503 for its whole application).
// Revoked keys can be deleted; active ones cannot.
func TestMasterKeyIsPinned(t *testing.T) {
	in := newInst(t)
	in.ok("tenant", "create", "acme")
	in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", issuer)
	kid, _ := in.ok("key", "create", "--app", issuer, "--json").json(t)["kid"].(string)
	if kid == "" {
		t.Fatal("key create printed no kid")
	}
	other := make([]byte, 32)
	rand.Read(other)
	good := in.env
	in.env = append(append([]string{}, good...), "DEADBOLT_MASTER_KEY="+base64.StdEncoding.EncodeToString(other))
	r := in.run("key", "create", "--app", issuer, "--json")
	if r.code != 1 || !strings.Contains(r.stdout, "DEADBOLT_MASTER_KEY") {
		t.Fatalf("key create with another master key: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = in.run("serve", "--addr", freeAddr(t))
	if r.code != 1 || !strings.Contains(r.stderr, "DEADBOLT_MASTER_KEY") {
		t.Fatalf("serve with another master key: exit %d %s", r.code, r.stderr)
	}
	in.env = good
	if keys := in.ok("key", "list", "--app", issuer).stdout; strings.Count(strings.TrimSpace(keys), "\n") != 0 || !strings.Contains(keys, kid) {
		t.Fatalf("keys after the refused create: %q", keys)
	}
	// Only a revoked key is deleted.
	if r := in.run("key", "delete", kid, "--json"); r.code != 1 || r.json(t)["error"] != "conflict" || !strings.Contains(r.stdout, "revoke") {
		t.Fatalf("deleting an active key: %d %s", r.code, r.stdout)
	}
	in.ok("key", "revoke", kid)
	in.ok("key", "delete", kid)
	if r := in.run("key", "delete", kid, "--json"); r.code != 1 || r.json(t)["error"] != "not_found" {
		t.Fatalf("deleting twice: %d %s", r.code, r.stdout)
	}
}
