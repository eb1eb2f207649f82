package cli_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/cli"
	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
)

// signedFile writes an evidence file with one approval signed by a
// software passkey and returns its path and the key's fingerprint.
func signedFile(t *testing.T, dir string) (string, string) {
	t.Helper()
	k, err := softkey.New("https://lock.acme.test")
	if err != nil {
		t.Fatal(err)
	}
	st := evidence.Statement{Request: "req_1", Tenant: "acme", Application: "https://treasury.acme.test", Account: "treasury",
		Requester: "alice@acme.test", Reason: "close", DurationSeconds: 3600, Policy: "pol_1", Decision: evidence.Approve,
		Approver: "bob@acme.test", ApproverID: "mem_b"}.Stamp(time.Now(), make([]byte, 16))
	canonical, err := st.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding
	opts, _ := json.Marshal(map[string]any{"publicKey": map[string]any{"challenge": b64.EncodeToString(evidence.Challenge(canonical))}})
	raw, err := k.Get(opts)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Response struct{ AuthenticatorData, ClientDataJSON, Signature string }
	}
	json.Unmarshal(raw, &res)
	ad, _ := b64.DecodeString(res.Response.AuthenticatorData)
	cd, _ := b64.DecodeString(res.Response.ClientDataJSON)
	sig, _ := b64.DecodeString(res.Response.Signature)
	pub, _ := k.PublicKeyCOSE()
	var buf bytes.Buffer
	evidence.Write(&buf, evidence.Evidence{Signatures: []evidence.Signature{
		evidence.NewSignature(canonical, k.RPID, []string{k.Origin}, k.ID, pub, ad, cd, sig)}})
	path := filepath.Join(dir, "evidence.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, evidence.Fingerprint(pub)
}

// TestApprovalVerifyOffline: verify needs no database and no server (the
// configured database does not exist and is not created); it exits 0 on a
// valid file, 1 naming the problem on a tampered one or an untrusted key,
// and 2 on a file it cannot read.
func TestApprovalVerifyOffline(t *testing.T) {
	dir := t.TempDir()
	path, fp := signedFile(t, dir)
	missingDB := filepath.Join(dir, "no", "deadbolt.db")
	env := func(k string) string {
		if k == "DEADBOLT_DB" {
			return "sqlite:" + missingDB
		}
		return ""
	}
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Main(context.Background(), args, &out, &errOut, env)
		return code, out.String(), errOut.String()
	}

	code, out, errOut := run("approval", "verify", path)
	if code != 0 || !strings.Contains(out, "valid, 1 signature(s) on request req_1") || !strings.Contains(out, fp) {
		t.Fatalf("valid file: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := run("approval", "verify", "--json", "--key", fp, "--rp-id", "lock.acme.test", path); code != 0 || !strings.Contains(out, `"valid":true`) {
		t.Fatalf("pinned key and RP ID: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Dir(missingDB)); !os.IsNotExist(err) {
		t.Fatalf("verify touched the database directory: %v", err)
	}

	if code, _, errOut := run("approval", "verify", "--key", strings.Repeat("0", 64), path); code != 1 || !strings.Contains(errOut, "not among the trusted keys") {
		t.Fatalf("untrusted key: exit %d, %s", code, errOut)
	}
	raw, _ := os.ReadFile(path)
	tampered := filepath.Join(dir, "tampered.json")
	os.WriteFile(tampered, bytes.Replace(raw, []byte(`duration_seconds\":3600`), []byte(`duration_seconds\":7200`), 1), 0o600)
	code, out, errOut = run("approval", "verify", "--json", tampered)
	if code != 1 || !strings.Contains(errOut, "challenge does not match") || !strings.Contains(out, `"error":"evidence_invalid"`) {
		t.Fatalf("tampered duration: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := run("approval", "verify", filepath.Join(dir, "absent.json")); code != 2 {
		t.Fatalf("missing file: exit %d, want 2", code)
	}
}
