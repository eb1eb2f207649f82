package bench_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/bench"
)

// TestSeedMakesACheckableInstall seeds a small install through the real
// CLI and asks a real server about two of its accounts with the requests
// CheckRequests serializes: account 0 is imported locked, account
// UnlockedEvery-1 unlocked.
func TestSeedMakesACheckableInstall(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	bin, err := bench.BuildDeadbolt(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	const issuer = "https://seed-test.deadbolt.test"
	db := "DEADBOLT_DB=sqlite:" + filepath.Join(dir, "data", "deadbolt.db")
	seeded, err := bench.Seed(ctx, bin, bench.ChildEnv(db), issuer, 2*bench.UnlockedEvery, filepath.Join(dir, "accounts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(seeded.Secret) == 0 || seeded.CSVBytes == 0 {
		t.Fatalf("seeded = %+v", seeded)
	}
	addr, err := bench.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := bench.Start(ctx, "deadbolt serve", addr, "/readyz", filepath.Join(dir, "serve.log"), bin, bench.ChildEnv(db),
		"serve", "--addr", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	reqs, err := bench.CheckRequests(issuer, seeded.Secret, []int{0, bench.UnlockedEvery - 1}, addr, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		if got := locked(t, addr, reqs[i]); got != want {
			t.Errorf("request %d: locked = %v, want %v", i, got, want)
		}
	}
}

// locked sends one serialized request to addr and reads the answer's
// locked field.
func locked(t *testing.T, addr string, req []byte) bool {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Locked *bool }
	var raw bytes.Buffer
	if err := json.NewDecoder(io.TeeReader(resp.Body, &raw)).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.Locked == nil {
		t.Fatalf("answer %d %s: %v", resp.StatusCode, raw.String(), err)
	}
	return *body.Locked
}
