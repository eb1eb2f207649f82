package awstest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// Issuer is the application issuer LockServer accepts.
const Issuer = "https://aws.example.com"

// Key returns the signing key LockServer accepts, and its base64 form as
// SIGNING_KEY carries it.
func Key() ([]byte, string) {
	sum := sha256.Sum256([]byte("deadbolt aws test key"))
	return sum[:], base64.StdEncoding.EncodeToString(sum[:])
}

// Check is one lock check LockServer received.
type Check struct {
	Account string
	Body    map[string]json.RawMessage
}

// LockServer stands in for deadbolt's lock-check endpoint where a running
// deadbolt would only slow unit tests down (the end-to-end tests use the
// real server). It verifies the token as deadbolt does — HS256 with Key,
// issuer Issuer, audience its own URL — and answers from Locked: true,
// false, or absent (not enrolled: unlocked).
type LockServer struct {
	*httptest.Server

	mu     sync.Mutex
	locked map[string]bool
	checks []Check
	// Answer, when set, replaces the normal answer (for error statuses).
	Answer http.HandlerFunc
}

// NewLockServer starts a LockServer, closed when the test ends.
func NewLockServer(t testing.TB) *LockServer {
	s := &LockServer{locked: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// SetLocked sets an account's state.
func (s *LockServer) SetLocked(account string, locked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.locked[account] = locked
}

// Checks returns the checks received so far.
func (s *LockServer) Checks() []Check {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Check(nil), s.checks...)
}

func (s *LockServer) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/nl3/api/v1/accountProtectionCheck" {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"not_found","message":"no such endpoint"}`)
		return
	}
	key, _ := Key()
	v := &token.Verifier{Audiences: []string{s.URL}}
	claims, _, err := v.Verify(r.Header.Get("x-nl3-authorization-token"), []token.Key{{Algorithm: token.HS256, Secret: key}})
	if err != nil || claims.Issuer != Issuer {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": "token_invalid", "message": "bad token"})
		return
	}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"bad_request","message":"body is not JSON"}`)
		return
	}
	s.mu.Lock()
	s.checks = append(s.checks, Check{Account: claims.Subject, Body: body})
	locked, enrolled := s.locked[claims.Subject]
	answer := s.Answer
	s.mu.Unlock()
	if answer != nil {
		answer(w, r)
		return
	}
	status := "unlocked"
	switch {
	case !enrolled:
		status = "not_enrolled"
	case locked:
		status = "pending_approval"
	}
	json.NewEncoder(w).Encode(map[string]any{"locked": locked, "status": status, "message": status, "sessionID": "s-1"})
}
