package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// siemReceiver is a SIEM endpoint in deadbolt JSON: it keeps each body by
// its Idempotency-Key and counts the posts of each key.
type siemReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string]map[string]any
	posts  map[string]int
}

func newSIEMReceiver(t *testing.T) *siemReceiver {
	s := &siemReceiver{bodies: map[string]map[string]any{}, posts: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		key := r.Header.Get("Idempotency-Key")
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || key == "" || r.Method != http.MethodPost {
			http.Error(w, "want a JSON POST with an Idempotency-Key", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.bodies[key] = body
		s.posts[key]++
	}))
	t.Cleanup(s.Close)
	return s
}

// got returns the body kept for key and how many times it was posted.
func (s *siemReceiver) got(key string) (map[string]any, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies[key], s.posts[key]
}

// checkDecisionsStreamedOnce: both nodes are configured with a SIEM
// endpoint that opted in to check decisions. Checks answered by either
// node reach it, each once, under its sessionID, as a line of `checks
// export`; the job that streams them (checks-siem) runs on exactly one
// node.
func (c *cluster) checkDecisionsStreamedOnce() {
	t := c.t
	c.cli.ok("account", "enroll", "--app", multiIssuer, "--account", "siem1")
	client := &http.Client{Timeout: 5 * time.Second}
	type made struct {
		session string
		locked  bool
	}
	var checks []made
	for i, n := range []*inst{c.a, c.b, c.a, c.b} {
		account := []string{"siem1", "siem1", "siem-unknown", "siem1"}[i]
		req, _ := http.NewRequest("POST", n.url+"/v1/check", strings.NewReader(`{}`))
		req.Header.Set("x-nl3-authorization-token", c.token(account))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Locked    bool   `json:"locked"`
			SessionID string `json:"sessionID"`
		}
		if err := jsonDecode(resp, &body); err != nil || resp.StatusCode != http.StatusOK || body.SessionID == "" {
			t.Fatalf("check of %s on node %d: %d %v %+v", account, i%2, resp.StatusCode, err, body)
		}
		checks = append(checks, made{body.SessionID, body.Locked})
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, m := range checks {
		for {
			body, posts := c.lake.got(m.session)
			if posts > 0 {
				if posts != 1 {
					t.Errorf("decision %s posted %d times", m.session, posts)
				}
				if body["id"] != m.session || body["locked"] != m.locked || body["issuer"] != multiIssuer {
					t.Errorf("decision %s: %v", m.session, body)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("decision %s not at the SIEM endpoint after 30s", m.session)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	var holders int
	for _, n := range []*inst{c.a, c.b} {
		if slices.Contains(jobsOf(n), "checks-siem") {
			holders++
		}
	}
	if holders != 1 {
		t.Fatalf("checks-siem held by %d nodes (a %v, b %v), want 1", holders, jobsOf(c.a), jobsOf(c.b))
	}
}
