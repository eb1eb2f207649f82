package userimport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/csvimport"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Limits of one request.
const (
	// SyncRows is the largest batch answered at once (200); a larger
	// one is queued (202).
	SyncRows = 1000
	// MaxBody is the largest request body, in bytes (about 200 000 rows).
	MaxBody = 32 << 20
	// MaxRows is the largest batch taken at all (413 beyond).
	MaxRows = 50_000
	// DefaultKeepJobs is Handler.KeepJobs when unset.
	DefaultKeepJobs = 100
	// busyRetry is the Retry-After of a 429 busy.
	busyRetry = 30 * time.Second
	// JobKeep is how long a queued job's results stay readable.
	JobKeep = time.Hour
	// maxWait bounds ?wait= on a job.
	maxWait = 60 * time.Second
)

// Authenticator checks a request's API token and that it holds scope
// (*mgmtapi.API implements it).
type Authenticator interface {
	Authenticate(r *http.Request, scope string) (store.APIToken, error)
}

// Handler serves importUsers.
type Handler struct {
	Auth  Authenticator
	Store interface {
		store.Reader
		store.Updater
	}
	Clock clock.Clock
	Log   *slog.Logger
	// KeepJobs is how many jobs the node keeps in memory (DefaultKeepJobs
	// when 0); past it the job that finished first is dropped. A tenant
	// runs one queued job at a time (429 busy while it runs), so running
	// jobs are at most one per tenant.
	KeepJobs int

	mu   sync.Mutex
	jobs map[string]*job
	ends int // jobs finished so far: job.order
}

// Register adds the endpoints to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	if h.Log == nil {
		h.Log = slog.Default()
	}
	if h.Clock == nil {
		h.Clock = clock.Real{}
	}
	mux.Handle("POST /nl3/api/v1/sdk/importUsers", httpx.Wrap(h.Log, h.post))
	mux.Handle("GET /nl3/api/v1/sdk/importUsers/{id}", httpx.Wrap(h.Log, h.get))
}

// User is one row as NL3 sends it.
type User struct {
	FirstName     string `json:"first_name"`
	LastName      string `json:"last_name"`
	Email         string `json:"email"`
	Domain        string `json:"domain"`
	Phone         string `json:"phone"`
	UserAccountID string `json:"userAccountId"`
}

// Row results.
const (
	Enrolled        = "enrolled"
	AlreadyEnrolled = "already_enrolled"
	Failed          = "error"
)

// RowResult is what became of one row; Row counts from 1.
type RowResult struct {
	Row           int    `json:"row"`
	UserAccountID string `json:"userAccountId"`
	Domain        string `json:"domain"`
	Status        string `json:"status"`
	Error         string `json:"error,omitempty"`
}

// Answer is a whole batch's result.
type Answer struct {
	ID              string      `json:"id,omitempty"`     // a queued job's
	Status          string      `json:"status,omitempty"` // a queued job's: queued, running, done, failed
	Enrolled        int         `json:"enrolled"`
	AlreadyEnrolled int         `json:"already_enrolled"`
	MembersCreated  int         `json:"members_created"`
	Errors          int         `json:"errors"`
	Results         []RowResult `json:"results"`
	ResultsURL      string      `json:"results_url,omitempty"`
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) error {
	tok, err := h.Auth.Authenticate(r, "users:import")
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		return httpx.Errorf(http.StatusRequestEntityTooLarge, "body_too_large", "request body is larger than %d bytes; send the users in smaller batches", MaxBody)
	}
	var users []User
	if err := json.Unmarshal(body, &users); err != nil {
		return httpx.Errorf(http.StatusBadRequest, "malformed_body", "the body must be a JSON array of {first_name, last_name, email, domain, phone, userAccountId}: %v", err)
	}
	if len(users) == 0 {
		return httpx.Errorf(http.StatusBadRequest, "invalid", "the array holds no users")
	}
	if len(users) > MaxRows {
		return httpx.Errorf(http.StatusRequestEntityTooLarge, "too_many_rows", "the array holds %d users; send at most %d in one request", len(users), MaxRows)
	}
	sum := sha256.Sum256(body)
	b := batch{tok: tok, users: users, sha: hex.EncodeToString(sum[:])}
	if len(users) <= SyncRows {
		ans, err := h.run(r.Context(), b)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, ans)
		return nil
	}
	j, err := h.queue(b)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, Answer{ID: j.id, Status: "queued", Results: []RowResult{}, ResultsURL: j.url()})
	return nil
}

// batch is one request's users.
type batch struct {
	tok   store.APIToken
	users []User
	sha   string
}

