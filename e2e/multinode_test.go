package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
)

// cluster is two `deadbolt serve` nodes and a CLI on one fresh PostgreSQL
// database, as a load-balanced install runs them.
type cluster struct {
	t      *testing.T
	dbURL  string
	a, b   *inst
	cli    *inst
	aud    string // the public URL both nodes answer for
	key    string // the application's signing secret
	tokens map[string]string
	// witness receives the audit checkpoints both nodes are configured
	// to sign after every event.
	witness *witnessReceiver
	// lake is a SIEM endpoint (deadbolt JSON) that receives the audit
	// events and, opted in, the check decisions.
	lake *siemReceiver
}

const (
	multiIssuer = "https://wiki.cluster.test"
	// leaseTTL is the job lease the nodes run with: how long after a node
	// dies another takes its jobs over.
	leaseTTL = 2 * time.Second
)

func newCluster(t *testing.T) *cluster {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	mk := make([]byte, 32)
	rand.Read(mk)
	c := &cluster{t: t, dbURL: dbURL, aud: "http://deadbolt.cluster.test", tokens: map[string]string{}, witness: newWitnessReceiver(t),
		lake: newSIEMReceiver(t)}
	cfg := filepath.Join(t.TempDir(), "deadbolt.yaml")
	if err := os.WriteFile(cfg, []byte("audit:\n  checkpoint_events: 1\n  witnesses:\n    - name: mirror\n      url: "+c.witness.URL+"\n"+
		"  siem:\n    - name: lake\n      format: json\n      address: "+c.lake.URL+"\n      checks: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	node := func(name string) *inst {
		in := newInst(t)
		in.db = pgtest.WithParam(dbURL, "application_name", name)
		in.env = []string{"DEADBOLT_MASTER_KEY=" + base64.StdEncoding.EncodeToString(mk),
			"DEADBOLT_CONFIG=" + cfg, "DEADBOLT_WEBHOOKS_ALLOW_PRIVATE=true"}
		return in
	}
	c.a, c.b, c.cli = node("e2e-node-a"), node("e2e-node-b"), node("e2e-cli")
	c.cli.ok("migrate")
	c.key = c.cli.setup(multiIssuer)
	for _, n := range []*inst{c.a, c.b} {
		n.start("--public-url", c.aud, "--job-lease", leaseTTL.String())
	}
	return c
}

// token mints (once) a lock-check token for account.
func (c *cluster) token(account string) string {
	if tok, ok := c.tokens[account]; ok {
		return tok
	}
	tok := strings.TrimSpace(c.cli.ok("token", "mint", "--issuer", multiIssuer, "--key", c.key, "--account", account, "--aud", c.aud).stdout)
	c.tokens[account] = tok
	return tok
}

// check asks node n about account: the HTTP status and "locked".
func (c *cluster) check(client *http.Client, n *inst, account string) (int, bool) {
	req, _ := http.NewRequest("POST", n.url+"/v1/check", strings.NewReader(`{}`))
	req.Header.Set("x-nl3-authorization-token", c.token(account))
	resp, err := client.Do(req)
	if err != nil {
		return 0, true
	}
	var body struct {
		Locked bool `json:"locked"`
	}
	err = jsonDecode(resp, &body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp.StatusCode, true
	}
	return resp.StatusCode, body.Locked
}

// readyz returns a node's /readyz status and body.
func readyz(n *inst) (int, map[string]any) {
	resp, err := http.Get(n.url + "/readyz")
	if err != nil {
		return 0, nil
	}
	var m map[string]any
	jsonDecode(resp, &m)
	return resp.StatusCode, m
}

// jobsOf lists the jobs a node says it holds.
func jobsOf(n *inst) []string {
	_, m := readyz(n)
	var out []string
	if js, ok := m["jobs"].([]any); ok {
		for _, j := range js {
			out = append(out, fmt.Sprint(j))
		}
	}
	return out
}

// percentile returns the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// TestMultiNode runs two real nodes on one PostgreSQL database and checks
// what a load-balanced install relies on: a change made anywhere reaches a
// check on the other node; a once grant opens exactly one login however
// the nodes race for it; every background job runs on exactly one node and
// moves to the survivor when its node is killed; and while the database is
// away checks answer 503, never a guess, and recover by themselves.
func TestMultiNode(t *testing.T) {
	c := newCluster(t)
	c.propagation()
	c.onceGrantRace()
	c.outage()
	c.checkpointsSignedOnce()
	c.checkDecisionsStreamedOnce()
	c.importSurvivesItsNode()
	c.leaseHandover() // last: it kills a node
}

// checkpointsSignedOnce: both nodes are configured to sign a checkpoint
// after every audit event, and the job that does it runs on one of them at
// a time, so the witness gets each checkpointed seq exactly once, the
// head's included.
func (c *cluster) checkpointsSignedOnce() {
	t := c.t
	for _, a := range []string{"cp1", "cp2", "cp3"} {
		c.cli.ok("account", "enroll", "--app", multiIssuer, "--account", a)
	}
	head := c.cli.sql(t, `SELECT max(seq) FROM audit_log`)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(c.witness.lines(), `"seq":`+head+`,`) {
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of seq %s at the witness after 20s: %q", head, c.witness.lines())
		}
		time.Sleep(50 * time.Millisecond)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(c.witness.lines()), "\n") {
		var cp struct {
			Tenant string `json:"tenant"`
			Seq    int64  `json:"seq"`
		}
		if err := json.Unmarshal([]byte(line), &cp); err != nil {
			t.Fatalf("witness line %q: %v", line, err)
		}
		k := fmt.Sprint(cp.Tenant, "/", cp.Seq)
		if seen[k] {
			t.Fatalf("checkpoint %s signed twice:\n%s", k, c.witness.lines())
		}
		seen[k] = true
	}
	var holders int
	for _, n := range []*inst{c.a, c.b} {
		if slices.Contains(jobsOf(n), "audit-checkpoint") {
			holders++
		}
	}
	if holders != 1 {
		t.Fatalf("audit-checkpoint held by %d nodes (a %v, b %v), want 1", holders, jobsOf(c.a), jobsOf(c.b))
	}
	copyFile := filepath.Join(t.TempDir(), "witness.jsonl")
	if err := os.WriteFile(copyFile, []byte(c.witness.lines()), 0o600); err != nil {
		t.Fatal(err)
	}
	c.cli.ok("audit", "verify", "--checkpoints", copyFile)
}

