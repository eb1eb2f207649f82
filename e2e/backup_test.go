package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBackupRestore backs up a running SQLite install with the CLI,
// changes it, and restores the backup while the server keeps running: the
// server answers from the restored data at once.
func TestBackupRestore(t *testing.T) {
	in := newInst(t)
	key := in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice")
	in.ok("account", "unlock", "--app", issuer, "--account", "alice", "--for", "1h")
	in.start()
	tok := mintFor(t, in, key, "alice")
	if code, body := in.post("/v1/check", tok, `{}`); code != 200 || body["locked"] != false {
		t.Fatalf("before: %d %v", code, body)
	}

	bak := filepath.Join(t.TempDir(), "backup.db")
	res := in.ok("backup", bak, "--json").json(t)
	if res["bytes"] == float64(0) {
		t.Fatalf("backup: %v", res)
	}
	if fi, err := os.Stat(bak); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
	if r := in.run("backup", bak); r.code != 1 {
		t.Fatalf("backup over an existing file: exit %d, want 1", r.code)
	}

	in.ok("account", "lock", "--app", issuer, "--account", "alice")
	if _, body := in.post("/v1/check", tok, `{}`); body["locked"] != true {
		t.Fatalf("after lock: %v", body)
	}
	in.ok("restore", "--yes", bak)
	if code, body := in.post("/v1/check", tok, `{}`); code != 200 || body["locked"] != false {
		t.Fatalf("after restore, the running server answers %d %v, want unlocked as backed up", code, body)
	}

	// PostgreSQL installs are pointed at pg_dump.
	pg := newInst(t)
	pg.db = "postgres://nobody@127.0.0.1:1/none"
	if r := pg.run("backup", bak+".2"); r.code != 1 {
		t.Fatalf("backup of a PostgreSQL install: exit %d, want 1 (%s)", r.code, r.stderr)
	}
}

func mintFor(t *testing.T, in *inst, key, account string) string {
	t.Helper()
	out := in.ok("token", "mint", "--issuer", issuer, "--key", key, "--account", account, "--aud", in.url).stdout
	for len(out) > 0 && (out[len(out)-1] == '\n' || out[len(out)-1] == '\r') {
		out = out[:len(out)-1]
	}
	return out
}
