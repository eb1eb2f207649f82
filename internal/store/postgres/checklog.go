package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The check log stays in the database on PostgreSQL: its commits happen on
// the database server's disk, not on the nodes', and are written in one
// statement per batch.

// AppendChecks writes the batch with one INSERT … SELECT FROM unnest(…)
// and moves each named key's last_used_at forward with one UPDATE per key,
// in kid order (so that batches from several nodes never deadlock), all
// sent in one round trip as one implicit transaction. Key usage is not
// announced: the lock check never reads LastUsedAt.
func (s *Store) AppendChecks(ctx context.Context, recs []store.CheckRecord) error {
	const op = "append checks"
	if len(recs) == 0 {
		return nil
	}
	n := len(recs)
	var (
		ids, tenants, apps, kids, accounts = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		statuses, ips, devices, locations  = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		integrations, policies             = make([]string, n), make([]string, n)
		ats                                = make([]int64, n)
		locked                             = make([]bool, n)
	)
	latest := make(map[string]int64)
	for i, c := range recs {
		if err := valid.CheckRecord(c); err != nil {
			return fmt.Errorf("%w (record %d of %d)", wrap(op, err), i+1, n)
		}
		at := valid.Nanos(c.At)
		ids[i], tenants[i], apps[i], kids[i], accounts[i] = c.ID, c.TenantID, c.AppID, c.KID, c.Account
		ats[i], locked[i], statuses[i] = at, c.Locked, c.Status
		ips[i], devices[i], locations[i], integrations[i] = c.IP, c.Device, c.Location, c.IntegrationType
		policies[i] = c.PolicyID
		if c.KID != "" && at > latest[c.KID] {
			latest[c.KID] = at
		}
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO check_log (`+sqlrow.CheckCols+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
			$7::boolean[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`,
		ids, tenants, apps, kids, accounts, ats, locked, statuses, ips, devices, locations, integrations, policies)
	keys := make([]string, 0, len(latest))
	for kid := range latest {
		keys = append(keys, kid)
	}
	slices.Sort(keys)
	for _, kid := range keys {
		b.Queue(`UPDATE signing_keys SET last_used_at = $1 WHERE kid = $2 AND last_used_at < $1`, latest[kid], kid)
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return wrap(op, err)
	}
	return nil
}

// DeleteChecksBefore implements store.Store: one DELETE of up to limit of
// the oldest records before before, found through check_log_at (migration
// 0010).
func (s *Store) DeleteChecksBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	const op = "delete old check records"
	if err := valid.Limit(limit); err != nil {
		return 0, wrap(op, err)
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM check_log WHERE id IN
		(SELECT id FROM check_log WHERE at < $1 ORDER BY at LIMIT $2)`, valid.Nanos(before), limit)
	if err != nil {
		return 0, wrap(op, err)
	}
	return int(tag.RowsAffected()), nil
}
