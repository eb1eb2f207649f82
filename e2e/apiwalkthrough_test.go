package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAPIWalkthroughRuns runs docs/api.md's curl walkthrough as written —
// every ```sh block of its "Walkthrough" section, then the importUsers
// example — with bash against the built binary: `deadbolt serve` started
// by the walkthrough itself. Only the port (8420, maybe taken here) and
// the demo directory (/tmp/deadbolt-api-demo) are replaced. Every curl
// call must succeed (a wrapper adds --fail-with-body where the block does
// not say -f), and the audit trail read at the end must hold the token's
// changes.
func TestAPIWalkthroughRuns(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed; under CI=true the API walkthrough must run", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	raw, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	walk := section(string(raw), "## Walkthrough")
	imp := section(string(raw), "## NL3 importUsers")
	blocks := append(shellBlocks(walk), shellBlocks(imp)...)
	if len(blocks) < 4 || !strings.Contains(blocks[0], "deadbolt serve") {
		t.Fatalf("found %d shell blocks, the first not starting serve; is the extraction broken? %q", len(blocks), blocks)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	script := `set -euo pipefail
trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT
curl() {
  case " $* " in
    *" -f "*|*" -sf "*) command curl "$@" ;;
    *) command curl --fail-with-body "$@" ;;
  esac
}
` + strings.NewReplacer("127.0.0.1:8420", addr, "/tmp/deadbolt-api-demo", filepath.Join(dir, "demo")).Replace(strings.Join(blocks, "\n"))
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	// The walkthrough starts serve in the background: on a timeout the
	// whole process group goes, not bash alone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("the walkthrough stopped: %v\nstdout:\n%s\nstderr (last 3000 bytes):\n%s", err, out.String(), tail(errb.String(), 3000))
	}
	got := out.String()
	for _, want := range []string{`"action":"application.created"`, `"action":"account.unlocked"`, `"action":"account.locked"`,
		`"status":"enrolled"`} {
		if !strings.Contains(got, want) {
			t.Errorf("the walkthrough's output lacks %s:\n%s", want, got)
		}
	}
	for _, f := range []string{"acme-audit.jsonl", "acme-accounts.csv"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("the export %s was not written (%v)", f, err)
		}
	}
}

// section is md from the heading line to the next heading of its level.
func section(md, heading string) string {
	_, rest, ok := strings.Cut(md, "\n"+heading+"\n")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// shellBlocks are md's ```sh fenced blocks, in order.
func shellBlocks(md string) []string {
	var out []string
	for _, part := range strings.Split(md, "```sh\n")[1:] {
		if code, _, ok := strings.Cut(part, "```"); ok {
			out = append(out, code)
		}
	}
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
