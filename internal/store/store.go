package store

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
)

// The contract is cut into roles, one per kind of record, so that each
// consumer asks for the part it uses (see doc.go): XReader is what can be
// read of a part, on a Store and inside a Tx; XTx is that part inside a
// transaction, its reads and its changes; a part whose changes are
// audited includes AuditTx, since a change and its audit record commit in
// one transaction. Reader, Tx and Store compose them;
// backends implement the compositions.

// Reader is the read half of the contract, available on a Store and inside
// a Tx. Lookups of one record return ErrNotFound when there is none; lists
// return an empty slice, never ErrNotFound. Every returned time is UTC.
// These rules hold for every XReader it is made of.
type Reader interface {
	ConfigReader
	MemberReader
	AccountReader
	CheckLogReader
	OutboxReader
	PortalReader
	PolicyReader
	ApprovalReader
	APITokenReader
	BreakGlassReader
	TemplateReader
	OperationReader
	SlackReader
	SCIMReader
	OIDCReader
	AuditReader
	HistoryReader
}

// Tx is one transaction. It is not safe for concurrent use; it is valid only
// inside the function given to Store.Update.
//
// Create methods return ErrConflict when a uniqueness rule is broken and
// ErrInvalid when a required field is empty. The caller sets IDs and times.
//
// Every method that changes state must be paired, in the same transaction,
// with an AppendAudit that records it; the domain packages do this.
type Tx interface {
	Reader
	ConfigTx
	MemberTx
	AccountTx
	OutboxTx
	PortalTx
	PolicyTx
	ApprovalTx
	APITokenTx
	BreakGlassTx
	TemplateTx
	OperationTx
	SlackTx
	SCIMTx
	OIDCTx
	AuditTx
}

// Store is a deadbolt database. It is safe for concurrent use by many
// goroutines, and several processes (the server, the CLI, other nodes) may
// use one database at the same time.
type Store interface {
	Reader
	Updater
	CheckLogAppender
	CheckLogPruner
	OutboxQueue
	Leaser
	Pinger
	MasterKeyPinner
	APITokenToucher
	IdempotencyKeeper
	ImportJobs

	// Close releases the store's connections.
	Close() error
}

// Updater runs transactions.
type Updater interface {
	// Update runs fn in one transaction: everything fn writes commits
	// together when fn returns nil, and nothing is written when fn returns an
	// error (that error is returned unchanged) or panics. Once Update returns
	// nil the change is durable. fn must not keep tx after it returns.
	Update(ctx context.Context, fn func(tx Tx) error) error
}

// ConfigReader reads how tenants are set up: tenants, their applications
// and signing keys, and their webhooks. Admins change it; the lock check
// reads it on every call (through a cache).
type ConfigReader interface {
	Tenant(ctx context.Context, id string) (Tenant, error)
	TenantByName(ctx context.Context, name string) (Tenant, error)
	// Tenants lists every tenant, oldest first.
	Tenants(ctx context.Context) ([]Tenant, error)

	Application(ctx context.Context, id string) (Application, error)
	ApplicationByIssuer(ctx context.Context, issuer string) (Application, error)
	// Applications lists a tenant's applications, oldest first.
	Applications(ctx context.Context, tenantID string) ([]Application, error)

	SigningKey(ctx context.Context, kid string) (SigningKey, error)
	// SigningKeys lists every key of an application, revoked and expired
	// ones included, oldest first.
	SigningKeys(ctx context.Context, appID string) ([]SigningKey, error)

	Webhook(ctx context.Context, id string) (Webhook, error)
	// Webhooks lists a tenant's webhooks, oldest first.
	Webhooks(ctx context.Context, tenantID string) ([]Webhook, error)
}

// ConfigTx is the configuration inside a transaction, with the audit
// append that records each change.
type ConfigTx interface {
	ConfigReader
	AuditTx

	CreateTenant(ctx context.Context, t Tenant) error
	CreateApplication(ctx context.Context, a Application) error
	// UpdateApplication replaces every mutable field of the application
	// with a.ID (name, unenrolled, fail mode, enabled, lockdown, unlock
	// durations, origins, updated time). The issuer and tenant never change.
	UpdateApplication(ctx context.Context, a Application) error
	CreateSigningKey(ctx context.Context, k SigningKey) error
	// RevokeSigningKey sets RevokedAt; revoking a revoked key is a no-op
	// that keeps the first time.
	RevokeSigningKey(ctx context.Context, kid string, at time.Time) error
	// DeleteSigningKey removes a revoked key; an active one (not revoked)
	// is ErrConflict and stays, a missing one is ErrNotFound.
	DeleteSigningKey(ctx context.Context, kid string) error

	// CreateWebhook stores a webhook; DeleteWebhook removes it and its
	// messages (ErrNotFound if there is none).
	CreateWebhook(ctx context.Context, w Webhook) error
	DeleteWebhook(ctx context.Context, id string) error
}

