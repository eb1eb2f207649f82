package postgres

import (
	"context"
	"math"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// legacyBase shifts the seq of a record written before the check log kept
// its transaction (xid 0, migration 0024) to a negative commit position:
// those records are all committed, so any fixed order of them is a commit
// order, and seq's is the one their index serves.
const legacyBase = -1 << 62

// firstXID is the lowest normal transaction ID: 0 to 2 are reserved, so a
// commit position from 0 to 2 is after every legacy record and before
// every transaction's.
const firstXID = 3

// horizonSQL is the oldest transaction still running in the cluster: every
// transaction below it has ended, and every one that starts later gets a
// higher ID.
const horizonSQL = `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`

// CommittedChecks implements store.Reader on the check_log_tenant_xid
// index (tenant_id, xid, seq), below the horizon read first: records of
// transactions that ended before the read began are all visible to it
// (in any isolation level: a snapshot taken later, or the same one). Open
// answers are read and passed over if lockedOnly.
func (r reads) CommittedChecks(ctx context.Context, tenantID string, lockedOnly bool, after store.CommitPosition, limit int) (store.CommitPage, error) {
	const op = "list a tenant's check records in commit order"
	page := store.CommitPage{Records: []store.CheckRecord{}}
	if err := positiveLimit(op, limit); err != nil {
		return page, err
	}
	h, err := sqlrow.One(ctx, dialect, r.Q, op, sqlrow.ScanInt64, horizonSQL)
	if err != nil {
		return page, err
	}
	page.Horizon = h
	xid, seq := after.Pos, after.Seq
	switch {
	case after.Pos < 0: // within the legacy records, from the one at Pos
		xid, seq = 0, max(seq, after.Pos-legacyBase-1)
	case after.Pos < firstXID: // past every legacy record
		xid, seq = 0, math.MaxInt64
	}
	// The bigint xid needs a name of its own: ORDER BY xid would sort by
	// it (an output column) rather than walk the index.
	rows, err := r.q.Query(ctx, `SELECT `+sqlrow.CheckCols+`, xid::text::bigint AS xid_number, seq FROM check_log
		WHERE tenant_id = $1 AND (xid, seq) > ($2::bigint::text::xid8, $3) AND xid < $4::bigint::text::xid8
			AND (locked OR NOT $5::boolean)
		ORDER BY xid, seq LIMIT $6`, tenantID, xid, seq, h, lockedOnly, limit)
	if err != nil {
		return page, wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var x, s int64
		c, err := dialect.ScanCheck(sqlrow.Trailing(rows, &x, &s))
		if err != nil {
			return page, wrap(op, err)
		}
		if x == 0 {
			x = legacyBase + s
		}
		page.Records = append(page.Records, c)
		page.Positions = append(page.Positions, store.CommitPosition{Pos: x, Seq: s})
	}
	return page, wrap(op, rows.Err())
}

// CheckCommitPosition implements store.Reader on the check_log_at index.
func (r reads) CheckCommitPosition(ctx context.Context, tenantID string, at time.Time) (int64, error) {
	const op = "find a check-log commit position"
	h, err := sqlrow.One(ctx, dialect, r.Q, op, sqlrow.ScanInt64, horizonSQL)
	if err != nil {
		return 0, err
	}
	p, err := sqlrow.One(ctx, dialect, r.Q, op, sqlrow.ScanInt64, `SELECT coalesce(min(CASE WHEN xid = '0' THEN $3 + seq ELSE xid::text::bigint END), $4)
		FROM check_log WHERE at >= $1 AND tenant_id = $2`, valid.Nanos(at), tenantID, int64(legacyBase), h)
	return min(p, h), err
}
