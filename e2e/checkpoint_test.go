package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
)

// TestAuditCheckpointsCatchARechainedHistory runs serve, on SQLite and on
// PostgreSQL, with two outside witnesses (a file, and a URL served by the
// test) until both hold a signed checkpoint of the chain's head. Then it
// attacks the real database with sqlite3 or psql as someone with full
// write access would: history rewritten and every hash after it
// recomputed, the stored checkpoints deleted, the tail cut off. Plain
// verify is fooled by the re-chained history once the stored checkpoints
// are gone; verify --checkpoints with either witness's copy is not.
func TestAuditCheckpointsCatchARechainedHistory(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { rechainedHistoryCaught(t, backend) })
	}
}

func rechainedHistoryCaught(t *testing.T, backend string) {
	in := auditInst(t, backend)
	witness := filepath.Join(in.dir, "witness.jsonl")
	mirror := newWitnessReceiver(t)
	cfg := filepath.Join(in.dir, "deadbolt.yaml")
	if err := os.WriteFile(cfg, []byte("audit:\n  checkpoint_events: 1\n  witnesses:\n    - name: archive\n      file: "+witness+
		"\n    - name: mirror\n      url: "+mirror.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The URL witness listens on loopback, which the egress policy lets
	// through only when the operator says so.
	in.env = append(in.env, "DEADBOLT_CONFIG="+cfg, "DEADBOLT_WEBHOOKS_ALLOW_PRIVATE=true")
	in.setup(issuer)
	for _, a := range []string{"alice", "bob", "carol"} {
		in.ok("account", "enroll", "--app", issuer, "--account", a)
		in.ok("account", "lock", "--app", issuer, "--account", a)
	}
	tenant := in.tenantID(t)
	head := in.sql(t, `SELECT max(seq) FROM audit_log WHERE tenant_id = '`+tenant+`'`)

	in.start()
	// The public key, served and printed alike.
	resp, err := http.Get(in.url + "/.well-known/deadbolt-audit-key")
	if err != nil {
		t.Fatal(err)
	}
	var served map[string]string
	json.NewDecoder(resp.Body).Decode(&served)
	resp.Body.Close()
	printed := in.ok("audit", "key", "--json").json(t)
	if served["public_key"] == "" || served["public_key"] != printed["public_key"] || served["algorithm"] != "Ed25519" {
		t.Fatalf("well-known key %v, audit key %v", served, printed)
	}
	// Both witnesses receive the checkpoint of the head through the
	// outbox: the file, and the URL over HTTP.
	deadline := time.Now().Add(20 * time.Second)
	for {
		raw, _ := os.ReadFile(witness)
		if strings.Contains(string(raw), `"seq":`+head+`,`) && strings.Contains(mirror.lines(), `"seq":`+head+`,`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of seq %s at both witnesses after 20s: file %q, URL %q\n%s", head, raw, mirror.lines(), in.srvLog)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := in.stop(); err != nil {
		t.Fatal(err)
	}
	mirrored := filepath.Join(in.dir, "mirror.jsonl")
	if err := os.WriteFile(mirrored, []byte(mirror.lines()), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := in.ok("audit", "verify", "--checkpoints", mirrored); !strings.Contains(r.stdout, "signed checkpoints match") {
		t.Fatalf("intact chain with the URL witness's checkpoints: %s", r.stdout)
	}
	if r := in.ok("audit", "verify", "--checkpoints", witness); !strings.Contains(r.stdout, "signed checkpoints match") {
		t.Fatalf("intact chain with its checkpoints: %s", r.stdout)
	}
	// Anyone with the public key checks the witness's copy without the
	// master key.
	if r := in.ok("audit", "verify", "--checkpoints", witness, "--key", served["public_key"]); !strings.Contains(r.stdout, "chain intact") {
		t.Fatalf("verify --key: %s", r.stdout)
	}

	// A forged checkpoint: a witness line whose hash was changed.
	raw, _ := os.ReadFile(witness)
	var c audit.Checkpoint
	if err := json.Unmarshal([]byte(strings.SplitN(string(raw), "\n", 2)[0]), &c); err != nil {
		t.Fatal(err)
	}
	c.Hash = strings.Repeat("0", 64)
	forged, _ := json.Marshal(c)
	forgedFile := filepath.Join(in.dir, "forged.jsonl")
	os.WriteFile(forgedFile, append(forged, '\n'), 0o600)
	wantBroken(t, in.run("audit", "verify", "--checkpoints", forgedFile), fmt.Sprint(c.Seq), "checkpoint signature")

	// History rewritten and re-chained: seq 2's actor changed, every hash
	// from there on recomputed. The chain holds; the stored checkpoint
	// does not.
	in.sql(t, rechainSQL(t, in, tenant, 2))
	wantBroken(t, in.run("audit", "verify"), head, "checkpoint mismatch")
	// With the stored checkpoints deleted too, plain verify is fooled...
	in.sql(t, `DELETE FROM audit_checkpoints`)
	if r := in.run("audit", "verify"); r.code != 0 {
		t.Fatalf("a re-chained history without checkpoints should pass plain verify (that is the attack): exit %d %s", r.code, r.stderr)
	}
	// ...and neither witness's copy is.
	wantBroken(t, in.run("audit", "verify", "--checkpoints", witness), head, "checkpoint mismatch")
	wantBroken(t, in.run("audit", "verify", "--checkpoints", mirrored), head, "checkpoint mismatch")

	// The tail cut off after the checkpoint (on a history put back the way
	// it was): named as deleted records.
	in.sql(t, rechainSQL(t, in, tenant, 0))
	in.ok("audit", "verify", "--checkpoints", witness)
	in.sql(t, `DELETE FROM audit_log WHERE tenant_id = '`+tenant+`' AND seq = `+head)
	r := in.run("audit", "verify", "--checkpoints", witness)
	wantBroken(t, r, head, "checkpoint mismatch")
	if !strings.Contains(r.stderr, "deleted") {
		t.Fatalf("a cut tail should be named as deleted records: %s", r.stderr)
	}
	j := in.run("audit", "verify", "--checkpoints", witness, "--json").json(t)
	if j["error"] != "chain_broken" {
		t.Fatalf("--json: %v", j)
	}
}

// witnessReceiver is an outside witness reached by URL: it keeps each
// checkpoint POSTed to it once per Idempotency-Key, a line each.
type witnessReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]bool
	buf  strings.Builder
}

func newWitnessReceiver(t *testing.T) *witnessReceiver {
	w := &witnessReceiver{seen: map[string]bool{}}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		key := r.Header.Get("Idempotency-Key")
		if err != nil || r.Method != http.MethodPost || key == "" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(rw, "want a JSON POST with an Idempotency-Key", http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.seen[key] {
			w.seen[key] = true
			w.buf.Write(bytes.TrimSpace(body))
			w.buf.WriteByte('\n')
		}
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *witnessReceiver) lines() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// wantBroken checks that verify exited 1 naming seq and fault.
func wantBroken(t *testing.T, r result, seq, fault string) {
	t.Helper()
	if r.code != 1 || !strings.Contains(r.stderr, "broken at seq "+seq+": "+fault) {
		t.Fatalf("want exit 1 naming seq %s (%s); got exit %d: %s%s", seq, fault, r.code, r.stdout, r.stderr)
	}
}

// rechainSQL returns the SQL that rewrites a tenant's chain the way an
// attacker with write access would: the actor of record seq becomes
// "cli:mallory" (seq 0: the actor "cli:mallory" goes back to "cli:root"),
// and every record's prev_hash and hash from there on are recomputed.
func rechainSQL(t *testing.T, in *inst, tenant string, seq int64) string {
	t.Helper()
	var recs []audit.Record
	out := in.ok("audit", "export", "--tenant", "acme").stdout
	if err := audit.ReadJSONL(strings.NewReader(out), func(r audit.Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("BEGIN;\n")
	var prev *audit.Record
	for _, r := range recs {
		switch {
		case r.Seq == seq:
			r.Actor = "cli:mallory"
		case seq == 0 && r.Actor == "cli:mallory":
			r.Actor = "cli:root"
		}
		var data map[string]any
		json.Unmarshal(r.Data, &data)
		next, err := audit.Next(prev, audit.Event{TenantID: r.TenantID, Actor: r.Actor, Action: r.Action, Target: r.Target, Data: data}, r.At)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "UPDATE audit_log SET actor = '%s', prev_hash = '%s', hash = '%s' WHERE tenant_id = '%s' AND seq = %d;\n",
			next.Actor, next.PrevHash, next.Hash, tenant, r.Seq)
		prev = &next
	}
	b.WriteString("COMMIT;\n")
	return b.String()
}