// MemberReader reads a tenant's members: the people who own accounts,
// approve unlocks and administer the tenant.
type MemberReader interface {
	Member(ctx context.Context, id string) (Member, error)
	// MemberByEmail matches the email case-insensitively.
	MemberByEmail(ctx context.Context, tenantID, email string) (Member, error)
	// Members lists a tenant's members, oldest first.
	Members(ctx context.Context, tenantID string) ([]Member, error)
	// Owners lists a tenant's members whose role is owner, oldest first,
	// without reading the others (a tenant may have a member for every
	// protected account: `serve` asks at start whether each tenant has an
	// owner, and reading them all held 100 MB at 1 M accounts).
	Owners(ctx context.Context, tenantID string) ([]Member, error)
}

// MemberTx is the members inside a transaction, with the audit append
// that records each change.
type MemberTx interface {
	MemberReader
	AuditTx

	// CreateMember stores m, EmailVerifiedAt included (zero: not
	// verified).
	CreateMember(ctx context.Context, m Member) error
	// UpdateMember replaces name, role, LockAll, LockedDown, Channels and
	// UpdatedAt. It never changes EmailVerifiedAt.
	UpdateMember(ctx context.Context, m Member) error
	// VerifyEmail marks the email of member id verified at time at, if the
	// member's email is still email, and reports whether this call did it
	// (false: it was verified already, and keeps its first time). A member
	// with that id and email that does not exist is ErrNotFound. Of
	// concurrent calls for one member exactly one returns true.
	VerifyEmail(ctx context.Context, id, email string, at time.Time) (bool, error)
	// DeleteMember removes a member with their passkeys, sessions, invites,
	// push subscriptions and email and push messages. A member who still
	// owns accounts is ErrConflict and nothing is removed (the caller
	// unlinks them first); a missing member is ErrNotFound.
	DeleteMember(ctx context.Context, id string) error
}

// AccountReader reads protected accounts and what decides their lock:
// grants and unlock requests.
type AccountReader interface {
	Account(ctx context.Context, appID, name string) (Account, error)
	AccountByID(ctx context.Context, id string) (Account, error)
	// AccountsOfOwner lists the accounts a member owns, ordered by ID, at
	// most limit of them.
	AccountsOfOwner(ctx context.Context, memberID string, limit int) ([]Account, error)
	// Accounts lists an application's accounts ordered by name, starting
	// after the name afterName ("" for the start), at most limit of them.
	Accounts(ctx context.Context, appID, afterName string, limit int) ([]Account, error)
	// CountAccounts counts an application's accounts.
	CountAccounts(ctx context.Context, appID string) (int, error)
	// CurrentGrant returns the account's current grant (which may be spent,
	// expired or revoked), or ErrNotFound if it never had one.
	CurrentGrant(ctx context.Context, accountID string) (Grant, error)

	// CheckState reads what the lock check needs about one account in one
	// consistent step. An account that is not enrolled is not an error:
	// it returns CheckState{Found: false}.
	CheckState(ctx context.Context, appID, accountName string) (CheckState, error)

	// EndedGrants lists, oldest Until first and at most limit of them,
	// current grants that ended by time (Until <= now, neither revoked nor
	// consumed) and whose end has not been announced yet.
	EndedGrants(ctx context.Context, now time.Time, limit int) ([]Grant, error)

	// UnlockRequest returns one unlock request by ID.
	UnlockRequest(ctx context.Context, id string) (UnlockRequest, error)
	// PendingRequest returns the account's pending request (which may have
	// run out without being marked expired yet), or ErrNotFound.
	PendingRequest(ctx context.Context, accountID string) (UnlockRequest, error)
	// RequestsOfOwner lists the requests of the accounts a member owns,
	// newest UpdatedAt first, at most limit of them.
	RequestsOfOwner(ctx context.Context, memberID string, limit int) ([]UnlockRequest, error)
	// ExpiredRequests lists pending requests whose ExpiresAt <= now, oldest
	// ExpiresAt first, at most limit of them.
	ExpiredRequests(ctx context.Context, now time.Time, limit int) ([]UnlockRequest, error)
}

