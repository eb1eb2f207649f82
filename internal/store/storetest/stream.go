package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// testStreamCursors: a cursor starts at 0, moves, and is kept per
// endpoint, tenant and kind; a rolled-back move does not stick.
func testStreamCursors(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := newTenant("a", t0), newTenant("b", t0)
	update(t, s, func(tx store.Tx) error {
		must(t, "create a", tx.CreateTenant(ctx, a))
		return tx.CreateTenant(ctx, b)
	})
	cursor := func(ep, tenantID string) int64 {
		t.Helper()
		var n int64
		update(t, s, func(tx store.Tx) (err error) {
			n, err = tx.StreamCursor(ctx, ep, tenantID, "audit")
			return err
		})
		return n
	}
	if n := cursor("siem1", a.ID); n != 0 {
		t.Fatalf("new cursor = %d, want 0", n)
	}
	update(t, s, func(tx store.Tx) error {
		must(t, "set a", tx.SetStreamCursor(ctx, "siem1", a.ID, "audit", 7))
		return tx.SetStreamCursor(ctx, "siem1", a.ID, "audit", 9) // moves again
	})
	_ = s.Update(ctx, func(tx store.Tx) error {
		must(t, "set in rolled-back tx", tx.SetStreamCursor(ctx, "siem1", a.ID, "audit", 20))
		return context.Canceled
	})
	for _, c := range []struct {
		ep, tenant string
		want       int64
	}{{"siem1", a.ID, 9}, {"siem2", a.ID, 0}, {"siem1", b.ID, 0}} {
		if n := cursor(c.ep, c.tenant); n != c.want {
			t.Errorf("cursor(%s, %s) = %d, want %d", c.ep, c.tenant, n, c.want)
		}
	}
}

// testCheckpoints: checkpoints are kept per tenant in seq order, a second
// one for the same seq is ErrConflict, a rolled-back one is not kept, and
// LastCheckpoints and AuditHeads give each tenant's latest.
func testCheckpoints(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := newTenant("a", t0), newTenant("b", t0)
	var heads [2]audit.Record
	update(t, s, func(tx store.Tx) error {
		must(t, "create a", tx.CreateTenant(ctx, a))
		must(t, "create b", tx.CreateTenant(ctx, b))
		for i := range 3 {
			r, err := tx.AppendAudit(ctx, audit.Event{TenantID: a.ID, Actor: "cli:root", Action: "account.locked", Target: "account:x"}, t0.Add(time.Duration(i)*time.Second))
			must(t, "append a", err)
			heads[0] = r
		}
		r, err := tx.AppendAudit(ctx, audit.Event{TenantID: b.ID, Actor: "cli:root", Action: "account.locked", Target: "account:y"}, t0)
		heads[1] = r
		return err
	})
	cp := func(tenant string, seq int64, hash string) audit.Checkpoint {
		return audit.Checkpoint{TenantID: tenant, Seq: seq, Hash: hash, At: t0.Add(time.Duration(seq) * time.Minute),
			KeyID: "k1", Signature: []byte{byte(seq), 1, 2, 3}}
	}
	update(t, s, func(tx store.Tx) error {
		must(t, "a 3", tx.AddCheckpoint(ctx, cp(a.ID, 3, heads[0].Hash)))
		must(t, "a 1", tx.AddCheckpoint(ctx, cp(a.ID, 1, "h1")))
		return tx.AddCheckpoint(ctx, cp(b.ID, 1, heads[1].Hash))
	})
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.AddCheckpoint(ctx, cp(a.ID, 3, "other")) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second checkpoint of seq 3: %v, want ErrConflict", err)
	}
	_ = s.Update(ctx, func(tx store.Tx) error {
		must(t, "in rolled-back tx", tx.AddCheckpoint(ctx, cp(a.ID, 2, "h2")))
		return context.Canceled
	})
	got, err := s.Checkpoints(ctx, a.ID)
	must(t, "checkpoints of a", err)
	if len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 3 {
		t.Fatalf("checkpoints of a = %+v, want seqs 1 and 3", got)
	}
	if want := cp(a.ID, 3, heads[0].Hash); !got[1].At.Equal(want.At) || got[1].Hash != want.Hash || got[1].KeyID != "k1" || string(got[1].Signature) != string(want.Signature) {
		t.Fatalf("checkpoint read back as %+v, stored %+v", got[1], want)
	}
	last, err := s.LastCheckpoints(ctx)
	must(t, "last checkpoints", err)
	bySeq := map[string]int64{}
	for _, c := range last {
		bySeq[c.TenantID] = c.Seq
	}
	if len(last) != 2 || bySeq[a.ID] != 3 || bySeq[b.ID] != 1 {
		t.Fatalf("last checkpoints = %+v, want a at 3 and b at 1", last)
	}
	hs, err := s.AuditHeads(ctx)
	must(t, "audit heads", err)
	for _, h := range hs {
		if h.TenantID == a.ID && (h.Seq != 3 || h.Hash != heads[0].Hash) || h.TenantID == b.ID && h.Seq != 1 {
			t.Fatalf("audit heads = %+v", hs)
		}
	}
}
