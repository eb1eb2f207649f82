package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
)

// TestAuditVerifyNamesTampering tampers with the real database files, with
// sqlite3 for SQLite and psql for PostgreSQL, as someone with write access
// to the database would, and checks that `deadbolt audit verify` names the
// first bad record and what is wrong with it.
func TestAuditVerifyNamesTampering(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				tamper string // SQL; {T} is the tenant id
				seq    string
				fault  string
			}{
				{"intact", "", "", ""},
				{"a field changed", `UPDATE audit_log SET actor = 'cli:mallory' WHERE tenant_id = '{T}' AND seq = 3`, "3", "hash mismatch"},
				{"a record deleted in the middle", `DELETE FROM audit_log WHERE tenant_id = '{T}' AND seq = 3`, "4", "gap"},
				{"a hash overwritten", `UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE tenant_id = '{T}' AND seq = 5) WHERE tenant_id = '{T}' AND seq = 4`, "4", "hash mismatch"},
				{"a record pointed elsewhere", `UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE tenant_id = '{T}' AND seq = 1) WHERE tenant_id = '{T}' AND seq = 5`, "5", "broken link"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					in := auditInst(t, backend)
					in.setup(issuer)
					for _, a := range []string{"alice", "bob", "carol"} {
						in.ok("account", "enroll", "--app", issuer, "--account", a)
						in.ok("account", "lock", "--app", issuer, "--account", a)
					}
					if tc.tamper != "" {
						in.sql(t, strings.ReplaceAll(tc.tamper, "{T}", in.tenantID(t)))
					}
					r := in.run("audit", "verify")
					if tc.seq == "" {
						if r.code != 0 || !strings.Contains(r.stdout, "chain intact") {
							t.Fatalf("intact chain: exit %d\n%s%s", r.code, r.stdout, r.stderr)
						}
						return
					}
					if r.code != 1 || !strings.Contains(r.stderr, "broken at seq "+tc.seq+": "+tc.fault) {
						t.Fatalf("want exit 1 naming seq %s (%s); got exit %d: %s", tc.seq, tc.fault, r.code, r.stderr)
					}
					j := in.run("audit", "verify", "--json").json(t)
					if j["error"] != "chain_broken" {
						t.Fatalf("--json: %v", j)
					}
				})
			}
		})
	}
}

// TestAuditExportRoundTrip: an export verifies on its own, a changed or
// reordered line in it is caught, and a filtered export keeps only what
// was asked.
func TestAuditExportRoundTrip(t *testing.T) {
	in := newInst(t)
	in.setup(issuer)
	for _, a := range []string{"alice", "bob"} {
		in.ok("account", "enroll", "--app", issuer, "--account", a)
		in.ok("account", "unlock", "--app", issuer, "--account", a, "--for", "1h")
	}
	export := filepath.Join(in.dir, "audit.jsonl")
	in.ok("audit", "export", "--tenant", "acme", "--output", export)
	if r := in.ok("audit", "verify", "--file", export); !strings.Contains(r.stdout, "chain intact") {
		t.Fatalf("verify --file: %s", r.stdout)
	}
	raw, _ := os.ReadFile(export)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) < 6 {
		t.Fatalf("export has %d lines", len(lines))
	}
	write := func(name string, ls []string) string {
		p := filepath.Join(in.dir, name)
		os.WriteFile(p, []byte(strings.Join(ls, "\n")+"\n"), 0o600)
		return p
	}
	changed := append([]string(nil), lines...)
	changed[2] = strings.Replace(changed[2], `"actor":"cli:`, `"actor":"cli:x`, 1)
	if r := in.run("audit", "verify", "--file", write("changed.jsonl", changed)); r.code != 1 || !strings.Contains(r.stderr, "seq 3: hash mismatch") {
		t.Fatalf("changed line: exit %d %s", r.code, r.stderr)
	}
	swapped := append([]string(nil), lines...)
	swapped[2], swapped[3] = swapped[3], swapped[2]
	if r := in.run("audit", "verify", "--file", write("swapped.jsonl", swapped)); r.code != 1 || !strings.Contains(r.stderr, "reordered") {
		t.Fatalf("swapped lines: exit %d %s", r.code, r.stderr)
	}

	// Filters, CSV, and a filtered export that still verifies record by record.
	unlocked := filepath.Join(in.dir, "unlocked.jsonl")
	in.ok("audit", "export", "--action", "account.unlocked", "--since", "1d", "--output", unlocked)
	raw, _ = os.ReadFile(unlocked)
	got := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(got) != 2 || strings.Count(string(raw), `"action":"account.unlocked"`) != 2 {
		t.Fatalf("filtered export:\n%s", raw)
	}
	if r := in.ok("audit", "verify", "--file", unlocked); !strings.Contains(r.stdout, "gaps") {
		t.Fatalf("filtered export should verify with gaps named: %s", r.stdout)
	}
	csv := in.ok("audit", "export", "--format", "csv", "--until", "2000-01-01").stdout
	if strings.TrimSpace(csv) != "tenant,seq,at,actor,action,target,data,prev_hash,hash" {
		t.Fatalf("CSV export before 2000: %q", csv)
	}
	if r := in.run("audit", "export", "--since", "last tuesday"); r.code != 1 {
		t.Fatalf("bad --since: exit %d %s", r.code, r.stderr)
	}
	if r := in.run("audit", "export", "--output", export); r.code != 1 {
		t.Fatal("export overwrote an existing file")
	}
}