// propagation locks and unlocks an account with the CLI (a third process):
// the first check on each node after the CLI returns must answer the new
// state (the coherence guarantee, store/postgres "Coherence"), though both
// nodes answer from memory. It logs how long the CLI's change took; the
// figures are logged, not asserted (design §9: performance is measured by
// benchmarks, never by timed assertions).
func (c *cluster) propagation() {
	t := c.t
	c.cli.ok("account", "enroll", "--app", multiIssuer, "--account", "prop")
	client := &http.Client{Timeout: 5 * time.Second}
	const trials = 50
	var took []time.Duration
	stale := 0
	change := func(wantLocked bool, args ...string) {
		// Warm both caches with the old state: later answers come from
		// memory until a change is announced.
		for _, n := range []*inst{c.a, c.b} {
			if code, locked := c.check(client, n, "prop"); code != 200 || locked == wantLocked {
				t.Fatalf("%s: %d locked=%v before the change", n.url, code, locked)
			}
		}
		start := time.Now()
		c.cli.ok(args...)
		took = append(took, time.Since(start))
		for _, n := range []*inst{c.a, c.b} {
			if code, locked := c.check(client, n, "prop"); code != 200 || locked != wantLocked {
				stale++
				t.Errorf("%s answered %d locked=%v right after the CLI acknowledged locked=%v", n.url, code, locked, wantLocked)
			}
		}
	}
	for range trials {
		change(false, "account", "unlock", "--app", multiIssuer, "--account", "prop", "--for", "10m")
		change(true, "account", "lock", "--app", multiIssuer, "--account", "prop")
	}
	if stale > 0 {
		t.Fatalf("%d stale answers in %d checks right after the CLI's acknowledgement", stale, 4*trials)
	}
	slices.Sort(took)
	t.Logf("CLI lock/unlock, a process each, waiting for both nodes to hear it (%d changes): p50 %v, p99 %v, max %v",
		len(took), percentile(took, 0.50), percentile(took, 0.99), took[len(took)-1])
}

