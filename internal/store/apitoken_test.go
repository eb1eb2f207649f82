package store

import (
	"testing"
	"time"
)

// TestAPITokenState: a revoked token is revoked even once past its
// expiry; an unrevoked one is expired from its expiry on, and a token
// without expiry stays active.
func TestAPITokenState(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		tok  APIToken
		want string
	}{
		{"no expiry", APIToken{}, "active"},
		{"before expiry", APIToken{ExpiresAt: now.Add(time.Minute)}, "active"},
		{"at expiry", APIToken{ExpiresAt: now}, "expired"},
		{"revoked", APIToken{RevokedAt: now.Add(-time.Hour)}, "revoked"},
		{"revoked and expired", APIToken{RevokedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)}, "revoked"},
	} {
		if got := tc.tok.State(now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
