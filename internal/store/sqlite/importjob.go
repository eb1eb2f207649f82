package sqlite

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
		if _, err := t.exec(ctx, op, `DELETE FROM import_jobs WHERE tenant_id = ? AND finished_at <> 0 AND expires_at <= ?`,
			j.TenantID, created); err != nil {
			return err
		}
		n, err := t.exec(ctx, op, `INSERT INTO import_jobs (`+sqlrow.ImportJobInputCols+`)
			VALUES (?, ?, ?, 'queued', ?, 0, 0, 0, 0, '', x'', '', 0, 0, ?, 0, 0, ?) ON CONFLICT DO NOTHING`,
			j.ID, j.TenantID, j.TokenID, j.Total, created, nonNil(j.Input))
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict(op, "the tenant has an import job that has not ended")
		}
		_, err = t.exec(ctx, op, `DELETE FROM import_jobs WHERE id IN (SELECT id FROM import_jobs
			WHERE tenant_id = ? AND finished_at <> 0 ORDER BY finished_at DESC, id DESC LIMIT -1 OFFSET ?)`, j.TenantID, keep-1)
		return err
	})
}

// ImportJob implements store.ImportJobs.
func (s *Store) ImportJob(ctx context.Context, tenantID, id string) (store.ImportJob, error) {
	return one(ctx, s.rdb, "get import job", dialect.ScanImportJob,
		`SELECT `+sqlrow.ImportJobCols+` FROM import_jobs WHERE tenant_id = ? AND id = ?`, tenantID, id)
}

// OpenImportJob implements store.ImportJobs over import_jobs_open.
func (s *Store) OpenImportJob(ctx context.Context, tenantID string) (store.ImportJob, error) {
	return one(ctx, s.rdb, "get open import job", dialect.ScanImportJob,
		`SELECT `+sqlrow.ImportJobCols+` FROM import_jobs WHERE tenant_id = ? AND finished_at = 0`, tenantID)
}

// ClaimImportJob implements store.ImportJobs with one conditional UPDATE.
func (s *Store) ClaimImportJob(ctx context.Context, id, holder string, now, until time.Time) (store.ImportJob, bool, error) {
	const op = "claim import job"
	n, u, err := valid.ImportClaim(id, holder, now, until)
	if err != nil {
		return store.ImportJob{}, false, wrap(op, err)
	}
	j, err := one(ctx, s.wdb, op, dialect.ScanImportJobInput,
		`UPDATE import_jobs SET holder = ?, lease_until = ?, attempts = attempts + 1, state = 'running'
		 WHERE id = ? AND finished_at = 0 AND lease_until <= ? RETURNING `+sqlrow.ImportJobInputCols, holder, u, id, n)
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
	res, err := s.wdb.ExecContext(ctx, `UPDATE import_jobs SET lease_until = ? WHERE id = ? AND holder = ? AND finished_at = 0
		 AND lease_until > ?`, u, id, holder, n)
	if err != nil {
		return false, wrap(op, err)
	}
	k, err := res.RowsAffected()
	return k == 1, wrap(op, err)
}

// FinishImportJob implements store.ImportJobs.
func (s *Store) FinishImportJob(ctx context.Context, j store.ImportJob) (bool, error) {
	const op = "finish import job"
	finished, expires, err := valid.ImportEnd(j)
	if err != nil {
		return false, wrap(op, err)
	}
	res, err := s.wdb.ExecContext(ctx, `UPDATE import_jobs SET state = ?, enrolled = ?, already_enrolled = ?,
		members_created = ?, errors = ?, reason = ?, results = ?, input = x'', lease_until = 0,
		finished_at = ?, expires_at = ? WHERE id = ? AND holder = ? AND finished_at = 0 AND lease_until > ?`,
		j.State, j.Enrolled, j.AlreadyEnrolled, j.MembersCreated, j.Errors, j.Reason, nonNil(j.Results), finished, expires, j.ID, j.Holder, finished)
	if err != nil {
		return false, wrap(op, err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(op, err)
}

// StrandedImportJobs implements store.ImportJobs.
func (s *Store) StrandedImportJobs(ctx context.Context, now time.Time, limit int) ([]store.ImportJob, error) {
	const op = "list stranded import jobs"
	n, err := valid.Due(now, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, s.rdb, op, dialect.ScanImportJob, `SELECT `+sqlrow.ImportJobCols+` FROM import_jobs
		WHERE finished_at = 0 AND lease_until <= ? ORDER BY created_at, id LIMIT ?`, n, limit)
}

// PurgeImportJobs implements store.ImportJobs.
func (s *Store) PurgeImportJobs(ctx context.Context, now time.Time) (int, error) {
	const op = "purge import jobs"
	n, err := valid.Now(now)
	if err != nil {
		return 0, wrap(op, err)
	}
	res, err := s.wdb.ExecContext(ctx, `DELETE FROM import_jobs WHERE finished_at <> 0 AND expires_at <= ?`, n)
	if err != nil {
		return 0, wrap(op, err)
	}
	k, err := res.RowsAffected()
	return int(k), wrap(op, err)
}

// nonNil keeps a NOT NULL blob column from a nil slice.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
