package store

import (
	"context"
	"time"
)

// BreakGlassMark lets an account, or every account owned by a member of a
// group, be opened at once by its owner or an admin, without approvals,
// for at most MaxUnlock (package breakglass). Exactly one of AccountID and
// GroupID is set.
type BreakGlassMark struct {
	ID        string
	TenantID  string
	AccountID string
	GroupID   string
	MaxUnlock time.Duration
	CreatedBy string // audit actor
	CreatedAt time.Time
}

// BreakGlassCode is one one-time offline break-glass code of an account.
// The store keeps only Hash (hex SHA-256 of the code), never the code.
type BreakGlassCode struct {
	ID        string
	TenantID  string
	AppID     string
	AccountID string
	Batch     string // the issue that made it: one file of codes
	Hash      string // unique across the deployment
	CreatedBy string
	CreatedAt time.Time
	// UsedAt is when the device says it used the code; ReportedAt when the
	// server heard of it. Both zero until it is reported.
	UsedAt     time.Time
	ReportedAt time.Time
}

// Template modes: how an approver answers an approval request made from
// the template.
const (
	ModeApprove        = "approve"
	ModeSignAndApprove = "sign_and_approve"
)

// Template is a tenant's template of approval requests for any operation
// (a payment, a deployment): its Text holds ${key} placeholders filled from
// the request's metadata.
type Template struct {
	ID       string
	TenantID string
	Key      string // unique in the tenant, e.g. PURCHASE_APPROVAL
	Title    string
	Text     string
	// Approvers and ApproverGroups are the default approvers: member and
	// group IDs of the tenant. Never nil once read.
	Approvers      []string
	ApproverGroups []string
	Mode           string // ModeApprove or ModeSignAndApprove
	// Approvals is how many approvals decide a request (K, at least 1);
	// DenyOn says when a denial does: DenyFirst or DenyQuorum (when K
	// approvals can no longer come).
	Approvals int
	DenyOn    string
	// Expiry is how long a request stays open; zero means
	// DefaultOperationExpiry.
	Expiry    time.Duration
	CreatedAt time.Time
}

// When a denial decides an approval request for an operation.
const (
	DenyFirst  = "first"
	DenyQuorum = "quorum"
)

// DefaultOperationExpiry is how long an approval request for an operation
// stays open when its template does not say.
const DefaultOperationExpiry = 24 * time.Hour

// BreakGlassReader reads a tenant's break-glass marks and offline codes.
// Every method takes the tenant: a record of another tenant is
// ErrNotFound, and lists hold only the tenant's records.
type BreakGlassReader interface {
	// BreakGlassMarks lists a tenant's marks, oldest first.
	BreakGlassMarks(ctx context.Context, tenantID string) ([]BreakGlassMark, error)
	// BreakGlassCodes lists a tenant's offline codes, oldest first (by
	// batch, then ID).
	BreakGlassCodes(ctx context.Context, tenantID string) ([]BreakGlassCode, error)
	// BreakGlassCode returns the tenant's code whose hash is hash.
	BreakGlassCode(ctx context.Context, tenantID, hash string) (BreakGlassCode, error)
}

// BreakGlassTx is break-glass inside a transaction, with the audit append
// that records each change.
type BreakGlassTx interface {
	BreakGlassReader
	AuditTx

	// MarkBreakGlass stores m; an account or group marked already is
	// ErrConflict, one that does not exist is ErrInvalid.
	MarkBreakGlass(ctx context.Context, m BreakGlassMark) error
	// UnmarkBreakGlass removes the mark id of the tenant (ErrNotFound when
	// there is none).
	UnmarkBreakGlass(ctx context.Context, tenantID, id string) error
	// CreateBreakGlassCode stores c unused and unreported; a hash stored
	// already is ErrConflict.
	CreateBreakGlassCode(ctx context.Context, c BreakGlassCode) error
	// ReportBreakGlassCode records that the code id of the tenant was used
	// at usedAt and reported at at, if it was not reported before, and
	// reports whether this call did it: of concurrent calls exactly one
	// returns true. An unknown code is ErrNotFound.
	ReportBreakGlassCode(ctx context.Context, tenantID, id string, usedAt, at time.Time) (bool, error)
}

// TemplateReader reads a tenant's approval templates; a template of
// another tenant is ErrNotFound.
type TemplateReader interface {
	Template(ctx context.Context, tenantID, key string) (Template, error)
	// Templates lists a tenant's templates by key.
	Templates(ctx context.Context, tenantID string) ([]Template, error)
}

// TemplateTx is the approval templates inside a transaction, with the
// audit append that records each change.
type TemplateTx interface {
	TemplateReader
	AuditTx

	// CreateTemplate stores t; a key the tenant uses already is
	// ErrConflict.
	CreateTemplate(ctx context.Context, t Template) error
	// DeleteTemplate removes the tenant's template key (ErrNotFound when
	// there is none).
	DeleteTemplate(ctx context.Context, tenantID, key string) error
}
