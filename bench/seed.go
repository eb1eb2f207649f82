package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// The seeded data, chosen to look like a real tenant: one owner per
// AccountsPerOwner accounts, and one account in UnlockedEvery imported as
// unlocked (it then has a grant, which the check reads too).
const (
	AccountsPerOwner = 10
	UnlockedEvery    = 10
)

// CheckPath is the NL3-compatible lock-check path every benchmark calls.
const CheckPath = "/nl3/api/v1/accountProtectionCheck"

// CheckBody is what every benchmark lock check sends: what a Cognito
// trigger sends.
var CheckBody = []byte(`{"userIP":"198.51.100.23","userDevice":"Mozilla/5.0 (X11; Linux x86_64) deadbolt-bench","integrationType":"cognito"}`)

// AccountName is the name of seeded account i.
func AccountName(i int) string { return fmt.Sprintf("acct-%07d", i) }

// CLI runs the deadbolt binary bin with env and returns its stdout; its
// error carries the command and what it wrote to stderr.
func CLI(ctx context.Context, bin string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("deadbolt %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Seeded is what Seed made.
type Seeded struct {
	Secret   []byte        // the application's HS256 signing key
	CSVBytes int64         // size of the imported CSV
	Import   time.Duration // how long deadbolt import accounts took
}

// Seed makes a benchmark install through the deadbolt CLI (bin, with env
// naming the database), as an operator would: tenant "bench", an
// application with issuer and an HS256 key, and n accounts imported from a
// CSV written at csvPath and removed afterwards.
func Seed(ctx context.Context, bin string, env []string, issuer string, n int, csvPath string) (Seeded, error) {
	var s Seeded
	if _, err := CLI(ctx, bin, env, "tenant", "create", "bench"); err != nil {
		return s, err
	}
	if _, err := CLI(ctx, bin, env, "app", "create", "--tenant", "bench", "--name", "Bench", "--issuer", issuer); err != nil {
		return s, err
	}
	out, err := CLI(ctx, bin, env, "key", "create", "--app", issuer, "--json")
	if err != nil {
		return s, err
	}
	var key struct{ Secret string }
	if err := json.Unmarshal(out, &key); err != nil {
		return s, fmt.Errorf("key create: %w", err)
	}
	if s.Secret, err = base64.StdEncoding.DecodeString(key.Secret); err != nil {
		return s, fmt.Errorf("key create: secret: %w", err)
	}
	if s.CSVBytes, err = writeAccounts(csvPath, n); err != nil {
		return s, err
	}
	defer os.Remove(csvPath)
	began := time.Now()
	if _, err := CLI(ctx, bin, env, "import", "accounts", "--app", issuer, "--json", csvPath); err != nil {
		return s, err
	}
	s.Import = time.Since(began)
	return s, nil
}

// writeAccounts writes the CSV of n seeded accounts and returns its size.
func writeAccounts(path string, n int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "account,owner,state")
	for i := range n {
		state := "locked"
		if i%UnlockedEvery == UnlockedEvery-1 {
			state = "unlocked"
		}
		fmt.Fprintf(w, "%s,owner-%06d@bench.deadbolt.test,%s\n", AccountName(i), i/AccountsPerOwner, state)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return 0, err
	}
	return fi.Size(), f.Close()
}

// Sample picks k distinct account indexes of n at random (all of them, in
// random order, when k ≥ n), so that checks read rows spread over the
// whole table.
func Sample(n, k int, rng *rand.Rand) []int {
	if k >= n {
		return rng.Perm(n)
	}
	seen := make(map[int]bool, k)
	out := make([]int, 0, k)
	for len(out) < k {
		if i := rng.IntN(n); !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out
}

// CheckToken mints a lock-check token for seeded account i of the
// application issuer, for a server at addr. Tokens are minted as NL3
// integrations do, iat a minute back; they live 10 minutes, so one minted
// before a run serves all of it.
func CheckToken(issuer string, secret []byte, i int, addr string, now time.Time) (string, error) {
	return token.Mint(token.Key{Algorithm: token.HS256, Secret: secret}, token.Claims{Issuer: issuer, Subject: AccountName(i),
		Audience: []string{"http://" + addr}, IssuedAt: now.Add(-60 * time.Second), ExpiresAt: now.Add(10 * time.Minute)})
}

// CheckRequests serializes one lock check for each of the seeded accounts,
// each with a token of its own (CheckToken), for a server at addr.
func CheckRequests(issuer string, secret []byte, accounts []int, addr string, now time.Time) ([][]byte, error) {
	reqs := make([][]byte, len(accounts))
	for i, a := range accounts {
		tok, err := CheckToken(issuer, secret, a, addr, now)
		if err != nil {
			return nil, err
		}
		reqs[i] = Post(addr, CheckPath, CheckBody, "x-nl3-authorization-token", tok)
	}
	return reqs, nil
}

// BuildDeadbolt builds ./cmd/deadbolt of the module the caller runs in
// into dir and returns the binary's path.
func BuildDeadbolt(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" || strings.TrimSpace(string(out)) == os.DevNull {
		return "", fmt.Errorf("cannot find the deadbolt module (run from inside it, or pass -deadbolt): %v", err)
	}
	bin := filepath.Join(dir, "deadbolt")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/deadbolt")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/deadbolt: %w", err)
	}
	return bin, nil
}