// onceGrantRace unlocks an account for one login, then has both nodes
// check it at the same instant (two clients each): exactly one answer may
// be "unlocked", every time.
func (c *cluster) onceGrantRace() {
	t := c.t
	c.cli.ok("account", "enroll", "--app", multiIssuer, "--account", "once")
	tok := c.token("once")
	const rounds, perNode = 20, 2
	clients := make([]*http.Client, 2*perNode)
	for i := range clients {
		clients[i] = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	}
	// Each client keeps a warm connection, so the race is not decided by
	// who dials first.
	for i, cl := range clients {
		c.check(cl, []*inst{c.a, c.b}[i%2], "once")
	}
	for round := range rounds {
		c.cli.ok("account", "unlock", "--app", multiIssuer, "--account", "once", "--once")
		time.Sleep(20 * time.Millisecond) // let both nodes hear of it
		var wg sync.WaitGroup
		start := make(chan struct{})
		answers := make([]bool, len(clients))
		codes := make([]int, len(clients))
		for i, cl := range clients {
			n := []*inst{c.a, c.b}[i%2]
			wg.Go(func() {
				req, _ := http.NewRequest("POST", n.url+"/v1/check", strings.NewReader(`{}`))
				req.Header.Set("x-nl3-authorization-token", tok)
				<-start
				resp, err := cl.Do(req)
				if err != nil {
					codes[i], answers[i] = 0, true
					return
				}
				var body struct {
					Locked bool `json:"locked"`
				}
				jsonDecode(resp, &body)
				codes[i], answers[i] = resp.StatusCode, body.Locked
			})
		}
		close(start)
		wg.Wait()
		unlocked := 0
		for i := range answers {
			if codes[i] != 200 {
				t.Fatalf("round %d: client %d got HTTP %d", round, i, codes[i])
			}
			if !answers[i] {
				unlocked++
			}
		}
		if unlocked != 1 {
			t.Fatalf("round %d: %d of %d simultaneous checks on two nodes were let in by one once grant, want exactly 1", round, unlocked, len(clients))
		}
	}
	st := c.cli.ok("account", "status", "--app", multiIssuer, "--account", "once", "--json").json(t)
	if st["locked"] != true {
		t.Fatalf("after the races the account is not locked: %v", st)
	}
	t.Logf("once grant: %d rounds of %d simultaneous checks on two nodes, exactly one let in each time", rounds, len(clients))
}

