package sqlrow

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// GrantsBetweenArgs are the arguments of each backend's GrantsBetween
// query, in this order: tenant, until, since, the cursor's created time and
// ID, limit.
func GrantsBetweenArgs(tenantID string, since, until time.Time, after store.Grant, limit int) []any {
	return []any{tenantID, valid.Nanos(until), valid.Nanos(since), valid.Nanos(after.CreatedAt), after.ID, limit}
}

// ChecksBetweenArgs are the arguments of each backend's ChecksBetween
// query, in this order:
// application, until, the position's time and write order, limit. A
// position before since starts at since.
func ChecksBetweenArgs(appID string, since, until time.Time, after store.CheckPosition, limit int) []any {
	if s := valid.Nanos(since); after.At < s {
		after = store.CheckPosition{At: s, Seq: -1}
	}
	return []any{appID, valid.Nanos(until), after.At, after.Seq, limit}
}

// CheckPage reads rows of CheckCols followed by the write order into
// records and the position of the last one (after itself when there is
// none). It leaves closing rows to the caller.
func (d *Dialect) CheckPage(rows Rows, after store.CheckPosition) ([]store.CheckRecord, store.CheckPosition, error) {
	out := []store.CheckRecord{}
	for rows.Next() {
		var seq int64
		c, err := d.ScanCheck(Trailing(rows, &seq))
		if err != nil {
			return nil, after, err
		}
		out = append(out, c)
		after = store.CheckPosition{At: valid.Nanos(c.At), Seq: seq}
	}
	return out, after, rows.Err()
}

// Trailing is r for a ScanX whose row has more columns after those it
// reads: they are scanned into more.
func Trailing(r Row, more ...any) Row { return trailing{r, more} }

// trailing scans a row whose last columns follow those a ScanX reads.
type trailing struct {
	r    Row
	more []any
}

func (t trailing) Scan(dest ...any) error { return t.r.Scan(append(dest, t.more...)...) }

// QueryCheckPage runs query, a query of one page of check-log records
// (CheckCols, then the write order) after position after, with q, and
// reads it with CheckPage. A limit below 1 is store.ErrInvalid.
func (d *Dialect) QueryCheckPage(ctx context.Context, q Querier, op, query string, args []any, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	if err := d.Limit(op, limit); err != nil {
		return nil, after, err
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, after, d.Wrap(op, err)
	}
	defer rows.Close()
	recs, pos, err := d.CheckPage(rows, after)
	return recs, pos, d.Wrap(op, err)
}

// GrantsBetween implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r Reads) GrantsBetween(ctx context.Context, tenantID string, since, until time.Time, after store.Grant, limit int) ([]store.Grant, error) {
	const op = "list grants of a period"
	if err := r.D.Limit(op, limit); err != nil {
		return nil, err
	}
	return List(ctx, r.D, r.Q, op, r.D.ScanGrant, `SELECT `+GrantCols+` FROM grants
		WHERE tenant_id = $1 AND created_at < $2 AND until > $3
			AND (consumed_at = 0 OR consumed_at > $3) AND (revoked_at = 0 OR revoked_at > $3)
			AND (created_at, id) > ($4, $5)
		ORDER BY created_at, id LIMIT $6`, GrantsBetweenArgs(tenantID, since, until, after, limit)...)
}
