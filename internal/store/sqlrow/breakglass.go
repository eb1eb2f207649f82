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