// outage makes the database refuse connections and cuts the nodes' ones:
// checks and /readyz answer 503 while it lasts, and both nodes recover by
// themselves when it ends.
func (c *cluster) outage() {
	t := c.t
	dbName := dbNameOf(t, c.dbURL)
	server := pgtest.Server(t)
	allow := func(on bool) {
		pgtest.Exec(t, server, fmt.Sprintf(`ALTER DATABASE %s ALLOW_CONNECTIONS %v`, dbName, on))
	}
	t.Cleanup(func() { allow(true) })
	c.cli.ok("account", "enroll", "--app", multiIssuer, "--account", "outage")
	client := &http.Client{Timeout: 10 * time.Second}
	for _, n := range []*inst{c.a, c.b} {
		if code, locked := c.check(client, n, "outage"); code != 200 || !locked {
			t.Fatalf("before the outage: %d locked=%v", code, locked)
		}
	}
	allow(false)
	pgtest.Exec(t, server, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, dbName)
	for _, n := range []*inst{c.a, c.b} {
		// Every answer during the outage is 503 (never a decision the
		// node could not make), and soon all of them are.
		deadline := time.Now().Add(10 * time.Second)
		for {
			code, _ := c.check(client, n, "outage")
			if code == http.StatusServiceUnavailable {
				break
			}
			if code != 200 || time.Now().After(deadline) {
				t.Fatalf("%s during the outage: HTTP %d, want 503", n.url, code)
			}
		}
		for range 5 {
			if code, _ := c.check(client, n, "outage"); code != http.StatusServiceUnavailable {
				t.Fatalf("%s during the outage: HTTP %d, want 503", n.url, code)
			}
		}
		if code, _ := readyz(n); code != http.StatusServiceUnavailable {
			t.Fatalf("%s /readyz during the outage: %d, want 503", n.url, code)
		}
	}
	down := time.Now()
	allow(true)
	for _, n := range []*inst{c.a, c.b} {
		deadline := time.Now().Add(20 * time.Second)
		for {
			code, locked := c.check(client, n, "outage")
			if code == 200 {
				if !locked {
					t.Fatalf("%s after the outage: unlocked, want locked", n.url)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not recover within 20s of the database returning (HTTP %d)", n.url, code)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// Its cache resubscribes too: a change made now reaches it.
		for time.Now().Before(deadline) {
			if _, m := readyz(n); m != nil {
				if cm, _ := m["cache"].(map[string]any); cm["live"] == true {
					break
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	c.cli.ok("account", "unlock", "--app", multiIssuer, "--account", "outage", "--for", "5m")
	for _, n := range []*inst{c.a, c.b} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			if code, locked := c.check(client, n, "outage"); code == 200 && !locked {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not see a change made after the outage", n.url)
			}
		}
	}
	t.Logf("outage: both nodes answered 503 while the database refused connections and recovered %v after it returned", time.Since(down).Round(time.Millisecond))
}

func dbNameOf(t *testing.T, u string) string {
	t.Helper()
	i := strings.LastIndex(u, "/")
	name, _, _ := strings.Cut(u[i+1:], "?")
	return name
}

// leaseHandover finds the node that holds the outbox job's lease, kills
// it with SIGKILL, and measures how long the survivor takes to hold every
// job the killed node held.
func (c *cluster) leaseHandover() {
	t := c.t
	var holder, other *inst
	var jobs []string
	deadline := time.Now().Add(15 * time.Second)
	for {
		ja, jb := jobsOf(c.a), jobsOf(c.b)
		// Each job is held by exactly one node: no job in both lists.
		for _, j := range ja {
			if slices.Contains(jb, j) {
				t.Fatalf("job %s held by both nodes at once (a %v, b %v)", j, ja, jb)
			}
		}
		// The jobs may be spread over both nodes (each takes whichever
		// lease is free when its job starts); the one to kill is the
		// holder of the outbox.
		if slices.Contains(ja, "outbox") {
			holder, other, jobs = c.a, c.b, ja
			break
		}
		if slices.Contains(jb, "outbox") {
			holder, other, jobs = c.b, c.a, jb
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no node took the jobs: a %v, b %v", ja, jb)
		}
		time.Sleep(50 * time.Millisecond)
	}
	holder.kill()
	killed := time.Now()
	for {
		// Every job the holder had; the survivor may also hold one the
		// holder had not taken yet when it was chosen.
		got := jobsOf(other)
		if !slices.ContainsFunc(jobs, func(j string) bool { return !slices.Contains(got, j) }) {
			break
		}
		if time.Since(killed) > 15*time.Second {
			t.Fatalf("the survivor holds %v 15s after the holder died, want %v", got, jobs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	handover := time.Since(killed)
	t.Logf("lease handover: %v held %v; killed with SIGKILL; the survivor held them all %v later (lease TTL %v)",
		holder.addr, jobs, handover.Round(time.Millisecond), leaseTTL)
	// The survivor still answers checks.
	client := &http.Client{Timeout: 5 * time.Second}
	if code, _ := c.check(client, other, "prop"); code != 200 {
		t.Fatalf("survivor: HTTP %d", code)
	}
}

// TestCopySQLiteToPostgres moves a single-node install to PostgreSQL with
// `deadbolt copy` and serves it from a PostgreSQL node given the SQLite
// install's master key: the same tokens verify, the same accounts answer
// the same, and the check log came along.
func TestCopySQLiteToPostgres(t *testing.T) {
	old := newInst(t)
	key := old.setup(issuer)
	old.ok("account", "enroll", "--app", issuer, "--account", "alice")
	old.ok("account", "enroll", "--app", issuer, "--account", "bob")
	old.ok("account", "unlock", "--app", issuer, "--account", "bob", "--for", "1h")
	old.start()
	tokens := map[string]string{}
	for _, a := range []string{"alice", "bob"} {
		tokens[a] = strings.TrimSpace(old.ok("token", "mint", "--issuer", issuer, "--key", key, "--account", a, "--aud", old.url).stdout)
		if code, _ := old.post("/v1/check", tokens[a], `{}`); code != 200 {
			t.Fatalf("check on the SQLite node: %d", code)
		}
	}
	mustNil(t, old.stop())

	dbURL := pgtest.NewDatabase(t)
	res := old.ok("copy", "--from", old.db, "--to", dbURL, "--json").json(t)
	if res["verified"] != true || res["rows"] == float64(0) {
		t.Fatalf("copy: %v", res)
	}
	// Copying again is refused: the target is no longer empty.
	if r := old.run("copy", "--from", old.db, "--to", dbURL); r.code != 1 {
		t.Fatalf("second copy: exit %d, want 1 (%s)", r.code, r.stderr)
	}

	node := newInst(t)
	node.db = dbURL
	node.env = []string{"DEADBOLT_MASTER_KEY_FILE=" + filepath.Join(old.dir, "data", "master.key")}
	node.addr, node.url = old.addr, old.url // the same public URL, so the same tokens
	node.start()
	for account, wantLocked := range map[string]bool{"alice": true, "bob": false} {
		code, body := node.post("/v1/check", tokens[account], `{}`)
		if code != 200 || body["locked"] != wantLocked {
			t.Fatalf("%s on PostgreSQL: %d %v, want locked=%v", account, code, body, wantLocked)
		}
	}
	st := node.ok("account", "status", "--app", issuer, "--account", "bob", "--json").json(t)
	if st["locked"] != false {
		t.Fatalf("bob's status on PostgreSQL: %v", st)
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
