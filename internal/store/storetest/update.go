package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// writeMany writes one record of most kinds, and an audit record, for the
// rollback tests. The world w must already be stored.
func writeMany(t *testing.T, tx store.Tx, w world, tn store.Tenant) {
	t.Helper()
	ctx := t.Context()
	app := newApp(w.tenant.ID, t0)
	a := newAccount(w.app, "doomed", w.member.ID, t0)
	changed := w.member
	changed.LockAll = true
	steps := []struct {
		name string
		err  error
	}{
		{"CreateTenant", tx.CreateTenant(ctx, tn)},
		{"CreateApplication", tx.CreateApplication(ctx, app)},
		{"CreateAccount", tx.CreateAccount(ctx, a)},
		{"PutGrant", tx.PutGrant(ctx, newGrant(a, t0, at(time.Hour), false))},
		{"UpdateMember", tx.UpdateMember(ctx, changed)},
	}
	for _, st := range steps {
		must(t, st.name, st.err)
	}
	_, err := tx.AppendAudit(ctx, audit.Event{TenantID: w.tenant.ID, Actor: "system", Action: "test.doomed"}, t0)
	must(t, "AppendAudit", err)
}

// wroteNothing checks that none of writeMany's writes is visible.
func wroteNothing(t *testing.T, s store.Store, w world, tn store.Tenant) {
	t.Helper()
	ctx := t.Context()
	_, err := s.Tenant(ctx, tn.ID)
	wantKind(t, "Tenant written by a rolled-back Update", err, store.ErrNotFound)
	gives(t, "Applications after a rolled-back Update", []store.Application{w.app})(s.Applications(ctx, w.tenant.ID))
	_, err = s.Account(ctx, w.app.ID, "doomed")
	wantKind(t, "Account written by a rolled-back Update", err, store.ErrNotFound)
	gives(t, "Member after a rolled-back Update", w.member)(s.Member(ctx, w.member.ID))
	recs, err := s.AuditRecords(ctx, w.tenant.ID, 0, 10)
	must(t, "AuditRecords", err)
	if len(recs) != 0 {
		t.Errorf("a rolled-back Update left %d audit records", len(recs))
	}
}

func testUpdateRollbackOnError(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	tn := newTenant("doomed", t0)
	errBoom := errors.New("boom")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		writeMany(t, tx, w, tn)
		return errBoom
	})
	if err != errBoom {
		t.Errorf("Update returned %v, want fn's error unchanged", err)
	}
	wroteNothing(t, s, w, tn)

	// A write that fails and is returned rolls back the writes before it.
	err = s.Update(t.Context(), func(tx store.Tx) error {
		writeMany(t, tx, w, tn)
		return tx.CreateTenant(t.Context(), store.Tenant{ID: newID("tenant"), Name: w.tenant.Name, CreatedAt: t0})
	})
	wantKind(t, "Update ending in a conflict", err, store.ErrConflict)
	wroteNothing(t, s, w, tn)

	// The store is still usable.
	update(t, s, func(tx store.Tx) error { return tx.CreateTenant(t.Context(), tn) })
}

func testUpdateRollbackOnPanic(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	tn := newTenant("doomed", t0)
	type boom struct{ why string }
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = s.Update(t.Context(), func(tx store.Tx) error {
			writeMany(t, tx, w, tn)
			panic(boom{"on purpose"})
		})
	}()
	same(t, "value recovered from Update", recovered, boom{"on purpose"})
	wroteNothing(t, s, w, tn)

	// The store is still usable, and the panic left no transaction behind.
	update(t, s, func(tx store.Tx) error { return tx.CreateTenant(t.Context(), tn) })
	_, err := s.Tenant(t.Context(), tn.ID)
	must(t, "Tenant after an Update following a panic", err)
}

func testUpdateIsolation(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant("isolated", t0)
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateTenant", tx.CreateTenant(ctx, tn))
		// The transaction reads its own writes...
		gives(t, "Tenant in the transaction", tn)(tx.Tenant(ctx, tn.ID))
		gives(t, "TenantByName in the transaction", tn)(tx.TenantByName(ctx, tn.Name))
		// ...which nobody else sees before it commits.
		_, err := s.Tenant(ctx, tn.ID)
		wantKind(t, "Tenant outside the transaction before commit", err, store.ErrNotFound)
		return nil
	})
	gives(t, "Tenant after commit", tn)(s.Tenant(ctx, tn.ID))
}
