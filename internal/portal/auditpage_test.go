package portal_test

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/cli"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// auditEnv is an env whose portal serves the Audit page, with an audit
// key, and an admin, an auditor and a plain member of its tenant signed
// in, after 60 lock and unlock records.
type auditEnv struct {
	*env
	key                          *audit.Signer
	adminC, auditorC, memberC    *http.Cookie
	firstLock, lastLock, records int
}

func newAuditEnv(t *testing.T) *auditEnv {
	t.Helper()
	signer, err := audit.NewSigner(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pub := signer.PublicKey()
	var a auditEnv
	a.key = signer
	a.env = newEnvWith(t, publicURL, func(d *portal.Deps) { d.Audit, d.AuditKey = d.Store.(store.AuditReader), &pub })
	tenant := a.app.TenantID
	_, a.adminC = a.member(tenant, "adam@acme.test", store.RoleAdmin)
	_, a.auditorC = a.member(tenant, "audrey@acme.test", store.RoleAuditor)
	_, a.memberC = a.member(tenant, "mo@acme.test", store.RoleMember)
	for i := range 30 {
		a.clock.Advance(time.Minute)
		if _, err := a.access.Lock(t.Context(), "cli:ops", a.app, "alice"); err != nil {
			t.Fatal(err)
		}
		if i == 1 { // alice was enrolled locked: the first lock changed nothing
			a.firstLock = a.auditLength(tenant)
		}
		if _, err := a.access.Unlock(t.Context(), "cli:other", a.app, "alice", access.Unlock{For: 5 * time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	a.records = a.auditLength(tenant)
	a.lastLock = a.records - 1
	return &a
}

// count is how many of the tenant's records f selects.
func (e *auditEnv) count(f audit.Filter) int {
	e.t.Helper()
	recs, err := e.store.AuditRecords(e.t.Context(), e.app.TenantID, 0, 100000)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if f.Match(r) {
			n++
		}
	}
	if n == 0 {
		e.t.Fatalf("no record matches %+v: the test shows nothing", f)
	}
	return n
}

// seqs lists the record numbers the Audit page links to, in order.
func seqs(body string) []string {
	var out []string
	for _, part := range strings.Split(body, `<a href="/admin/audit/`)[1:] {
		if i := strings.IndexByte(part, '"'); i > 0 && !strings.HasPrefix(part, "export") {
			out = append(out, part[:i])
		}
	}
	return out
}

// TestAuditPage: the Audit page lists the tenant's records newest first,
// 50 a page with a link to older ones, filters by actor, action (a prefix
// with *), target and time, and shows a record's every field; auditors
// see it as admins do, plain members not at all, another tenant's
// auditor nothing of this tenant's.
func TestAuditPage(t *testing.T) {
	e := newAuditEnv(t)
	first := e.do("GET", "/admin/audit", nil, e.auditorC)
	if first.code != http.StatusOK {
		t.Fatalf("auditor GET /admin/audit: %d", first.code)
	}
	got := seqs(first.body)
	if len(got) != 50 || got[0] != fmt.Sprint(e.records) || got[49] != fmt.Sprint(e.records-49) {
		t.Fatalf("first page: %d records %v, want 50 from %d down", len(got), got, e.records)
	}
	older := e.do("GET", fmt.Sprintf("/admin/audit?before=%d", e.records-49), nil, e.auditorC)
	if next := seqs(older.body); len(next) != min(50, e.records-50) || next[0] != fmt.Sprint(e.records-50) {
		t.Fatalf("second page: %v", next)
	}
	if !strings.Contains(first.body, fmt.Sprintf(`href="/admin/audit?before=%d"`, e.records-49)) {
		t.Fatal("the first page has no link to older records")
	}

	filters := []struct {
		query string
		want  int
	}{
		{"action=account.locked", 29},
		{"action=account.*", 60},
		{"actor=cli:other", 30},
		{"actor=cli:ops&action=account.unlocked", 0},
		{"target=account:" + e.account("alice").ID, 60},
		{"target=member:*", e.count(audit.Filter{Target: "member:*"})},
		{"since=" + e.clock.Now().Add(24*time.Hour).Format(time.DateOnly), 0},
		{"until=" + e.clock.Now().Add(-48*time.Hour).Format(time.DateOnly), 0},
		{"since=" + e.clock.Now().Format(time.DateOnly) + "&until=" + e.clock.Now().Format(time.DateOnly), e.records},
	}
	for _, f := range filters {
		r := e.do("GET", "/admin/audit?"+f.query, nil, e.auditorC)
		if n := len(seqs(r.body)); r.code != http.StatusOK || n != min(f.want, 50) {
			t.Errorf("%s: %d with %d records, want %d", f.query, r.code, n, min(f.want, 50))
		}
	}
	if r := e.do("GET", "/admin/audit?since=yesterday", nil, e.auditorC); r.code != http.StatusBadRequest || !strings.Contains(r.body, "2026-11-30") {
		t.Errorf("a bad date: %d", r.code)
	}

	// A record's details: every field, the hashes included.
	recs, _ := e.store.AuditRecords(t.Context(), e.app.TenantID, int64(e.lastLock-1), 1)
	d := e.do("GET", fmt.Sprintf("/admin/audit/%d", e.lastLock), nil, e.auditorC)
	for _, want := range []string{recs[0].Hash, recs[0].PrevHash, recs[0].Actor, recs[0].Action, recs[0].Target, "&#34;account&#34;:&#34;alice&#34;"} {
		if d.code != http.StatusOK || !strings.Contains(d.body, want) {
			t.Errorf("details of %d: %d, missing %q", e.lastLock, d.code, want)
		}
	}
	if r := e.do("GET", "/admin/audit/99999", nil, e.auditorC); r.code != http.StatusNotFound {
		t.Errorf("a record that does not exist: %d", r.code)
	}

	// A plain member: nothing.
	for _, path := range []string{"/admin/audit", "/admin/audit/1", "/admin/audit/export?format=jsonl"} {
		if r := e.do("GET", path, nil, e.memberC); r.code != http.StatusForbidden {
			t.Errorf("member GET %s: %d, want 403", path, r.code)
		}
	}
	if r := e.do("POST", "/admin/audit/verify", url.Values{}, e.memberC); r.code != http.StatusForbidden {
		t.Errorf("member POST verify: %d, want 403", r.code)
	}

	// Another tenant's auditor sees their own trail only.
	globex, err := e.admin.CreateTenant(t.Context(), "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	_, stranger := e.member(globex.ID, "eve@globex.test", store.RoleAuditor)
	theirs := e.do("GET", "/admin/audit", nil, stranger)
	if n := len(seqs(theirs.body)); theirs.code != http.StatusOK || n == 0 || n >= 50 || strings.Contains(theirs.body, "account.locked") {
		t.Errorf("globex auditor's audit page: %d with %d records (acme's showing: %v)", theirs.code, n, strings.Contains(theirs.body, "account.locked"))
	}
	if r := e.do("GET", fmt.Sprintf("/admin/audit/%d", e.lastLock), nil, stranger); r.code != http.StatusNotFound {
		t.Errorf("globex auditor GET acme's record %d: %d, want 404", e.lastLock, r.code)
	}
	exp := e.do("GET", "/admin/audit/export?format=jsonl", nil, stranger)
	if strings.Contains(exp.body, e.app.TenantID) || !strings.Contains(exp.body, globex.ID) {
		t.Errorf("globex auditor's export holds acme's records or not their own")
	}
}

// TestAuditExportVerifies: the JSONL export, whole or filtered, is checked
// by `deadbolt audit verify --file` (run in process, as the binary would),
// and an edited line of it is not; the CSV export has a header and a row
// per selected record; another format is refused.
func TestAuditExportVerifies(t *testing.T) {
	e := newAuditEnv(t)
	dir := t.TempDir()
	verify := func(name, body string) (int, string) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errs bytes.Buffer
		code := cli.Main(t.Context(), []string{"audit", "verify", "--file", path}, &out, &errs, func(string) string { return "" })
		return code, out.String() + errs.String()
	}
	whole := e.do("GET", "/admin/audit/export?format=jsonl", nil, e.auditorC)
	if whole.code != http.StatusOK || !strings.HasPrefix(whole.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", whole.code, whole.header)
	}
	if n := strings.Count(whole.body, "\n"); n != e.records {
		t.Fatalf("export has %d lines, want %d", n, e.records)
	}
	if code, out := verify("whole.jsonl", whole.body); code != 0 || !strings.Contains(out, fmt.Sprintf("%d events", e.records)) {
		t.Fatalf("verify --file of the export: %d %s", code, out)
	}
	// The export link the filtered page shows, followed as a browser would.
	page := e.do("GET", "/admin/audit?action=account.locked", nil, e.auditorC)
	m := regexp.MustCompile(`href="([^"]*)" id="export-jsonl"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no JSONL export link on the filtered page")
	}
	filtered := e.do("GET", html.UnescapeString(m[1]), nil, e.auditorC)
	if n := strings.Count(filtered.body, "\n"); n != 29 {
		t.Fatalf("filtered export has %d lines, want 29", n)
	}
	if code, out := verify("locked.jsonl", filtered.body); code != 0 {
		t.Fatalf("verify --file of the filtered export: %d %s", code, out)
	}
	edited := strings.Replace(whole.body, `"actor":"cli:other"`, `"actor":"cli:else"`, 1)
	if code, out := verify("edited.jsonl", edited); code != 1 || !strings.Contains(out, "hash mismatch") {
		t.Fatalf("verify --file of an edited export: %d %s", code, out)
	}

	c := e.do("GET", "/admin/audit/export?format=csv&actor=cli:other", nil, e.adminC)
	rows, err := csv.NewReader(strings.NewReader(c.body)).ReadAll()
	if err != nil || len(rows) != 31 || rows[0][0] != "tenant" || rows[1][3] != "cli:other" {
		t.Fatalf("CSV export: %d rows, %v", len(rows), err)
	}
	if r := e.do("GET", "/admin/audit/export?format=xml", nil, e.adminC); r.code != http.StatusBadRequest {
		t.Fatalf("export as xml: %d", r.code)
	}
}

// TestAuditVerifyNow: "Verify now" runs the CLI's check for the tenant:
// intact, it shows the counts (and the signed checkpoint that matches);
// after a record is changed in the SQLite file, it names that record and
// the fault. Auditors may run it and it writes nothing; a cross-site POST
// is refused.
func TestAuditVerifyNow(t *testing.T) {
	e := newAuditEnv(t)
	ctx := t.Context()
	tenant := e.app.TenantID
	heads, err := e.store.AuditHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range heads {
		if h.TenantID == tenant {
			if err := e.store.Update(ctx, func(tx store.Tx) error {
				return tx.AddCheckpoint(ctx, e.key.Sign(tenant, h.Seq, h.Hash, e.clock.Now()))
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := e.auditLength(tenant)
	r := e.do("POST", "/admin/audit/verify", url.Values{}, e.auditorC)
	want := fmt.Sprintf("%d records checked, up to record %d; 1 signed checkpoint match", e.records, e.records)
	if r.code != http.StatusOK || !strings.Contains(r.body, "Intact.") || !strings.Contains(r.body, want) {
		t.Fatalf("verify now: %d, want %q in\n%s", r.code, want, r.body)
	}
	if e.auditLength(tenant) != before {
		t.Fatal("verify now wrote audit records")
	}
	if r := e.do("POST", "/admin/audit/verify", url.Values{}, e.auditorC, "Sec-Fetch-Site", "cross-site"); r.code != http.StatusForbidden || strings.Contains(r.body, "Intact.") {
		t.Fatalf("cross-site verify: %d", r.code)
	}

	db, err := sql.Open("sqlite", e.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `UPDATE audit_log SET actor = 'cli:nobody' WHERE tenant_id = ? AND seq = ?`, tenant, e.firstLock); err != nil {
		t.Fatal(err)
	}
	r = e.do("POST", "/admin/audit/verify", url.Values{}, e.adminC)
	if want := fmt.Sprintf("Broken at record %d</strong>: hash mismatch", e.firstLock); r.code != http.StatusOK || !strings.Contains(r.body, want) {
		t.Fatalf("verify now after tampering: %d, want %q", r.code, want)
	}
}
