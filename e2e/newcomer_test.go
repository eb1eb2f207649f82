package e2e

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The newcomer's first thirty minutes (issue 8): exit codes and input,
// a database that does not exist, a taken port, backup and restore.

// TestCLIUsageExitCodes: unknown subcommands and non-positive durations
// are usage errors (exit 1); `check` never exits 1 for a usage error,
// since 1 means "locked".
func TestCLIUsageExitCodes(t *testing.T) {
	in := newInst(t)
	in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice")
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"account", "unlok"}, 1, "unknown command"},
		{[]string{"key", "register"}, 1, "unknown command"},
		{[]string{"account", "unlock", "--app", issuer, "--account", "alice", "--for", "0s"}, 1, "--for"},
		{[]string{"account", "unlock", "--app", issuer, "--account", "alice", "--for", "-5m"}, 1, "--for"},
		{[]string{"app", "set", "--app", issuer, "--max-unlock", "0"}, 1, "--max-unlock"},
		{[]string{"token", "mint", "--issuer", issuer, "--key", "AAAA", "--account", "a", "--aud", "x", "--ttl", "0s"}, 1, "--ttl"},
		{[]string{"check", "--url", "http://127.0.0.1:1"}, 2, "required flag"},
		{[]string{"check", "--url", "http://127.0.0.1:1", "--issuer", issuer, "--account", "a", "--bogus"}, 2, "unknown flag"},
		{[]string{"check", "--url", "http://127.0.0.1:1", "--issuer", issuer, "--account", "a", "--timeout", "0s"}, 2, "--timeout"},
		{[]string{"check", "extra-arg", "--url", "http://127.0.0.1:1", "--issuer", issuer, "--account", "a"}, 2, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := in.run(tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.says) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, tc.code, tc.says)
			}
		})
	}
	// A refused --for changed nothing.
	if st := in.ok("account", "status", "--app", issuer, "--account", "alice", "--json").json(t); st["locked"] != true {
		t.Fatalf("after refused unlocks: %v", st)
	}
	// A group without a subcommand still teaches.
	if r := in.ok("account"); !strings.Contains(r.stdout, "unlock") {
		t.Fatalf("deadbolt account: %q", r.stdout)
	}
}

// TestMissingDatabase: admin commands refuse a database that does not
// exist instead of creating an empty one; serve, migrate and tenant create
// create it and say where.
func TestMissingDatabase(t *testing.T) {
	in := newInst(t)
	path := strings.TrimPrefix(in.db, "sqlite:")
	for _, args := range [][]string{
		{"tenant", "list"},
		{"app", "list", "--tenant", "acme"},
		{"account", "status", "--app", issuer, "--account", "alice"},
		{"key", "create", "--app", issuer},
		{"migrate", "--status"},
		{"backup", filepath.Join(in.dir, "b.db")},
		{"copy", "--from", in.db, "--to", "postgres://nobody@127.0.0.1:1/none"},
	} {
		r := in.run(args...)
		if r.code != 1 || !strings.Contains(r.stderr, "no deadbolt database at") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and no deadbolt database at …", args, r.code, r.stderr)
		}
	}
	if r := in.run("tenant", "list", "--json"); r.json(t)["error"] != "not_found" {
		t.Errorf("--json: %s", r.stdout)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Fatalf("a refused command left %s behind (%v)", filepath.Dir(path), err)
	}

	// tenant create makes the database and says where.
	r := in.ok("tenant", "create", "acme")
	if !strings.Contains(r.stderr, "created a new database at") || !strings.Contains(r.stderr, path) {
		t.Fatalf("tenant create on a new install: stderr %q", r.stderr)
	}
	if r := in.ok("tenant", "create", "beta"); strings.Contains(r.stderr, "created") {
		t.Fatalf("second tenant create says it created the database: %q", r.stderr)
	}
	in.ok("tenant", "list")

	// migrate does too.
	other := newInst(t)
	if r := other.ok("migrate"); !strings.Contains(r.stderr, "created a new database at") {
		t.Fatalf("migrate on a new install: stderr %q", r.stderr)
	}
}

// TestServePortTaken: with the port taken, serve fails before it creates,
// prints or stores anything.
func TestServePortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	in := newInst(t)
	r := in.run("serve", "--addr", taken.Addr().String())
	if r.code != 1 || !strings.Contains(r.stderr, "in use") {
		t.Fatalf("serve on a taken port: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Dir(strings.TrimPrefix(in.db, "sqlite:"))); !os.IsNotExist(err) {
		t.Fatalf("serve on a taken port created the data directory (%v)", err)
	}
	// With a tenant whose owner cannot sign in, no setup link is printed
	// (nor stored) before the failure.
	in.ok("tenant", "create", "acme")
	in.ok("member", "invite", "--tenant", "acme", "--email", "owner@acme.test", "--role", "owner")
	before := in.ok("member", "list", "--tenant", "acme", "--json").stdout
	r = in.run("serve", "--addr", taken.Addr().String())
	if r.code != 1 || strings.Contains(r.stderr, "/setup?t=") {
		t.Fatalf("serve on a taken port: exit %d, stderr %q", r.code, r.stderr)
	}
	if after := in.ok("member", "list", "--tenant", "acme", "--json").stdout; after != before {
		t.Fatalf("serve on a taken port changed the members:\n%s\n%s", before, after)
	}
}

