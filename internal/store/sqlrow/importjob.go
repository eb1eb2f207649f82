package sqlrow

import (
	"context"
	"errors"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// ImportJobCols are the columns of import_jobs but input, in the order
// ScanImportJob reads them; ImportJobInputCols adds input.
const (
	ImportJobCols = `id, tenant_id, token_id, state, total, enrolled, already_enrolled, members_created, errors, reason,
		results, holder, lease_until, attempts, created_at, finished_at, expires_at`
	ImportJobInputCols = ImportJobCols + `, input`
)

// ScanImportJob reads ImportJobCols.
func (d *Dialect) ScanImportJob(r Row) (store.ImportJob, error) { return scanImportJob(r, false) }

// ScanImportJobInput reads ImportJobInputCols.
func (d *Dialect) ScanImportJobInput(r Row) (store.ImportJob, error) { return scanImportJob(r, true) }

func scanImportJob(r Row, input bool) (j store.ImportJob, err error) {
	var lease, created, finished, expires int64
	dest := []any{&j.ID, &j.TenantID, &j.TokenID, &j.State, &j.Total, &j.Enrolled, &j.AlreadyEnrolled, &j.MembersCreated,
		&j.Errors, &j.Reason, &j.Results, &j.Holder, &lease, &j.Attempts, &created, &finished, &expires}
	if input {
		dest = append(dest, &j.Input)
	}
	err = r.Scan(dest...)
	if len(j.Input) == 0 { // drivers read an empty blob as nil or not
		j.Input = nil
	}
	if len(j.Results) == 0 {
		j.Results = nil
	}
	j.LeaseUntil, j.CreatedAt = valid.FromNanos(lease), valid.FromNanos(created)
	j.FinishedAt, j.ExpiresAt = valid.FromNanos(finished), valid.FromNanos(expires)
	return j, err
}

// importUsers jobs (store.ImportJobs): a few writes per job, none on the
// lock check's path.

// CreateImportJob implements store.ImportJobs in one transaction: expired
// jobs go, the job goes in (the partial unique index import_jobs_open
// refuses a second open job of a tenant), then the oldest ended jobs past
// keep.
func (s Pools) CreateImportJob(ctx context.Context, j store.ImportJob, keep int) error {
	const op = "create import job"
	created, err := valid.ImportJob(j, keep)
	if err != nil {
		return s.D.Wrap(op, err)
	}
	return s.InTx(ctx, func(tx DB) error {
		if _, err := tx.Exec(ctx, op, `DELETE FROM import_jobs WHERE tenant_id = $1 AND finished_at <> 0 AND expires_at <= $2`,
			j.TenantID, created); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, op, `INSERT INTO import_jobs (`+ImportJobInputCols+`)
			VALUES ($1, $2, $3, 'queued', $4, 0, 0, 0, 0, '', $7, '', 0, 0, $5, 0, 0, $6) ON CONFLICT DO NOTHING`,
			j.ID, j.TenantID, j.TokenID, j.Total, created, Blob(j.Input), []byte{})
		if err != nil {
			return err
		}
		if n == 0 {
			return s.D.Conflict(op, "the tenant has an import job that has not ended")
		}
		_, err = tx.Exec(ctx, op, `DELETE FROM import_jobs WHERE tenant_id = $1 AND finished_at <> 0 AND id NOT IN
			(SELECT id FROM import_jobs WHERE tenant_id = $1 AND finished_at <> 0 ORDER BY finished_at DESC, id DESC LIMIT $2)`,
			j.TenantID, keep-1)
		return err
	})
}

// ImportJob implements store.ImportJobs.
func (s Pools) ImportJob(ctx context.Context, tenantID, id string) (store.ImportJob, error) {
	return One(ctx, s.D, s.R, "get import job", s.D.ScanImportJob,
		`SELECT `+ImportJobCols+` FROM import_jobs WHERE tenant_id = $1 AND id = $2`, tenantID, id)
}

// OpenImportJob implements store.ImportJobs over import_jobs_open.
func (s Pools) OpenImportJob(ctx context.Context, tenantID string) (store.ImportJob, error) {
	return One(ctx, s.D, s.R, "get open import job", s.D.ScanImportJob,
		`SELECT `+ImportJobCols+` FROM import_jobs WHERE tenant_id = $1 AND finished_at = 0`, tenantID)
}

// ClaimImportJob implements store.ImportJobs with one conditional UPDATE.
func (s Pools) ClaimImportJob(ctx context.Context, id, holder string, now, until time.Time) (store.ImportJob, bool, error) {
	const op = "claim import job"
	n, u, err := valid.ImportClaim(id, holder, now, until)
	if err != nil {
		return store.ImportJob{}, false, s.D.Wrap(op, err)
	}
	j, err := One(ctx, s.D, s.W, op, s.D.ScanImportJobInput,
		`UPDATE import_jobs SET holder = $1, lease_until = $2, attempts = attempts + 1, state = 'running'
		 WHERE id = $3 AND finished_at = 0 AND lease_until <= $4 RETURNING `+ImportJobInputCols, holder, u, id, n)
	if errors.Is(err, store.ErrNotFound) {
		return store.ImportJob{}, false, nil
	}
	return j, err == nil, err
}

// RenewImportJob implements store.ImportJobs.
func (s Pools) RenewImportJob(ctx context.Context, id, holder string, now, until time.Time) (bool, error) {
	const op = "renew import job"
	n, u, err := valid.ImportClaim(id, holder, now, until)
	if err != nil {
		return false, s.D.Wrap(op, err)
	}
	k, err := s.W.Exec(ctx, op, `UPDATE import_jobs SET lease_until = $1 WHERE id = $2 AND holder = $3 AND finished_at = 0
		 AND lease_until > $4`, u, id, holder, n)
	return k == 1, err
}

// FinishImportJob implements store.ImportJobs.
func (s Pools) FinishImportJob(ctx context.Context, j store.ImportJob) (bool, error) {
	const op = "finish import job"
	finished, expires, err := valid.ImportEnd(j)
	if err != nil {
		return false, s.D.Wrap(op, err)
	}
	k, err := s.W.Exec(ctx, op, `UPDATE import_jobs SET state = $1, enrolled = $2, already_enrolled = $3,
		members_created = $4, errors = $5, reason = $6, results = $7, input = $12, lease_until = 0,
		finished_at = $8, expires_at = $9 WHERE id = $10 AND holder = $11 AND finished_at = 0 AND lease_until > $8`,
		j.State, j.Enrolled, j.AlreadyEnrolled, j.MembersCreated, j.Errors, j.Reason, Blob(j.Results), finished, expires,
		j.ID, j.Holder, []byte{})
	return k == 1, err
}

// StrandedImportJobs implements store.ImportJobs.
func (s Pools) StrandedImportJobs(ctx context.Context, now time.Time, limit int) ([]store.ImportJob, error) {
	return ListDue(ctx, s.D, s.R, "list stranded import jobs", s.D.ScanImportJob, now, limit,
		`SELECT `+ImportJobCols+` FROM import_jobs
		WHERE finished_at = 0 AND lease_until <= $1 ORDER BY created_at, id LIMIT $2`)
}

// PurgeImportJobs implements store.ImportJobs.
func (s Pools) PurgeImportJobs(ctx context.Context, now time.Time) (int, error) {
	const op = "purge import jobs"
	n, err := valid.Now(now)
	if err != nil {
		return 0, s.D.Wrap(op, err)
	}
	k, err := s.W.Exec(ctx, op, `DELETE FROM import_jobs WHERE finished_at <> 0 AND expires_at <= $1`, n)
	return int(k), err
}
