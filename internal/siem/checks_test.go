package siem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
	"github.com/deadbolt-dev/deadbolt/internal/siem/siemtest"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

const (
	issuer   = "https://wiki.acme.test"
	audience = "deadbolt"
)

// checker makes real lock checks: the check service, its check-log
// writer (sync mode) and a tenant with one application, on a store.
type checker struct {
	t      *testing.T
	db     store.Store
	clk    *clock.Fake
	tenant store.Tenant
	app    store.Application
	secret []byte
	svc    *check.Service
	access *access.Service
}

func newChecker(t *testing.T, db store.Store) *checker {
	ctx := t.Context()
	c := &checker{t: t, db: db, clk: clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))}
	box, _ := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	ad := &admin.Service{Store: db, Clock: c.clk, Box: box}
	var err error
	if c.tenant, err = ad.CreateTenant(ctx, "test", "acme"); err != nil {
		t.Fatal(err)
	}
	if c.app, err = ad.CreateApp(ctx, "test", admin.NewApp{TenantID: c.tenant.ID, Name: "Wiki", Issuer: issuer,
		DefaultUnlock: 5 * time.Minute, MaxUnlock: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, c.secret, err = ad.CreateKey(ctx, "test", c.app, time.Time{}); err != nil {
		t.Fatal(err)
	}
	c.access = &access.Service{Store: db, Clock: c.clk}
	for _, name := range []string{"alice", "bob"} {
		if _, err := c.access.Enroll(ctx, "test", c.app, name, name+"@acme.test"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.access.Unlock(ctx, "test", c.app, "bob", access.Unlock{For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	logw := checklog.New(db, checklog.Options{Mode: checklog.Sync})
	t.Cleanup(func() { logw.Close(context.Background()) })
	c.svc = check.New(check.Deps{Store: db, Keys: cache.New(db, cache.Options{Box: box}), Clock: c.clk, Log: logw,
		Verifier: &token.Verifier{Audiences: []string{audience}, Now: c.clk.Now}})
	return c
}

// check makes one lock check of account, as an application's sign-in
// would.
func (c *checker) check(account string) check.Result {
	c.t.Helper()
	now := c.clk.Now()
	raw, err := token.Mint(token.Key{Algorithm: "HS256", Secret: c.secret}, token.Claims{Issuer: issuer, Subject: account,
		Audience: []string{audience}, IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(5 * time.Minute)})
	if err != nil {
		c.t.Fatal(err)
	}
	res, err := c.svc.Check(c.t.Context(), check.Request{Token: raw, IP: "203.0.113.7", Device: "Firefox", IntegrationType: "cognito"})
	if err != nil {
		c.t.Fatalf("check %s: %v", account, err)
	}
	return res
}

// receiver is a deadbolt JSON SIEM endpoint: an HTTP server that keeps
// each body by its Idempotency-Key.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  map[string]map[string]any
	hits int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: map[string]map[string]any{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got[req.Header.Get("Idempotency-Key")] = body
		r.hits++
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for k := range r.got {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestCheckDecisionsStream makes real lock checks on each backend and
// follows them to a JSON receiver and to a real rsyslog, both opted in:
// each decision is read once committed, queued once per endpoint and arrives with its check ID as the idempotency key; a job
// started anew (a restart) resumes from the durable cursors and queues
// nothing twice.
func TestCheckDecisionsStream(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) {
			ctx := t.Context()
			c := newChecker(t, b.Open(t))
			rcv := newReceiver(t)
			rs := siemtest.StartRsyslog(t, siemtest.MemoryQueue)
			loopback := egress.Policy{AllowPrivate: true} // the receivers are on loopback
			deliver := &notify.Streamer{Store: c.db, Clock: c.clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Endpoints: map[string]notify.BatchCarrier{
					"lake": &siem.JSON{URL: rcv.URL + "/ingest", Client: loopback.Client(5 * time.Second)},
					"rs":   &siem.Syslog{Address: rs.Addr(), Host: "node1", Egress: loopback},
				}}
			newJob := func() *siem.CheckJob {
				return &siem.CheckJob{Store: c.db, Clock: c.clk, Endpoints: []string{"lake", "rs"}, Batch: 2}
			}
			job := newJob()
			queue := func(want int) {
				t.Helper()
				if n, err := job.RunOnce(ctx); err != nil || n != want {
					t.Fatalf("job queued %d, %v; want %d", n, err, want)
				}
			}
			var made []check.Result
			for _, acct := range []string{"alice", "bob", "carol", "alice", "bob"} {
				made = append(made, c.check(acct))
				c.clk.Advance(time.Millisecond)
			}
			storetest.AwaitCommitted(t, c.db)
			queue(2 * len(made))
			queue(0)
			deliverAll(t, deliver, 2*len(made))

			// At the JSON receiver: each check, by its ID, as a line of
			// `deadbolt checks export`.
			var want []string
			for _, r := range made {
				want = append(want, r.SessionID)
			}
			slices.Sort(want)
			if got := rcv.keys(); !slices.Equal(got, want) {
				t.Fatalf("JSON receiver has keys %v, want %v", got, want)
			}
			for _, r := range made {
				body := rcv.got[r.SessionID]
				if body["id"] != r.SessionID || body["tenant"] != c.tenant.ID || body["app"] != c.app.ID ||
					body["issuer"] != issuer || body["account"] != r.Account || body["locked"] != r.Locked ||
					body["status"] != string(r.Status) || body["ip"] != "203.0.113.7" || body["integration_type"] != "cognito" {
					t.Errorf("JSON body of %s (%s, locked %v): %v", r.SessionID, r.Account, r.Locked, body)
				}
			}
			if !made[0].Locked || made[1].Locked {
				t.Fatalf("alice locked %v, bob (unlocked for an hour) locked %v", made[0].Locked, made[1].Locked)
			}

			// At rsyslog: one RFC 5424 message each, MSGID by decision,
			// the check's ID in the structured data.
			got := rs.WaitLines(len(made))
			if len(got) != len(made) {
				t.Fatalf("rsyslog wrote %d lines, want %d:\n%s", len(got), len(made), strings.Join(got, "\n"))
			}
			for _, r := range made {
				decision := map[bool]string{true: "check.locked", false: "check.unlocked"}[r.Locked]
				line := fmt.Sprintf(`%s [deadbolt@32473 tenant="%s" id="%s" app="%s" account="%s" status="%s" ip="203.0.113.7"]`,
					decision, c.tenant.ID, r.SessionID, c.app.ID, r.Account, r.Status)
				if !slices.Contains(got, line) {
					t.Errorf("rsyslog has no line %q in:\n%s", line, strings.Join(got, "\n"))
				}
			}

			// A restart: a new job resumes from the stored cursors.
			job = newJob()
			queue(0)
			c.clk.Advance(time.Second)
			later := c.check("alice")
			storetest.AwaitCommitted(t, c.db)
			queue(2)
			deliverAll(t, deliver, 2)
			if keys := rcv.keys(); len(keys) != len(made)+1 || !slices.Contains(keys, later.SessionID) {
				t.Fatalf("after the restart the receiver has %v; want the earlier %d and %s", keys, len(made), later.SessionID)
			}
			if rcv.hits != len(made)+1 {
				t.Fatalf("receiver got %d posts for %d decisions", rcv.hits, len(made)+1)
			}
		})
	}
}

// TestCheckStreamStart: an endpoint that opts in starts each tenant an
// hour back (siem.Backfill), and a tenant created later from its
// creation; older decisions are not queued.
func TestCheckStreamStart(t *testing.T) {
	ctx := t.Context()
	db := backends.SQLite(t)
	clk := clock.NewFake(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	tenant := func(name string) (store.Tenant, store.Application) { return tenantApp(t, db, name, clk.Now()) }
	decide := func(tn store.Tenant, app store.Application, at time.Time) string {
		r := store.CheckRecord{ID: ids.New(), TenantID: tn.ID, AppID: app.ID, Account: "alice", At: at, Locked: true, Status: "locked"}
		if err := db.AppendChecks(ctx, []store.CheckRecord{r}); err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	acme, acmeApp := tenant("acme")
	clk.Advance(2 * time.Hour)
	decide(acme, acmeApp, clk.Now().Add(-90*time.Minute)) // before the backfill
	recent := decide(acme, acmeApp, clk.Now().Add(-30*time.Minute))
	job := &siem.CheckJob{Store: db, Clock: clk, Endpoints: []string{"lake"}}
	if n, err := job.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("first round queued %d, %v; want 1 (the last hour)", n, err)
	}
	clk.Advance(10 * time.Minute)
	globex, globexApp := tenant("globex")
	first := decide(globex, globexApp, clk.Now().Add(time.Second))
	clk.Advance(5 * time.Second)
	if n, err := job.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("round after the new tenant queued %d, %v; want 1", n, err)
	}
	for tn, want := range map[string]string{acme.ID: recent, globex.ID: first} {
		msgs, err := db.OutboxOfTenant(ctx, tn, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || !strings.Contains(string(msgs[0].Payload), want) || msgs[0].Type != siem.CheckMessageType {
			t.Errorf("tenant %s: queued %+v, want only decision %s", tn, msgs, want)
		}
	}
}

// tenantApp creates a tenant named name, created at, with one application
// (issuer https://wiki.NAME.test).
func tenantApp(t *testing.T, db store.Updater, name string, at time.Time) (store.Tenant, store.Application) {
	t.Helper()
	ctx := t.Context()
	tn := store.Tenant{ID: ids.New(), Name: name, CreatedAt: at}
	app := store.Application{ID: ids.New(), TenantID: tn.ID, Name: "Wiki", Issuer: "https://wiki." + name + ".test",
		Unenrolled: store.UnenrolledDeny, FailMode: store.FailClosed, Enabled: true, DefaultUnlock: time.Minute,
		MaxUnlock: time.Hour, CreatedAt: at}
	if err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateTenant(ctx, tn); err != nil {
			return err
		}
		return tx.CreateApplication(ctx, app)
	}); err != nil {
		t.Fatal(err)
	}
	return tn, app
}
