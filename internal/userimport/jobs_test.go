package userimport_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/userimport"
)

// seed makes tenant acme with the Wiki application and an importing
// token, and returns the token.
func seed(t *testing.T, s store.Store, c clock.Clock) (store.Tenant, string) {
	t.Helper()
	ctx := t.Context()
	adm := &admin.Service{Store: s, Clock: c}
	tn, err := adm.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateApp(ctx, "test", admin.NewApp{TenantID: tn.ID, Name: "Wiki", Issuer: "https://wiki.acme.test/sso"}); err != nil {
		t.Fatal(err)
	}
	_, tok, err := (&apitoken.Service{Store: s, Clock: c}).Create(ctx, "test", apitoken.New{TenantID: tn.ID, Scopes: []string{"users:import"}})
	if err != nil {
		t.Fatal(err)
	}
	return tn, tok
}

func ended() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestImportJobSurvivesRestart (SQLite): a node takes a large batch and
// stops before running it; the node restarted over the same database file
// (a new store and handler) resumes it, and answers for it.
func TestImportJobSurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "deadbolt.db")
	c := clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	s1, err := sqlite.Open(t.Context(), file, sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	_, tok := seed(t, s1, c)
	before := startNode(t, s1, c, ended(), "node-before")
	status, queued, raw := send(t, before.srv.URL, "POST", path, tok, batch(userimport.SyncRows+5, "r"))
	if status != http.StatusAccepted {
		t.Fatalf("%d %s", status, raw)
	}
	before.srv.Close()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := sqlite.Open(t.Context(), file, sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	after := startNode(t, s2, c, t.Context(), "node-after")
	if status, j, raw := send(t, after.srv.URL, "GET", queued.ResultsURL, tok, nil); status != 200 || j.Status != "queued" {
		t.Fatalf("after the restart, before resuming: %d %.300s", status, raw)
	}
	if n, err := after.h.ResumeOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("resume: %d %v", n, err)
	}
	status, done, raw := send(t, after.srv.URL, "GET", queued.ResultsURL+"?wait=60", tok, nil)
	if status != 200 || done.Status != "done" || done.Enrolled != userimport.SyncRows+5 || len(done.Results) != userimport.SyncRows+5 {
		t.Fatalf("resumed job: %d %.300s", status, raw)
	}
}

// TestImportJobInterrupted: a job whose node died while running it (its
// claim held by a node that never renews it) is resumed once the claim
// lapses; rows the first run had imported are reported already_enrolled.
// A job started MaxAttempts times without ending is marked failed with a
// reason, and nothing more is run.
func TestImportJobInterrupted(t *testing.T) {
	e := newEnv(t)
	c := e.h.Clock.(*clock.Fake)
	tok := e.token(e.tenant, "users:import")
	stopping := startNode(t, e.store, c, ended(), "node-stopping")

	// Rows r00000 and r00001 were imported by the run that died.
	if status, _, raw := e.send("POST", path, tok, batch(2, "r")); status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	status, queued, raw := send(t, stopping.srv.URL, "POST", path, tok, batch(userimport.SyncRows+1, "r"))
	if status != http.StatusAccepted {
		t.Fatalf("%d %s", status, raw)
	}
	if _, ok, err := e.store.ClaimImportJob(e.ctx, queued.ID, "node-dead", c.Now(), c.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("claim as the node that dies: %v %v", ok, err)
	}
	if n, err := e.h.ResumeOnce(e.ctx); err != nil || n != 0 {
		t.Fatalf("resumed a job whose claim holds: %d %v", n, err)
	}
	if _, j, _ := e.send("GET", queued.ResultsURL, tok, nil); j.Status != "running" {
		t.Fatalf("a claimed job reads %q", j.Status)
	}
	c.Advance(time.Minute)
	if n, err := e.h.ResumeOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("resume after the claim lapsed: %d %v", n, err)
	}
	status, done, raw := e.send("GET", queued.ResultsURL+"?wait=60", tok, nil)
	if status != 200 || done.Status != "done" || done.AlreadyEnrolled != 2 || done.Enrolled != userimport.SyncRows-1 {
		t.Fatalf("resumed job: %d %.300s", status, raw)
	}

	// A job that keeps being interrupted.
	status, queued, raw = send(t, stopping.srv.URL, "POST", path, tok, batch(userimport.SyncRows+1, "s"))
	if status != http.StatusAccepted {
		t.Fatalf("%d %s", status, raw)
	}
	for i := range userimport.MaxAttempts {
		if _, ok, err := e.store.ClaimImportJob(e.ctx, queued.ID, "node-dead", c.Now(), c.Now().Add(time.Minute)); err != nil || !ok {
			t.Fatalf("claim %d: %v %v", i, ok, err)
		}
		c.Advance(time.Minute)
	}
	if n, err := e.h.ResumeOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("resume: %d %v", n, err)
	}
	status, failed, raw := e.send("GET", queued.ResultsURL+"?wait=60", tok, nil)
	if status != 200 || failed.Status != "failed" || failed.Reason == "" {
		t.Fatalf("job interrupted %d times: %d %.300s", userimport.MaxAttempts, status, raw)
	}
	// Accounts named after "s": the s-rows only (the r-rows sort before).
	if accts, err := e.store.Accounts(e.ctx, e.app.ID, "s", 10); err != nil || len(accts) != 0 {
		t.Fatalf("a failed job imported %d accounts (%v)", len(accts), err)
	}
}

