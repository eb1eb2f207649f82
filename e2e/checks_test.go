package e2e

import (
	"encoding/csv"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestChecksExport: `deadbolt checks export` on SQLite (where the check log
// is its own file) and PostgreSQL, over 12 000 records written into the
// check log with the database's own client (more than two pages of the
// cursor): everything once, the filters by account and decision and by
// time, CSV, and another tenant's export, which holds none of them.
func TestChecksExport(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			in := auditInst(t, backend)
			in.setup(issuer)
			in.ok("tenant", "create", "globex")
			tenant := in.tenantID(t)
			app := in.sql(t, `SELECT id FROM applications WHERE issuer = '`+issuer+`'`)
			// Record i is at 2025-11-30T00:00:00Z + i s; odd ones locked;
			// every third is alice's.
			fill := `INSERT INTO check_log (id, tenant_id, app_id, kid, account, at, locked, status, ip, device, location, integration_type, policy_id)
				SELECT 'c' || i, '` + tenant + `', '` + app + `', '', CASE WHEN i % 3 = 0 THEN 'alice' ELSE 'bob' END,
					1764460800000000000 + i * 1000000000, LOCKED, CASE WHEN i % 2 = 1 THEN 'locked' ELSE 'unlocked' END,
					'198.51.100.1', 'curl', '', 'api', ''`
			var cmd *exec.Cmd
			if path, ok := strings.CutPrefix(in.db, "sqlite:"); ok {
				stmt := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000) ` +
					strings.Replace(fill, "LOCKED", "i % 2", 1) + ` FROM n`
				cmd = exec.Command("sqlite3", path+".checks", stmt)
			} else {
				stmt := strings.Replace(fill, "LOCKED", "i % 2 = 1", 1) + ` FROM generate_series(1::bigint, 12000::bigint) AS i`
				cmd = psql(in.db, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", stmt)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("filling the check log: %v\n%s", err, out)
			}

			all := strings.Split(strings.TrimSpace(in.ok("checks", "export").stdout), "\n")
			if len(all) != 12000 {
				t.Fatalf("export: %d lines, want 12000", len(all))
			}
			seen := map[string]bool{}
			for _, line := range all {
				var row map[string]any
				if err := json.Unmarshal([]byte(line), &row); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				seen[row["id"].(string)] = true
			}
			var first map[string]any
			json.Unmarshal([]byte(all[0]), &first)
			if len(seen) != 12000 || first["id"] != "c1" || first["locked"] != true || first["issuer"] != issuer || first["at"] != "2025-11-30T00:00:01Z" {
				t.Fatalf("export: %d distinct records, first %v", len(seen), first)
			}
			count := func(args ...string) int {
				out := strings.TrimSpace(in.ok(append([]string{"checks", "export"}, args...)...).stdout)
				if out == "" {
					return 0
				}
				return strings.Count(out, "\n") + 1
			}
			for _, tc := range []struct {
				args []string
				want int
			}{
				{[]string{"--account", "alice", "--decision", "locked"}, 2000},
				{[]string{"--decision", "unlocked", "--app", issuer}, 6000},
				{[]string{"--since", "2025-11-30T01:00:00Z", "--until", "2025-11-30T02:00:00Z"}, 3600},
				{[]string{"--tenant", "acme", "--until", "2025-11-30"}, 0},
				{[]string{"--tenant", "globex"}, 0},
			} {
				if got := count(tc.args...); got != tc.want {
					t.Errorf("checks export %v: %d records, want %d", tc.args, got, tc.want)
				}
			}
			rows, err := csv.NewReader(strings.NewReader(in.ok("checks", "export", "--format", "csv", "--account", "alice").stdout)).ReadAll()
			if err != nil || len(rows) != 4001 || rows[0][0] != "id" || rows[1][4] != "alice" {
				t.Fatalf("CSV: %d rows, %v", len(rows), err)
			}
			if r := in.run("checks", "export", "--format", "xml"); r.code != 1 {
				t.Fatalf("--format xml: exit %d", r.code)
			}
			if r := in.run("checks", "export", "--tenant", "globex", "--app", issuer); r.code != 1 {
				t.Fatalf("--app of another tenant: exit %d", r.code)
			}
		})
	}
}
