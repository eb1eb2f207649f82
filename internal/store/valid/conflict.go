package valid

import "strings"

// conflicts words each uniqueness rule of the schema, keyed by table and
// the column that gives the record its identity, for people to read.
var conflicts = map[string]string{
	"tenants.name":                 "a tenant with this name already exists",
	"applications.issuer":          "an application with this issuer already exists",
	"signing_keys.kid":             "a signing key with this kid already exists",
	"members.email":                "a member with this email already exists in this tenant",
	"accounts.name":                "this application already has an account with this name",
	"unlock_requests.account_id":   "this account already has a pending unlock request",
	"member_groups.name":           "a group with this name already exists in this tenant",
	"group_members.member_id":      "this member is already in this group",
	"policies.name":                "a policy with this name already exists in this tenant",
	"policy_assignments.app_id":    "this policy is already assigned to this application",
	"policy_assignments.group_id":  "this policy is already assigned to this group",
	"policy_assignments.member_id": "this policy is already assigned to this member",
	"break_glass_marks.account_id": "this account is marked break-glass already",
	"break_glass_marks.group_id":   "this group is marked break-glass already",
	"break_glass_codes.hash":       "a break-glass code like this already exists",
	"approval_templates.key":       "a template with this key already exists in this tenant",
}

// nouns name each table's records, for rules not worded above (a
// duplicate ID, which new random IDs never are).
var nouns = map[string]string{
	"tenants": "a tenant", "applications": "an application", "signing_keys": "a signing key",
	"members": "a member", "accounts": "an account", "grants": "a grant", "check_log": "a check record",
	"webhooks": "a webhook", "outbox": "an outbox message", "unlock_requests": "an unlock request",
	"passkeys": "a passkey", "sessions": "a session", "invites": "an invite",
	"push_subscriptions": "a push subscription", "member_groups": "a group", "group_members": "a group membership",
	"policies": "a policy", "policy_assignments": "an assignment", "policy_executions": "a policy execution",
	"break_glass_marks": "a break-glass mark", "break_glass_codes": "a break-glass code", "approval_templates": "a template",
}

// Conflict words a broken uniqueness rule on table's columns (as the
// database names them; "lower(email)" counts as "email") for people. It
// never repeats the database's own words.
func Conflict(table string, columns []string) string {
	for _, c := range columns {
		if m, ok := conflicts[table+"."+bareColumn(c)]; ok {
			return m
		}
	}
	if n, ok := nouns[table]; ok {
		return n + " with this ID already exists"
	}
	return "a record like this already exists"
}

// bareColumn is the column inside an index expression: "lower(email::text)"
// is "email".
func bareColumn(c string) string {
	c = strings.TrimSpace(c)
	if i := strings.LastIndexByte(c, '('); i >= 0 {
		c = c[i+1:]
	}
	if i := strings.IndexAny(c, ":) "); i >= 0 {
		c = c[:i]
	}
	return strings.Trim(c, `"`)
}

// Messages for the other kinds of error a database raises.
const (
	// MsgReference: a foreign key names a record that does not exist.
	MsgReference = "it refers to something that does not exist (or no longer does)"
	// MsgRule: a CHECK or NOT NULL rule of the schema, or a value the
	// database cannot store.
	MsgRule = "a value is not allowed"
	// MsgKeyActive: only a revoked signing key may be deleted.
	MsgKeyActive = "the signing key is still active: revoke it first (deadbolt key revoke KID)"
	// MsgUnavailable: the database failed; nothing was changed.
	MsgUnavailable = "the database is unavailable or failed; nothing was changed"
)