// unrenewable is the real store whose lease renewals fail with an error
// (a store fault a healthy SQLite file cannot be made to show, hence this
// wrapper) and whose Applications holds the run until its context ends,
// so that the run is still going when its lease lapses.
type unrenewable struct {
	store.Store
	failed  chan struct{} // a renewal failed
	running chan struct{} // closed when the run reaches Applications
	stopped chan error    // the run's context error once it ended
}

func (u *unrenewable) RenewImportJob(context.Context, string, string, time.Time, time.Time) (bool, error) {
	select {
	case u.failed <- struct{}{}:
	default:
	}
	return false, errors.New("renewal refused (injected fault)")
}

func (u *unrenewable) Applications(ctx context.Context, _ string) ([]store.Application, error) {
	close(u.running)
	<-ctx.Done()
	u.stopped <- ctx.Err()
	return nil, ctx.Err()
}

// TestImportJobStopsWhenRenewalsFail: a node whose lease renewals fail
// with an error (not a lost claim) cancels its run once its lease lapses,
// before another node can claim the job; the node that resumes it then
// runs it alone, and nothing of the first run is recorded.
func TestImportJobStopsWhenRenewalsFail(t *testing.T) {
	e := newEnv(t)
	c := e.h.Clock.(*clock.Fake)
	tok := e.token(e.tenant, "users:import")
	stopping := startNode(t, e.store, c, ended(), "node-stopping")
	status, queued, raw := send(t, stopping.srv.URL, "POST", path, tok, batch(userimport.SyncRows+1, "r"))
	if status != http.StatusAccepted {
		t.Fatalf("%d %s", status, raw)
	}

	const lease = 30 * time.Millisecond // renewed every 10ms of real time
	flaky := &unrenewable{Store: e.store, failed: make(chan struct{}, 1), running: make(chan struct{}), stopped: make(chan error, 1)}
	h := &userimport.Handler{Store: flaky, Clock: c, Log: slog.New(slog.DiscardHandler), Holder: "node-flaky", JobLease: lease, Background: e.ctx}
	h.Register(http.NewServeMux())
	if n, err := h.ResumeOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("flaky node's resume: %d %v", n, err)
	}
	<-flaky.running
	<-flaky.failed
	select {
	case err := <-flaky.stopped:
		t.Fatalf("the run stopped while its lease held: %v", err)
	default:
	}
	if n, err := e.h.ResumeOnce(e.ctx); err != nil || n != 0 {
		t.Fatalf("another node claimed a job whose lease holds: %d %v", n, err)
	}

	// The lease lapses on the (fake) clock: the flaky run stops on its
	// own, and only then does the other node claim the job.
	c.Advance(lease)
	select {
	case err := <-flaky.stopped:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the run ended with %v, want it cancelled", err)
		}
	case <-time.After(time.Minute): // a hang guard, not a timing check
		t.Fatal("the run whose renewals failed still runs after its lease lapsed")
	}
	if n, err := e.h.ResumeOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("resume after the lease lapsed: %d %v", n, err)
	}
	status, done, raw := e.send("GET", queued.ResultsURL+"?wait=60", tok, nil)
	if status != 200 || done.Status != "done" || done.Enrolled != userimport.SyncRows+1 || done.AlreadyEnrolled != 0 {
		t.Fatalf("resumed job: %d %.300s", status, raw)
	}
	if j, err := e.store.ImportJob(e.ctx, e.tenant.ID, queued.ID); err != nil || j.Holder != "node-a" || j.Attempts != 2 {
		t.Fatalf("the job ended as %+v (%v), want held by node-a on its second attempt", j, err)
	}
}

