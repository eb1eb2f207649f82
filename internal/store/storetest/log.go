package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func newCheck(w world, kid, account string, when time.Time, locked bool) store.CheckRecord {
	return store.CheckRecord{
		ID: newID("session"), TenantID: w.tenant.ID, AppID: w.app.ID, KID: kid, Account: account,
		At: when, Locked: locked, Status: "pending_approval", IP: "203.0.113.7", Device: "Firefox on Linux",
		Location: "Madrid, ES", IntegrationType: "cognito",
	}
}

// keysOf creates n HS256 keys for w.app.
func keysOf(t *testing.T, s store.Store, w world, n int) []store.SigningKey {
	t.Helper()
	var keys []store.SigningKey
	update(t, s, func(tx store.Tx) error {
		for i := range n {
			k := store.SigningKey{
				KID: newID("kid"), AppID: w.app.ID, TenantID: w.tenant.ID, Algorithm: store.AlgHS256,
				SealedSecret: []byte("sealed"), CreatedAt: at(time.Duration(i)),
			}
			if err := tx.CreateSigningKey(t.Context(), k); err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return nil
	})
	return keys
}

// lastUsed reads a key's LastUsedAt.
func lastUsed(t *testing.T, s store.Store, kid string) time.Time {
	t.Helper()
	k, err := s.SigningKey(t.Context(), kid)
	must(t, "SigningKey", err)
	return k.LastUsedAt
}

func testAppendChecks(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	keys := keysOf(t, s, w, 3)
	k1, k2, k3 := keys[0].KID, keys[1].KID, keys[2].KID

	r1 := newCheck(w, k1, "alice", at(1*time.Second), true)
	r2 := newCheck(w, k1, "alice", at(4*time.Second+1), false)
	r3 := newCheck(w, k2, "bob", at(2*time.Second), true)
	r4 := newCheck(w, k1, "carol", at(3*time.Second), true)
	r4.Status, r4.IP, r4.Device, r4.Location, r4.IntegrationType = "not_enrolled", "", "", "", ""
	r3.Status, r3.PolicyID = "denied_by_policy", newID("policy")
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{r1, r2, r3, r4}))
	must(t, "AppendChecks of nothing", s.AppendChecks(ctx, nil))

	for _, r := range []store.CheckRecord{r1, r2, r3, r4} {
		gives(t, "CheckRecord", r)(s.CheckRecord(ctx, r.ID))
	}
	_, err := s.CheckRecord(ctx, "no-such-session")
	wantKind(t, "CheckRecord of an unknown ID", err, store.ErrNotFound)

	// Another application's records are not listed.
	otherApp := newApp(w.tenant.ID, t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateApplication(ctx, otherApp) })
	elsewhere := newCheck(w, k3, "alice", at(10*time.Second), true)
	elsewhere.AppID = otherApp.ID
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{elsewhere}))

	tests := []struct {
		limit int
		want  []store.CheckRecord
	}{
		{10, []store.CheckRecord{r2, r4, r3, r1}},
		{4, []store.CheckRecord{r2, r4, r3, r1}},
		{2, []store.CheckRecord{r2, r4}},
		{1, []store.CheckRecord{r2}},
	}
	for _, tc := range tests {
		got, err := s.CheckRecords(ctx, w.app.ID, tc.limit)
		must(t, "CheckRecords", err)
		same(t, fmt.Sprintf("CheckRecords (newest first, limit %d)", tc.limit), got, tc.want)
	}

	// LastUsedAt is the latest At of the batch per key, and never moves
	// back.
	same(t, "LastUsedAt of k1", lastUsed(t, s, k1), r2.At)
	same(t, "LastUsedAt of k2", lastUsed(t, s, k2), r3.At)
	same(t, "LastUsedAt of k3", lastUsed(t, s, k3), elsewhere.At)
	older := newCheck(w, k1, "alice", at(time.Millisecond), false)
	newer := newCheck(w, k2, "bob", at(time.Minute), false)
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{older, newer}))
	same(t, "LastUsedAt of k1 after an older check", lastUsed(t, s, k1), r2.At)
	same(t, "LastUsedAt of k2 after a newer check", lastUsed(t, s, k2), newer.At)
}

