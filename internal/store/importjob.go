package store

import (
	"context"
	"time"
)

// Import job states.
const (
	ImportQueued  = "queued"  // taken, not started by any node yet
	ImportRunning = "running" // a node claimed it (Holder, until LeaseUntil)
	ImportDone    = "done"
	ImportFailed  = "failed" // Reason says why
)

// ImportJob is an NL3 importUsers batch too large to answer at once
// (package userimport). Input and Results are opaque to the store
// (userimport keeps them compressed). Input is kept while the job is open,
// so that a job whose node stopped can be run again from it; Results and
// the counts are set when it ends.
type ImportJob struct {
	ID       string
	TenantID string
	TokenID  string // the API token that sent it: the audit actor
	State    string // ImportQueued, ImportRunning, ImportDone or ImportFailed
	Total    int    // rows sent
	// Counts of the rows' results, set when the job is done.
	Enrolled, AlreadyEnrolled, MembersCreated, Errors int
	Reason                                            string // why it failed
	Input                                             []byte
	Results                                           []byte
	Holder                                            string    // the node that claimed it last
	LeaseUntil                                        time.Time // its claim lapses then unless renewed
	Attempts                                          int       // claims so far
	CreatedAt                                         time.Time
	FinishedAt                                        time.Time // zero while open
	ExpiresAt                                         time.Time // results forgotten then; zero while open
}

// Open reports whether the job has not ended.
func (j ImportJob) Open() bool { return j.FinishedAt.IsZero() }

// ImportJobs keeps importUsers jobs, outside any Tx, so that every node
// reads every job and a restart loses none. Each method is atomic; the
// claim methods are safe across nodes (one holder at a time).
type ImportJobs interface {
	// CreateImportJob stores j (State ImportQueued, open, nobody holding
	// it) and, in the same transaction, forgets the tenant's ended jobs
	// whose ExpiresAt is not after j.CreatedAt, then its earliest ended
	// ones until at most keep jobs remain with j. A tenant with an open
	// job is ErrConflict.
	CreateImportJob(ctx context.Context, j ImportJob, keep int) error
	// ImportJob returns the tenant's job id without its Input; another
	// tenant's job is ErrNotFound.
	ImportJob(ctx context.Context, tenantID, id string) (ImportJob, error)
	// OpenImportJob returns the tenant's open job without its Input, or
	// ErrNotFound when it has none.
	OpenImportJob(ctx context.Context, tenantID string) (ImportJob, error)
	// ClaimImportJob makes holder the runner of open job id until until,
	// if nobody holds it at now (LeaseUntil <= now); it sets State
	// ImportRunning, adds one to Attempts and returns the job with its
	// Input. false: the job ended or another holder has it.
	ClaimImportJob(ctx context.Context, id, holder string, now, until time.Time) (ImportJob, bool, error)
	// RenewImportJob moves holder's claim of open job id to until, and
	// reports false when holder no longer holds it at now: another holder
	// claimed it, or holder's lease lapsed (LeaseUntil <= now), even if
	// nobody claimed it since.
	RenewImportJob(ctx context.Context, id, holder string, now, until time.Time) (bool, error)
	// FinishImportJob ends open job j.ID held by j.Holder: State (done or
	// failed), the counts, Reason, Results, FinishedAt and ExpiresAt are
	// written and Input dropped. false: holder no longer holds it at
	// j.FinishedAt (another holder claimed it, or its lease lapsed:
	// LeaseUntil <= FinishedAt).
	FinishImportJob(ctx context.Context, j ImportJob) (bool, error)
	// StrandedImportJobs lists open jobs nobody holds at now, oldest
	// first, at most limit, without Input.
	StrandedImportJobs(ctx context.Context, now time.Time, limit int) ([]ImportJob, error)
	// PurgeImportJobs forgets ended jobs whose ExpiresAt is not after
	// now, and returns how many.
	PurgeImportJobs(ctx context.Context, now time.Time) (int, error)
}