// AccountTx is the accounts, grants and unlock requests inside a
// transaction, with the audit append that records each change.
type AccountTx interface {
	AccountReader
	AuditTx

	CreateAccount(ctx context.Context, a Account) error
	// SetAccountOwner links the account to a member ("" unlinks it).
	SetAccountOwner(ctx context.Context, accountID, ownerID string, at time.Time) error

	// PutGrant stores g and makes it its account's current grant; the
	// previous current grant, if still unrevoked, is revoked at g.CreatedAt.
	PutGrant(ctx context.Context, g Grant) error
	// RevokeCurrentGrant revokes the account's current grant if it is still
	// usable at time at, and reports whether it did.
	RevokeCurrentGrant(ctx context.Context, accountID string, at time.Time) (bool, error)
	// RevokeGrantsOfOwner revokes the usable current grants of every account
	// the member owns and returns how many it revoked.
	RevokeGrantsOfOwner(ctx context.Context, memberID string, at time.Time) (int, error)
	// ConsumeGrant marks a once grant as used if, at time at, it is still
	// usable, and reports whether it did. It is atomic: of any number of
	// concurrent calls for one grant, across processes and nodes, exactly
	// one returns true.
	ConsumeGrant(ctx context.Context, grantID string, at time.Time) (bool, error)
	// AnnounceGrantEnd marks an ended grant's end as announced and reports
	// whether this call did it: of concurrent calls for one grant, across
	// nodes, exactly one returns true.
	AnnounceGrantEnd(ctx context.Context, grantID string, at time.Time) (bool, error)

	// RaiseRequest raises or refreshes the pending unlock request of
	// r.AccountID at time r.UpdatedAt. When the account has a pending
	// request still open at that time, that request is refreshed: its
	// context (IP, Device, Location, IntegrationType), UpdatedAt and
	// ExpiresAt take r's values (ExpiresAt only when later: a request a
	// member asked for keeps its own expiry) and Checks grows by one; everything else,
	// its ID included, stays. Otherwise a pending request that ran out is
	// first marked expired (DecidedAt = its ExpiresAt, DecidedBy
	// "system:expiry"), and r is stored as a new pending request with
	// Checks 1. It returns the request as stored and whether it was
	// created. An account has at most one pending request, however many
	// raises run at once across processes and nodes. The account must
	// exist in r.TenantID (ErrInvalid otherwise).
	RaiseRequest(ctx context.Context, r UnlockRequest) (UnlockRequest, bool, error)
	// DecideRequest moves a pending request to status at time at, setting
	// DecidedBy, DecidedAt and GrantID. RequestApproved and RequestDenied
	// apply only while the request is open at at; RequestExpired only once
	// its ExpiresAt <= at. It reports whether it moved the request: of
	// concurrent calls for one request exactly one returns true. An unknown
	// request is ErrNotFound; any other status is ErrInvalid.
	DecideRequest(ctx context.Context, id, status, by, grantID string, at time.Time) (bool, error)
}

// CheckLogReader reads the check log: one record per lock check.
type CheckLogReader interface {
	// CheckRecord returns one check-log record by its ID (the sessionID).
	CheckRecord(ctx context.Context, id string) (CheckRecord, error)
	// CheckRecords lists an application's newest check-log records first,
	// at most limit of them.
	CheckRecords(ctx context.Context, appID string, limit int) ([]CheckRecord, error)
	// CommittedChecks lists a tenant's check-log records (only those that
	// answered locked, the blocked sign-ins, if lockedOnly), of every
	// application, in commit order: those after the position after (in
	// CommitPosition order), below the page's Horizon, at most limit of
	// them. Records below the horizon are final: every one of them is
	// committed and visible, and none is ever committed below it later,
	// so a reader that moves a cursor along these pages reads each
	// record once, however late after its own At it was committed. On
	// SQLite it reads the check log's own file, also inside a Tx. A limit
	// below 1 is ErrInvalid. Package checklog's Tail reads it past a
	// stream cursor.
	CommittedChecks(ctx context.Context, tenantID string, lockedOnly bool, after CommitPosition, limit int) (CommitPage, error)
	// CheckCommitPosition returns the commit position from which a
	// reader finds every record of the tenant with At at or after at:
	// the smallest commit position of those records, or the horizon when
	// there is none below it. Records before at whose position is higher
	// are found too. It scans the tenant's records since at (by time), so
	// it is for starting a reader, once: the commit position of a time.
	CheckCommitPosition(ctx context.Context, tenantID string, at time.Time) (int64, error)
}

