package sqlrow

import (
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
