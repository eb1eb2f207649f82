package storetest

import (
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// testImportJobs: an importUsers job's life (create, claim, renew,
// finish), one open job per tenant, claims exclusive until their lease
// lapses, a finished job keeps its results and drops its input, old jobs
// trimmed to keep and purged when they expire, and no tenant reads
// another's job.
func testImportJobs(t *testing.T, s store.Store) {
	ctx := t.Context()
	w, other := newWorld(t, s), newWorld(t, s)
	job := func(tn store.Tenant, when time.Time) store.ImportJob {
		return store.ImportJob{ID: newID("job"), TenantID: tn.ID, TokenID: "tok-1", Total: 1001, Input: []byte("input"), CreatedAt: when}
	}
	j := job(w.tenant, t0)
	must(t, "CreateImportJob", s.CreateImportJob(ctx, j, 3))
	wantKind(t, "second open job", s.CreateImportJob(ctx, job(w.tenant, t0), 3), store.ErrConflict)
	must(t, "other tenant's open job", s.CreateImportJob(ctx, job(other.tenant, t0), 3))
	got, err := s.ImportJob(ctx, w.tenant.ID, j.ID)
	must(t, "ImportJob", err)
	want := store.ImportJob{ID: j.ID, TenantID: j.TenantID, TokenID: "tok-1", State: store.ImportQueued, Total: 1001,
		CreatedAt: t0}
	same(t, "queued job", got, want)
	_, err = s.ImportJob(ctx, other.tenant.ID, j.ID)
	wantKind(t, "another tenant's job", err, store.ErrNotFound)
	gives(t, "open job", want)(s.OpenImportJob(ctx, w.tenant.ID))
	stranded, err := s.StrandedImportJobs(ctx, at(time.Second), 10)
	must(t, "StrandedImportJobs", err)
	if len(stranded) != 2 {
		t.Fatalf("stranded: %d jobs, want both queued ones", len(stranded))
	}

	// Claims: one holder until the lease lapses.
	claimed, ok, err := s.ClaimImportJob(ctx, j.ID, "node-a", at(time.Second), at(31*time.Second))
	must(t, "ClaimImportJob", err)
	if !ok || claimed.State != store.ImportRunning || claimed.Attempts != 1 || string(claimed.Input) != "input" || claimed.Holder != "node-a" {
		t.Fatalf("claim: %v %+v", ok, claimed)
	}
	if _, ok, err := s.ClaimImportJob(ctx, j.ID, "node-b", at(30*time.Second), at(60*time.Second)); err != nil || ok {
		t.Fatalf("claim of a held job: %v %v", ok, err)
	}
	if ok, err := s.RenewImportJob(ctx, j.ID, "node-b", at(30*time.Second), at(90*time.Second)); err != nil || ok {
		t.Fatalf("renewal by a non-holder: %v %v", ok, err)
	}
	if ok, err := s.RenewImportJob(ctx, j.ID, "node-a", at(30*time.Second), at(61*time.Second)); err != nil || !ok {
		t.Fatalf("renewal: %v %v", ok, err)
	}
	if stranded, _ := s.StrandedImportJobs(ctx, at(60*time.Second), 10); len(stranded) != 1 || stranded[0].ID == j.ID {
		t.Fatalf("a held job is listed stranded: %+v", stranded)
	}
	// A holder whose lease lapsed holds nothing, even before another
	// node claims the job: it can neither renew nor finish it.
	end := store.ImportJob{ID: j.ID, Holder: "node-a", State: store.ImportDone, Enrolled: 1000, AlreadyEnrolled: 1, MembersCreated: 7,
		Results: []byte("results"), FinishedAt: at(61 * time.Second), ExpiresAt: at(time.Hour)}
	if ok, err := s.RenewImportJob(ctx, j.ID, "node-a", at(61*time.Second), at(91*time.Second)); err != nil || ok {
		t.Fatalf("renewal by the holder once its lease lapsed: %v %v", ok, err)
	}
	if ok, err := s.FinishImportJob(ctx, end); err != nil || ok {
		t.Fatalf("finish by the holder once its lease lapsed: %v %v", ok, err)
	}
	claimed, ok, err = s.ClaimImportJob(ctx, j.ID, "node-b", at(61*time.Second), at(91*time.Second))
	if err != nil || !ok || claimed.Attempts != 2 || claimed.Holder != "node-b" {
		t.Fatalf("claim after the lease lapsed: %v %v %+v", ok, err, claimed)
	}
	// Once node-b claimed it, the lapsed node-a cannot take it back by
	// renewing or finishing it.
	if ok, err := s.RenewImportJob(ctx, j.ID, "node-a", at(62*time.Second), at(92*time.Second)); err != nil || ok {
		t.Fatalf("renewal by the holder that lost it: %v %v", ok, err)
	}
	end.FinishedAt = at(70 * time.Second)
	if ok, err := s.FinishImportJob(ctx, end); err != nil || ok {
		t.Fatalf("finish by the holder that lost it: %v %v", ok, err)
	}
	if ok, err := s.RenewImportJob(ctx, j.ID, "node-b", at(62*time.Second), at(92*time.Second)); err != nil || !ok {
		t.Fatalf("renewal by the new holder: %v %v", ok, err)
	}
	end.Holder = "node-b"
	if ok, err := s.FinishImportJob(ctx, end); err != nil || !ok {
		t.Fatalf("finish: %v %v", ok, err)
	}
	if ok, _ := s.FinishImportJob(ctx, end); ok {
		t.Fatal("a job finished twice")
	}
	got, err = s.ImportJob(ctx, w.tenant.ID, j.ID)
	must(t, "ImportJob", err)
	want.State, want.Enrolled, want.AlreadyEnrolled, want.MembersCreated = store.ImportDone, 1000, 1, 7
	want.Results, want.Holder, want.Attempts, want.FinishedAt, want.ExpiresAt = []byte("results"), "node-b", 2, at(70*time.Second), at(time.Hour)
	same(t, "finished job", got, want)
	_, err = s.OpenImportJob(ctx, w.tenant.ID)
	wantKind(t, "OpenImportJob after the job ended", err, store.ErrNotFound)
	if _, ok, _ := s.ClaimImportJob(ctx, j.ID, "node-c", at(2*time.Hour), at(3*time.Hour)); ok {
		t.Fatal("a finished job was claimed")
	}
	if claimed, ok, _ := s.ClaimImportJob(ctx, j.ID, "node-c", at(2*time.Hour), at(3*time.Hour)); ok || claimed.Input != nil {
		t.Fatal("a finished job kept its input")
	}

	// Keep: with keep 2, the new job and the latest ended one remain.
	finish := func(id string, when time.Time) {
		t.Helper()
		_, ok, err := s.ClaimImportJob(ctx, id, "node-a", when, when.Add(time.Minute))
		if err != nil || !ok {
			t.Fatalf("claim %s: %v %v", id, ok, err)
		}
		if ok, err := s.FinishImportJob(ctx, store.ImportJob{ID: id, Holder: "node-a", State: store.ImportFailed, Reason: "r",
			FinishedAt: when, ExpiresAt: when.Add(24 * time.Hour)}); err != nil || !ok {
			t.Fatalf("finish %s: %v %v", id, ok, err)
		}
	}
	j2 := job(w.tenant, at(2*time.Minute))
	must(t, "CreateImportJob 2", s.CreateImportJob(ctx, j2, 2))
	finish(j2.ID, at(3*time.Minute))
	j3 := job(w.tenant, at(4*time.Minute))
	must(t, "CreateImportJob 3", s.CreateImportJob(ctx, j3, 2))
	_, err = s.ImportJob(ctx, w.tenant.ID, j.ID)
	wantKind(t, "the earliest ended job past keep", err, store.ErrNotFound)
	_, err = s.ImportJob(ctx, w.tenant.ID, j2.ID)
	must(t, "the latest ended job", err)
	finish(j3.ID, at(5*time.Minute))
	// Purge: j2 expires at +24h3m, j3 at +24h5m.
	n, err := s.PurgeImportJobs(ctx, at(24*time.Hour+4*time.Minute))
	must(t, "PurgeImportJobs", err)
	if n != 1 {
		t.Fatalf("purged %d, want 1", n)
	}
	_, err = s.ImportJob(ctx, w.tenant.ID, j3.ID)
	must(t, "the job not expired yet", err)

	for name, err := range map[string]error{
		"no id":        s.CreateImportJob(ctx, store.ImportJob{TenantID: w.tenant.ID, TokenID: "t", Total: 1, CreatedAt: t0}, 1),
		"zero keep":    s.CreateImportJob(ctx, job(w.tenant, t0), 0),
		"no tenant":    s.CreateImportJob(ctx, store.ImportJob{ID: "x", TokenID: "t", Total: 1, CreatedAt: t0}, 1),
		"bad state":    first2(s.FinishImportJob(ctx, store.ImportJob{ID: "x", Holder: "h", State: "running", FinishedAt: t0, ExpiresAt: t0})),
		"past lease":   third3(s.ClaimImportJob(ctx, "x", "h", t0, t0)),
		"zero purge":   first1(s.PurgeImportJobs(ctx, time.Time{})),
		"zero limit":   first1s(s.StrandedImportJobs(ctx, t0, 0)),
		"renew holder": first2(s.RenewImportJob(ctx, "x", "", t0, at(time.Second))),
		"renew no now": first2(s.RenewImportJob(ctx, "x", "h", time.Time{}, t0)),
		"renew lease":  first2(s.RenewImportJob(ctx, "x", "h", t0, t0)),
	} {
		wantKind(t, name, err, store.ErrInvalid)
	}
}

func first1(_ int, err error) error                     { return err }
func first1s(_ []store.ImportJob, err error) error      { return err }
func first2(_ bool, err error) error                    { return err }
func third3(_ store.ImportJob, _ bool, err error) error { return err }
