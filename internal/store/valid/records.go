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
	return r.Need("tenant id", tn.ID, "tenant name", tn.Name).At("created at", tn.CreatedAt, true).Err()
}

// Application checks an application for CreateApplication.
func Application(a store.Application) error {
	var r Rules
	return application(r.Need("application id", a.ID, "tenant id", a.TenantID, "issuer", a.Issuer), a, true).Err()
}

// ApplicationUpdate checks an application for UpdateApplication, which
// never changes its tenant, issuer or creation time.
func ApplicationUpdate(a store.Application) error {
	var r Rules
	return application(r.Need("application id", a.ID), a, false).Err()
}

// application checks the fields Application and ApplicationUpdate share,
// after r's; creating needs CreatedAt.
func application(r *Rules, a store.Application, creating bool) *Rules {
	r.Need("application name", a.Name).
		OneOf("unenrolled", a.Unenrolled, store.UnenrolledAllow, store.UnenrolledDeny).
		OneOf("fail mode", a.FailMode, store.FailOpen, store.FailClosed).
		Positive("default unlock", a.DefaultUnlock).
		Positive("max unlock", a.MaxUnlock)
	for _, o := range a.Origins {
		r.Require(o != "" && !strings.ContainsAny(o, "\n\r"), "origin %q is empty or spans lines", o)
	}
	return r.At("created at", a.CreatedAt, creating).At("updated at", a.UpdatedAt, false)
}

// SigningKey checks a key for CreateSigningKey. An HS256 key needs a
// sealed secret and no public key; ES256 and EdDSA keys the other way
// round.
func SigningKey(k store.SigningKey) error {
	var r Rules
	r.Need("kid", k.KID, "application id", k.AppID, "tenant id", k.TenantID).
		OneOf("algorithm", k.Algorithm, store.AlgHS256, store.AlgES256, store.AlgEdDSA)
	if k.Algorithm == store.AlgHS256 {
		r.Require(len(k.SealedSecret) != 0 && len(k.PublicKey) == 0, "an HS256 key has a sealed secret and no public key")
	} else {
		r.Require(len(k.PublicKey) != 0 && len(k.SealedSecret) == 0, "an %s key has a public key and no secret", k.Algorithm)
	}
	return r.At("created at", k.CreatedAt, true).At("expires at", k.ExpiresAt, false).
		At("revoked at", k.RevokedAt, false).At("last used at", k.LastUsedAt, false).Err()
}

// Member checks a member for CreateMember.
func Member(m store.Member) error {
	var r Rules
	member(r.Need("member id", m.ID, "tenant id", m.TenantID, "email", m.Email), m)
	return r.At("created at", m.CreatedAt, true).At("updated at", m.UpdatedAt, false).Err()
}

// MemberUpdate checks a member for UpdateMember, which never changes its
// tenant, email or creation time.
func MemberUpdate(m store.Member) error {
	var r Rules
	return member(r.Need("member id", m.ID), m).At("updated at", m.UpdatedAt, false).Err()
}

// VerifyEmail checks the arguments of VerifyEmail and returns at in
// nanoseconds.
func VerifyEmail(id, email string, at time.Time) (int64, error) {
	var r Rules
	r.Need("member id", id, "email", email)
	n := r.Time("verified at", at, true)
	return n, r.Err()
}

// member checks the role and channels of m, after r's rules.
func member(r *Rules, m store.Member) *Rules {
	r.OneOf("role", m.Role, store.RoleOwner, store.RoleAdmin, store.RoleApprover, store.RoleMember, store.RoleAuditor)
	for _, c := range m.Channels {
		r.OneOf("channel", c, store.ChannelEmail, store.ChannelPush)
	}
	return r
}

// Account checks an account for CreateAccount.
func Account(a store.Account) error {
	var r Rules
	return r.Need("account id", a.ID, "tenant id", a.TenantID, "application id", a.AppID, "account name", a.Name).
		At("created at", a.CreatedAt, true).At("updated at", a.UpdatedAt, false).Err()
}

// Grant checks a grant for PutGrant.
func Grant(g store.Grant) error {
	var r Rules
	return r.Need("grant id", g.ID, "tenant id", g.TenantID, "account id", g.AccountID, "granted by", g.GrantedBy).
		At("until", g.Until, true).At("created at", g.CreatedAt, true).
		At("consumed at", g.ConsumedAt, false).At("revoked at", g.RevokedAt, false).Err()
}

// CheckRecord checks one record of an AppendChecks batch.
func CheckRecord(c store.CheckRecord) error {
	var r Rules
	return r.Need("check record id", c.ID, "tenant id", c.TenantID, "application id", c.AppID, "account", c.Account, "status", c.Status).
		At("at", c.At, true).Err()
}

// AuditEvent checks an event and its time for AppendAudit.
func AuditEvent(e audit.Event, at time.Time) error {
	var r Rules
	return r.Need("tenant id", e.TenantID, "actor", e.Actor, "action", e.Action).At("at", at, true).Err()
}

