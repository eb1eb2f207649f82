package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// TestAcknowledgedSurvivesKill9 kills `serve` with SIGKILL while checks and
// CLI locks and unlocks are in flight, restarts it, and verifies that every
// acknowledged change and every answered check's log record is still there.
func TestAcknowledgedSurvivesKill9(t *testing.T) {
	in := newInst(t)
	in.start()
	key := in.setup(issuer)
	accounts := []string{"a0", "a1", "a2", "a3"}
	for _, a := range accounts {
		in.ok("account", "enroll", "--app", issuer, "--account", a)
	}
	tokens := map[string]string{}
	for _, a := range accounts {
		tokens[a] = strings.TrimSpace(in.ok("token", "mint", "--issuer", issuer, "--key", key, "--account", a, "--aud", in.url).stdout)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup

	// Checkers: record the sessionID of every answered check.
	var mu sync.Mutex
	var answered []string
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; ctx.Err() == nil; i++ {
				a := accounts[(w+i)%len(accounts)]
				req, _ := http.NewRequestWithContext(ctx, "POST", in.url+"/v1/check", strings.NewReader(`{}`))
				req.Header.Set("x-nl3-authorization-token", tokens[a])
				resp, err := client.Do(req)
				if err != nil {
					continue // the server is gone: not acknowledged
				}
				var body map[string]any
				err = jsonDecode(resp, &body)
				if err == nil && resp.StatusCode == 200 {
					mu.Lock()
					answered = append(answered, body["sessionID"].(string))
					mu.Unlock()
				}
			}
		}()
	}

	// Operators: alternate lock and unlock, remembering what was acknowledged.
	acked := map[string]bool{} // account → locked
	var ackMu sync.Mutex
	for _, a := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				lock := i%2 == 1
				args := []string{"account", "unlock", "--app", issuer, "--account", a, "--for", "1h"}
				if lock {
					args = []string{"account", "lock", "--app", issuer, "--account", a}
				}
				if r := in.run(args...); r.code == 0 {
					ackMu.Lock()
					acked[a] = lock
					ackMu.Unlock()
				}
			}
		}()
	}

	time.Sleep(1500 * time.Millisecond)
	in.kill() // SIGKILL mid-write
	time.Sleep(300 * time.Millisecond)
	cancel()
	wg.Wait()

	mu.Lock()
	n := len(answered)
	mu.Unlock()
	if n == 0 {
		t.Fatal("no check was answered before the kill; the test proved nothing")
	}
	if len(acked) != len(accounts) {
		t.Fatalf("only %d accounts had an acknowledged change", len(acked))
	}

	// Every answered check is in the check log, which is a file of its own.
	dbPath := filepath.Join(in.dir, "data", "deadbolt.db")
	if _, err := os.Stat(sqlite.ChecksPath(dbPath)); err != nil {
		t.Fatalf("no check-log file beside the database: %v", err)
	}
	s, err := sqlite.Open(context.Background(), dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range answered {
		if _, err := s.CheckRecord(context.Background(), id); err != nil {
			t.Fatalf("check %s was answered but is not in the check log: %v", id, err)
		}
	}
	s.Close()

	// Every acknowledged lock and unlock holds, through the CLI and a check.
	in.start()
	for _, a := range accounts {
		st := in.ok("account", "status", "--app", issuer, "--account", a, "--json").json(t)
		if st["locked"] != acked[a] {
			t.Errorf("%s: status locked=%v, last acknowledged locked=%v", a, st["locked"], acked[a])
		}
		_, body := in.post("/v1/check", tokens[a], `{}`)
		if body["locked"] != acked[a] {
			t.Errorf("%s: check locked=%v, last acknowledged locked=%v", a, body["locked"], acked[a])
		}
	}
	t.Logf("%d answered checks all in the log; %d accounts in their acknowledged state", n, len(accounts))
}
