package siem_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite/sqlitetest"
)

// countingStore counts the store's transactions.
type countingStore struct {
	*sqlite.Store
	updates int
}

func (s *countingStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	s.updates++
	return s.Store.Update(ctx, fn)
}

// TestCheckStreamIdleRounds: with 50 tenants, a round that finds no check
// records commits nothing (the SQLite WAL index's header, which every
// commit moves and the lock checks' cache watches, stays as it was); a
// round with a record for each tenant queues them all in one transaction;
// an idle cursor is written once it has stood still for
// checklog.IdleAdvance while the log moved on (another tenant's records),
// all tenants' in one transaction; and a record after idle rounds is
// queued in the next round.
func TestCheckStreamIdleRounds(t *testing.T) {
	ctx := t.Context()
	path := sqlitetest.Migrated(t, filepath.Join(t.TempDir(), "deadbolt.db"))
	s, err := sqlite.Open(ctx, path, sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db := &countingStore{Store: s}
	walHeader := func() []byte {
		b, err := os.ReadFile(path + "-shm")
		if err != nil || len(b) < 48 {
			t.Fatalf("WAL index %s: %d bytes, %v", path+"-shm", len(b), err)
		}
		return b[:48]
	}
	clk := clock.NewFake(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	var tenants []store.Tenant
	var apps []store.Application
	for i := range 50 {
		tn, app := tenantApp(t, db, fmt.Sprintf("t%d", i), clk.Now())
		tenants, apps = append(tenants, tn), append(apps, app)
	}
	job := &siem.CheckJob{Store: db, Clock: clk, Endpoints: []string{"lake"}}
	round := func(what string, want int) {
		t.Helper()
		if n, err := job.RunOnce(ctx); err != nil || n != want {
			t.Fatalf("%s: queued %d, %v; want %d", what, n, err, want)
		}
	}
	idle := func(what string) {
		t.Helper()
		before, updates := walHeader(), db.updates
		clk.Advance(time.Second)
		round(what, 0)
		if after := walHeader(); !bytes.Equal(before, after) {
			t.Fatalf("%s: the WAL index header moved (%x → %x): a commit", what, before, after)
		}
		if db.updates-updates > 1 {
			t.Errorf("%s: %d transactions, want at most 1 (read only)", what, db.updates-updates)
		}
	}
	cursor := func(tn store.Tenant) (v int64) {
		t.Helper()
		if err := db.Update(ctx, func(tx store.Tx) error {
			var err error
			v, err = tx.StreamCursor(ctx, "lake", tn.ID, checklog.CursorKind)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}

	clk.Advance(time.Minute)
	idle("first round, no records")
	idle("second round, no records")

	// One record for each tenant: one transaction queues them all.
	var recs []store.CheckRecord
	for i, tn := range tenants {
		recs = append(recs, store.CheckRecord{ID: ids.New(), TenantID: tn.ID, AppID: apps[i].ID, Account: "alice",
			At: clk.Now(), Locked: true, Status: "locked"})
	}
	if err := db.AppendChecks(ctx, recs); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	updates := db.updates
	round("round with 50 records", 50)
	if got := db.updates - updates; got != 1 {
		t.Errorf("round with 50 records, one per tenant: %d transactions, want 1", got)
	}
	moved := map[string]int64{}
	for _, tn := range tenants {
		if moved[tn.ID] = cursor(tn); moved[tn.ID] == 0 {
			t.Fatalf("tenant %s: cursor not moved past its record", tn.Name)
		}
	}
	for i := range 3 {
		idle(fmt.Sprintf("idle round %d after the records", i+1))
	}

	// Idle for checklog.IdleAdvance while records of a tenant the
	// endpoint does not stream come: the cursors are written, in one
	// transaction, and the next round writes nothing again.
	if err := db.AppendChecks(ctx, []store.CheckRecord{{ID: ids.New(), TenantID: ids.New(), AppID: ids.New(), Account: "eve",
		At: clk.Now(), Status: "unlocked"}}); err != nil {
		t.Fatal(err)
	}
	idle("idle round while the log moves on")
	clk.Advance(checklog.IdleAdvance)
	before, updates := walHeader(), db.updates
	round("round after IdleAdvance", 0)
	if bytes.Equal(before, walHeader()) {
		t.Error("round after IdleAdvance: no commit; want the idle cursors written")
	}
	if got := db.updates - updates; got != 1 {
		t.Errorf("round after IdleAdvance: %d transactions, want 1", got)
	}
	for _, tn := range tenants {
		if c := cursor(tn); c <= moved[tn.ID] {
			t.Fatalf("tenant %s: idle cursor %d not moved on from %d", tn.Name, c, moved[tn.ID])
		}
	}
	idle("round after the idle cursors were written")

	// A record after idle rounds is queued, once.
	late := store.CheckRecord{ID: ids.New(), TenantID: tenants[7].ID, AppID: apps[7].ID, Account: "bob",
		At: clk.Now(), Locked: false, Status: "unlocked"}
	if err := db.AppendChecks(ctx, []store.CheckRecord{late}); err != nil {
		t.Fatal(err)
	}
	round("round after the record", 1)
	idle("round after that")
	msgs, err := db.OutboxOfTenant(ctx, tenants[7].ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || !bytes.Contains(msgs[0].Payload, []byte(late.ID)) && !bytes.Contains(msgs[1].Payload, []byte(late.ID)) {
		t.Errorf("tenant t7: %d messages, want its 2 decisions (the late one %s)", len(msgs), late.ID)
	}
}

// failingStore fails the outbox writes of one tenant: a fault injected
// around the real store, as no real part fails for one tenant alone.
type failingStore struct {
	*sqlite.Store
	tenant string
}

type failingTx struct {
	store.Tx
	tenant string
}

func (s *failingStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(failingTx{Tx: tx, tenant: s.tenant}) })
}

func (tx failingTx) EnqueueOutbox(ctx context.Context, m store.OutboxMessage) error {
	if m.TenantID == tx.tenant {
		return fmt.Errorf("injected failure for tenant %s", tx.tenant)
	}
	return tx.Tx.EnqueueOutbox(ctx, m)
}

// TestCheckStreamTenantFailure: when one tenant's page fails, the
// transaction it shared is rolled back and its tenants are tried one by
// one: the others' decisions are queued, the failing tenant's wait for the
// next round, and the error names it.
func TestCheckStreamTenantFailure(t *testing.T) {
	ctx := t.Context()
	s, err := sqlite.Open(ctx, sqlitetest.Migrated(t, filepath.Join(t.TempDir(), "deadbolt.db")), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	clk := clock.NewFake(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	var tenants []store.Tenant
	var recs []store.CheckRecord
	for i := range 4 {
		tn := store.Tenant{ID: ids.New(), Name: fmt.Sprintf("t%d", i), CreatedAt: clk.Now()}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.CreateTenant(ctx, tn) }); err != nil {
			t.Fatal(err)
		}
		tenants = append(tenants, tn)
		recs = append(recs, store.CheckRecord{ID: ids.New(), TenantID: tn.ID, AppID: ids.New(), Account: "alice",
			At: clk.Now().Add(time.Second), Locked: true, Status: "locked"})
	}
	if err := s.AppendChecks(ctx, recs); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Second)
	bad := tenants[1]
	job := &siem.CheckJob{Store: &failingStore{Store: s, tenant: bad.ID}, Clock: clk, Endpoints: []string{"lake"}}
	n, err := job.RunOnce(ctx)
	if n != 3 || err == nil || !strings.Contains(err.Error(), bad.ID) {
		t.Fatalf("round with a failing tenant: queued %d, %v; want 3 and an error naming %s", n, err, bad.ID)
	}
	for i, tn := range tenants {
		msgs, err := s.OutboxOfTenant(ctx, tn.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 0, false: 1}[tn.ID == bad.ID]; len(msgs) != want {
			t.Errorf("tenant %d: %d messages, want %d", i, len(msgs), want)
		}
	}
	job.Store = s
	if n, err := job.RunOnce(ctx); n != 1 || err != nil {
		t.Fatalf("next round without the failure: queued %d, %v; want 1", n, err)
	}
}
