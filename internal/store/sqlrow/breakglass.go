package sqlrow

import (
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
	TemplateCols       = `id, tenant_id, key, title, text, approvers, approver_groups, mode, created_at`
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
	var created int64
	var approvers, groups string
	if err = r.Scan(&t.ID, &t.TenantID, &t.Key, &t.Title, &t.Text, &approvers, &groups, &t.Mode, &created); err != nil {
		return t, err
	}
	t.CreatedAt = valid.FromNanos(created)
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