// CommitPosition is a place in the check log's commit order, the order
// in which records became visible to readers: unlike a record's time or
// its seq, no record is ever committed before a position a reader has
// already passed. Pos is the commit position: on SQLite the check-log
// file's rowid (one writer, so write order is commit order); on
// PostgreSQL the ID of the transaction that wrote the record (xid8, one
// per check-log batch), or, for a record written before the check log
// kept it, a negative position in seq order below every transaction's.
// Seq orders the records of one Pos (SQLite rowid again, PostgreSQL seq).
// Positions order by Pos, then Seq. A position from the wall-clock range
// of Unix nanoseconds (PositionIsTime) is never a record's.
type CommitPosition struct {
	Pos int64
	Seq int64
}

// PositionIsTime reports whether a stored check-log cursor holds a time
// (Unix nanoseconds, as deadbolt before commit-ordered cursors wrote
// them) rather than a commit position: every time after 2001 is above
// 1e18, which neither a rowid nor a transaction ID reaches.
func PositionIsTime(p int64) bool { return p >= 1e18 }

// CommitPage is a page of CommittedChecks.
type CommitPage struct {
	// Records are the page's records, in commit order.
	Records []CheckRecord
	// Positions are the records' commit positions, Positions[i] of
	// Records[i].
	Positions []CommitPosition
	// Horizon is the commit position below which every record is final
	// at the time of the read: the page holds no record at or above it.
	// On SQLite it is one past the newest rowid; on PostgreSQL the
	// oldest transaction still running anywhere in the cluster
	// (pg_snapshot_xmin), so a long write transaction holds readers back
	// (lag, never loss).
	Horizon int64
}

// CheckLogAppender writes the check log. It is not part of a Tx: the
// check log is written in batches of its own.
type CheckLogAppender interface {
	// AppendChecks durably writes a batch of check-log records in one
	// transaction (group commit), and sets each named key's LastUsedAt to
	// the latest At among the batch's records for it. Either the whole
	// batch is written or none of it.
	AppendChecks(ctx context.Context, recs []CheckRecord) error
}

// CheckLogPruner deletes old check-log records (retention).
type CheckLogPruner interface {
	// DeleteChecksBefore deletes up to limit of the oldest check-log
	// records whose At is before before, in one transaction, and returns
	// how many it deleted (fewer than limit: none older are left). A limit
	// below 1 is ErrInvalid. Retention calls it in rounds, so that no
	// transaction grows with the size of the log. On SQLite the record
	// written last is kept whatever its age: SQLite gives a new row the
	// newest rowid plus one, so deleting the newest would hand its rowid
	// (a commit position, CommitPosition) out again, below readers'
	// cursors.
	DeleteChecksBefore(ctx context.Context, before time.Time, limit int) (int, error)
}

// OutboxReader reads the outbox: messages for webhooks, email and push.
type OutboxReader interface {
	// OutboxMessages lists a webhook's messages, newest first, at most
	// limit of them (delivered, pending and failed alike).
	OutboxMessages(ctx context.Context, webhookID string, limit int) ([]OutboxMessage, error)
	// OutboxOfTenant lists a tenant's messages on every channel (webhook,
	// email, push), newest CreatedAt first (then highest ID), at most limit
	// of them, delivered, pending and failed alike: what admins see of
	// deliveries.
	OutboxOfTenant(ctx context.Context, tenantID string, limit int) ([]OutboxMessage, error)
	// OutboxOfTenantBefore lists, in OutboxOfTenant's order, the tenant's
	// messages that come after before in that order (older CreatedAt, or
	// the same and a lower ID), at most limit of them: the next page
	// after before, the last message of a page.
	OutboxOfTenantBefore(ctx context.Context, tenantID string, before OutboxMessage, limit int) ([]OutboxMessage, error)
}

// OutboxTx is the outbox inside a transaction: a message is enqueued in
// the transaction that makes the change it tells of.
type OutboxTx interface {
	OutboxReader

	// EnqueueOutbox stores a message for delivery; it is due at once
	// unless NextAttemptAt is later. A ChannelWebhook message names a
	// webhook of its tenant and no member; a ChannelEmail or ChannelPush
	// message names a member of its tenant and no webhook. Anything else —
	// another channel, a missing target, a target that does not exist in
	// the tenant, an empty type or payload — is ErrInvalid and writes
	// nothing; an ID already stored is ErrConflict.
	EnqueueOutbox(ctx context.Context, m OutboxMessage) error
}