// TestImportJobTwoPostgresNodes: two nodes on one PostgreSQL database;
// a job taken by one is read, done, from the other, and neither node
// shows it to another tenant.
func TestImportJobTwoPostgresNodes(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	c := clock.Real{}
	open := func() store.Store {
		s, err := postgres.Open(t.Context(), dbURL, postgres.Options{AutoMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	sa, sb := open(), open()
	tn, tok := seed(t, sa, c)
	a, b := startNode(t, sa, c, t.Context(), "node-a"), startNode(t, sb, c, t.Context(), "node-b")
	status, queued, raw := send(t, a.srv.URL, "POST", path, tok, batch(userimport.SyncRows+3, "pg"))
	if status != http.StatusAccepted {
		t.Fatalf("%d %s", status, raw)
	}
	status, done, raw := send(t, b.srv.URL, "GET", queued.ResultsURL+"?wait=60", tok, nil)
	for i := 0; status == 200 && done.Status != "done" && i < 10; i++ {
		status, done, raw = send(t, b.srv.URL, "GET", queued.ResultsURL+"?wait=60", tok, nil)
	}
	if status != 200 || done.Status != "done" || done.Enrolled != userimport.SyncRows+3 || len(done.Results) != userimport.SyncRows+3 {
		t.Fatalf("read on node b: %d %.300s", status, raw)
	}
	// A busy tenant is busy on every node.
	stoppingA := startNode(t, sa, c, ended(), "node-a-stopping")
	if status, _, raw := send(t, stoppingA.srv.URL, "POST", path, tok, batch(userimport.SyncRows+1, "pq")); status != http.StatusAccepted {
		t.Fatalf("%d %s", status, raw)
	}
	if status, _, raw := send(t, b.srv.URL, "POST", path, tok, batch(userimport.SyncRows+1, "pr")); status != http.StatusTooManyRequests {
		t.Fatalf("second batch on node b while node a's is open: %d %s", status, raw)
	}
	other, err := (&admin.Service{Store: sb, Clock: c}).CreateTenant(t.Context(), "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	_, otherTok, err := (&apitoken.Service{Store: sb, Clock: c}).Create(t.Context(), "test", apitoken.New{TenantID: other.ID, Scopes: []string{"users:import"}})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, raw := send(t, b.srv.URL, "GET", queued.ResultsURL, otherTok, nil); status != http.StatusNotFound {
		t.Fatalf("another tenant reads the job: %d %s", status, raw)
	}
	// A lesser token of the tenant: one without users:import, an
	// auditor's (every :read scope), and none at all.
	tokens := &apitoken.Service{Store: sb, Clock: c}
	_, lesser, err := tokens.Create(t.Context(), "test", apitoken.New{TenantID: tn.ID, Scopes: []string{"accounts:write"}})
	if err != nil {
		t.Fatal(err)
	}
	_, auditor, err := tokens.Create(t.Context(), "test", apitoken.New{TenantID: tn.ID, Role: apitoken.RoleAuditor})
	if err != nil {
		t.Fatal(err)
	}
	for who, want := range map[string]int{lesser: http.StatusForbidden, auditor: http.StatusForbidden, "": http.StatusUnauthorized} {
		if status, _, raw := send(t, b.srv.URL, "GET", queued.ResultsURL, who, nil); status != want {
			t.Errorf("job read with a lesser token: %d, want %d: %s", status, want, raw)
		}
	}
}