// Checkpoint checks a signed audit checkpoint for AddCheckpoint.
func Checkpoint(c audit.Checkpoint) error {
	var r Rules
	return r.Need("tenant id", c.TenantID, "hash", c.Hash, "key id", c.KeyID).
		Require(c.Seq >= 1, "seq must be positive").
		Filled("signature", c.Signature).
		At("at", c.At, true).Err()
}

// Webhook checks a webhook for CreateWebhook. Event types are stored
// comma-separated by SQLite, so they must be plain names.
func Webhook(w store.Webhook) error {
	var r Rules
	r.Need("webhook id", w.ID, "tenant id", w.TenantID, "url", w.URL).
		Filled("sealed secret", w.SealedSecret).
		At("created at", w.CreatedAt, true)
	for _, e := range w.Events {
		r.Require(e != "" && !strings.Contains(e, ","), "event type %q is not a plain name", e)
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
		r.Need("webhook id", m.WebhookID).Require(m.MemberID == "" && m.Endpoint == "", "a webhook message names a member")
	case store.ChannelEmail, store.ChannelPush, store.ChannelSlack:
		r.Need("member id", m.MemberID).Require(m.WebhookID == "" && m.Endpoint == "", "an %s message names a webhook", m.Channel)
	case store.ChannelWitness, store.ChannelSIEM:
		r.Need("endpoint", m.Endpoint).Require(m.WebhookID == "" && m.MemberID == "", "a %s message names a webhook or a member", m.Channel)
	default:
		r.OneOf("channel", m.Channel, store.ChannelWebhook, store.ChannelEmail, store.ChannelPush, store.ChannelSlack, store.ChannelWitness, store.ChannelSIEM)
	}
	return r.Need("type", m.Type).Filled("payload", m.Payload).
		At("created at", m.CreatedAt, true).At("next attempt at", m.NextAttemptAt, false).Err()
}

// OutboxResult checks a delivery attempt's report for FinishOutbox.
func OutboxResult(res store.OutboxResult) error {
	var r Rules
	r.Need("message id", res.ID).At("at", res.At, true).At("retry at", res.RetryAt, res.Unsent)
	if res.Unsent && res.Delivered {
		r.Fail("a message both delivered and unsent")
	}
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
	return r.Need("passkey id", p.ID, "tenant id", p.TenantID, "member id", p.MemberID).Filled("credential", p.Credential).
		At("created at", p.CreatedAt, true).At("last used at", p.LastUsedAt, false).Err()
}

// PasskeyUpdate checks a passkey for UpdatePasskey, which changes only
// its name, credential and last use.
func PasskeyUpdate(p store.Passkey) error {
	var r Rules
	return r.Need("passkey id", p.ID).Filled("credential", p.Credential).At("last used at", p.LastUsedAt, false).Err()
}

// Session checks a session for CreateSession.
func Session(s store.Session) error {
	var r Rules
	return r.Need("session id", s.ID, "tenant id", s.TenantID, "member id", s.MemberID).
		At("created at", s.CreatedAt, true).At("seen at", s.SeenAt, false).At("expires at", s.ExpiresAt, true).Err()
}

// Invite checks an invite for CreateInvite.
func Invite(inv store.Invite) error {
	var r Rules
	return r.Need("invite id", inv.ID, "tenant id", inv.TenantID, "member id", inv.MemberID, "created by", inv.CreatedBy).
		At("created at", inv.CreatedAt, true).At("expires at", inv.ExpiresAt, true).At("used at", inv.UsedAt, false).Err()
}

// PushSubscription checks a subscription for PutPushSubscription.
func PushSubscription(p store.PushSubscription) error {
	var r Rules
	return r.Need("subscription id", p.ID, "tenant id", p.TenantID, "member id", p.MemberID, "endpoint", p.Endpoint).
		Require(len(p.P256dh) != 0 && len(p.Auth) != 0, "p256dh and auth keys are needed").
		At("created at", p.CreatedAt, true).Err()
}

// SlackLink checks a member's Slack link before it is stored.
func SlackLink(l store.SlackLink) error {
	var r Rules
	return r.Need("member id", l.MemberID, "tenant id", l.TenantID, "slack team id", l.TeamID, "slack user id", l.UserID).
		At("created at", l.CreatedAt, true).Err()
}

// MaxExternalID is the longest externalId kept, in bytes.
const MaxExternalID = 1024

// ExternalID checks a SCIM externalId record (an empty ExternalID is a
// removal).
func ExternalID(x store.ExternalID) error {
	var r Rules
	return r.Need("tenant id", x.TenantID, "kind", x.Kind, "id", x.ID).
		Require(len(x.ExternalID) <= MaxExternalID, "external id is longer than %d bytes", MaxExternalID).Err()
}