// OutboxQueue is the delivery side of the outbox: workers claim due
// messages and record each attempt, outside any Tx.
type OutboxQueue interface {
	// ClaimOutbox takes up to limit messages of any channel but
	// ChannelSIEM that are due at now, neither delivered nor failed,
	// oldest first, and moves their NextAttemptAt to now+lease, so that no
	// other worker — in this process or on another node — claims them
	// until the lease runs out. A worker that dies mid-delivery thus loses
	// its claim and another retries the message (delivery is at least
	// once; webhook receivers deduplicate on the ID).
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// ClaimEndpoint is ClaimOutbox for the ChannelSIEM messages of one
	// endpoint, which are delivered a batch at a time: up to limit of
	// them, due at now, oldest first (CreatedAt, then ID).
	ClaimEndpoint(ctx context.Context, endpoint string, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// FinishOutbox records delivery attempts, one result per message:
	// delivered, retry later (the attempt count grows), given up, or
	// released unsent (OutboxResult.Unsent: due again, no attempt). The
	// results are recorded in one transaction, all or none: an unknown ID
	// is ErrNotFound and records nothing.
	FinishOutbox(ctx context.Context, results ...OutboxResult) error
}

// PortalReader reads what the portal keeps for its members: passkeys,
// sessions, invites and Web Push subscriptions.
type PortalReader interface {
	// Passkey returns one passkey by its credential ID.
	Passkey(ctx context.Context, id string) (Passkey, error)
	// Passkeys lists a member's passkeys, oldest first.
	Passkeys(ctx context.Context, memberID string) ([]Passkey, error)
	// Session returns one portal session by ID (the secret's hash).
	Session(ctx context.Context, id string) (Session, error)
	// Invite returns one invite by ID (the secret's hash).
	Invite(ctx context.Context, id string) (Invite, error)
	// PushSubscriptions lists a member's Web Push subscriptions, oldest
	// first.
	PushSubscriptions(ctx context.Context, memberID string) ([]PushSubscription, error)
}

// PortalTx is the portal's records inside a transaction, with the
// one-time values (nonces) that make its tokens single-use, and the audit
// append that records each change.
type PortalTx interface {
	PortalReader
	AuditTx

	// CreatePasskey stores a passkey; a credential ID already stored is
	// ErrConflict. UpdatePasskey replaces Name, Credential and LastUsedAt.
	CreatePasskey(ctx context.Context, p Passkey) error
	UpdatePasskey(ctx context.Context, p Passkey) error
	// DeletePasskey removes a passkey, but never a member's last one: that
	// is ErrInvalid and removes nothing (the check and the delete are one
	// step, so two concurrent deletes cannot remove the last two).
	DeletePasskey(ctx context.Context, id string) error

	// CreateSession stores a session. TouchSession moves SeenAt forward
	// (ErrNotFound when the session is gone). DeleteSession removes one
	// session; a missing one is not an error. DeleteSessions removes every
	// session that has expired at now or was last seen before idleSince,
	// and returns how many.
	CreateSession(ctx context.Context, s Session) error
	TouchSession(ctx context.Context, id string, at time.Time) error
	DeleteSession(ctx context.Context, id string) error
	DeleteSessions(ctx context.Context, now, idleSince time.Time) (int, error)
	// DeleteMemberSessions removes every session of the member except the
	// one with ID keep ("" keeps none), and returns how many it removed.
	DeleteMemberSessions(ctx context.Context, memberID, keep string) (int, error)

	// CreateInvite stores an invite. UseInvite marks it used if, at time
	// at, it is unused and not expired, and reports whether it did: of
	// concurrent calls exactly one returns true. An unknown invite is
	// ErrNotFound.
	CreateInvite(ctx context.Context, inv Invite) error
	UseInvite(ctx context.Context, id string, at time.Time) (bool, error)
	// DeleteMemberInvites removes every invite of the member except the
	// one with ID keep ("" keeps none), and returns how many it removed:
	// a link is judged when it is issued, so one that was issued before
	// the member registered a passkey or changed role must not outlive it.
	DeleteMemberInvites(ctx context.Context, memberID, keep string) (int, error)

	// UseNonce records a one-time value (a token's ID or hash) until
	// expires, and reports whether this call recorded it: false means it
	// was used before, so the token is a replay. Of concurrent calls for
	// one key exactly one returns true. PurgeNonces forgets the values
	// that expired at now and returns how many; callers must refuse the
	// tokens themselves after expires, so forgetting them is safe.
	UseNonce(ctx context.Context, key string, expires, at time.Time) (bool, error)
	PurgeNonces(ctx context.Context, now time.Time) (int, error)

	// PutPushSubscription stores a Web Push subscription, replacing one
	// with the same ID of the same member (a browser that subscribes
	// again). A subscription belongs to its member: one with the same ID
	// held by another member is ErrConflict and changes nothing. Its
	// member must exist in its tenant. A
	// subscription needs ID, TenantID, MemberID, Endpoint, P256dh, Auth and
	// CreatedAt. DeletePushSubscription removes one; a missing one is not
	// an error.
	PutPushSubscription(ctx context.Context, s PushSubscription) error
	DeletePushSubscription(ctx context.Context, id string) error
}

// AuditReader reads the tenants' hash-chained audit records.
type AuditReader interface {
	// AuditRecords lists a tenant's audit records with seq > afterSeq in
	// seq order, at most limit of them.
	AuditRecords(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]audit.Record, error)
	// AuditHeads returns the last record of every tenant's chain that has
	// one, by tenant ID.
	AuditHeads(ctx context.Context) ([]audit.Head, error)
	// Checkpoints lists a tenant's signed checkpoints in seq order.
	Checkpoints(ctx context.Context, tenantID string) ([]audit.Checkpoint, error)
	// LastCheckpoints returns the latest checkpoint of every tenant that
	// has one, by tenant ID.
	LastCheckpoints(ctx context.Context) ([]audit.Checkpoint, error)
}

