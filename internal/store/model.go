package store

import (
	"encoding/json"
	"slices"
	"time"
)

// All times in the store are UTC. A zero time.Time means "not set".

// Tenant is a company; every other record belongs to exactly one.
type Tenant struct {
	ID        string
	Name      string // unique across the deployment
	CreatedAt time.Time
}

// Unenrolled answers for accounts that nobody has enrolled.
const (
	UnenrolledAllow = "allow"
	UnenrolledDeny  = "deny"
)

// Fail modes recommended to an application's integrations.
const (
	FailOpen   = "open"
	FailClosed = "closed"
)

// Application is a protected app whose logins deadbolt answers for.
type Application struct {
	ID         string
	TenantID   string
	Name       string
	Issuer     string // unique across the deployment: the lock-check JWT "iss"
	Unenrolled string // UnenrolledAllow or UnenrolledDeny
	FailMode   string // FailOpen or FailClosed
	Enabled    bool
	// LockedDown is an admin's hard lock of every account of the application.
	LockedDown bool
	// DefaultUnlock is the length of an unlock when none is asked for;
	// MaxUnlock caps any unlock. Both are positive.
	DefaultUnlock time.Duration
	MaxUnlock     time.Duration
	// Origins are the web origins ("https://app.example.com", scheme, host
	// and port only) the application is served from: the portal sends
	// people back only to these after enablement. nil when none are
	// registered.
	Origins []string
	// ServerNamesAccounts lets the application's server name any of its
	// accounts in a lock check's body (userAccountId or nl3UserToken on the
	// SDK path) instead of the token's sub. Off by default: a token then
	// acts only on the account its sub names.
	ServerNamesAccounts bool
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Signing key algorithms.
const (
	AlgHS256 = "HS256"
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

// SigningKey verifies an application's lock-check tokens. An application may
// have several active keys during rotation.
type SigningKey struct {
	KID       string // unique across the deployment
	AppID     string
	TenantID  string
	Algorithm string // AlgHS256, AlgES256 or AlgEdDSA
	// SealedSecret is the HS256 secret encrypted under the master key; the
	// store never sees the plain secret. Empty for public-key algorithms.
	SealedSecret []byte
	// PublicKey is the PKIX DER of an ES256 or EdDSA key; empty for HS256.
	PublicKey  []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	RevokedAt  time.Time // zero: not revoked
	LastUsedAt time.Time // zero: never used
}

// Active reports whether k may verify tokens at time now.
func (k SigningKey) Active(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}

// Member roles, most to least powerful; an auditor reads what admins
// read and changes nothing.
const (
	RoleOwner    = "owner"
	RoleAdmin    = "admin"
	RoleApprover = "approver"
	RoleMember   = "member"
	RoleAuditor  = "auditor"
)

// Member is a person with a portal login in a tenant.
type Member struct {
	ID       string
	TenantID string
	Email    string // unique within the tenant, stored lower-case
	Name     string
	Role     string
	// LockAll is the member's own "lock everything": every account they own
	// is hard-locked until they lift it.
	LockAll bool
	// LockedDown is an admin's hard lock of every account the member owns.
	LockedDown bool
	// Channels are the notification channels the member chose (ChannelEmail,
	// ChannelPush); nil means they never chose, and the default applies.
	// An empty, non-nil list means "none".
	Channels []string
	// EmailVerifiedAt is when the member's email became trusted for
	// binding: accounts, invites and imports that name an email are given
	// only to a member whose email is verified. A member created by an
	// operator, an admin or an application's server is verified when it is
	// created (the creator names the email); a member who registered
	// through an enablement link is not, until they open the one-time link
	// mailed to that address (docs/portal.md). Zero means not verified.
	EmailVerifiedAt time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// EmailVerified reports whether m's email is trusted for binding.
func (m Member) EmailVerified() bool { return !m.EmailVerifiedAt.IsZero() }

// Wants reports whether m gets notices on channel (ChannelEmail or
// ChannelPush): the channels m chose, or email alone when m never chose.
func (m Member) Wants(channel string) bool {
	if m.Channels == nil {
		return channel == ChannelEmail
	}
	return slices.Contains(m.Channels, channel)
}

// Notification channels a member can choose. They are also channels of
// the outbox, with ChannelWebhook. ChannelSlack is not in a member's
// Channels: a member chooses it by linking a Slack user (SlackLink), and it
// carries approvers' interactive messages.
const (
	ChannelEmail = "email"
	ChannelPush  = "push"
	ChannelSlack = "slack"
)

// Outbox channels whose target is an endpoint named in the server's
// configuration (OutboxMessage.Endpoint) rather than a row: signed audit
// checkpoints for outside witnesses, and audit events and check decisions
// for a SIEM.
const (
	ChannelWitness = "witness"
	ChannelSIEM    = "siem"
)

// ChannelWebhook is the outbox channel of account events sent to a
// tenant's webhooks.
const ChannelWebhook = "webhook"

// Account is a protected account: an account name (the JWT "sub") at an
// application, optionally linked to the member who owns it.
type Account struct {
	ID        string
	TenantID  string
	AppID     string
	Name      string // unique within the application
	OwnerID   string // member ID; empty when nobody owns it yet
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Grant is an unlock: the account opens until Until, or for one successful
// check before Until when Once is set. At most one grant per account is
// current; a new grant replaces the old one.
type Grant struct {
	ID         string
	TenantID   string
	AccountID  string
	Until      time.Time
	Once       bool
	Reason     string
	GrantedBy  string // audit actor that made it
	CreatedAt  time.Time
	ConsumedAt time.Time // a once grant's use
	RevokedAt  time.Time // replaced, or the account was locked
}

// Usable reports whether g opens its account at time now.
func (g Grant) Usable(now time.Time) bool {
	return g.RevokedAt.IsZero() && g.ConsumedAt.IsZero() && now.Before(g.Until)
}

// CheckState is everything the lock check needs about one account, read in
// one step. Found is false when the account is not enrolled; then only
// nothing else is set.
type CheckState struct {
	Found   bool
	Account Account
	// Grant is the account's current grant, if any (it may be spent or
	// expired; the decision looks at the times).
	Grant *Grant
	// Owner is the account's owner, if any. Its EmailVerifiedAt is not
	// read (left zero): the check binds nothing by email.
	Owner *Member
}

// CheckRecord is one lock-check decision in the check log.
type CheckRecord struct {
	ID              string // the sessionID returned to the caller
	TenantID        string
	AppID           string
	KID             string
	Account         string
	At              time.Time
	Locked          bool
	Status          string
	IP              string
	Device          string
	Location        string
	IntegrationType string
	// PolicyID is the policy that decided the check (a lock, context or
	// unlock policy); empty when none did.
	PolicyID string
}

// Webhook is an endpoint of a tenant that receives signed account events
// (account.locked, account.unlocked) from the outbox.
type Webhook struct {
	ID       string
	TenantID string
	URL      string
	// SealedSecret is the signing secret encrypted under the master key
	// (owner: the webhook ID).
	SealedSecret []byte
	// Events lists the event types delivered; empty means all.
	Events    []string
	CreatedAt time.Time
}

// OutboxMessage is one message waiting for delivery on one channel: an
// account event for one webhook, or a notice for one member by email or by
// Web Push. It is written in the same transaction as the change it
// announces, so nothing acknowledged goes unannounced, and it keeps its
// delivery state (attempts, last error, delivered or given up) for admins
// to see.
type OutboxMessage struct {
	ID       string // also the event ID a webhook receiver deduplicates on
	TenantID string
	// Channel is ChannelWebhook, ChannelEmail, ChannelPush, ChannelWitness
	// or ChannelSIEM.
	Channel string
	// WebhookID is the receiver of a ChannelWebhook message; empty on the
	// other channels.
	WebhookID string
	// MemberID is the recipient of a ChannelEmail or ChannelPush message;
	// empty for webhook messages.
	MemberID string
	// Endpoint is the configured endpoint of a ChannelWitness or
	// ChannelSIEM message; empty on the other channels.
	Endpoint string
	Type     string
	// Payload is the exact JSON body of a webhook delivery, or the notice
	// that an email or push message is written from (package notify).
	Payload   []byte
	CreatedAt time.Time
	Attempts  int
	// NextAttemptAt is when the message is due; a claim pushes it forward
	// by the lease so no other worker takes it meanwhile.
	NextAttemptAt time.Time
	DeliveredAt   time.Time // zero until delivered
	FailedAt      time.Time // set when delivery was given up
	LastError     string
}

// States of an outbox message.
const (
	OutboxPending   = "pending"   // waiting for its first or next attempt
	OutboxDelivered = "delivered" // sent
	OutboxFailed    = "failed"    // given up
)

// State is m's state: OutboxDelivered, OutboxFailed or OutboxPending.
func (m OutboxMessage) State() string {
	switch {
	case !m.DeliveredAt.IsZero():
		return OutboxDelivered
	case !m.FailedAt.IsZero():
		return OutboxFailed
	}
	return OutboxPending
}

// OutboxResult reports one delivery attempt.
type OutboxResult struct {
	ID        string
	At        time.Time
	Delivered bool
	Error     string
	// RetryAt is when to try again after a failure; zero gives up (the
	// message is marked failed and stays visible to admins).
	RetryAt time.Time
	// Unsent releases the claim of a message that was never handed to
	// its receiver (a batch stopped before it): it is due again at
	// RetryAt (required), and its attempts and last error stay as they
	// were.
	Unsent bool
}

// Unlock request statuses.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestDenied   = "denied"
	RequestExpired  = "expired"
)

// UnlockRequest asks an account's owner to open it. A lock check that meets
// the locked account raises it; later checks refresh the pending one rather
// than piling up new ones, so an account has at most one pending request.
type UnlockRequest struct {
	ID        string
	TenantID  string
	AppID     string
	AccountID string
	Status    string // RequestPending, RequestApproved, RequestDenied or RequestExpired
	// The context of the latest check that raised or refreshed it.
	IP              string
	Device          string
	Location        string
	IntegrationType string
	// Checks counts the lock checks that raised or refreshed it.
	Checks    int
	CreatedAt time.Time
	UpdatedAt time.Time // the latest raise or refresh
	ExpiresAt time.Time
	DecidedBy string    // audit actor of the decision; empty while pending
	DecidedAt time.Time // zero while pending
	GrantID   string    // the grant an approval made; empty otherwise

	// Kind says who raised it: RequestSignin (a lock check), RequestAhead
	// (a member asking ahead of time) or RequestExtend (a member asking to
	// extend the account's grant ExtendsGrant). Empty reads as
	// RequestSignin.
	Kind         string
	RequestedBy  string        // member ID of who asked; empty for RequestSignin
	Reason       string        // why, in the requester's words
	Duration     time.Duration // asked for; zero: the application's default
	StartsAt     time.Time     // asked-for start; zero: at the decision
	ExtendsGrant string        // the grant a RequestExtend extends
	// PolicyID is the approval policy that decides it, and Rule that
	// policy's rule as JSON when it was taken (package approval writes and
	// reads it); both empty while the account's owner decides it alone.
	PolicyID string
	Rule     json.RawMessage
}

// Request kinds.
const (
	RequestSignin = "signin"
	RequestAhead  = "ahead"
	RequestExtend = "extend"
)

// Open reports whether r can still be decided at time now: pending and not
// run out.
func (r UnlockRequest) Open(now time.Time) bool {
	return r.Status == RequestPending && now.Before(r.ExpiresAt)
}

// Passkey is a member's WebAuthn credential for the portal.
type Passkey struct {
	// ID is the credential ID, base64url without padding; unique across
	// the deployment.
	ID       string
	TenantID string
	MemberID string
	Name     string // chosen by the member, e.g. "laptop"
	// Credential is the credential record (public key, sign count, flags)
	// as package passkey encodes it; the store does not look inside.
	Credential []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used to sign in
}

// Session is a signed-in portal session. The browser holds a random
// secret; the store keeps only its hash, so a copy of the database cannot
// be used to sign in.
type Session struct {
	ID        string // hash of the cookie's secret
	TenantID  string
	MemberID  string
	CreatedAt time.Time
	SeenAt    time.Time // the latest request; idle expiry counts from here
	ExpiresAt time.Time // absolute expiry
	IP        string
	UserAgent string
}

// Invite is a one-time link that lets a member register their first
// passkey (the owner setup link, `member invite`). Like a session, only a
// hash of the link's secret is stored.
type Invite struct {
	ID        string // hash of the link's secret
	TenantID  string
	MemberID  string
	CreatedBy string // audit actor
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}

// PushSubscription is one browser's Web Push subscription for a member's
// notifications: where the browser's push service accepts messages, and the
// keys that encrypt them for that browser alone.
type PushSubscription struct {
	ID       string // a hash of the endpoint; unique across the deployment
	TenantID string
	MemberID string
	Endpoint string // the push service's URL for this browser
	P256dh   []byte // the browser's P-256 public key (uncompressed point)
	Auth     []byte // the browser's 16-byte authentication secret
	// UserAgent names the browser for the member's list.
	UserAgent string
	CreatedAt time.Time
}