func testAppendChecksAllOrNothing(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	k := keysOf(t, s, w, 1)[0].KID
	existing := newCheck(w, k, "alice", at(time.Second), true)
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{existing}))

	tests := []struct {
		name  string
		spoil func(r *store.CheckRecord)
		want  error
	}{
		{"duplicate ID", func(r *store.CheckRecord) { r.ID = existing.ID }, store.ErrConflict},
		{"no ID", func(r *store.CheckRecord) { r.ID = "" }, store.ErrInvalid},
		{"no application", func(r *store.CheckRecord) { r.AppID = "" }, store.ErrInvalid},
		{"no account", func(r *store.CheckRecord) { r.Account = "" }, store.ErrInvalid},
		{"no status", func(r *store.CheckRecord) { r.Status = "" }, store.ErrInvalid},
		{"no time", func(r *store.CheckRecord) { r.At = time.Time{} }, store.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			good := newCheck(w, k, "bob", at(time.Hour), false)
			bad := newCheck(w, k, "carol", at(time.Hour), false)
			tc.spoil(&bad)
			after := newCheck(w, k, "dave", at(time.Hour), false)
			err := s.AppendChecks(ctx, []store.CheckRecord{good, bad, after})
			wantKind(t, "AppendChecks", err, tc.want)
			for _, r := range []store.CheckRecord{good, after} {
				_, err := s.CheckRecord(ctx, r.ID)
				wantKind(t, "CheckRecord from a failed batch", err, store.ErrNotFound)
			}
			same(t, "LastUsedAt after a failed batch", lastUsed(t, s, k), existing.At)
		})
	}
	gives(t, "CheckRecords after failed batches", []store.CheckRecord{existing})(s.CheckRecords(ctx, w.app.ID, 100))
}

// appendAudit appends one event for tenant in its own Update.
func appendAudit(t *testing.T, s store.Store, tenantID, action string, when time.Time) audit.Record {
	t.Helper()
	var rec audit.Record
	update(t, s, func(tx store.Tx) (err error) {
		rec, err = tx.AppendAudit(t.Context(), audit.Event{TenantID: tenantID, Actor: "cli:root", Action: action}, when)
		return err
	})
	return rec
}

// chain reads a tenant's whole audit chain and verifies it.
func chain(t *testing.T, s store.Store, tenantID string) []audit.Record {
	t.Helper()
	recs, err := s.AuditRecords(t.Context(), tenantID, 0, 1000)
	must(t, "AuditRecords", err)
	if i, err := audit.Verify(recs); err != nil {
		t.Errorf("audit chain of %s breaks at record %d: %v", tenantID, i, err)
	}
	return recs
}

func testAuditChain(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := newTenant("other", t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateTenant(ctx, other) })

	zone := time.FixedZone("UTC-03:00", -3*3600)
	var want []audit.Record
	for i := range 5 {
		update(t, s, func(tx store.Tx) error {
			for j := range 2 {
				e := audit.Event{
					TenantID: w.tenant.ID, Actor: "member:" + w.member.ID, Action: "account.unlocked",
					Target: fmt.Sprintf("account:%d-%d", i, j),
					Data:   map[string]any{"for": "15m0s", "once": j == 1, "n": i, "note": "<&> ünïcode"},
				}
				rec, err := tx.AppendAudit(ctx, e, at(time.Duration(i)*time.Minute+time.Duration(j)).In(zone))
				if err != nil {
					return err
				}
				if rec.Seq != int64(len(want)+1) || !rec.At.Equal(at(time.Duration(i)*time.Minute+time.Duration(j))) {
					t.Errorf("AppendAudit returned seq %d at %v, want seq %d", rec.Seq, rec.At, len(want)+1)
				}
				want = append(want, rec)
			}
			return nil
		})
		// Another tenant's appends do not touch this chain.
		appendAudit(t, s, other.ID, "tenant.touched", at(time.Duration(i)))
	}
	got := chain(t, s, w.tenant.ID)
	same(t, "AuditRecords (the records AppendAudit returned)", got, want)
	if len(got) > 0 && got[0].At.Location() != time.UTC {
		t.Errorf("audit time in %v, want UTC", got[0].At.Location())
	}
	if theirs := chain(t, s, other.ID); len(theirs) != 5 {
		t.Errorf("other tenant has %d audit records, want 5", len(theirs))
	}

	gives(t, "AuditRecords after seq 4, limit 3", want[4:7])(s.AuditRecords(ctx, w.tenant.ID, 4, 3))
	page, err := s.AuditRecords(ctx, w.tenant.ID, 10, 3)
	must(t, "AuditRecords", err)
	if len(page) != 0 {
		t.Errorf("AuditRecords after the last seq returned %d records", len(page))
	}
}

