package store

import (
	"context"
	"time"
)

// Vote decisions.
const (
	VoteApprove = "approve"
	VoteDeny    = "deny"
)

// Vote is one approver's decision on one unlock request decided by an
// approval policy. A member votes at most once per request.
type Vote struct {
	RequestID string
	TenantID  string
	MemberID  string // the approver
	Decision  string // VoteApprove or VoteDeny
	// Channel is where it was cast: "portal", "cli", "slack", "api".
	Channel string
	Actor   string // audit actor that cast it (an operator for "cli")
	Comment string
	// Evidence is the signed assertion behind the vote as JSON (package
	// evidence's Signature), empty when the vote is not signed. The store
	// keeps it as given.
	Evidence string
	At       time.Time
}

// Request states a list picks (RequestFilter.State): RequestOpen, one of
// RequestApproved and RequestDenied, RequestExpired, or "" for all.
// RequestOpen is a pending request that has not run out; RequestExpired
// includes a pending one that ran out but is not marked expired yet.
const RequestOpen = "open"

// RequestFilter picks the requests of RequestsOfTenant.
type RequestFilter struct {
	State  string    // "" (all), RequestOpen, RequestApproved, RequestDenied or RequestExpired
	Now    time.Time // when open and expired are judged; required
	Before string    // only IDs below it (a page's cursor); "" for none
}

// ApprovalReader reads the requests and votes of approvals. Every list
// is newest first.
type ApprovalReader interface {
	// Votes lists a request's votes, oldest first.
	Votes(ctx context.Context, requestID string) ([]Vote, error)
	// PendingRequests lists a tenant's pending requests (some may have run
	// out without being marked expired yet), newest UpdatedAt first, at
	// most limit of them.
	PendingRequests(ctx context.Context, tenantID string, limit int) ([]UnlockRequest, error)
	// RequestsOfTenant lists a tenant's requests of every kind that
	// match f, newest first by ID (IDs made by package ids grow with
	// time, and a request keeps its ID), at most limit of them: a page
	// that ends at ID x is followed by the one with Before x, whatever
	// was added or decided meanwhile.
	RequestsOfTenant(ctx context.Context, tenantID string, f RequestFilter, limit int) ([]UnlockRequest, error)
	// RequestsOfRequester lists the requests a member asked for (kinds
	// RequestAhead and RequestExtend), newest UpdatedAt first, at most
	// limit of them.
	RequestsOfRequester(ctx context.Context, memberID string, limit int) ([]UnlockRequest, error)
	// StartingRequests lists approved requests that have no grant yet and
	// whose StartsAt <= now, oldest StartsAt first, at most limit.
	StartingRequests(ctx context.Context, now time.Time, limit int) ([]UnlockRequest, error)
}

// ApprovalTx is approvals inside a transaction, with the audit append
// that records each change.
type ApprovalTx interface {
	ApprovalReader
	AuditTx

	// AskRequest stores r, a request a member asks for (Kind RequestAhead
	// or RequestExtend), as its account's pending request at time
	// r.UpdatedAt, and returns it as stored. A pending request raised by a
	// lock check and still open then becomes r (it keeps its ID, context,
	// Checks and CreatedAt; it takes r's Kind, RequestedBy, Reason,
	// Duration, StartsAt, ExtendsGrant, PolicyID, Rule, UpdatedAt and
	// ExpiresAt) — unless approvers have voted on it: their votes were for
	// its terms, so it is marked expired (DecidedBy "system:superseded")
	// and r is stored as a new request with no votes. A pending request
	// that ran out is first marked expired.
	// An open pending request of another kind is ErrConflict. The account
	// must exist in r.TenantID and r.AppID (ErrInvalid otherwise).
	AskRequest(ctx context.Context, r UnlockRequest) (UnlockRequest, error)
	// LockRequest reads a request and holds it against every other
	// transaction that locks or changes it until this one ends: votes on
	// one request are counted one transaction at a time, across
	// processes and nodes.
	LockRequest(ctx context.Context, id string) (UnlockRequest, error)
	// SetRequestRule records the policy and rule that decide a request
	// that has none yet, and reports whether it did.
	SetRequestRule(ctx context.Context, id, policyID string, rule []byte) (bool, error)
	// CastVote stores v. A second vote of one member on one request is
	// ErrConflict; an unknown request is ErrInvalid.
	CastVote(ctx context.Context, v Vote) error
	// StartRequest records the grant of an approved request that had none
	// (its start had not come), and reports whether this call did it: of
	// concurrent calls exactly one returns true.
	StartRequest(ctx context.Context, id, grantID string) (bool, error)
}
