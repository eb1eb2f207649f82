package sqlrow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The writes of approval requests (unlock requests and operation
// requests) that both backends share; each passes its own SQL text.

// Decide moves a pending request to status at time at with update, run on
// db: a
// conditional UPDATE whose arguments are status, by, the time, then set
// (more columns, as update names them), the request's id and the time
// again, which update compares with expires_at where it has %s: a request
// is decided while it is open and expired once it is not. It reports
// whether the request moved; when it did not, exists says whether the
// request is there at all (Exists). See store.Tx's DecideRequest.
func (d *Dialect) Decide(ctx context.Context, db DB, op, update, exists, id, status, by string, at time.Time, set ...any) (bool, error) {
	n, err := valid.Decision(id, status, by, at)
	if err != nil {
		return false, d.Wrap(op, err)
	}
	cmp := ">"
	if status == store.RequestExpired {
		cmp = "<="
	}
	args := append(append([]any{status, by, n}, set...), id, n)
	rows, err := db.Exec(ctx, op, fmt.Sprintf(update, cmp), args...)
	return Applied(rows, err, func() error { return d.Exists(ctx, db, op, exists, id) })
}

// CastVote stores v with db, as a vote on a request of the kind the SQL
// names: tenantOf reads the tenant_id of the request whose id is its one
// argument, and insert inserts a vote's VoteCols, in order. A vote on a
// request that does not exist, or is in another tenant, is store.ErrInvalid.
func (d *Dialect) CastVote(ctx context.Context, db DB, op string, v store.Vote, tenantOf, insert string) error {
	if err := valid.Vote(v); err != nil {
		return d.Wrap(op, err)
	}
	var tenant string
	switch err := db.QueryRow(ctx, tenantOf, v.RequestID).Scan(&tenant); {
	case errors.Is(err, d.NoRows):
		return d.Invalid(op, "request %s does not exist", v.RequestID)
	case err != nil:
		return d.Wrap(op, err)
	case tenant != v.TenantID:
		return d.Invalid(op, "request %s is not in tenant %s", v.RequestID, v.TenantID)
	}
	return db.Insert(ctx, op, "member "+v.MemberID+" has voted on request "+v.RequestID+" already", insert,
		v.RequestID, v.TenantID, v.MemberID, v.Decision, v.Channel, v.Actor, v.Comment, v.Evidence, valid.Nanos(v.At))
}