// auditInst is an installation on SQLite or on PostgreSQL, in a fresh
// schema of the package's shared database (deadbolt takes the schema from
// the URL's search_path, docs: internal/store/postgres/doc.go).
func auditInst(t *testing.T, backend string) *inst {
	in := newInst(t)
	if backend == "postgres" {
		in.db = pgtest.NewSchema(t, pgShared.Database(t))
		mk := make([]byte, 32)
		rand.Read(mk)
		in.env = append(in.env, "DEADBOLT_MASTER_KEY="+base64.StdEncoding.EncodeToString(mk))
	}
	return in
}

// sql runs a statement on the installation's database with the database's
// own command-line client.
func (in *inst) sql(t *testing.T, stmt string) string {
	t.Helper()
	var cmd *exec.Cmd
	if path, ok := strings.CutPrefix(in.db, "sqlite:"); ok {
		cmd = exec.Command("sqlite3", path, stmt)
	} else {
		cmd = psql(in.db, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", stmt)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", stmt, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (in *inst) tenantID(t *testing.T) string {
	t.Helper()
	return in.sql(t, `SELECT id FROM tenants WHERE name = 'acme'`)
}

// TestAuditVerifyCreatesNoMasterKey: verify only reads. On a SQLite
// install that has no master key yet it checks the chain, says that the
// signed checkpoints were not checked, and leaves no master.key behind.
func TestAuditVerifyCreatesNoMasterKey(t *testing.T) {
	in := newInst(t)
	in.ok("tenant", "create", "acme", "--owner", "owner@acme.test")
	keyFile := filepath.Join(in.dir, "data", "master.key")
	if _, err := os.Stat(keyFile); err == nil {
		t.Fatal("precondition: tenant create made a master key, so this test shows nothing; start from another command")
	}
	r := in.ok("audit", "verify")
	if !strings.Contains(r.stdout, "chain intact") || !strings.Contains(r.stderr, "signed checkpoints not checked") {
		t.Fatalf("verify on an install without a master key:\n%s%s", r.stdout, r.stderr)
	}
	if _, err := os.Stat(keyFile); err == nil {
		t.Fatal("audit verify created master.key")
	}
}

// psql runs PostgreSQL's own client on the database dbURL names. libpq
// takes no search_path in a URL, so a schema the URL picks (pgtest.NewSchema)
// reaches psql as PGOPTIONS, as it reaches deadbolt through the URL.
func psql(dbURL string, args ...string) *exec.Cmd {
	u, err := url.Parse(dbURL)
	if err != nil {
		panic(err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	cmd := exec.Command("psql", append([]string{"-d", u.String()}, args...)...)
	if schema != "" {
		cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+schema)
	}
	return cmd
}
