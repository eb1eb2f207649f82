package main

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

	"github.com/deadbolt-dev/deadbolt/bench"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// Seeded data, chosen to look like a real tenant: one owner per
// accountsPerOwner accounts, and one account in unlockedEvery imported as
// unlocked (it then has a grant, which the check reads too).
const (
	accountsPerOwner = 10
	unlockedEvery    = 10
)

// dataset is one seeded data directory.
type dataset struct {
	Accounts   int           `json:"accounts"`
	Dir        string        `json:"-"`
	Issuer     string        `json:"issuer"`
	Secret     []byte        `json:"-"`
	Import     time.Duration `json:"-"`
	ImportSecs float64       `json:"import_seconds"`
	CSVBytes   int64         `json:"csv_bytes"`
	DBBytes    int64         `json:"db_bytes_after_import"`
}

// db is the DEADBOLT_DB value of the dataset.
func (d dataset) db() string { return "sqlite:" + filepath.Join(d.Dir, "deadbolt.db") }

func accountName(i int) string { return fmt.Sprintf("acct-%07d", i) }

// seed creates a fresh data directory under root with n enrolled accounts,
// through the deadbolt CLI as an operator would. With reuse, a directory
// seeded by an earlier run is taken as it is.
func seed(ctx context.Context, bin, root string, n int, reuse bool) (dataset, error) {
	d := dataset{Accounts: n, Dir: filepath.Join(root, fmt.Sprintf("data-%d", n)),
		Issuer: fmt.Sprintf("https://bench-%d.deadbolt.test", n)}
	saved := filepath.Join(d.Dir, "dataset.json")
	if b, err := os.ReadFile(saved); err == nil && reuse {
		err := json.Unmarshal(b, &d)
		return d, err
	}
	if err := os.RemoveAll(d.Dir); err != nil {
		return d, err
	}
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return d, err
	}
	env := bench.ChildEnv("DEADBOLT_DB=" + d.db())
	cli := func(args ...string) ([]byte, error) {
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
	if _, err := cli("tenant", "create", "bench"); err != nil {
		return d, err
	}
	if _, err := cli("app", "create", "--tenant", "bench", "--name", "Bench", "--issuer", d.Issuer); err != nil {
		return d, err
	}
	out, err := cli("key", "create", "--app", d.Issuer, "--json")
	if err != nil {
		return d, err
	}
	var key struct{ Secret string }
	if err := json.Unmarshal(out, &key); err != nil {
		return d, fmt.Errorf("key create: %w", err)
	}
	if d.Secret, err = base64.StdEncoding.DecodeString(key.Secret); err != nil {
		return d, fmt.Errorf("key create: secret: %w", err)
	}

	csvPath := filepath.Join(d.Dir, "accounts.csv")
	if d.CSVBytes, err = writeCSV(csvPath, n); err != nil {
		return d, err
	}
	began := time.Now()
	if _, err := cli("import", "accounts", "--app", d.Issuer, "--json", csvPath); err != nil {
		return d, err
	}
	d.Import = time.Since(began)
	d.ImportSecs = d.Import.Seconds()
	os.Remove(csvPath)
	if fi, err := os.Stat(filepath.Join(d.Dir, "deadbolt.db")); err == nil {
		d.DBBytes = fi.Size()
	}
	b, err := json.Marshal(savedDataset{d, d.Secret})
	if err != nil {
		return d, err
	}
	return d, os.WriteFile(saved, b, 0o600)
}

// savedDataset is a dataset as -reuse finds it again: with its key (a
// throwaway one, in a directory only this user can read).
type savedDataset struct {
	dataset
	Secret []byte `json:"secret"`
}

// UnmarshalJSON reads a savedDataset back into a dataset.
func (d *dataset) UnmarshalJSON(b []byte) error {
	type plain dataset // without this method
	var s struct {
		plain
		Secret []byte `json:"secret"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	dir := d.Dir
	*d = dataset(s.plain)
	d.Dir, d.Secret, d.Import = dir, s.Secret, time.Duration(s.ImportSecs*float64(time.Second))
	return nil
}

func writeCSV(path string, n int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "account,owner,state")
	for i := range n {
		state := "locked"
		if i%unlockedEvery == unlockedEvery-1 {
			state = "unlocked"
		}
		fmt.Fprintf(w, "%s,owner-%06d@bench.deadbolt.test,%s\n", accountName(i), i/accountsPerOwner, state)
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

// sample picks k distinct account indexes of n at random (all of them when
// k ≥ n), so that checks read rows spread over the whole table.
func sample(n, k int, rng *rand.Rand) []int {
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

// checkBody is what every lock check sends: what a Cognito trigger sends.
var checkBody = []byte(`{"userIP":"198.51.100.23","userDevice":"Mozilla/5.0 (X11; Linux x86_64) deadbolt-bench","integrationType":"cognito"}`)

// checkPath is the NL3-compatible lock-check path.
const checkPath = "/nl3/api/v1/accountProtectionCheck"

// checkRequests mints one token per sampled account for a server at addr
// and serializes one lock check with each. Tokens are minted as NL3
// integrations do (iat now−60 s, exp now+5 min), so a pool serves one run.
func checkRequests(d dataset, accounts []int, addr string, now time.Time) ([][]byte, error) {
	key := token.Key{Algorithm: token.HS256, Secret: d.Secret}
	aud := []string{"http://" + addr}
	reqs := make([][]byte, len(accounts))
	for i, a := range accounts {
		tok, err := token.Mint(key, token.Claims{Issuer: d.Issuer, Subject: accountName(a), Audience: aud,
			IssuedAt: now.Add(-60 * time.Second), ExpiresAt: now.Add(5 * time.Minute)})
		if err != nil {
			return nil, err
		}
		reqs[i] = bench.Post(addr, checkPath, checkBody, "x-nl3-authorization-token", tok)
	}
	return reqs, nil
}
