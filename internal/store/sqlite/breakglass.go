package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Break-glass marks, offline codes and approval templates change at the
// rate of administrators and are never read by the lock check: plain
// queries, each naming the tenant.

// BreakGlassMarks implements store.Reader.
func (r reads) BreakGlassMarks(ctx context.Context, tenantID string) ([]store.BreakGlassMark, error) {
	return list(ctx, r.querier(), "list break-glass marks", dialect.ScanBreakGlassMark,
		`SELECT `+sqlrow.BreakGlassMarkCols+` FROM break_glass_marks WHERE tenant_id = ? ORDER BY created_at, id`, tenantID)
}

// BreakGlassCodes implements store.Reader.
func (r reads) BreakGlassCodes(ctx context.Context, tenantID string) ([]store.BreakGlassCode, error) {
	return list(ctx, r.querier(), "list break-glass codes", dialect.ScanBreakGlassCode,
		`SELECT `+sqlrow.BreakGlassCodeCols+` FROM break_glass_codes WHERE tenant_id = ? ORDER BY created_at, batch, id`, tenantID)
}

// BreakGlassCode implements store.Reader.
func (r reads) BreakGlassCode(ctx context.Context, tenantID, hash string) (store.BreakGlassCode, error) {
	return one(ctx, r.querier(), "get break-glass code", dialect.ScanBreakGlassCode,
		`SELECT `+sqlrow.BreakGlassCodeCols+` FROM break_glass_codes WHERE tenant_id = ? AND hash = ?`, tenantID, hash)
}

// Template implements store.Reader.
func (r reads) Template(ctx context.Context, tenantID, key string) (store.Template, error) {
	return one(ctx, r.querier(), "get template", dialect.ScanTemplate,
		`SELECT `+sqlrow.TemplateCols+` FROM approval_templates WHERE tenant_id = ? AND key = ?`, tenantID, key)
}

// Templates implements store.Reader.
func (r reads) Templates(ctx context.Context, tenantID string) ([]store.Template, error) {
	return list(ctx, r.querier(), "list templates", dialect.ScanTemplate,
		`SELECT `+sqlrow.TemplateCols+` FROM approval_templates WHERE tenant_id = ? ORDER BY key`, tenantID)
}

// MarkBreakGlass implements store.Tx.
func (t *txn) MarkBreakGlass(ctx context.Context, m store.BreakGlassMark) error {
	const op = "mark break-glass"
	if err := valid.BreakGlassMark(m); err != nil {
		return wrap(op, err)
	}
	if m.AccountID != "" {
		// The account's own row names its tenant (no composite key to it).
		if err := dialect.Need(ctx, rowDB{t.tx}, op, `SELECT count(*) FROM accounts WHERE id = ? AND tenant_id = ?`, m.AccountID, m.TenantID); err != nil {
			return err
		}
	}
	_, err := t.exec(ctx, op, `INSERT INTO break_glass_marks (id, tenant_id, account_id, group_id, max_unlock, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ID, m.TenantID, nullable(m.AccountID), nullable(m.GroupID), int64(m.MaxUnlock),
		m.CreatedBy, valid.Nanos(m.CreatedAt))
	return err
}

// UnmarkBreakGlass implements store.Tx.
func (t *txn) UnmarkBreakGlass(ctx context.Context, tenantID, id string) error {
	const op = "unmark break-glass"
	n, err := t.exec(ctx, op, `DELETE FROM break_glass_marks WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return found(op, n, err)
}

// CreateBreakGlassCode implements store.Tx.
func (t *txn) CreateBreakGlassCode(ctx context.Context, c store.BreakGlassCode) error {
	const op = "create break-glass code"
	if err := valid.BreakGlassCode(c); err != nil {
		return wrap(op, err)
	}
	if err := dialect.Need(ctx, rowDB{t.tx}, op, `SELECT count(*) FROM accounts WHERE id = ? AND tenant_id = ? AND app_id = ?`, c.AccountID, c.TenantID, c.AppID); err != nil {
		return err
	}
	_, err := t.exec(ctx, op, `INSERT INTO break_glass_codes (`+sqlrow.BreakGlassCodeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`,
		c.ID, c.TenantID, c.AppID, c.AccountID, c.Batch, c.Hash, c.CreatedBy, valid.Nanos(c.CreatedAt))
	return err
}

// ReportBreakGlassCode implements store.Tx with one conditional UPDATE.
func (t *txn) ReportBreakGlassCode(ctx context.Context, tenantID, id string, usedAt, at time.Time) (bool, error) {
	const op = "report break-glass code"
	n, err := valid.Stamp("code id", id, "reported at", at)
	if err != nil {
		return false, wrap(op, err)
	}
	used, err := valid.Stamp("code id", id, "used at", usedAt)
	if err != nil {
		return false, wrap(op, err)
	}
	changed, err := t.exec(ctx, op, `UPDATE break_glass_codes SET used_at = ?, reported_at = ?
		WHERE tenant_id = ? AND id = ? AND reported_at = 0`, used, n, tenantID, id)
	return sqlrow.Applied(changed, err, func() error {
		return dialect.Exists(ctx, rowDB{t.tx}, op, `SELECT count(*) FROM break_glass_codes WHERE tenant_id = ? AND id = ?`, tenantID, id)
	})
}

// CreateTemplate implements store.Tx.
func (t *txn) CreateTemplate(ctx context.Context, tp store.Template) error {
	const op = "create template"
	if err := valid.Template(tp); err != nil {
		return wrap(op, err)
	}
	_, err := t.exec(ctx, op, `INSERT INTO approval_templates (`+sqlrow.TemplateCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tp.ID, tp.TenantID, tp.Key, tp.Title, tp.Text, sqlrow.IDListText(tp.Approvers), sqlrow.IDListText(tp.ApproverGroups),
		tp.Mode, valid.Nanos(tp.CreatedAt), tp.Approvals, tp.DenyOn, int64(tp.Expiry))
	return err
}

// DeleteTemplate implements store.Tx.
func (t *txn) DeleteTemplate(ctx context.Context, tenantID, key string) error {
	const op = "delete template"
	n, err := t.exec(ctx, op, `DELETE FROM approval_templates WHERE tenant_id = ? AND key = ?`, tenantID, key)
	return found(op, n, err)
}
