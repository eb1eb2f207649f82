package client_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// now is the clock shared by the clients and the fake server.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const issuer = "app.example.com"

func appKey() []byte {
	sum := sha256.Sum256([]byte("app signing key"))
	return sum[:]
}

// seen is what the fake server received in one check.
type seen struct {
	Claims token.Claims
	Header http.Header
	Body   map[string]json.RawMessage
}

// fakeServer stands in for deadbolt on loopback: it checks the request the
// way the real lock-check endpoint does (method, path, token) and then
// answers with answer.
type fakeServer struct {
	*httptest.Server
	t      *testing.T
	answer http.HandlerFunc

	mu   sync.Mutex
	seen []seen
}

func newServer(t *testing.T, answer http.HandlerFunc) *fakeServer {
	t.Helper()
	s := &fakeServer{t: t, answer: answer}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// answerJSON answers status with body.
func answerJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func (s *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != client.DefaultPath {
		answerJSON(http.StatusNotFound, `{"error":"not_found","message":"no such endpoint"}`)(w, r)
		return
	}
	auds, err := token.AcceptedAudiences(s.URL, nil)
	if err != nil {
		s.t.Errorf("AcceptedAudiences: %v", err)
	}
	v := token.Verifier{Audiences: auds, Now: func() time.Time { return now }}
	c, _, err := v.Verify(r.Header.Get(client.TokenHeader), []token.Key{{KID: "k1", Algorithm: token.HS256, Secret: appKey()}})
	if err != nil {
		b, _ := json.Marshal(map[string]string{"error": token.Code(err), "message": token.Message(err)})
		answerJSON(http.StatusUnauthorized, string(b))(w, r)
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	var body map[string]json.RawMessage
	if err == nil {
		err = json.NewDecoder(bytes.NewReader(raw)).Decode(&body)
	}
	if err != nil {
		answerJSON(http.StatusBadRequest, `{"error":"bad_request","message":"body is not JSON"}`)(w, r)
		return
	}
	s.mu.Lock()
	s.seen = append(s.seen, seen{Claims: c, Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()
	s.answer(w, r)
}

func (s *fakeServer) last() seen {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) == 0 {
		s.t.Fatal("the server saw no valid check")
	}
	return s.seen[len(s.seen)-1]
}

func (s *fakeServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

// newClient returns a client for s with the test clock and cfg's
// adjustments.
func newClient(t *testing.T, url string, adjust func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{URL: url, Issuer: issuer, Key: appKey(), Now: func() time.Time { return now }}
	if adjust != nil {
		adjust(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}
