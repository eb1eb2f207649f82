package valid_test

import (
	"errors"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

func TestArguments(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var never time.Time
	for _, tc := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"stamp", first(valid.Stamp("grant id", "g1", "consumed at", now)), true},
		{"stamp without id", first(valid.Stamp("grant id", "", "consumed at", now)), false},
		{"stamp without time", first(valid.Stamp("grant id", "g1", "consumed at", never)), false},
		{"due", first(valid.Due(now, 10)), true},
		{"due with limit 0", first(valid.Due(now, 0)), false},
		{"due without now", first(valid.Due(never, 10)), false},
		{"now", first(valid.Now(now)), true},
		{"now unset", first(valid.Now(never)), false},
		{"decision", first(valid.Decision("r1", store.RequestApproved, "m1", now)), true},
		{"decision of unknown status", first(valid.Decision("r1", "maybe", "m1", now)), false},
		{"decision by nobody", first(valid.Decision("r1", store.RequestDenied, "", now)), false},
		{"session sweep", third(valid.SessionSweep(now, never)), true},
		{"session sweep without now", third(valid.SessionSweep(never, now)), false},
		{"nonce", first(valid.Nonce("k", now, now)), true},
		{"nonce without key", first(valid.Nonce("", now, now)), false},
		{"claim", third(valid.Claim(now, time.Minute, 5)), true},
		{"claim with no lease", third(valid.Claim(now, 0, 5)), false},
		{"claim past the storable range", third(valid.Claim(time.Date(2262, 4, 11, 0, 0, 0, 0, time.UTC), 24*time.Hour, 5)), false},
		{"lease", third(valid.Lease("job", "node", now, time.Minute)), true},
		{"lease without holder", third(valid.Lease("job", "", now, time.Minute)), false},
		{"lease with negative ttl", third(valid.Lease("job", "node", now, -time.Second)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ok && tc.err != nil {
				t.Fatalf("refused: %v", tc.err)
			}
			if !tc.ok && !errors.Is(tc.err, store.ErrInvalid) {
				t.Fatalf("got %v, want store.ErrInvalid", tc.err)
			}
		})
	}
}

func first(_ int64, err error) error    { return err }
func third(_, _ int64, err error) error { return err }
