package sqlrow

import (
	"errors"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The append of an audit record, store.Tx.AppendAudit, is the same on both
// databases but for how each keeps appends of one tenant one at a time
// and runs its statements: a backend checks the event (valid.AuditEvent),
// locks what it needs, reads the tenant's last record, (seq, hash), with
// LastAuditQuery, takes the next record from NextAudit and inserts it with
// InsertAuditQuery and AuditArgs.

// LastAuditQuery reads the (seq, hash) of tenant $1's last audit record.
const LastAuditQuery = `SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1`

// InsertAuditQuery inserts one audit record: its arguments are AuditArgs.
const InsertAuditQuery = `INSERT INTO audit_log (` + AuditCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

// NextAudit scans last, the row of LastAuditQuery (no row: the tenant has
// no record yet), and returns the record event e appends after it at time
// at. An event the audit chain refuses is store.ErrInvalid.
func (d *Dialect) NextAudit(op string, last Row, e audit.Event, at time.Time) (audit.Record, error) {
	var prev *audit.Record
	var head audit.Record
	switch err := last.Scan(&head.Seq, &head.Hash); {
	case err == nil:
		prev = &head
	case !errors.Is(err, d.NoRows):
		return audit.Record{}, d.Wrap(op, err)
	}
	rec, err := audit.Next(prev, e, at)
	if err != nil {
		return audit.Record{}, fmt.Errorf("%s: %s: %w: %w", d.Name, op, store.ErrInvalid, err)
	}
	return rec, nil
}

// AuditArgs are the arguments of InsertAuditQuery for rec, appended at at.
func AuditArgs(rec audit.Record, at time.Time) []any {
	return []any{rec.TenantID, rec.Seq, valid.Nanos(at), rec.Actor, rec.Action, rec.Target, string(rec.Data), rec.PrevHash, rec.Hash}
}
