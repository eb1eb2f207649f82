package evidence_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/evidence"
)

// TestThirdPartyVerifier runs the Python verifier that docs/approvals.md
// prints (no WebAuthn library, no deadbolt code) on evidence this package
// writes: it accepts a valid file and refuses a tampered statement, a
// replayed assertion and a swapped key. So the documented format is enough
// to verify, and the document matches what deadbolt does.
func TestThirdPartyVerifier(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	if err := exec.Command("python3", "-c", "import cryptography").Run(); err != nil {
		t.Skip("python3 has no cryptography package")
	}
	doc, err := os.ReadFile("../../docs/approvals.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "### A verifier with no WebAuthn library")
	_, rest, ok2 := strings.Cut(rest, "```python\n")
	script, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/approvals.md has no Python verifier")
	}
	dir := t.TempDir()
	py := filepath.Join(dir, "verify_evidence.py")
	if err := os.WriteFile(py, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(e evidence.Evidence) (bool, string) {
		var buf bytes.Buffer
		if err := evidence.Write(&buf, e); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "evidence.json")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("python3", py, path).CombinedOutput()
		return err == nil, string(out)
	}

	kb, kc := passkey(t), passkey(t)
	stb := statement("req_1", "mem_b", evidence.Approve)
	stb.Context["note"] = "line\nbreak \"quoted\" \u2028 ü"
	b, c := sign(t, kb, stb), sign(t, kc, statement("req_1", "mem_c", evidence.Deny))
	if ok, out := run(file(b, c)); !ok || !strings.Contains(out, "valid") || !strings.Contains(out, "deny of request req_1 by mem_c@acme.test") {
		t.Fatalf("the documented verifier refuses valid evidence:\n%s", out)
	}
	if _, err := evidence.Verify(file(b, c), evidence.Options{}); err != nil {
		t.Fatal(err)
	}

	tampered := b
	tampered.CanonicalJSON = strings.Replace(b.CanonicalJSON, `"duration_seconds":7200`, `"duration_seconds":72000`, 1)
	replayed := b
	replayed.Assertion = sign(t, kb, statement("req_2", "mem_b", evidence.Approve)).Assertion
	swapped := b
	swapped.Credential = c.Credential
	for name, s := range map[string]evidence.Signature{"tampered duration": tampered, "replayed assertion": replayed, "swapped credential": swapped} {
		if ok, out := run(file(s)); ok || !strings.Contains(out, "INVALID") {
			t.Errorf("%s: the documented verifier accepts it:\n%s", name, out)
		}
		if _, err := evidence.Verify(file(s), evidence.Options{}); err == nil {
			t.Errorf("%s: Verify accepts it", name)
		}
	}
}
