package valid

import "github.com/deadbolt-dev/deadbolt/internal/store"

// BreakGlassMark checks a mark for MarkBreakGlass: exactly one target and
// a positive cap.
func BreakGlassMark(m store.BreakGlassMark) error {
	var r Rules
	r.Need("mark id", m.ID, "tenant id", m.TenantID, "created by", m.CreatedBy)
	if (m.AccountID == "") == (m.GroupID == "") {
		r.Fail("a break-glass mark names exactly one account or group")
	}
	r.Positive("max unlock", m.MaxUnlock)
	r.Time("created at", m.CreatedAt, true)
	return r.Err()
}

// BreakGlassCode checks a new code for CreateBreakGlassCode.
func BreakGlassCode(c store.BreakGlassCode) error {
	var r Rules
	r.Need("code id", c.ID, "tenant id", c.TenantID, "application id", c.AppID, "account id", c.AccountID,
		"batch", c.Batch, "hash", c.Hash, "created by", c.CreatedBy)
	r.Time("created at", c.CreatedAt, true)
	if !c.UsedAt.IsZero() || !c.ReportedAt.IsZero() {
		r.Fail("a new code is neither used nor reported")
	}
	return r.Err()
}

// Template checks a template for CreateTemplate.
func Template(t store.Template) error {
	var r Rules
	r.Need("template id", t.ID, "tenant id", t.TenantID, "template key", t.Key, "title", t.Title)
	r.OneOf("mode", t.Mode, store.ModeApprove, store.ModeSignAndApprove)
	r.OneOf("deny on", t.DenyOn, store.DenyFirst, store.DenyQuorum)
	if t.Approvals < 1 {
		r.Fail("approvals %d: at least 1 is needed", t.Approvals)
	}
	if t.Expiry < 0 {
		r.Fail("expiry %s is negative", t.Expiry)
	}
	r.Time("created at", t.CreatedAt, true)
	return r.Err()
}

// Operation checks a new approval request for an operation for
// CreateOperation.
func Operation(o store.Operation) error {
	var r Rules
	r.Need("request id", o.ID, "tenant id", o.TenantID, "application id", o.AppID, "subject", o.Subject,
		"template id", o.TemplateID, "template key", o.TemplateKey, "title", o.Title)
	r.OneOf("mode", o.Mode, store.ModeApprove, store.ModeSignAndApprove)
	r.OneOf("deny on", o.DenyOn, store.DenyFirst, store.DenyQuorum)
	r.OneOf("status", o.Status, store.RequestPending)
	if o.Approvals < 1 {
		r.Fail("approvals %d: at least 1 is needed", o.Approvals)
	}
	if len(o.Approvers) == 0 {
		r.Fail("a request needs at least one approver")
	}
	r.Time("created at", o.CreatedAt, true)
	r.Time("expires at", o.ExpiresAt, true)
	return r.Err()
}
