package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// testAPITokens: tokens are found by ID and by hash, listed per tenant,
// revoked once (the first time stays), touched only forward, and a hash
// is unique.
func testAPITokens(t *testing.T, s store.Store) {
	w, other := newWorld(t, s), newWorld(t, s)
	ctx := t.Context()
	a := store.APIToken{ID: newID("tok"), TenantID: w.tenant.ID, Name: "terraform", Hash: newID("hash"), Role: "admin",
		CreatedBy: "cli:root", CreatedAt: t0}
	b := store.APIToken{ID: newID("tok"), TenantID: w.tenant.ID, Hash: newID("hash"), Scopes: []string{"accounts:read", "accounts:write"},
		CreatedBy: "cli:root", CreatedAt: at(time.Second), ExpiresAt: at(time.Hour)}
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateAPIToken", tx.CreateAPIToken(ctx, a))
		return tx.CreateAPIToken(ctx, b)
	})
	gives(t, "APITokenByHash", b)(s.APITokenByHash(ctx, b.Hash))
	gives(t, "APITokens", []store.APIToken{a, b})(s.APITokens(ctx, w.tenant.ID))
	empty(t, "APITokens of another tenant")(s.APITokens(ctx, other.tenant.ID))
	dup := a
	dup.ID = newID("tok")
	err := s.Update(ctx, func(tx store.Tx) error { return tx.CreateAPIToken(ctx, dup) })
	wantKind(t, "CreateAPIToken with a used hash", err, store.ErrConflict)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateAPIToken(ctx, store.APIToken{ID: newID("tok"), TenantID: w.tenant.ID, Hash: newID("hash"), CreatedAt: t0})
	})
	wantKind(t, "CreateAPIToken with neither role nor scopes", err, store.ErrInvalid)

	// Revoke: another tenant cannot; the first time stays.
	err = s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.RevokeAPIToken(ctx, other.tenant.ID, a.ID, at(time.Minute))
		return err
	})
	wantKind(t, "RevokeAPIToken of another tenant", err, store.ErrNotFound)
	for i, want := range []bool{true, false} {
		update(t, s, func(tx store.Tx) error {
			changed, err := tx.RevokeAPIToken(ctx, w.tenant.ID, a.ID, at(time.Duration(i+1)*time.Minute))
			if changed != want {
				t.Errorf("RevokeAPIToken #%d changed = %v", i, changed)
			}
			return err
		})
	}
	got, err := s.APIToken(ctx, a.ID)
	must(t, "APIToken", err)
	if !got.RevokedAt.Equal(at(time.Minute)) || got.Usable(at(time.Minute)) {
		t.Errorf("revoked token = %+v", got)
	}

	// Touch moves forward only; unknown IDs are skipped.
	must(t, "TouchAPITokens", s.TouchAPITokens(ctx, map[string]time.Time{a.ID: at(time.Hour), b.ID: at(2 * time.Hour), "nope": at(time.Hour)}))
	must(t, "TouchAPITokens", s.TouchAPITokens(ctx, map[string]time.Time{a.ID: at(time.Minute)}))
	got, _ = s.APIToken(ctx, a.ID)
	gotB, _ := s.APIToken(ctx, b.ID)
	if !got.LastUsedAt.Equal(at(time.Hour)) || !gotB.LastUsedAt.Equal(at(2*time.Hour)) {
		t.Errorf("last used = %v, %v", got.LastUsedAt, gotB.LastUsedAt)
	}
}

// testIdempotencyKeys: of concurrent claims of one key exactly one wins;
// the others read the claim, then the finished answer; a released claim
// can be taken again; keys are per token.
func testIdempotencyKeys(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	ctx := t.Context()
	claim := store.IdempotentAnswer{TokenID: newID("tok"), Key: "k1", TenantID: w.tenant.ID, Request: "digest", CreatedAt: t0}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, won, err := s.ClaimIdempotencyKey(ctx, claim)
			if err != nil {
				t.Error(err)
				return
			}
			if got.Status != 0 || got.Request != "digest" {
				t.Errorf("claim = %+v", got)
			}
			if won {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d claims won, want 1", wins)
	}
	must(t, "FinishIdempotencyKey", s.FinishIdempotencyKey(ctx, claim.TokenID, "k1", 201, []byte(`{"id":"x"}`)))
	got, won, err := s.ClaimIdempotencyKey(ctx, claim)
	must(t, "ClaimIdempotencyKey", err)
	if won || got.Status != 201 || string(got.Body) != `{"id":"x"}` {
		t.Errorf("after finish: %+v won=%v", got, won)
	}

	k2 := claim
	k2.Key = "k2"
	if _, won, err := s.ClaimIdempotencyKey(ctx, k2); err != nil || !won {
		t.Fatalf("k2: %v %v", won, err)
	}
	must(t, "ReleaseIdempotencyKey", s.ReleaseIdempotencyKey(ctx, claim.TokenID, "k2"))
	if _, won, err := s.ClaimIdempotencyKey(ctx, k2); err != nil || !won {
		t.Errorf("k2 after release: %v %v", won, err)
	}
	otherTok := claim
	otherTok.TokenID = newID("tok")
	if _, won, err := s.ClaimIdempotencyKey(ctx, otherTok); err != nil || !won {
		t.Errorf("another token's k1: %v %v", won, err)
	}
	n, err := s.PurgeIdempotencyKeys(ctx, at(time.Second))
	must(t, "PurgeIdempotencyKeys", err)
	if n != 3 {
		t.Errorf("purged %d, want 3", n)
	}
}
