package userimport

import (
	"bytes"
	"compress/gzip"
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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/csvimport"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/jobs"
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
	// JobKeep is how long a queued job's results stay readable after it
	// ends.
	JobKeep = time.Hour
	// DefaultJobLease is Handler.JobLease when unset.
	DefaultJobLease = 30 * time.Second
	// MaxAttempts is how many times a job is started before it is marked
	// failed: a job whose node keeps stopping while it runs does not
	// stop every node in turn.
	MaxAttempts = 3
	// maxWait bounds ?wait= on a job.
	maxWait = 60 * time.Second
	// pollEvery is how often ?wait= reads a job that runs on another
	// node.
	pollEvery = 250 * time.Millisecond
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
		store.ImportJobs
	}
	Clock clock.Clock
	Log   *slog.Logger
	// KeepJobs is how many jobs a tenant keeps (DefaultKeepJobs when 0),
	// the one it sends included; past it the job that ended first is
	// forgotten. A tenant has one open job at a time (429 busy while it
	// runs).
	KeepJobs int
	// Holder names this node in the jobs it claims (the job runner's
	// Holder); a random name when empty.
	Holder string
	// JobLease is how long a job's claim lasts unless renewed (every
	// third of it while the job runs): how soon another node resumes a
	// job whose node stopped. DefaultJobLease when 0.
	JobLease time.Duration
	// Background is the context queued jobs run under (the node's life);
	// when it ends they stop, unfinished, and their claims lapse, so
	// that ResumeOnce on any node runs them again. context.Background
	// when nil.
	Background context.Context

	mu    sync.Mutex
	local map[string]chan struct{} // jobs running here: closed when they end
}

// Register adds the endpoints to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	if h.Log == nil {
		h.Log = slog.Default()
	}
	if h.Clock == nil {
		h.Clock = clock.Real{}
	}
	if h.Holder == "" {
		h.Holder = jobs.NewHolder()
	}
	if h.Background == nil {
		h.Background = context.Background()
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
	Reason          string      `json:"reason,omitempty"` // why a job failed
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
	b := batch{tenant: tok.TenantID, token: tok.ID, users: users, sha: hex.EncodeToString(sum[:])}
	if len(users) <= SyncRows {
		ans, err := h.run(r.Context(), b)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, ans)
		return nil
	}
	input, err := pack(body)
	if err != nil {
		return err
	}
	keep := h.KeepJobs
	if keep <= 0 {
		keep = DefaultKeepJobs
	}
	j := store.ImportJob{ID: ids.New(), TenantID: tok.TenantID, TokenID: tok.ID, Total: len(users), Input: input, CreatedAt: h.Clock.Now()}
	if err := h.Store.CreateImportJob(r.Context(), j, keep); errors.Is(err, store.ErrConflict) {
		where := "the results_url you were given"
		if open, err := h.Store.OpenImportJob(r.Context(), tok.TenantID); err == nil {
			where = jobURL(open.ID)
		}
		return &httpx.Error{Status: http.StatusTooManyRequests, Code: "busy", RetryAfter: busyRetry,
			Message: fmt.Sprintf("an import job of this tenant has not ended; read it at %s and send the next batch when it is done", where)}
	} else if err != nil {
		return err
	}
	h.start(j.ID)
	httpx.WriteJSON(w, http.StatusAccepted, Answer{ID: j.ID, Status: store.ImportQueued, Results: []RowResult{}, ResultsURL: jobURL(j.ID)})
	return nil
}

// batch is one request's users.
type batch struct {
	tenant, token string
	users         []User
	sha           string
}