func testAuditRollback(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	appendAudit(t, s, w.tenant.ID, "first", t0)
	errBoom := errors.New("boom")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if _, err := tx.AppendAudit(t.Context(), audit.Event{TenantID: w.tenant.ID, Actor: "system", Action: "doomed"}, at(time.Second)); err != nil {
			return err
		}
		return errBoom
	})
	if err != errBoom {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if recs := chain(t, s, w.tenant.ID); len(recs) != 1 {
		t.Errorf("a rolled-back Update left an audit record: %d records, want 1", len(recs))
	}
	// The next append follows the last committed record, leaving no gap.
	rec := appendAudit(t, s, w.tenant.ID, "second", at(time.Minute))
	if rec.Seq != 2 {
		t.Errorf("append after a rollback got seq %d, want 2", rec.Seq)
	}
	chain(t, s, w.tenant.ID)
}

func testAuditConcurrent(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	other := newTenant("other", t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateTenant(t.Context(), other) })
	const writers = 20
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			<-start
			tenant := w.tenant.ID
			if i%4 == 3 {
				tenant = other.ID
			}
			err := s.Update(t.Context(), func(tx store.Tx) error {
				for j := range 2 {
					e := audit.Event{TenantID: tenant, Actor: "system", Action: "race", Data: map[string]any{"writer": i, "j": j}}
					if _, err := tx.AppendAudit(t.Context(), e, at(time.Duration(i))); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := len(chain(t, s, w.tenant.ID)); n != 2*15 {
		t.Errorf("tenant has %d audit records, want %d", n, 2*15)
	}
	if n := len(chain(t, s, other.ID)); n != 2*5 {
		t.Errorf("other tenant has %d audit records, want %d", n, 2*5)
	}
}

func testAuditInvalid(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	appendE := func(e audit.Event, when time.Time) func(tx store.Tx) error {
		return func(tx store.Tx) error {
			_, err := tx.AppendAudit(t.Context(), e, when)
			return err
		}
	}
	ok := audit.Event{TenantID: w.tenant.ID, Actor: "system", Action: "x.y"}
	with := func(change func(e *audit.Event)) audit.Event {
		e := ok
		change(&e)
		return e
	}
	runErrorCases(t, s, []errorCase{
		{"no tenant", appendE(with(func(e *audit.Event) { e.TenantID = "" }), t0), store.ErrInvalid},
		{"unknown tenant", appendE(with(func(e *audit.Event) { e.TenantID = "no-such-tenant" }), t0), store.ErrInvalid},
		{"no actor", appendE(with(func(e *audit.Event) { e.Actor = "" }), t0), store.ErrInvalid},
		{"no action", appendE(with(func(e *audit.Event) { e.Action = "" }), t0), store.ErrInvalid},
		{"no time", appendE(ok, time.Time{}), store.ErrInvalid},
		{"data that is not JSON", appendE(with(func(e *audit.Event) { e.Data = map[string]any{"f": func() {}} }), t0), store.ErrInvalid},
	})
	if recs := chain(t, s, w.tenant.ID); len(recs) != 0 {
		t.Errorf("invalid appends wrote %d audit records", len(recs))
	}
}
