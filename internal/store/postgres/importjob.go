package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// importUsers jobs (store.ImportJobs): a few writes per job, none on the
// lock check's path.

// CreateImportJob implements store.ImportJobs in one transaction: expired
// jobs go, the job goes in (the partial unique index import_jobs_open
// refuses a second open job of a tenant), then the oldest ended jobs past
// keep.
func (s *Store) CreateImportJob(ctx context.Context, j store.ImportJob, keep int) error {
	const op = "create import job"
	created, err := valid.ImportJob(j, keep)
	if err != nil {
		return wrap(op, err)
	}
	return s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*txn)
		if _, err := t.exec(ctx, op, `DELETE FROM import_jobs WHERE tenant_id = $1 AND finished_at <> 0 AND expires_at <= $2`,
			j.TenantID, created); err != nil {
			return err
		}
		n, err := t.exec(ctx, op, `INSERT INTO import_jobs (`+sqlrow.ImportJobInputCols+`)
			VALUES ($1, $2, $3, 'queued', $4, 0, 0, 0, 0, '', '', '', 0, 0, $5, 0, 0, $6) ON CONFLICT DO NOTHING`,
			j.ID, j.TenantID, j.TokenID, j.Total, created, nonNil(j.Input))
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(op, "the tenant has an import job that has not ended")
		}
		_, err = t.exec(ctx, op, `DELETE FROM import_jobs WHERE id IN (SELECT id FROM import_jobs
			WHERE tenant_id = $1 AND finished_at <> 0 ORDER BY finished_at DESC, id DESC OFFSET $2)`, j.TenantID, keep-1)
		return err
	})
}

// ImportJob implements store.ImportJobs.
func (s *Store) ImportJob(ctx context.Context, tenantID, id string) (store.ImportJob, error) {
	return one(ctx, s.pool, "get import job", dialect.ScanImportJob,
		`SELECT `+sqlrow.ImportJobCols+` FROM import_jobs WHERE tenant_id = $1 AND id = $2`, tenantID, id)
}

// OpenImportJob implements store.ImportJobs over import_jobs_open.
func (s *Store) OpenImportJob(ctx context.Context, tenantID string) (store.ImportJob, error) {
	return one(ctx, s.pool, "get open import job", dialect.ScanImportJob,
		`SELECT `+sqlrow.ImportJobCols+` FROM import_jobs WHERE tenant_id = $1 AND finished_at = 0`, tenantID)
}

// ClaimImportJob implements store.ImportJobs with one conditional UPDATE.
func (s *Store) ClaimImportJob(ctx context.Context, id, holder string, now, until time.Time) (store.ImportJob, bool, error) {
	const op = "claim import job"
	n, u, err := valid.ImportClaim(id, holder, now, until)
	if err != nil {
		return store.ImportJob{}, false, wrap(op, err)
	}
	j, err := one(ctx, s.pool, op, dialect.ScanImportJobInput,
		`UPDATE import_jobs SET holder = $1, lease_until = $2, attempts = attempts + 1, state = 'running'
		 WHERE id = $3 AND finished_at = 0 AND lease_until <= $4 RETURNING `+sqlrow.ImportJobInputCols, holder, u, id, n)
	if errors.Is(err, store.ErrNotFound) {
		return store.ImportJob{}, false, nil
	}
	return j, err == nil, err
}

// RenewImportJob implements store.ImportJobs.
func (s *Store) RenewImportJob(ctx context.Context, id, holder string, now, until time.Time) (bool, error) {
	const op = "renew import job"
	n, u, err := valid.ImportClaim(id, holder, now, until)
	if err != nil {
		return false, wrap(op, err)
	}
	res, err := s.pool.Exec(ctx, `UPDATE import_jobs SET lease_until = $1 WHERE id = $2 AND holder = $3 AND finished_at = 0
		 AND lease_until > $4`, u, id, holder, n)
	if err != nil {
		return false, wrap(op, err)
	}
	return res.RowsAffected() == 1, nil
}

// FinishImportJob implements store.ImportJobs.
func (s *Store) FinishImportJob(ctx context.Context, j store.ImportJob) (bool, error) {
	const op = "finish import job"
	finished, expires, err := valid.ImportEnd(j)
	if err != nil {
		return false, wrap(op, err)
	}
	res, err := s.pool.Exec(ctx, `UPDATE import_jobs SET state = $1, enrolled = $2, already_enrolled = $3,
		members_created = $4, errors = $5, reason = $6, results = $7, input = '', lease_until = 0,
		finished_at = $8, expires_at = $9 WHERE id = $10 AND holder = $11 AND finished_at = 0 AND lease_until > $8`,
		j.State, j.Enrolled, j.AlreadyEnrolled, j.MembersCreated, j.Errors, j.Reason, nonNil(j.Results), finished, expires, j.ID, j.Holder)
	if err != nil {
		return false, wrap(op, err)
	}
	return res.RowsAffected() == 1, nil
}

// StrandedImportJobs implements store.ImportJobs.
func (s *Store) StrandedImportJobs(ctx context.Context, now time.Time, limit int) ([]store.ImportJob, error) {
	const op = "list stranded import jobs"
	n, err := valid.Due(now, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, s.pool, op, dialect.ScanImportJob, `SELECT `+sqlrow.ImportJobCols+` FROM import_jobs
		WHERE finished_at = 0 AND lease_until <= $1 ORDER BY created_at, id LIMIT $2`, n, limit)
}

// PurgeImportJobs implements store.ImportJobs.
func (s *Store) PurgeImportJobs(ctx context.Context, now time.Time) (int, error) {
	const op = "purge import jobs"
	n, err := valid.Now(now)
	if err != nil {
		return 0, wrap(op, err)
	}
	res, err := s.pool.Exec(ctx, `DELETE FROM import_jobs WHERE finished_at <> 0 AND expires_at <= $1`, n)
	if err != nil {
		return 0, wrap(op, err)
	}
	return int(res.RowsAffected()), nil
}

// nonNil keeps a NOT NULL blob column from a nil slice.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
