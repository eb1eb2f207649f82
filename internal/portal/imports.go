package portal

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/csvimport"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// CSV import from the accounts page. The upload is checked in the request
// with csvimport.Parse, the rules of `deadbolt import accounts`: a file
// with a bad row imports nothing (the bad rows are listed by line) unless
// "skip bad rows" is ticked. A good file is imported by csvimport.Apply in
// the background, in one transaction with its audit event, while the
// import's page shows its progress (app.js polls its JSON form; without
// script, reloading the page does). Imports are known to the node that
// runs them, for an hour after they end.

// maxUploadMB bounds a CSV upload, in MiB (about a million rows of account
// and owner email). Bigger files: `deadbolt import accounts`.
const maxUploadMB = 64

// importsKept is how long a finished import stays listed.
const importsKept = time.Hour

// badRowsShown bounds the bad rows a page lists.
const badRowsShown = 50

// Import states.
const (
	importRunning = "running"
	importDone    = "done"
	importFailed  = "failed"
)

// importJob is one CSV import running or run on this node.
type importJob struct {
	ID, TenantID, AppID, File string
	Started                   time.Time
	Total                     int
	Bad                       []csvimport.RowError // skipped rows
	done                      atomic.Int64

	mu       sync.Mutex
	state    string
	result   csvimport.Result
	finished time.Time
	changed  chan struct{} // closed at the next progress or end
}

// progress records rows done and wakes those waiting for a change.
func (j *importJob) progress(done int) {
	j.done.Store(int64(done))
	j.mu.Lock()
	defer j.mu.Unlock()
	j.wake()
}

func (j *importJob) wake() {
	if j.changed != nil {
		close(j.changed)
	}
	j.changed = make(chan struct{})
}

// wait returns once the job has done more than done rows or ended, or
// after max, or when ctx ends.
func (j *importJob) wait(ctx context.Context, done int, max time.Duration) {
	j.mu.Lock()
	if j.state != importRunning || int(j.done.Load()) > done {
		j.mu.Unlock()
		return
	}
	if j.changed == nil {
		j.changed = make(chan struct{})
	}
	ch := j.changed
	j.mu.Unlock()
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
}

// importStatus is what an import's page and its JSON show.
type importStatus struct {
	ID       string               `json:"id"`
	File     string               `json:"file"`
	State    string               `json:"state"`
	Done     int                  `json:"done"`
	Total    int                  `json:"total"`
	Result   csvimport.Result     `json:"result"`
	Started  time.Time            `json:"started"`
	Finished time.Time            `json:"finished,omitzero"`
	Bad      []csvimport.RowError `json:"-"`
	More     int                  `json:"-"` // bad rows not listed
}

func (j *importJob) status() importStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := importStatus{ID: j.ID, File: j.File, State: j.state, Done: int(j.done.Load()), Total: j.Total, Result: j.result,
		Started: j.Started, Finished: j.finished}
	st.Bad, st.More = shownBad(j.Bad)
	return st
}

func shownBad(bad []csvimport.RowError) ([]csvimport.RowError, int) {
	if len(bad) > badRowsShown {
		return bad[:badRowsShown], len(bad) - badRowsShown
	}
	return bad, 0
}

func (j *importJob) end(res csvimport.Result, err error, at time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.state, j.result, j.finished = importDone, res, at
	if err != nil {
		j.state, j.result = importFailed, csvimport.Result{}
	}
	j.wake()
}

// importJobs are the imports of this node.
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

// start registers a job unless app has one running; it forgets jobs that
// ended long ago.
func (s *importJobs) start(j *importJob, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jobs == nil {
		s.jobs = map[string]*importJob{}
	}
	for id, o := range s.jobs {
		st := o.status()
		if st.State == importRunning && o.AppID == j.AppID {
			return false
		}
		if st.State != importRunning && now.Sub(st.Finished) > importsKept {
			delete(s.jobs, id)
		}
	}
	s.jobs[j.ID] = j
	return true
}

// get finds a job of tenantID's application appID.
func (s *importJobs) get(tenantID, appID, id string) (*importJob, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok || j.TenantID != tenantID || j.AppID != appID {
		return nil, false
	}
	return j, true
}

// ofApp lists an application's imports, newest first.
func (s *importJobs) ofApp(appID string) []importStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []importStatus
	for _, j := range s.jobs {
		if j.AppID == appID {
			out = append(out, j.status())
		}
	}
	slices.SortFunc(out, func(a, b importStatus) int { return b.Started.Compare(a.Started) })
	return out
}

// importCheck is a refused upload, shown again on the accounts page.
type importCheck struct {
	File string
	Good int
	Bad  []csvimport.RowError
	More int
	// Problem is why the file could not be read at all, or "".
	Problem string
}

