package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const issuer = "https://wiki.acme.test"

// TestWalkthrough follows the README's five-minute walkthrough.
func TestWalkthrough(t *testing.T) {
	in := newInst(t)
	in.start()

	// A fresh install made its data directory and master key privately.
	for path, want := range map[string]os.FileMode{"data": 0o700, "data/master.key": 0o600, "data/deadbolt.db": 0o600} {
		st, err := os.Stat(filepath.Join(in.dir, path))
		if err != nil || st.Mode().Perm() != want {
			t.Fatalf("%s: mode %v (%v), want %v", path, st.Mode().Perm(), err, want)
		}
	}

	// 1. tenant create --owner prints the owner's setup link (step 5).
	link := in.tenantWithOwner("acme", "you@acme.test")
	in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", issuer)
	key, _ := in.ok("key", "create", "--app", issuer, "--json").json(t)["secret"].(string)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice", "--owner", "alice@acme.test")
	in.ok("account", "lock", "--app", issuer, "--account", "alice")

	tok := strings.TrimSpace(in.ok("token", "mint", "--issuer", issuer, "--key", key, "--account", "alice", "--aud", in.url).stdout)
	code, body := in.post("/nl3/api/v1/accountProtectionCheck", tok, `{"userIP":"203.0.113.7"}`)
	if code != 200 || body["locked"] != true || body["status"] != "locked" {
		t.Fatalf("locked account: %d %v", code, body)
	}
	checkArgs := []string{"check", "--url", in.url, "--issuer", issuer, "--key", key, "--account", "alice"}
	if r := in.run(checkArgs...); r.code != 1 {
		t.Fatalf("deadbolt check on a locked account exited %d: %s %s", r.code, r.stdout, r.stderr)
	}

	in.ok("account", "unlock", "--app", issuer, "--account", "alice", "--for", "15m")
	code, body = in.post("/v1/check", tok, `{}`)
	if code != 200 || body["locked"] != false || body["status"] != "unlocked" {
		t.Fatalf("unlocked account: %d %v", code, body)
	}
	if r := in.run(checkArgs...); r.code != 0 {
		t.Fatalf("deadbolt check on an unlocked account exited %d: %s %s", r.code, r.stdout, r.stderr)
	}
	st := in.ok("account", "status", "--app", issuer, "--account", "alice", "--json").json(t)
	if st["locked"] != false || st["status"] != "unlocked" || st["until"] == nil || st["owner"] != "alice@acme.test" {
		t.Fatalf("status: %v", st)
	}

	// Once: the next check passes, the one after is locked.
	in.ok("account", "unlock", "--app", issuer, "--account", "alice", "--once")
	if r := in.run(checkArgs...); r.code != 0 {
		t.Fatalf("first check after --once exited %d", r.code)
	}
	if r := in.run(checkArgs...); r.code != 1 {
		t.Fatalf("second check after --once exited %d, want 1", r.code)
	}

	// 5. The owner opens the link and is signed in to the portal.
	in.ownerSignsIn(link, "you@acme.test")

	// Metrics count what was decided.
	resp, err := http.Get(in.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `deadbolt_checks_total{decision="locked",status="locked"}`) {
		t.Fatalf("metrics do not count locked checks:\n%.2000s", metrics)
	}

	// SIGTERM shuts down cleanly; then nothing can decide: exit 2.
	if err := in.stop(); err != nil {
		t.Fatalf("serve exited with %v on SIGTERM:\n%s", err, in.srvLog)
	}
	if r := in.run(checkArgs...); r.code != 2 {
		t.Fatalf("check with the server down exited %d, want 2", r.code)
	}
	if r := in.run(append(checkArgs, "--fail-mode", "open")...); r.code != 0 {
		t.Fatalf("check --fail-mode open with the server down exited %d, want 0", r.code)
	}
}

// TestNL3StyleIntegrations runs a client that speaks exactly as Next
// Level3's Cognito and IAM sample Lambdas do (see testdata) against
// deadbolt, with only API_URI and SIGNING_KEY changed.
func TestNL3StyleIntegrations(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is required in CI")
		}
		t.Skip("python3 not installed")
	}
	in := newInst(t)
	in.start()
	key := in.setup("shop.acme.test")
	in.ok("account", "enroll", "--app", "shop.acme.test", "--account", "locked-user")
	in.ok("account", "enroll", "--app", "shop.acme.test", "--account", "open-user")
	in.ok("account", "unlock", "--app", "shop.acme.test", "--account", "open-user", "--for", "1h")

	sample := func(kind, user, signingKey string) map[string]any {
		cmd := exec.Command("python3", "testdata/nl3_style_client.py", kind, user)
		cmd.Env = append(os.Environ(), "SIGNING_KEY="+signingKey, "APP_FQDN=shop.acme.test",
			"API_URI="+in.url, "API_PATH=/nl3/api/v1/accountProtectionCheck")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v", kind, user, err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("sample printed %q", out)
		}
		return m
	}
	for _, kind := range []string{"cognito", "awsiamuser"} {
		t.Run(kind, func(t *testing.T) {
			for user, wantDenied := range map[string]bool{"locked-user": true, "open-user": false, "never-enrolled": false} {
				got := sample(kind, user, key)
				if got["http"] != float64(200) || got["denied"] != wantDenied {
					t.Errorf("%s: %v, want denied=%v", user, got, wantDenied)
				}
				resp := got["response"].(map[string]any)
				if _, isBool := resp["locked"].(bool); !isBool {
					t.Errorf("%s: locked is not a JSON boolean: %v", user, resp)
				}
			}
			// A wrong key is refused with a 401 the sample can log.
			got := sample(kind, "locked-user", "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMTIz")
			if got["http"] != float64(401) {
				t.Errorf("wrong key: %v", got)
			}
		})
	}
}