// TestBackupRestoreMessages: user errors exit 1 and name the user's files,
// never a temporary one; restore over an existing database needs --yes
// (no terminal here) and keeps the previous database aside.
func TestBackupRestoreMessages(t *testing.T) {
	in := newInst(t)
	in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice")
	dir := t.TempDir()
	bak := filepath.Join(dir, "before.db")
	in.ok("backup", bak)

	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"backup", filepath.Join(dir, "no-such-dir", "x.db")}, "does not exist"},
		{[]string{"backup", filepath.Join(bak, "x.db")}, "not a directory"},
		{[]string{"backup", bak}, "choose a new name"},
		{[]string{"restore", "--yes", filepath.Join(dir, "missing.db")}, "does not exist"},
		{[]string{"restore", "--yes", dir}, "directory"},
	} {
		r := in.run(tc.args...)
		if r.code != 1 || !strings.Contains(r.stderr, tc.says) || strings.Contains(r.stderr, ".tmp") {
			t.Errorf("%v: exit %d, stderr %q; want 1 mentioning %q and no temporary file", tc.args, r.code, r.stderr, tc.says)
		}
	}
	if os.Getuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o500)
		if r := in.run("backup", filepath.Join(ro, "x.db")); r.code != 1 || strings.Contains(r.stderr, ".tmp") {
			t.Errorf("backup into a read-only directory: exit %d, stderr %q", r.code, r.stderr)
		}
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("not a database"), 0o600)
	if r := in.run("restore", "--yes", junk); r.code != 1 {
		t.Errorf("restore of a non-database: exit %d, stderr %q", r.code, r.stderr)
	}

	// Without --yes and without a terminal, nothing is replaced.
	in.ok("account", "enroll", "--app", issuer, "--account", "bob")
	if r := in.run("restore", bak); r.code != 1 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("restore without --yes: exit %d, stderr %q", r.code, r.stderr)
	}
	if st := in.ok("account", "status", "--app", issuer, "--account", "bob", "--json").json(t); st["status"] == "not_enrolled" {
		t.Fatalf("restore without --yes replaced the database")
	}
	// With --yes: restored, and the previous database kept aside.
	res := in.ok("restore", "--yes", bak, "--json").json(t)
	prev, _ := res["previous"].(string)
	if prev == "" {
		t.Fatalf("restore --yes says nothing of the previous database: %v", res)
	}
	if st := in.ok("account", "status", "--app", issuer, "--account", "bob", "--json").json(t); st["status"] != "not_enrolled" {
		t.Fatalf("after restore bob is %v", st)
	}
	// The file kept aside is the database as it was: restoring it brings
	// bob back.
	in.ok("restore", "--yes", prev)
	if st := in.ok("account", "status", "--app", issuer, "--account", "bob", "--json").json(t); st["status"] == "not_enrolled" {
		t.Fatalf("the database kept aside does not hold bob: %v", st)
	}
}

// TestDefaultPublicURL: on the defaults (no --public-url, a loopback
// address) the portal lives at localhost, and everything works whichever
// name the application or the person uses: lock-check tokens minted for
// either name verify, and an enablement link on the loopback IP survives
// the portal's redirect to localhost (its cookie is set on localhost,
// where the rest of the flow happens).
func TestDefaultPublicURL(t *testing.T) {
	in := newInst(t)
	key := in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice")
	in.start() // --addr 127.0.0.1:PORT, no public URL
	_, port, _ := net.SplitHostPort(in.addr)
	local := "http://localhost:" + port
	mint := func(account, aud string) string {
		return strings.TrimSpace(in.ok("token", "mint", "--issuer", issuer, "--key", key, "--account", account, "--aud", aud).stdout)
	}
	for _, aud := range []string{in.url, local, local + "/"} {
		if code, body := in.post("/v1/check", mint("alice", aud), `{}`); code != 200 || body["locked"] != true {
			t.Errorf("token for %s: %d %v", aud, code, body)
		}
	}
	if code, _ := in.post("/v1/check", mint("alice", "http://localhost:1"), `{}`); code != 401 {
		t.Errorf("token for another port: %d, want 401", code)
	}

	for _, aud := range []string{in.url, local} {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		resp, err := c.Get(in.url + "/enable?auth-token=" + mint("carol@acme.test", aud))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Request.URL.String() != local+"/enable/continue" || !strings.Contains(string(page), "carol@acme.test") {
			t.Fatalf("enablement with a token for %s from %s: %d at %s\n%s", aud, in.url, resp.StatusCode, resp.Request.URL, page)
		}
	}
}