// readUpload streams the multipart form: the CSV file part is parsed as it
// arrives, never stored whole.
func readUpload(r *http.Request) (parsed csvimport.Parsed, file string, skipBad, sawFile bool, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return parsed, "", false, false, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return parsed, file, skipBad, sawFile, nil
		}
		if err != nil {
			return parsed, file, skipBad, sawFile, err
		}
		switch part.FormName() {
		case "skip_bad":
			skipBad = true
		case "file":
			if part.FileName() == "" || sawFile {
				break // no file chosen, or a second one
			}
			sawFile, file = true, part.FileName()
			if parsed, err = csvimport.Parse(part); err != nil {
				return parsed, file, skipBad, sawFile, err
			}
		}
		part.Close()
	}
}

func (p *Portal) adminImport(w http.ResponseWriter, r *http.Request) error {
	s, app, ok, err := p.requireAdminApp(w, r)
	if !ok {
		return err
	}
	back := accountsURL(app.ID, "", "", "")
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadMB<<20)
	parsed, file, skipBad, sawFile, err := readUpload(r)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return p.adminAccountsPage(w, r, s, app, http.StatusRequestEntityTooLarge, &importCheck{File: file,
			Problem: "The file is larger than the portal takes. Split it, or import it with deadbolt import accounts on the server."})
	case errors.Is(err, csvimport.ErrHeader):
		return p.adminAccountsPage(w, r, s, app, http.StatusBadRequest, &importCheck{File: file,
			Problem: "The first line must name the columns, with one called account (or userAccountId). Nothing was imported."})
	case errors.Is(err, http.ErrNotMultipart), err == nil && !sawFile:
		return &pageError{Status: http.StatusBadRequest, Title: "No file", Message: "Choose a CSV file to import.", Back: back, Cause: err}
	case err != nil:
		return p.adminAccountsPage(w, r, s, app, http.StatusBadRequest, &importCheck{File: file,
			Problem: "The file could not be read as CSV. Nothing was imported."})
	}
	if len(parsed.Bad) > 0 && !skipBad {
		bad, more := shownBad(parsed.Bad)
		return p.adminAccountsPage(w, r, s, app, http.StatusUnprocessableEntity, &importCheck{File: file, Good: len(parsed.Rows), Bad: bad, More: more})
	}
	now := p.now()
	j := &importJob{ID: ids.New(), TenantID: app.TenantID, AppID: app.ID, File: file, Started: now, Total: len(parsed.Rows),
		Bad: parsed.Bad, state: importRunning}
	if !p.imports.start(j, now) {
		return &pageError{Status: http.StatusConflict, Title: "An import is running",
			Message: "An import into " + app.Name + " is still running. Wait for it to finish, then try again.", Back: back}
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer cancel()
		go func() { // shutting down rolls the import back
			select {
			case <-p.closing:
				cancel()
			case <-ctx.Done():
			}
		}()
		res, err := csvimport.Apply(ctx, p.d.Store, s.actor(), app, parsed, now, j.progress)
		if err != nil {
			p.d.Log.Error("portal CSV import failed", "app", app.ID, "file", file, "err", err)
		}
		j.end(res, err, p.now())
	}()
	return seeOther(w, r, importURL(app.ID, j.ID))
}

func importURL(appID, jobID string) string {
	return "/admin/apps/" + appID + "/imports/" + jobID
}

// importWait bounds how long a status request waits for a change.
const importWait = 20 * time.Second

// adminImportStatus shows one import: as a page, or as JSON for the
// page's script. With ?after=N the JSON answer waits (up to importWait)
// until more than N rows are done or the import ended, so the page shows
// progress as it happens without asking every second.
func (p *Portal) adminImportStatus(w http.ResponseWriter, r *http.Request) error {
	s, app, ok, err := p.requireAdminApp(w, r)
	if !ok {
		return err
	}
	j, ok := p.imports.get(s.member.TenantID, app.ID, r.PathValue("job"))
	if !ok {
		return &pageError{Status: http.StatusNotFound, Title: "Import not found",
			Message: "This server does not know that import: it ended more than an hour ago, or another server ran it. " +
				"The accounts page shows what was enrolled.", Back: accountsURL(app.ID, "", "", ""), Cause: store.ErrNotFound}
	}
	if after, err := strconv.Atoi(r.URL.Query().Get("after")); err == nil && wantsJSON(r) {
		j.wait(r.Context(), after, importWait)
	}
	st := j.status()
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, st)
		return nil
	}
	p.renderAdmin(w, r, s, "import", "Import into "+app.Name, map[string]any{"App": app, "Job": st,
		"Poll": importURL(app.ID, j.ID)})
	return nil
}
