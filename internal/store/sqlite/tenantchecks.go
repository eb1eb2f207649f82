package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// CommittedChecks implements store.Reader from the check-log file.
func (s *Store) CommittedChecks(ctx context.Context, tenantID string, lockedOnly bool, after store.CommitPosition, limit int) (store.CommitPage, error) {
	return s.log.committed(ctx, tenantID, lockedOnly, after, limit)
}

// CommittedChecks implements store.Reader, as ChecksBetween does: the
// check log is another file that no transaction writes.
func (t *txn) CommittedChecks(ctx context.Context, tenantID string, lockedOnly bool, after store.CommitPosition, limit int) (store.CommitPage, error) {
	return t.s.log.committed(ctx, tenantID, lockedOnly, after, limit)
}

// CheckCommitPosition implements store.Reader from the check-log file.
func (s *Store) CheckCommitPosition(ctx context.Context, tenantID string, at time.Time) (int64, error) {
	return s.log.commitPosition(ctx, tenantID, at)
}

// CheckCommitPosition implements store.Reader, as CommittedChecks does.
func (t *txn) CheckCommitPosition(ctx context.Context, tenantID string, at time.Time) (int64, error) {
	return t.s.log.commitPosition(ctx, tenantID, at)
}

// horizon is one past the newest rowid of the check-log file. The file
// has one writer, which gives each new row the newest rowid plus one
// (DeleteChecksBefore never deletes the newest), so every row below the
// horizon is committed and none is ever added below it.
func (l *checkLog) horizon(ctx context.Context) (int64, error) {
	var h int64
	err := l.rdb.QueryRowContext(ctx, `SELECT coalesce(max(rowid), 0) + 1 FROM check_log`).Scan(&h)
	return h, err
}

// committed reads a page of a tenant's answers in rowid order (the
// table's own b-tree, a range of rowids), below the horizon read first;
// other tenants' records of the range are read and passed over.
func (l *checkLog) committed(ctx context.Context, tenantID string, lockedOnly bool, after store.CommitPosition, limit int) (store.CommitPage, error) {
	const op = "list a tenant's check records in commit order"
	page := store.CommitPage{Records: []store.CheckRecord{}}
	if err := positiveLimit(op, limit); err != nil {
		return page, err
	}
	h, err := l.horizon(ctx)
	if err != nil {
		return page, wrap(op, err)
	}
	page.Horizon = h
	first := after.Pos // rowids are unique: Seq is the rowid again
	if after.Seq >= after.Pos {
		first++
	}
	rows, err := l.rdb.QueryContext(ctx, `SELECT `+sqlrow.CheckCols+`, rowid FROM check_log
		WHERE rowid >= ?1 AND rowid < ?2 AND tenant_id = ?3 AND (locked = 1 OR ?4 = 0)
		ORDER BY rowid LIMIT ?5`, first, h, tenantID, lockedOnly, limit)
	if err != nil {
		return page, wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var rowid int64
		c, err := dialect.ScanCheck(sqlrow.Trailing(rows, &rowid))
		if err != nil {
			return page, wrap(op, err)
		}
		page.Records = append(page.Records, c)
		page.Positions = append(page.Positions, store.CommitPosition{Pos: rowid, Seq: rowid})
	}
	return page, wrap(op, rows.Err())
}

// commitPosition is the smallest rowid of the tenant's records since at
// (on the check_log_at index), or the horizon.
func (l *checkLog) commitPosition(ctx context.Context, tenantID string, at time.Time) (int64, error) {
	const op = "find a check-log commit position"
	h, err := l.horizon(ctx)
	if err != nil {
		return 0, wrap(op, err)
	}
	var p int64
	err = l.rdb.QueryRowContext(ctx, `SELECT coalesce(min(rowid), ?1) FROM check_log INDEXED BY check_log_at
		WHERE at >= ?2 AND tenant_id = ?3`, h, valid.Nanos(at), tenantID).Scan(&p)
	return min(p, h), wrap(op, err)
}
