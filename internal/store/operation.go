package store

import (
	"context"
	"time"
)

// Operation is an approval request for any operation (a payment, a
// deployment) that an application asked for from one of its tenant's
// templates (NL3 approvalRequest). It keeps a copy of what its template
// said when it was made, so that editing or deleting the template changes
// no request under way, and the approvers it resolved then.
type Operation struct {
	ID       string
	TenantID string
	AppID    string
	// Subject is the user at the application the request is about: the
	// sub of the token that asked.
	Subject string
	// RequesterID is the member who owns Subject's account at the
	// application, "" when none does; they may not approve it.
	RequesterID string
	TemplateID  string
	TemplateKey string
	Title       string
	// Text is the template's text with its ${key} placeholders filled from
	// MetaData, as plain text (HTML-escape it to show it in a page).
	Text     string
	MetaData map[string]string // never nil once read
	Mode     string            // ModeApprove or ModeSignAndApprove
	// Approvers are the member IDs who may vote, sorted; never nil once
	// read. Approvals of them decide it (K); DenyOn says when a denial
	// does ("first" or "quorum").
	Approvers []string
	Approvals int
	DenyOn    string
	Status    string // RequestPending, RequestApproved, RequestDenied or RequestExpired
	DecidedBy string // audit actor of the decision; empty while pending
	CreatedAt time.Time
	ExpiresAt time.Time
	DecidedAt time.Time // zero while pending
}

// Open reports whether o can still be decided at time now: pending and not
// run out.
func (o Operation) Open(now time.Time) bool {
	return o.Status == RequestPending && now.Before(o.ExpiresAt)
}

// OperationReader reads approval requests for operations and their votes.
// A request of another tenant is ErrNotFound.
type OperationReader interface {
	Operation(ctx context.Context, tenantID, id string) (Operation, error)
	// PendingOperations lists a tenant's pending requests (some may have
	// run out without being marked expired yet), newest first, at most
	// limit.
	PendingOperations(ctx context.Context, tenantID string, limit int) ([]Operation, error)
	// ExpiredOperations lists pending requests of every tenant whose
	// ExpiresAt <= now, oldest first, at most limit.
	ExpiredOperations(ctx context.Context, now time.Time, limit int) ([]Operation, error)
	// OperationVotes lists a request's votes, oldest first.
	OperationVotes(ctx context.Context, requestID string) ([]Vote, error)
}

// OperationTx is approval requests for operations inside a transaction,
// with the audit append that records each change.
type OperationTx interface {
	OperationReader
	AuditTx
	OutboxTx

	// CreateOperation stores o, pending. Its application must be in its
	// tenant (ErrInvalid otherwise).
	CreateOperation(ctx context.Context, o Operation) error
	// LockOperation reads the tenant's request id and holds it against
	// every other transaction that locks or changes it until this one
	// ends: votes on one request are counted one transaction at a time,
	// across processes and nodes.
	LockOperation(ctx context.Context, tenantID, id string) (Operation, error)
	// CastOperationVote stores v on an operation request. A second vote of
	// one member on one request is ErrConflict; an unknown request, or one
	// of another tenant, is ErrInvalid.
	CastOperationVote(ctx context.Context, v Vote) error
	// DecideOperation records that the pending request id was decided
	// (status RequestApproved, RequestDenied or RequestExpired) by actor at
	// at, and reports whether this call did it: of concurrent calls
	// exactly one returns true.
	DecideOperation(ctx context.Context, id, status, actor string, at time.Time) (bool, error)
}
