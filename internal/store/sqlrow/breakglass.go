package sqlrow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The columns of the break-glass and template tables, in the order their
// scan functions read them and their INSERTs list them.
const (
	// BreakGlassMarkCols reads the target a mark does not name, NULL, as "".
	BreakGlassMarkCols = `id, tenant_id, coalesce(account_id, ''), coalesce(group_id, ''), max_unlock, created_by, created_at`
	BreakGlassCodeCols = `id, tenant_id, app_id, account_id, batch, hash, created_by, created_at, used_at, reported_at`
	TemplateCols       = `id, tenant_id, key, title, text, approvers, approver_groups, mode, created_at, approvals, deny_on, expiry`
)

// ScanBreakGlassMark reads BreakGlassMarkCols.
func (d *Dialect) ScanBreakGlassMark(r Row) (m store.BreakGlassMark, err error) {
	var max, created int64
	err = r.Scan(&m.ID, &m.TenantID, &m.AccountID, &m.GroupID, &max, &m.CreatedBy, &created)
	m.MaxUnlock, m.CreatedAt = time.Duration(max), valid.FromNanos(created)
	return m, err
}

// ScanBreakGlassCode reads BreakGlassCodeCols.
func (d *Dialect) ScanBreakGlassCode(r Row) (c store.BreakGlassCode, err error) {
	var created, used, reported int64
	err = r.Scan(&c.ID, &c.TenantID, &c.AppID, &c.AccountID, &c.Batch, &c.Hash, &c.CreatedBy, &created, &used, &reported)
	c.CreatedAt, c.UsedAt, c.ReportedAt = valid.FromNanos(created), valid.FromNanos(used), valid.FromNanos(reported)
	return c, err
}

// ScanTemplate reads TemplateCols; the ID lists are JSON arrays.
func (d *Dialect) ScanTemplate(r Row) (t store.Template, err error) {
	var created, k, expiry int64
	var approvers, groups string
	if err = r.Scan(&t.ID, &t.TenantID, &t.Key, &t.Title, &t.Text, &approvers, &groups, &t.Mode, &created, &k, &t.DenyOn, &expiry); err != nil {
		return t, err
	}
	t.CreatedAt, t.Approvals, t.Expiry = valid.FromNanos(created), int(k), time.Duration(expiry)
	if t.Approvers, err = IDList(approvers); err == nil {
		t.ApproverGroups, err = IDList(groups)
	}
	return t, err
}

