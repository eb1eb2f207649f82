package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/mail/smtptest"
)

// TestBreakGlass: online, an account marked break-glass opens with a
// reason, within its cap, every owner and admin is mailed, and the audit
// marks it; an unmarked account does not. Offline, with the server
// stopped, `deadbolt check --break-glass-file` admits with one code per
// check, refuses when the codes are used, and reports them when the server
// is back; a copy of the file replayed later is reported as used already.
func TestBreakGlass(t *testing.T) {
	const issuer = "ssh.acme.test"
	in := newInst(t)
	secret := in.setup(issuer)
	sink := smtptest.New(t, smtptest.Options{})
	in.env = append(in.env, "DEADBOLT_SMTP_ADDR="+sink.Addr, "DEADBOLT_SMTP_FROM=deadbolt <deadbolt@acme.test>", "DEADBOLT_SMTP_TLS=none")
	in.ok("member", "invite", "--tenant", "acme", "--email", "olga@acme.test", "--role", "owner")
	in.ok("member", "invite", "--tenant", "acme", "--email", "adam@acme.test", "--role", "admin")
	in.ok("member", "invite", "--tenant", "acme", "--email", "mia@acme.test", "--role", "member")
	in.ok("account", "enroll", "--app", issuer, "--account", "root", "--owner", "mia@acme.test")
	in.ok("account", "enroll", "--app", issuer, "--account", "alice")
	in.start()

	check := func(extra ...string) result {
		args := append([]string{"check", "--url", in.url, "--issuer", issuer, "--key", secret, "--timeout", "2s", "--json"}, extra...)
		return in.run(args...)
	}
	if r := check("--account", "root"); r.code != 1 {
		t.Fatalf("root before break-glass: exit %d, want 1 (locked): %s %s", r.code, r.stdout, r.stderr)
	}

	// Online.
	if r := in.run("breakglass", "unlock", "--app", issuer, "--account", "root", "--reason", "INC-42"); r.code == 0 {
		t.Fatalf("break-glass of an unmarked account succeeded: %s", r.stdout)
	}
	in.ok("breakglass", "mark", "--tenant", "acme", "--app", issuer, "--account", "root", "--max", "30m")
	if r := in.run("breakglass", "unlock", "--app", issuer, "--account", "root", "--reason", "INC-42", "--for", "2h"); r.code == 0 {
		t.Fatalf("break-glass past the cap succeeded: %s", r.stdout)
	}
	if r := in.run("breakglass", "unlock", "--app", issuer, "--account", "root", "--reason", "  "); r.code == 0 {
		t.Fatalf("break-glass without a reason succeeded: %s", r.stdout)
	}
	g := in.ok("breakglass", "unlock", "--app", issuer, "--account", "root", "--reason", "INC-42: directory down", "--json").json(t)
	until, _ := time.Parse(time.RFC3339Nano, g["until"].(string))
	if d := time.Until(until); d > 30*time.Minute || d < 29*time.Minute {
		t.Fatalf("break-glass unlock lasts %s, want the 30m cap", d)
	}
	if r := check("--account", "root"); r.code != 0 {
		t.Fatalf("root after break-glass: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	var mailed []string
	for len(mailed) < 2 {
		m := sink.Wait(t)
		if !strings.Contains(m.Data, "Break-glass: root at Wiki") || !strings.Contains(m.Data, "INC-42: directory down") {
			t.Fatalf("unexpected mail to %s:\n%s", m.To, m.Data)
		}
		mailed = append(mailed, m.To)
	}
	slices.Sort(mailed)
	if len(mailed) != 2 || !strings.Contains(mailed[0], "adam@acme.test") || !strings.Contains(mailed[1], "olga@acme.test") {
		t.Fatalf("break-glass mailed %v, want the owner and the admin", mailed)
	}
	audit := func(action string) []map[string]any {
		t.Helper()
		r := in.ok("audit", "export", "--tenant", "acme", "--action", action)
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if line == "" {
				continue
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("audit line %q: %v", line, err)
			}
			out = append(out, rec)
		}
		return out
	}
	recs := audit("account.break_glass")
	if len(recs) != 1 {
		t.Fatalf("account.break_glass records: %v", recs)
	}
	if data, _ := recs[0]["data"].(map[string]any); data["break_glass"] != true || data["reason"] != "INC-42: directory down" {
		t.Fatalf("audit record: %v", recs[0])
	}

	// Offline.
	in.ok("account", "lock", "--app", issuer, "--account", "root")
	file := filepath.Join(in.dir, "root.breakglass")
	in.ok("breakglass", "issue", "--app", issuer, "--account", "root", "--count", "2", "--out", file)
	if r := in.run("breakglass", "issue", "--app", issuer, "--account", "alice", "--count", "1", "--out", filepath.Join(in.dir, "alice.bg")); r.code == 0 {
		t.Fatal("codes issued for an account that is not marked")
	}
	raw, _ := os.ReadFile(file)
	codes := in.ok("breakglass", "list", "--tenant", "acme", "--json").json(t)["codes"].([]any)
	if len(codes) != 2 || strings.Contains(in.ok("breakglass", "list", "--tenant", "acme", "--json").stdout, codeOf(t, raw, 0)) {
		t.Fatalf("codes listed: %v", codes)
	}
	if err := in.stop(); err != nil {
		t.Fatal(err)
	}
	if r := check("--account", "root"); r.code != 2 {
		t.Fatalf("server stopped, no file: exit %d, want 2", r.code)
	}
	if r := check("--account", "alice", "--break-glass-file", file); r.code != 2 {
		t.Fatalf("file of another account: exit %d, want 2: %s", r.code, r.stderr)
	}
	r := check("--account", "root", "--break-glass-file", file)
	if r.code != 0 || r.json(t)["status"] != "break_glass_offline" {
		t.Fatalf("first offline code: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	replay := filepath.Join(in.dir, "copy.breakglass")
	copyFile(t, file, replay) // a copy taken after one use
	if r := check("--account", "root", "--break-glass-file", file); r.code != 0 {
		t.Fatalf("second offline code: exit %d: %s", r.code, r.stderr)
	}
	if r := check("--account", "root", "--break-glass-file", file); r.code != 2 || !strings.Contains(r.stderr, "no unused break-glass code") {
		t.Fatalf("every code used: exit %d: %s", r.code, r.stderr)
	}
	if n := len(audit("breakglass.code_used")); n != 0 {
		t.Fatalf("%d codes reported while the server was down", n)
	}

	// The server is back: the next check reports both codes.
	in.start()
	if r := check("--account", "root", "--break-glass-file", file); r.code != 1 || !strings.Contains(r.stderr, "reported 2 used break-glass code(s)") {
		t.Fatalf("check with the server back: exit %d: %s", r.code, r.stderr)
	}
	used := audit("breakglass.code_used")
	if len(used) != 2 {
		t.Fatalf("breakglass.code_used records: %v", used)
	}
	for _, rec := range used {
		if data, _ := rec["data"].(map[string]any); data["offline"] != true || data["account"] != "root" {
			t.Fatalf("audit record: %v", rec)
		}
	}
	var f struct {
		Codes []struct{ Used, Reported time.Time }
	}
	raw, _ = os.ReadFile(file)
	json.Unmarshal(raw, &f)
	for i, c := range f.Codes {
		if c.Used.IsZero() || c.Reported.IsZero() {
			t.Fatalf("code %d in the file after the report: %+v", i, c)
		}
	}
	// Nothing left to report: no second report.
	if r := check("--account", "root", "--break-glass-file", file); strings.Contains(r.stderr, "reported") {
		t.Fatalf("reported again: %s", r.stderr)
	}
	// The copy says its first code is used but unreported: the server has
	// it already, and says so; nothing new is audited.
	if r := check("--account", "root", "--break-glass-file", replay); !strings.Contains(r.stderr, "had been reported already") {
		t.Fatalf("replayed copy: exit %d: %s", r.code, r.stderr)
	}
	if n := len(audit("breakglass.code_used")); n != 2 {
		t.Fatalf("%d breakglass.code_used after the replay, want 2", n)
	}
}

func codeOf(t *testing.T, raw []byte, i int) string {
	t.Helper()
	var f struct{ Codes []struct{ Code string } }
	if err := json.Unmarshal(raw, &f); err != nil || len(f.Codes) <= i {
		t.Fatalf("break-glass file: %v %s", err, raw)
	}
	return f.Codes[i].Code
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