// run imports b: rows checked one by one, then each application's good
// rows in one transaction.
func (h *Handler) run(ctx context.Context, b batch) (Answer, error) {
	apps, err := h.Store.Applications(ctx, b.tenant)
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
	actor := "api-token:" + b.token
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

func jobURL(id string) string { return "/nl3/api/v1/sdk/importUsers/" + id }

// pack compresses a batch or its results for the store.
func pack(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	if _, err := z.Write(b); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func unpack(b []byte) ([]byte, error) {
	z, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}

func (h *Handler) lease() time.Duration {
	if h.JobLease > 0 {
		return h.JobLease
	}
	return DefaultJobLease
}

// start claims job id for this node and runs it in the background, and
// reports whether it did. A node whose Background has ended (shutting
// down) leaves the job to ResumeOnce.
func (h *Handler) start(id string) bool {
	if h.Background.Err() != nil {
		return false
	}
	now := h.Clock.Now()
	j, ok, err := h.Store.ClaimImportJob(h.Background, id, h.Holder, now, now.Add(h.lease()))
	if err != nil {
		h.Log.Warn("importUsers job not claimed; another node resumes it", "job", id, "err", err)
		return false
	}
	if !ok {
		return false
	}
	done := make(chan struct{})
	h.mu.Lock()
	if h.local == nil {
		h.local = map[string]chan struct{}{}
	}
	h.local[id] = done
	h.mu.Unlock()
	go func() {
		defer func() {
			h.mu.Lock()
			delete(h.local, id)
			h.mu.Unlock()
			close(done)
		}()
		h.work(j, now.Add(h.lease()))
	}()
	return true
}

// work runs claimed job j, held until held, renewing the claim while it
// runs, and records its end. When the node stops meanwhile (Background
// ends) or loses the claim (or cannot renew it before it lapses), nothing
// is recorded: the claim lapses and the job is resumed.
func (h *Handler) work(j store.ImportJob, held time.Time) {
	ctx, cancel := context.WithCancel(h.Background)
	defer cancel()
	go h.renew(ctx, cancel, j.ID, held)
	end := store.ImportJob{ID: j.ID, Holder: h.Holder}
	ans, err := h.attempt(ctx, j)
	switch {
	case ctx.Err() != nil:
		h.Log.Info("importUsers job stopped before it ended; it will be resumed", "job", j.ID, "attempt", j.Attempts)
		return
	case err != nil:
		h.Log.Error("importUsers job failed", "job", j.ID, "err", err)
		end.State, end.Reason = store.ImportFailed, err.Error()
	default:
		end.State = store.ImportDone
		end.Enrolled, end.AlreadyEnrolled, end.MembersCreated, end.Errors = ans.Enrolled, ans.AlreadyEnrolled, ans.MembersCreated, ans.Errors
		raw, err := json.Marshal(ans.Results)
		if err == nil {
			end.Results, err = pack(raw)
		}
		if err != nil {
			end.State, end.Reason = store.ImportFailed, "the results could not be kept: "+err.Error()
		}
	}
	end.FinishedAt = h.Clock.Now()
	end.ExpiresAt = end.FinishedAt.Add(JobKeep)
	// The end is written even while the node stops: it is one short write.
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer wcancel()
	if ok, err := h.Store.FinishImportJob(wctx, end); err != nil || !ok {
		h.Log.Warn("importUsers job's end not recorded; it will be resumed", "job", j.ID, "err", err, "held", ok)
	}
}

// attempt runs j from its stored batch; its error is the job's failure
// reason, for the client.
func (h *Handler) attempt(ctx context.Context, j store.ImportJob) (Answer, error) {
	if j.Attempts > MaxAttempts {
		return Answer{}, fmt.Errorf("interrupted %d times: the node running it stopped each time; rows imported before are kept; send the batch again to import the rest (rows already imported are reported as already_enrolled)", j.Attempts-1)
	}
	body, err := unpack(j.Input)
	var users []User
	if err == nil {
		err = json.Unmarshal(body, &users)
	}
	if err != nil {
		return Answer{}, fmt.Errorf("the stored batch cannot be read (%v); send it again", err)
	}
	sum := sha256.Sum256(body)
	ans, err := h.run(ctx, batch{tenant: j.TenantID, token: j.TokenID, users: users, sha: hex.EncodeToString(sum[:])})
	if err != nil {
		return Answer{}, fmt.Errorf("the import stopped on a store error (%v); rows imported before are kept; send the batch again", err)
	}
	return ans, nil
}

// renew keeps this node's claim on job id, held until held, until ctx
// ends, renewing it every third of the lease. The run is cancelled when
// the claim is lost (another node took the job over) and when the clock
// reaches the end of the last lease renewed (renewals failing): from then
// on another node may claim the job, and two runs of one job must not
// overlap.
func (h *Handler) renew(ctx context.Context, cancel context.CancelFunc, id string, held time.Time) {
	every := h.lease() / 3
	t := time.NewTimer(min(every, held.Sub(h.Clock.Now())))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := h.Clock.Now()
		if !now.Before(held) {
			h.Log.Warn("importUsers job's claim lapsed unrenewed; stopping its run", "job", id, "held until", held)
			cancel()
			return
		}
		until := now.Add(h.lease())
		ok, err := h.Store.RenewImportJob(ctx, id, h.Holder, now, until)
		switch {
		case err != nil && ctx.Err() == nil:
			h.Log.Warn("importUsers job's claim not renewed", "job", id, "err", err, "held until", held)
		case err == nil && !ok:
			h.Log.Warn("importUsers job's claim lost", "job", id)
			cancel()
			return
		case err == nil:
			held = until
		}
		t.Reset(min(every, held.Sub(h.Clock.Now())))
	}
}

// ResumeOnce claims the open jobs nobody holds (their node stopped, or
// took them while shutting down) and runs them here from their stored
// batch, and returns how many it started. A job that reaches its
// MaxAttempts+1st start is marked failed with the reason instead. Run it
// as a background job (package jobs).
func (h *Handler) ResumeOnce(ctx context.Context) (int, error) {
	stranded, err := h.Store.StrandedImportJobs(ctx, h.Clock.Now(), 10)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range stranded {
		if h.start(j.ID) {
			h.Log.Info("importUsers job resumed", "job", j.ID, "tenant", j.TenantID)
			n++
		}
	}
	return n, nil
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) error {
	tok, err := h.Auth.Authenticate(r, "users:import")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	j, err := h.Store.ImportJob(r.Context(), tok.TenantID, id)
	if err != nil {
		return fmt.Errorf("import job %q (kept for %s after it ends): %w", id, JobKeep, err)
	}
	if v := r.URL.Query().Get("wait"); v != "" {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 0 {
			return httpx.Errorf(http.StatusBadRequest, "invalid", "wait must be a whole number of seconds, not %q", v)
		}
		if j, err = h.wait(r.Context(), j, min(time.Duration(secs)*time.Second, maxWait)); err != nil {
			return err
		}
	}
	ans := Answer{ID: j.ID, Status: j.State, Results: []RowResult{}, ResultsURL: jobURL(j.ID)}
	switch j.State {
	case store.ImportFailed:
		ans.Reason = j.Reason
	case store.ImportDone:
		ans.Enrolled, ans.AlreadyEnrolled, ans.MembersCreated, ans.Errors = j.Enrolled, j.AlreadyEnrolled, j.MembersCreated, j.Errors
		raw, err := unpack(j.Results)
		if err == nil {
			err = json.Unmarshal(raw, &ans.Results)
		}
		if err != nil {
			return fmt.Errorf("import job %s: its results cannot be read: %w", j.ID, err)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, ans)
	return nil
}

// wait holds until open job j ends or d passes, and returns it as it is
// then. A job running here is awaited directly; one running on another
// node is read again every pollEvery.
func (h *Handler) wait(ctx context.Context, j store.ImportJob, d time.Duration) (store.ImportJob, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for j.Open() {
		h.mu.Lock()
		done := h.local[j.ID]
		h.mu.Unlock()
		select {
		case <-done: // nil (blocks) unless it runs here
		case <-tick.C:
		case <-timer.C:
			return j, nil
		case <-ctx.Done():
			return j, ctx.Err()
		}
		next, err := h.Store.ImportJob(ctx, j.TenantID, j.ID)
		if err != nil {
			return j, err
		}
		j = next
	}
	return j, nil
}