// IDList reads a JSON array of IDs, never nil.
func IDList(s string) ([]string, error) {
	out := []string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("stored ID list is not a JSON array: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// IDListText is the JSON array a list of IDs is stored as.
func IDListText(ids []string) string {
	if ids == nil {
		ids = []string{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// OperationCols are the columns of an approval request for an operation.
const OperationCols = `id, tenant_id, app_id, subject, requester_id, template_id, template_key, title, text, metadata, mode, approvers, approvals, deny_on, status, decided_by, created_at, expires_at, decided_at`

// ScanOperation reads OperationCols; metadata is a JSON object of strings
// and approvers a JSON array of IDs.
func (d *Dialect) ScanOperation(r Row) (o store.Operation, err error) {
	var created, expires, decided, k int64
	var meta, approvers string
	if err = r.Scan(&o.ID, &o.TenantID, &o.AppID, &o.Subject, &o.RequesterID, &o.TemplateID, &o.TemplateKey, &o.Title,
		&o.Text, &meta, &o.Mode, &approvers, &k, &o.DenyOn, &o.Status, &o.DecidedBy, &created, &expires, &decided); err != nil {
		return o, err
	}
	o.Approvals = int(k)
	o.CreatedAt, o.ExpiresAt, o.DecidedAt = valid.FromNanos(created), valid.FromNanos(expires), valid.FromNanos(decided)
	if err := json.Unmarshal([]byte(meta), &o.MetaData); err != nil {
		return o, fmt.Errorf("stored metadata is not a JSON object of strings: %w", err)
	}
	if o.MetaData == nil {
		o.MetaData = map[string]string{}
	}
	o.Approvers, err = IDList(approvers)
	return o, err
}

// MetaDataText is the JSON object an operation's metadata is stored as.
func MetaDataText(m map[string]string) string {
	if m == nil {
		m = map[string]string{}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// Break-glass marks, offline codes and approval templates change at the
// rate of administrators and are never read by the lock check: plain
// queries, each naming the tenant.

// BreakGlassMarks implements store.Reader.
func (r Reads) BreakGlassMarks(ctx context.Context, tenantID string) ([]store.BreakGlassMark, error) {
	return List(ctx, r.D, r.Q, "list break-glass marks", r.D.ScanBreakGlassMark,
		`SELECT `+BreakGlassMarkCols+` FROM break_glass_marks WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// BreakGlassCodes implements store.Reader.
func (r Reads) BreakGlassCodes(ctx context.Context, tenantID string) ([]store.BreakGlassCode, error) {
	return List(ctx, r.D, r.Q, "list break-glass codes", r.D.ScanBreakGlassCode,
		`SELECT `+BreakGlassCodeCols+` FROM break_glass_codes WHERE tenant_id = $1 ORDER BY created_at, batch, id`, tenantID)
}

// BreakGlassCode implements store.Reader.
func (r Reads) BreakGlassCode(ctx context.Context, tenantID, hash string) (store.BreakGlassCode, error) {
	return One(ctx, r.D, r.Q, "get break-glass code", r.D.ScanBreakGlassCode,
		`SELECT `+BreakGlassCodeCols+` FROM break_glass_codes WHERE tenant_id = $1 AND hash = $2`, tenantID, hash)
}

// Template implements store.Reader.
func (r Reads) Template(ctx context.Context, tenantID, key string) (store.Template, error) {
	return One(ctx, r.D, r.Q, "get template", r.D.ScanTemplate,
		`SELECT `+TemplateCols+` FROM approval_templates WHERE tenant_id = $1 AND key = $2`, tenantID, key)
}

// Templates implements store.Reader.
func (r Reads) Templates(ctx context.Context, tenantID string) ([]store.Template, error) {
	return List(ctx, r.D, r.Q, "list templates", r.D.ScanTemplate,
		`SELECT `+TemplateCols+` FROM approval_templates WHERE tenant_id = $1 ORDER BY key`, tenantID)
}

// MarkBreakGlass implements store.Tx.
func (w Writes) MarkBreakGlass(ctx context.Context, m store.BreakGlassMark) error {
	const op = "mark break-glass"
	if err := valid.BreakGlassMark(m); err != nil {
		return w.D.Wrap(op, err)
	}
	if m.AccountID != "" {
		// The account's own row names its tenant (no composite key to it).
		if err := w.D.Need(ctx, w.DB, op, `SELECT count(*) FROM accounts WHERE id = $1 AND tenant_id = $2`, m.AccountID, m.TenantID); err != nil {
			return err
		}
	}
	target := "account_id"
	if m.GroupID != "" {
		target = "group_id"
	}
	return w.DB.Insert(ctx, op, valid.Conflict("break_glass_marks", []string{target}), `INSERT INTO break_glass_marks
		(id, tenant_id, account_id, group_id, max_unlock, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		m.ID, m.TenantID, Nullable(m.AccountID), Nullable(m.GroupID), int64(m.MaxUnlock), m.CreatedBy, valid.Nanos(m.CreatedAt))
}

// UnmarkBreakGlass implements store.Tx.
func (w Writes) UnmarkBreakGlass(ctx context.Context, tenantID, id string) error {
	return w.D.Change(ctx, w.DB, "unmark break-glass", nil, `DELETE FROM break_glass_marks WHERE tenant_id = $1 AND id = $2`, tenantID, id)
}

// CreateBreakGlassCode implements store.Tx.
func (w Writes) CreateBreakGlassCode(ctx context.Context, c store.BreakGlassCode) error {
	const op = "create break-glass code"
	if err := valid.BreakGlassCode(c); err != nil {
		return w.D.Wrap(op, err)
	}
	if err := w.D.Need(ctx, w.DB, op, `SELECT count(*) FROM accounts WHERE id = $1 AND tenant_id = $2 AND app_id = $3`,
		c.AccountID, c.TenantID, c.AppID); err != nil {
		return err
	}
	return w.DB.Insert(ctx, op, valid.Conflict("break_glass_codes", []string{"hash"}),
		`INSERT INTO break_glass_codes (`+BreakGlassCodeCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0)`,
		c.ID, c.TenantID, c.AppID, c.AccountID, c.Batch, c.Hash, c.CreatedBy, valid.Nanos(c.CreatedAt))
}

// ReportBreakGlassCode implements store.Tx with one conditional UPDATE.
func (w Writes) ReportBreakGlassCode(ctx context.Context, tenantID, id string, usedAt, at time.Time) (bool, error) {
	const op = "report break-glass code"
	n, err := valid.Stamp("code id", id, "reported at", at)
	if err != nil {
		return false, w.D.Wrap(op, err)
	}
	used, err := valid.Stamp("code id", id, "used at", usedAt)
	if err != nil {
		return false, w.D.Wrap(op, err)
	}
	changed, err := w.DB.Exec(ctx, op, `UPDATE break_glass_codes SET used_at = $1, reported_at = $2
		WHERE tenant_id = $3 AND id = $4 AND reported_at = 0`, used, n, tenantID, id)
	return Applied(changed, err, func() error {
		return w.D.Exists(ctx, w.DB, op, `SELECT count(*) FROM break_glass_codes WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	})
}

// CreateTemplate implements store.Tx.
func (w Writes) CreateTemplate(ctx context.Context, tp store.Template) error {
	return w.D.Put(ctx, w.DB, "create template", valid.Template(tp), valid.Conflict("approval_templates", []string{"key"}),
		`INSERT INTO approval_templates (`+TemplateCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		tp.ID, tp.TenantID, tp.Key, tp.Title, tp.Text, IDListText(tp.Approvers), IDListText(tp.ApproverGroups),
		tp.Mode, valid.Nanos(tp.CreatedAt), tp.Approvals, tp.DenyOn, int64(tp.Expiry))
}

// DeleteTemplate implements store.Tx.
func (w Writes) DeleteTemplate(ctx context.Context, tenantID, key string) error {
	return w.D.Change(ctx, w.DB, "delete template", nil, `DELETE FROM approval_templates WHERE tenant_id = $1 AND key = $2`, tenantID, key)
}
