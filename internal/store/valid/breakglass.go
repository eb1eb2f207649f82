package valid

import "github.com/deadbolt-dev/deadbolt/internal/store"

// BreakGlassMark checks a mark for MarkBreakGlass: exactly one target and
// a positive cap.
func BreakGlassMark(m store.BreakGlassMark) error {
	var r Rules
	return r.Need("mark id", m.ID, "tenant id", m.TenantID, "created by", m.CreatedBy).
		Require((m.AccountID == "") != (m.GroupID == ""), "a break-glass mark names exactly one account or group").
		Positive("max unlock", m.MaxUnlock).
		At("created at", m.CreatedAt, true).Err()
}

// BreakGlassCode checks a new code for CreateBreakGlassCode.
func BreakGlassCode(c store.BreakGlassCode) error {
	var r Rules
	return r.Need("code id", c.ID, "tenant id", c.TenantID, "application id", c.AppID, "account id", c.AccountID,
		"batch", c.Batch, "hash", c.Hash, "created by", c.CreatedBy).
		At("created at", c.CreatedAt, true).
		Require(c.UsedAt.IsZero() && c.ReportedAt.IsZero(), "a new code is neither used nor reported").Err()
}

// Template checks a template for CreateTemplate.
func Template(t store.Template) error {
	var r Rules
	return r.Need("template id", t.ID, "tenant id", t.TenantID, "template key", t.Key, "title", t.Title).
		OneOf("mode", t.Mode, store.ModeApprove, store.ModeSignAndApprove).
		OneOf("deny on", t.DenyOn, store.DenyFirst, store.DenyQuorum).
		Require(t.Approvals >= 1, "approvals %d: at least 1 is needed", t.Approvals).
		Require(t.Expiry >= 0, "expiry %s is negative", t.Expiry).
		At("created at", t.CreatedAt, true).Err()
}

// Operation checks a new approval request for an operation for
// CreateOperation.
func Operation(o store.Operation) error {
	var r Rules
	return r.Need("request id", o.ID, "tenant id", o.TenantID, "application id", o.AppID, "subject", o.Subject,
		"template id", o.TemplateID, "template key", o.TemplateKey, "title", o.Title).
		OneOf("mode", o.Mode, store.ModeApprove, store.ModeSignAndApprove).
		OneOf("deny on", o.DenyOn, store.DenyFirst, store.DenyQuorum).
		OneOf("status", o.Status, store.RequestPending).
		Require(o.Approvals >= 1, "approvals %d: at least 1 is needed", o.Approvals).
		Require(len(o.Approvers) != 0, "a request needs at least one approver").
		At("created at", o.CreatedAt, true).At("expires at", o.ExpiresAt, true).Err()
}