// run imports b: rows checked one by one, then each application's good
// rows in one transaction.
func (h *Handler) run(ctx context.Context, b batch) (Answer, error) {
	apps, err := h.Store.Applications(ctx, b.tok.TenantID)
	if err != nil {
		return Answer{}, err
	}
	byHost := map[string]store.Application{}
	for _, a := range apps {
		if u, err := url.Parse(a.Issuer); err == nil && u.Hostname() != "" {
			byHost[strings.ToLower(u.Hostname())] = a
		}
	}
	ans := Answer{Results: make([]RowResult, len(b.users))}
	rows := map[string]*csvimport.Parsed{} // by application ID
	seen := map[string]int{}               // app ID + account → row
	fail := func(i int, format string, args ...any) {
		ans.Results[i].Status, ans.Results[i].Error = Failed, fmt.Sprintf(format, args...)
	}
	for i, u := range b.users {
		ans.Results[i] = RowResult{Row: i + 1, UserAccountID: u.UserAccountID, Domain: u.Domain}
		app, ok := byHost[strings.ToLower(strings.TrimSpace(u.Domain))]
		if !ok {
			fail(i, "no application of this tenant has an issuer on the host %q", u.Domain)
			continue
		}
		row := csvimport.Row{Line: i + 1, Account: strings.TrimSpace(u.UserAccountID), Owner: strings.ToLower(strings.TrimSpace(u.Email)),
			Name: strings.TrimSpace(strings.TrimSpace(u.FirstName) + " " + strings.TrimSpace(u.LastName))}
		if reason := csvimport.CheckRow(row); reason != "" {
			fail(i, "%s", reason)
			continue
		}
		key := app.ID + "\x00" + row.Account
		if first, dup := seen[key]; dup {
			fail(i, "userAccountId %q at %s already appears in row %d", row.Account, u.Domain, first)
			continue
		}
		seen[key] = i + 1
		p := rows[app.ID]
		if p == nil {
			p = &csvimport.Parsed{SHA256: b.sha}
			rows[app.ID] = p
		}
		p.Rows = append(p.Rows, row)
	}
	actor := "api-token:" + b.tok.ID
	for _, app := range apps {
		p := rows[app.ID]
		if p == nil {
			continue
		}
		res, err := csvimport.Apply(ctx, h.Store, actor, app, *p, h.Clock.Now(), nil)
		if err != nil {
			var conflict = errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrInvalid)
			if !conflict {
				return Answer{}, err
			}
			// A row the store refuses (an owner who has not confirmed
			// their email) fails its application's whole transaction.
			for _, row := range p.Rows {
				fail(row.Line-1, "nothing imported at %s: %v", app.Issuer, err)
			}
			continue
		}
		ans.MembersCreated += res.MembersCreated
		present := map[int]bool{}
		for _, line := range res.Present {
			present[line] = true
		}
		for _, row := range p.Rows {
			if present[row.Line] {
				ans.Results[row.Line-1].Status = AlreadyEnrolled
			} else {
				ans.Results[row.Line-1].Status = Enrolled
			}
		}
	}
	for _, r := range ans.Results {
		switch r.Status {
		case Enrolled:
			ans.Enrolled++
		case AlreadyEnrolled:
			ans.AlreadyEnrolled++
		default:
			ans.Errors++
		}
	}
	return ans, nil
}

// job is a queued batch.
type job struct {
	id, tenant string
	done       chan struct{}
	ended      time.Time
	order      int    // when it finished among the node's jobs
	answer     Answer // set when done is closed
	failure    error
}

func (j *job) url() string { return "/nl3/api/v1/sdk/importUsers/" + j.id }

// queue starts b as a job, unless the tenant has one running (429
// busy), and forgets jobs past JobKeep or past KeepJobs, oldest finished
// first.
func (h *Handler) queue(b batch) (*job, error) {
	j := &job{id: ids.New(), tenant: b.tok.TenantID, done: make(chan struct{})}
	h.mu.Lock()
	if h.jobs == nil {
		h.jobs = map[string]*job{}
	}
	now := h.Clock.Now()
	var finished []*job
	for id, old := range h.jobs {
		switch {
		case old.ended.IsZero() && old.tenant == j.tenant:
			h.mu.Unlock()
			return nil, &httpx.Error{Status: http.StatusTooManyRequests, Code: "busy", RetryAfter: busyRetry,
				Message: fmt.Sprintf("import job %s of this tenant is still running; read it at %s and send the next batch when it is done", old.id, old.url())}
		case old.ended.IsZero():
		case now.Sub(old.ended) > JobKeep:
			delete(h.jobs, id)
		default:
			finished = append(finished, old)
		}
	}
	slices.SortFunc(finished, func(a, b *job) int { return a.order - b.order })
	keep := h.KeepJobs
	if keep <= 0 {
		keep = DefaultKeepJobs
	}
	for len(h.jobs) >= keep && len(finished) > 0 {
		delete(h.jobs, finished[0].id)
		finished = finished[1:]
	}
	h.jobs[j.id] = j
	h.mu.Unlock()
	go func() {
		ans, err := h.run(context.Background(), b)
		if err != nil {
			h.Log.Error("importUsers job failed", "job", j.id, "err", err)
		}
		h.mu.Lock()
		h.ends++
		j.answer, j.failure, j.ended, j.order = ans, err, h.Clock.Now(), h.ends
		h.mu.Unlock()
		close(j.done)
	}()
	return j, nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) error {
	tok, err := h.Auth.Authenticate(r, "users:import")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	h.mu.Lock()
	j := h.jobs[id]
	h.mu.Unlock()
	if j == nil || j.tenant != tok.TenantID {
		return fmt.Errorf("import job %q (kept for %s on the node that took it): %w", id, JobKeep, store.ErrNotFound)
	}
	if v := r.URL.Query().Get("wait"); v != "" {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 0 {
			return httpx.Errorf(http.StatusBadRequest, "invalid", "wait must be a whole number of seconds, not %q", v)
		}
		t := time.NewTimer(min(time.Duration(secs)*time.Second, maxWait))
		defer t.Stop()
		select {
		case <-j.done:
		case <-t.C:
		case <-r.Context().Done():
			return r.Context().Err()
		}
	}
	select {
	case <-j.done:
	default:
		httpx.WriteJSON(w, http.StatusOK, Answer{ID: j.id, Status: "running", Results: []RowResult{}, ResultsURL: j.url()})
		return nil
	}
	h.mu.Lock()
	ans, failure := j.answer, j.failure
	h.mu.Unlock()
	if failure != nil {
		httpx.WriteJSON(w, http.StatusOK, Answer{ID: j.id, Status: "failed", Results: []RowResult{}, ResultsURL: j.url()})
		return nil
	}
	ans.ID, ans.Status, ans.ResultsURL = j.id, "done", j.url()
	httpx.WriteJSON(w, http.StatusOK, ans)
	return nil
}
