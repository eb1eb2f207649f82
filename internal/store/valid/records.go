package valid

import (
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The functions below check one record for one write of store.Tx or
// store.Store. Each returns the first rule the record breaks, wrapping
// store.ErrInvalid, or nil; a record they accept has every time InRange.

// Tenant checks a tenant for CreateTenant.
func Tenant(tn store.Tenant) error {
	var r Rules
	r.Need("tenant id", tn.ID, "tenant name", tn.Name)
	r.Time("created at", tn.CreatedAt, true)
	return r.Err()
}

// Application checks an application for CreateApplication.
func Application(a store.Application) error {
	var r Rules
	r.Need("application id", a.ID, "tenant id", a.TenantID, "issuer", a.Issuer)
	application(&r, a, true)
	return r.Err()
}

// ApplicationUpdate checks an application for UpdateApplication, which
// never changes its tenant, issuer or creation time.
func ApplicationUpdate(a store.Application) error {
	var r Rules
	r.Need("application id", a.ID)
	application(&r, a, false)
	return r.Err()
}

// application checks the fields Application and ApplicationUpdate share;
// creating needs CreatedAt.
func application(r *Rules, a store.Application, creating bool) {
	r.Need("application name", a.Name)
	r.OneOf("unenrolled", a.Unenrolled, store.UnenrolledAllow, store.UnenrolledDeny)
	r.OneOf("fail mode", a.FailMode, store.FailOpen, store.FailClosed)
	r.Positive("default unlock", a.DefaultUnlock)
	r.Positive("max unlock", a.MaxUnlock)
	for _, o := range a.Origins {
		if o == "" || strings.ContainsAny(o, "\n\r") {
			r.Fail("origin %q is empty or spans lines", o)
		}
	}
	r.Time("created at", a.CreatedAt, creating)
	r.Time("updated at", a.UpdatedAt, false)
}

// SigningKey checks a key for CreateSigningKey. An HS256 key needs a
// sealed secret and no public key; ES256 and EdDSA keys the other way
// round.
func SigningKey(k store.SigningKey) error {
	var r Rules
	r.Need("kid", k.KID, "application id", k.AppID, "tenant id", k.TenantID)
	r.OneOf("algorithm", k.Algorithm, store.AlgHS256, store.AlgES256, store.AlgEdDSA)
	if k.Algorithm == store.AlgHS256 {
		if len(k.SealedSecret) == 0 || len(k.PublicKey) != 0 {
			r.Fail("an HS256 key has a sealed secret and no public key")
		}
	} else if len(k.PublicKey) == 0 || len(k.SealedSecret) != 0 {
		r.Fail("an %s key has a public key and no secret", k.Algorithm)
	}
	r.Time("created at", k.CreatedAt, true)
	r.Time("expires at", k.ExpiresAt, false)
	r.Time("revoked at", k.RevokedAt, false)
	r.Time("last used at", k.LastUsedAt, false)
	return r.Err()
}

// Member checks a member for CreateMember.
func Member(m store.Member) error {
	var r Rules
	r.Need("member id", m.ID, "tenant id", m.TenantID, "email", m.Email)
	role(&r, m.Role)
	channels(&r, m.Channels)
	r.Time("created at", m.CreatedAt, true)
	r.Time("updated at", m.UpdatedAt, false)
	return r.Err()
}

// MemberUpdate checks a member for UpdateMember, which never changes its
// tenant, email or creation time.
func MemberUpdate(m store.Member) error {
	var r Rules
	r.Need("member id", m.ID)
	role(&r, m.Role)
	channels(&r, m.Channels)
	r.Time("updated at", m.UpdatedAt, false)
	return r.Err()
}

// VerifyEmail checks the arguments of VerifyEmail and returns at in
// nanoseconds.
func VerifyEmail(id, email string, at time.Time) (int64, error) {
	var r Rules
	r.Need("member id", id, "email", email)
	n := r.Time("verified at", at, true)
	return n, r.Err()
}

func role(r *Rules, v string) {
	r.OneOf("role", v, store.RoleOwner, store.RoleAdmin, store.RoleApprover, store.RoleMember, store.RoleAuditor)
}

func channels(r *Rules, cs []string) {
	for _, c := range cs {
		r.OneOf("channel", c, store.ChannelEmail, store.ChannelPush)
	}
}

// Account checks an account for CreateAccount.
func Account(a store.Account) error {
	var r Rules
	r.Need("account id", a.ID, "tenant id", a.TenantID, "application id", a.AppID, "account name", a.Name)
	r.Time("created at", a.CreatedAt, true)
	r.Time("updated at", a.UpdatedAt, false)
	return r.Err()
}

// Grant checks a grant for PutGrant.
func Grant(g store.Grant) error {
	var r Rules
	r.Need("grant id", g.ID, "tenant id", g.TenantID, "account id", g.AccountID, "granted by", g.GrantedBy)
	r.Time("until", g.Until, true)
	r.Time("created at", g.CreatedAt, true)
	r.Time("consumed at", g.ConsumedAt, false)
	r.Time("revoked at", g.RevokedAt, false)
	return r.Err()
}

// CheckRecord checks one record of an AppendChecks batch.
func CheckRecord(c store.CheckRecord) error {
	var r Rules
	r.Need("check record id", c.ID, "tenant id", c.TenantID, "application id", c.AppID, "account", c.Account, "status", c.Status)
	r.Time("at", c.At, true)
	return r.Err()
}

// AuditEvent checks an event and its time for AppendAudit.
func AuditEvent(e audit.Event, at time.Time) error {
	var r Rules
	r.Need("tenant id", e.TenantID, "actor", e.Actor, "action", e.Action)
	r.Time("at", at, true)
	return r.Err()
}

// Checkpoint checks a signed audit checkpoint for AddCheckpoint.
func Checkpoint(c audit.Checkpoint) error {
	var r Rules
	r.Need("tenant id", c.TenantID, "hash", c.Hash, "key id", c.KeyID)
	if c.Seq < 1 {
		r.Fail("seq must be positive")
	}
	if len(c.Signature) == 0 {
		r.Fail("signature is empty")
	}
	r.Time("at", c.At, true)
	return r.Err()
}

// Webhook checks a webhook for CreateWebhook. Event types are stored
// comma-separated by SQLite, so they must be plain names.
func Webhook(w store.Webhook) error {
	var r Rules
	r.Need("webhook id", w.ID, "tenant id", w.TenantID, "url", w.URL)
	if len(w.SealedSecret) == 0 {
		r.Fail("sealed secret is empty")
	}
	r.Time("created at", w.CreatedAt, true)
	for _, e := range w.Events {
		if e == "" || strings.Contains(e, ",") {
			r.Fail("event type %q is not a plain name", e)
		}
	}
	return r.Err()
}

// OutboxMessage checks a message for EnqueueOutbox: a known channel and
// exactly its target, a webhook for webhook messages, a member for email
// and push.
func OutboxMessage(m store.OutboxMessage) error {
	var r Rules
	r.Need("message id", m.ID, "tenant id", m.TenantID)
	switch m.Channel {
	case store.ChannelWebhook:
		r.Need("webhook id", m.WebhookID)
		if m.MemberID != "" || m.Endpoint != "" {
			r.Fail("a webhook message names a member")
		}
	case store.ChannelEmail, store.ChannelPush, store.ChannelSlack:
		r.Need("member id", m.MemberID)
		if m.WebhookID != "" || m.Endpoint != "" {
			r.Fail("an %s message names a webhook", m.Channel)
		}
	case store.ChannelWitness, store.ChannelSIEM:
		r.Need("endpoint", m.Endpoint)
		if m.WebhookID != "" || m.MemberID != "" {
			r.Fail("a %s message names a webhook or a member", m.Channel)
		}
	default:
		r.OneOf("channel", m.Channel, store.ChannelWebhook, store.ChannelEmail, store.ChannelPush, store.ChannelSlack, store.ChannelWitness, store.ChannelSIEM)
	}
	r.Need("type", m.Type)
	if len(m.Payload) == 0 {
		r.Fail("payload is empty")
	}
	r.Time("created at", m.CreatedAt, true)
	r.Time("next attempt at", m.NextAttemptAt, false)
	return r.Err()
}

// OutboxResult checks a delivery attempt's report for FinishOutbox.
func OutboxResult(res store.OutboxResult) error {
	var r Rules
	r.Need("message id", res.ID)
	r.Time("at", res.At, true)
	r.Time("retry at", res.RetryAt, false)
	return r.Err()
}

// Request checks an unlock request for RaiseRequest: UpdatedAt is the
// time of the raise, and the request must run out after it.
func Request(q store.UnlockRequest) error {
	var r Rules
	r.Need("request id", q.ID, "tenant id", q.TenantID, "application id", q.AppID, "account id", q.AccountID)
	now := r.Time("updated at", q.UpdatedAt, true)
	expires := r.Time("expires at", q.ExpiresAt, true)
	if r.Err() == nil && expires <= now {
		r.Fail("expires at is not after updated at")
	}
	return r.Err()
}

// Passkey checks a passkey for CreatePasskey.
func Passkey(p store.Passkey) error {
	var r Rules
	r.Need("passkey id", p.ID, "tenant id", p.TenantID, "member id", p.MemberID)
	if len(p.Credential) == 0 {
		r.Fail("credential is empty")
	}
	r.Time("created at", p.CreatedAt, true)
	r.Time("last used at", p.LastUsedAt, false)
	return r.Err()
}

// PasskeyUpdate checks a passkey for UpdatePasskey, which changes only
// its name, credential and last use.
func PasskeyUpdate(p store.Passkey) error {
	var r Rules
	r.Need("passkey id", p.ID)
	if len(p.Credential) == 0 {
		r.Fail("credential is empty")
	}
	r.Time("last used at", p.LastUsedAt, false)
	return r.Err()
}

// Session checks a session for CreateSession.
func Session(s store.Session) error {
	var r Rules
	r.Need("session id", s.ID, "tenant id", s.TenantID, "member id", s.MemberID)
	r.Time("created at", s.CreatedAt, true)
	r.Time("seen at", s.SeenAt, false)
	r.Time("expires at", s.ExpiresAt, true)
	return r.Err()
}

// Invite checks an invite for CreateInvite.
func Invite(inv store.Invite) error {
	var r Rules
	r.Need("invite id", inv.ID, "tenant id", inv.TenantID, "member id", inv.MemberID, "created by", inv.CreatedBy)
	r.Time("created at", inv.CreatedAt, true)
	r.Time("expires at", inv.ExpiresAt, true)
	r.Time("used at", inv.UsedAt, false)
	return r.Err()
}

// PushSubscription checks a subscription for PutPushSubscription.
func PushSubscription(p store.PushSubscription) error {
	var r Rules
	r.Need("subscription id", p.ID, "tenant id", p.TenantID, "member id", p.MemberID, "endpoint", p.Endpoint)
	if len(p.P256dh) == 0 || len(p.Auth) == 0 {
		r.Fail("p256dh and auth keys are needed")
	}
	r.Time("created at", p.CreatedAt, true)
	return r.Err()
}

// SlackLink checks a member's Slack link before it is stored.
func SlackLink(l store.SlackLink) error {
	var r Rules
	r.Need("member id", l.MemberID, "tenant id", l.TenantID, "slack team id", l.TeamID, "slack user id", l.UserID)
	r.Time("created at", l.CreatedAt, true)
	return r.Err()
}

// MaxExternalID is the longest externalId kept, in bytes.
const MaxExternalID = 1024

// ExternalID checks a SCIM externalId record (an empty ExternalID is a
// removal).
func ExternalID(x store.ExternalID) error {
	var r Rules
	r.Need("tenant id", x.TenantID, "kind", x.Kind, "id", x.ID)
	if len(x.ExternalID) > MaxExternalID {
		r.Fail("external id is longer than %d bytes", MaxExternalID)
	}
	return r.Err()
}
