package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store/backend"
)

// writerEnv, when set to a database URL, makes this test binary a writer
// process instead of running tests (see writerMain).
const writerEnv = "DEADBOLT_E2E_WRITER_DB"

// TestCLIChangeSeenByNextCheck is the coherence guarantee on SQLite: a
// lock or unlock acknowledged by another process (the CLI) is seen by
// every check that starts after the acknowledgement, although the server
// answers from its cache. A real `deadbolt serve` answers over HTTP; the
// first rounds are made by the real `deadbolt account lock/unlock`, the
// rest by a writer process running the same code (access.Service over the
// store) that takes its orders on stdin, since starting the CLI a thousand
// times takes minutes. Each acknowledged change is followed by two checks:
// both must see it, and the second is answered from memory.
func TestCLIChangeSeenByNextCheck(t *testing.T) {
	const rounds, cliRounds = 1000, 10
	in := newInst(t)
	key := in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice")
	in.start()
	tok := mintFor(t, in, key, "alice")
	check := func(round int, lock bool, what string) {
		t.Helper()
		for i := range 2 {
			code, body := in.post("/v1/check", tok, `{}`)
			if code != 200 || body["locked"] != lock {
				t.Fatalf("round %d, check %d after %s acknowledged: %d %v, want locked=%v", round, i, what, code, body, lock)
			}
		}
	}
	for r := range cliRounds {
		if r%2 == 0 {
			in.ok("account", "unlock", "--app", issuer, "--account", "alice", "--for", "1h")
			check(r, false, "deadbolt account unlock")
		} else {
			in.ok("account", "lock", "--app", issuer, "--account", "alice")
			check(r, true, "deadbolt account lock")
		}
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	w := exec.Command(exe)
	w.Env = append(os.Environ(), writerEnv+"="+in.db)
	w.Stderr = os.Stderr
	orders, err := w.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := w.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { orders.Close(); w.Wait() }()
	acks := bufio.NewScanner(out)
	for r := cliRounds; r < rounds; r++ {
		order := "unlock"
		if r%2 == 1 {
			order = "lock"
		}
		fmt.Fprintln(orders, order)
		if !acks.Scan() || acks.Text() != "ok" {
			t.Fatalf("round %d: the writer did not acknowledge %s: %q %v", r, order, acks.Text(), acks.Err())
		}
		check(r, order == "lock", "another process's "+order)
	}

	resp, err := testClient.Get(in.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Cache struct {
			Live  bool   `json:"live"`
			Hits  uint64 `json:"hits"`
			Watch string `json:"watch"`
		} `json:"cache"`
	}
	if err := jsonDecode(resp, &ready); err != nil {
		t.Fatal(err)
	}
	if !ready.Cache.Live || ready.Cache.Watch != "wal-index" || ready.Cache.Hits < rounds {
		t.Fatalf("/readyz cache %+v: want live, watching the WAL index, at least %d hits", ready.Cache, rounds)
	}
}

// writerMain locks and unlocks alice at the walkthrough's application as
// the CLI does, one order ("lock" or "unlock") per line of stdin, and
// answers "ok" on stdout once the change is committed.
func writerMain() int {
	ctx := context.Background()
	db, err := backend.Open(ctx, os.Getenv(writerEnv), backend.Options{MustExist: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		return 1
	}
	defer db.Close()
	app, err := db.ApplicationByIssuer(ctx, issuer)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		return 1
	}
	svc := &access.Service{Store: db, Clock: clock.Real{}}
	orders := bufio.NewScanner(os.Stdin)
	for orders.Scan() {
		switch strings.TrimSpace(orders.Text()) {
		case "lock":
			_, err = svc.Lock(ctx, "cli:e2e", app, "alice")
		case "unlock":
			_, err = svc.Unlock(ctx, "cli:e2e", app, "alice", access.Unlock{For: time.Hour})
		default:
			err = fmt.Errorf("unknown order %q", orders.Text())
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			return 1
		}
		io.WriteString(os.Stdout, "ok\n")
	}
	return 0
}
