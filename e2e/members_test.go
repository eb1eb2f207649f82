package e2e

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
)

// TestTenantOwnerAndMemberCommands runs the newcomer's path and the
// member commands against a real `serve`: serve names the command for a
// tenant without an owner; tenant create --owner prints a link that
// registers a passkey (a software one, over the portal's JSON endpoints);
// member invite of a member with a passkey is a recovery (audited by the
// outbox notice it leaves); set-role and remove keep one owner; member
// lock hard-locks the member's accounts until unlock.
func TestTenantOwnerAndMemberCommands(t *testing.T) {
	in := newInst(t)
	in.ok("tenant", "create", "globex")
	in.start()
	ctx := context.Background()

	// A bad owner email creates nothing.
	if r := in.run("tenant", "create", "acme", "--owner", "not-an-email", "--json"); r.code != 1 || r.json(t)["error"] != "invalid" {
		t.Fatalf("tenant create with a bad owner: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := in.ok("tenant", "list"); strings.Contains(r.stdout, "acme") {
		t.Fatalf("a refused tenant create left the tenant: %s", r.stdout)
	}
	link := in.tenantWithOwner("acme", "olive@acme.test")
	tab, key := in.ownerSignsIn(link, "olive@acme.test")
	if _, err := tab.Setup(ctx, key, link, "again"); err == nil {
		t.Fatal("the owner's link worked twice")
	}

	// A recovery for the owner, from the operator: allowed, and told by
	// email (this configuration has SMTP; the owner has no push browser).
	in.env = append(in.env, "DEADBOLT_SMTP_ADDR=127.0.0.1:1", "DEADBOLT_SMTP_FROM=deadbolt@acme.test")
	r := in.ok("member", "invite", "--tenant", "acme", "--email", "olive@acme.test", "--json").json(t)
	if n, _ := r["notified"].([]any); r["recovery"] != true || len(n) != 1 || n[0] != "email" || !strings.Contains(r["link"].(string), "/setup?t=") {
		t.Fatalf("member invite of the owner: %v", r)
	}
	if d := in.ok("delivery", "list", "--tenant", "acme", "--json").stdout; !strings.Contains(d, "member.recovery") {
		t.Fatalf("no recovery notice in the outbox: %s", d)
	}
	in.env = in.env[:len(in.env)-2]
	if r := in.run("member", "invite", "--tenant", "acme", "--email", "olive@acme.test", "--role", "member"); r.code != 1 {
		t.Fatalf("a role change through invite: exit %d", r.code)
	}

	// Roles: the last owner stays one.
	in.ok("member", "invite", "--tenant", "acme", "--email", "adam@acme.test", "--role", "admin")
	for _, args := range [][]string{
		{"member", "set-role", "--tenant", "acme", "--email", "olive@acme.test", "--role", "admin"},
		{"member", "remove", "--tenant", "acme", "--email", "olive@acme.test"},
	} {
		if r := in.run(append(args, "--json")...); r.code != 1 || r.json(t)["error"] != "conflict" {
			t.Fatalf("%v on the last owner: exit %d %s", args, r.code, r.stdout)
		}
	}
	if r := in.run("member", "set-role", "--tenant", "acme", "--email", "adam@acme.test", "--role", "root"); r.code != 1 {
		t.Fatalf("set-role to an unknown role: exit %d", r.code)
	}
	if r := in.run("member", "set-role", "--tenant", "acme", "--email", "nobody@acme.test", "--role", "admin"); r.code != 1 {
		t.Fatalf("set-role of nobody: exit %d", r.code)
	}
	if r := in.ok("member", "set-role", "--tenant", "acme", "--email", "adam@acme.test", "--role", "owner", "--json").json(t); r["role"] != "owner" || r["previous_role"] != "admin" {
		t.Fatalf("set-role: %v", r)
	}
	in.ok("member", "set-role", "--tenant", "acme", "--email", "olive@acme.test", "--role", "admin")

	// Lockdown: every account the member owns answers locked until lifted.
	in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", issuer)
	secret, _ := in.ok("key", "create", "--app", issuer, "--json").json(t)["secret"].(string)
	in.ok("account", "enroll", "--app", issuer, "--account", "bob", "--owner", "bob@acme.test")
	in.ok("account", "unlock", "--app", issuer, "--account", "bob", "--for", "1h")
	check := func() int {
		return in.run("check", "--url", in.url, "--issuer", issuer, "--key", secret, "--account", "bob").code
	}
	if c := check(); c != 0 {
		t.Fatalf("unlocked account: check exit %d", c)
	}
	if r := in.ok("member", "lock", "--tenant", "acme", "--email", "bob@acme.test", "--json").json(t); r["locked_down"] != true {
		t.Fatalf("member lock: %v", r)
	}
	if c := check(); c != 1 {
		t.Fatalf("account of a locked-down member: check exit %d, want 1 (locked)", c)
	}
	in.ok("account", "unlock", "--app", issuer, "--account", "bob", "--for", "1h")
	if c := check(); c != 1 {
		t.Fatalf("unlocking an account of a locked-down member opened it: check exit %d", c)
	}
	if r := in.ok("member", "unlock", "--tenant", "acme", "--email", "bob@acme.test", "--json").json(t); r["locked_down"] != false {
		t.Fatalf("member unlock: %v", r)
	}
	if c := check(); c != 0 {
		t.Fatalf("after the lockdown is lifted the open grant applies again: check exit %d", c)
	}
	if l := in.ok("member", "list", "--tenant", "acme").stdout; !strings.Contains(l, "bob@acme.test") || strings.Contains(l, "locked down") {
		t.Fatalf("member list: %s", l)
	}

	// Remove: the member goes, their account stays, unlinked.
	if r := in.ok("member", "remove", "--tenant", "acme", "--email", "bob@acme.test", "--json").json(t); r["removed"] != true || r["accounts_unlinked"] != float64(1) {
		t.Fatalf("member remove: %v", r)
	}
	if l := in.ok("member", "list", "--tenant", "acme").stdout; strings.Contains(l, "bob@acme.test") {
		t.Fatalf("removed member still listed: %s", l)
	}
	if st := in.ok("account", "status", "--app", issuer, "--account", "bob", "--json").json(t); st["owner"] != nil && st["owner"] != "" {
		t.Fatalf("the removed member's account still names an owner: %v", st)
	}

	// Every change is in the tenant's audit chain under the operator's name.
	exported := in.ok("audit", "export", "--tenant", "acme").stdout
	for _, action := range []string{"member.recovery_issued", "member.role_changed", "member.locked_down", "member.lockdown_lifted", "member.removed"} {
		if !strings.Contains(exported, `"`+action+`"`) {
			t.Errorf("audit export lacks %s", action)
		}
	}
	in.ok("audit", "verify", "--tenant", "acme")

	if err := in.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(in.srvLog.String(), "member invite --tenant globex") {
		t.Fatalf("serve did not name the command that makes globex an owner:\n%s", in.srvLog)
	}
}

// tenantWithOwner runs tenant create NAME --owner EMAIL and returns the
// owner's setup link. The link names the server's URL (--public-url: the
// test server listens on a random port, not the default 8420).
func (in *inst) tenantWithOwner(name, email string) string {
	in.t.Helper()
	created := in.ok("tenant", "create", name, "--owner", email, "--public-url", in.url, "--json").json(in.t)
	owner, _ := created["owner"].(map[string]any)
	link, _ := owner["link"].(string)
	if created["name"] != name || owner["role"] != "owner" || owner["email"] != email || !strings.Contains(link, "/setup?t=") {
		in.t.Fatalf("tenant create --owner: %v", created)
	}
	return link
}

// ownerSignsIn opens a setup link as a browser with a software passkey
// would, and checks that the tab is then signed in to the portal as email.
func (in *inst) ownerSignsIn(link, email string) (*softkey.Client, *softkey.Key) {
	in.t.Helper()
	base := link[:strings.Index(link, "/setup?")]
	tab, err := softkey.NewClient(base)
	if err != nil {
		in.t.Fatal(err)
	}
	key, err := softkey.New(base)
	if err != nil {
		in.t.Fatal(err)
	}
	if to, err := tab.Setup(context.Background(), key, link, "laptop"); err != nil || to != "/" {
		in.t.Fatalf("registering a passkey through the setup link: %q, %v", to, err)
	}
	res, err := tab.Get(context.Background(), "/passkeys")
	if err != nil {
		in.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), email) {
		in.t.Fatalf("after the setup link the portal does not show %s signed in: %d", email, res.StatusCode)
	}
	return tab, key
}