// AuditTx appends to the audit chain inside the transaction whose change
// it records.
type AuditTx interface {
	AuditReader

	// AppendAudit chains e after the tenant's last record at time at and
	// stores it. Appends of one tenant are serialised: two transactions
	// can never give two records the same seq.
	AppendAudit(ctx context.Context, e audit.Event, at time.Time) (audit.Record, error)
	// AddCheckpoint stores a signed checkpoint of a tenant's chain. One
	// already stored for the same tenant and seq is ErrConflict.
	// Checkpoints are not audited: a record per checkpoint would move the
	// head it signs.
	AddCheckpoint(ctx context.Context, c audit.Checkpoint) error
	// StreamCursor returns how far the stream of kind ("audit") to a
	// configured endpoint has read a tenant's records: the last seq
	// queued, 0 when none yet.
	StreamCursor(ctx context.Context, endpoint, tenantID, kind string) (int64, error)
	// SetStreamCursor moves that position; it is written in the
	// transaction that queues the records up to it.
	SetStreamCursor(ctx context.Context, endpoint, tenantID, kind string, position int64) error
}

// Leaser hands out leases on background jobs.
type Leaser interface {
	// TryLease takes or renews the lease on a named background job for
	// holder until now+ttl, and reports whether holder has it. A lease held
	// by another holder is taken only once it has expired, so at most one
	// holder runs each job at a time, across processes and nodes.
	TryLease(ctx context.Context, job, holder string, now time.Time, ttl time.Duration) (bool, error)
}

// Pinger reports whether the database answers (readiness).
type Pinger interface {
	// Ping reports whether the database answers; it wraps ErrUnavailable
	// when it does not.
	Ping(ctx context.Context) error
}

// MasterKeyPinner ties a database to one master key.
type MasterKeyPinner interface {
	// PinMasterKey records fingerprint (of the master key, see
	// seal.Box.Fingerprint) when the database has none yet, and otherwise
	// compares: another fingerprint is ErrMasterKey and nothing changes.
	// Concurrent first calls store exactly one fingerprint.
	PinMasterKey(ctx context.Context, fingerprint string) error
}

// Migrator is implemented by every backend: numbered, forward-only
// migrations embedded in the binary.
type Migrator interface {
	// SchemaVersion returns the version the database is at and the latest
	// version this binary knows.
	SchemaVersion(ctx context.Context) (have, want int, err error)
	// Migrate applies every pending migration, each in its own transaction.
	// It returns ErrSchemaTooNew when the database is ahead of the binary.
	Migrate(ctx context.Context) error
}
