package sqlrow

import "strings"

// The columns of each table, in the order its scan function reads them and
// its INSERT lists them.
const (
	TenantCols  = `id, name, created_at`
	AppCols     = `id, tenant_id, name, issuer, unenrolled, fail_mode, enabled, locked_down, default_unlock, max_unlock, created_at, updated_at, origins, server_names_accounts`
	KeyCols     = `kid, app_id, tenant_id, algorithm, sealed_secret, public_key, created_at, expires_at, revoked_at, last_used_at`
	MemberCols  = `id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at, channels, email_verified_at`
	AccountCols = `id, tenant_id, app_id, name, owner_id, created_at, updated_at`
	GrantCols   = `id, tenant_id, account_id, until, once, reason, granted_by, created_at, consumed_at, revoked_at`
	CheckCols   = `id, tenant_id, app_id, kid, account, at, locked, status, ip, device, location, integration_type, policy_id`
	AuditCols   = `tenant_id, seq, at, actor, action, target, data, prev_hash, hash`
	// TenantAuditCols are AuditCols without tenant_id, for reading one
	// tenant's records.
	TenantAuditCols = `seq, at, actor, action, target, data, prev_hash, hash`
	WebhookCols     = `id, tenant_id, url, sealed_secret, events, created_at`
	// OutboxCols reads the target column of the other channels, NULL, as "".
	OutboxCols = `id, tenant_id, channel, coalesce(webhook_id, ''), coalesce(member_id, ''), coalesce(endpoint, ''), type, payload, created_at, attempts, next_attempt_at, delivered_at, failed_at, last_error`
	// CheckpointCols are an audit checkpoint's columns.
	CheckpointCols = `tenant_id, seq, hash, at, key_id, signature`
	RequestCols    = `id, tenant_id, app_id, account_id, status, ip, device, location, integration_type, checks, created_at, updated_at, expires_at, decided_by, decided_at, grant_id, kind, requested_by, reason, duration, starts_at, extends_grant, policy_id, rule`
	// RaisedCols are the RequestCols a lock check's raise writes; the rest
	// keep their defaults.
	RaisedCols  = `id, tenant_id, app_id, account_id, status, ip, device, location, integration_type, checks, created_at, updated_at, expires_at, decided_by, decided_at, grant_id`
	VoteCols    = `request_id, tenant_id, member_id, decision, channel, actor, comment, evidence, at`
	PasskeyCols = `id, tenant_id, member_id, name, credential, created_at, last_used_at`
	SessionCols = `id, tenant_id, member_id, created_at, seen_at, expires_at, ip, user_agent`
	InviteCols  = `id, tenant_id, member_id, created_by, created_at, expires_at, used_at`
	PushCols    = `id, tenant_id, member_id, endpoint, p256dh, auth, user_agent, created_at`
	SlackCols   = `member_id, tenant_id, team_id, user_id, created_at, confirmed_at`
)

// CheckStateCols are the columns ScanCheckState reads: the account a, its
// current grant g and its owner m, the latter two from LEFT JOINs.
const CheckStateCols = `a.id, a.tenant_id, a.owner_id, a.created_at, a.updated_at,
	g.id, g.tenant_id, g.until, g.once, g.reason, g.granted_by, g.created_at, g.consumed_at, g.revoked_at,
	m.tenant_id, m.email, m.name, m.role, m.lock_all, m.locked_down, m.created_at, m.updated_at, m.channels`

// Prefixed qualifies every column of cols with the table alias.
func Prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// RequestStateCond is the condition on unlock_requests of a
// store.RequestFilter's State, given the placeholders of the state and of
// now (nanoseconds), the same in every dialect.
func RequestStateCond(state, now string) string {
	return `(CASE ` + state + ` WHEN '' THEN TRUE
		WHEN 'open' THEN status = 'pending' AND expires_at > ` + now + `
		WHEN 'expired' THEN status = 'expired' OR (status = 'pending' AND expires_at <= ` + now + `)
		ELSE status = ` + state + ` END)`
}
