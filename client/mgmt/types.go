package mgmt

import (
	"encoding/json"
	"time"
)

// The types below are the schemas of docs/openapi.json, field for field
// (TestTypesMatchDocument).

// Account is the document's schema Account.
type Account struct {
	Account   string     `json:"account"`
	AppID     string     `json:"app_id"`
	Changed   bool       `json:"changed,omitempty"`
	CreatedAt *time.Time `json:"created_at"`
	GrantID   string     `json:"grant_id,omitempty"`
	ID        string     `json:"id"`
	Locked    bool       `json:"locked"`
	Message   string     `json:"message"`
	Once      bool       `json:"once,omitempty"`
	OwnerID   string     `json:"owner_id"`
	Status    string     `json:"status"`
	Until     *time.Time `json:"until,omitempty"`
}

// Application is the document's schema Application.
type Application struct {
	CreatedAt            *time.Time `json:"created_at"`
	DefaultUnlockSeconds int64      `json:"default_unlock_seconds"`
	Enabled              bool       `json:"enabled"`
	FailMode             string     `json:"fail_mode"`
	ID                   string     `json:"id"`
	Issuer               string     `json:"issuer"`
	LockedDown           bool       `json:"locked_down"`
	MaxUnlockSeconds     int64      `json:"max_unlock_seconds"`
	Name                 string     `json:"name"`
	Unenrolled           string     `json:"unenrolled"`
}

// AuditRecord is the document's schema AuditRecord.
type AuditRecord struct {
	Action   string          `json:"action"`
	Actor    string          `json:"actor"`
	At       time.Time       `json:"at"`
	Data     json.RawMessage `json:"data"`
	Hash     string          `json:"hash"`
	PrevHash string          `json:"prev_hash"`
	Seq      int64           `json:"seq"`
	Target   string          `json:"target"`
	Tenant   string          `json:"tenant"`
}

// Ballot is the document's schema Ballot.
type Ballot struct {
	As      string `json:"as,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// Check is the document's schema Check.
type Check struct {
	Account         string     `json:"account"`
	AppID           string     `json:"app_id"`
	At              *time.Time `json:"at"`
	Device          string     `json:"device"`
	ID              string     `json:"id"`
	IntegrationType string     `json:"integration_type"`
	IP              string     `json:"ip"`
	KID             string     `json:"kid"`
	Location        string     `json:"location"`
	Locked          bool       `json:"locked"`
	Status          string     `json:"status"`
}

// Delivery is the document's schema Delivery.
type Delivery struct {
	Attempts    int64      `json:"attempts"`
	Channel     string     `json:"channel"`
	CreatedAt   *time.Time `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at"`
	FailedAt    *time.Time `json:"failed_at"`
	ID          string     `json:"id"`
	LastError   string     `json:"last_error"`
	MemberID    string     `json:"member_id"`
	Type        string     `json:"type"`
	WebhookID   string     `json:"webhook_id"`
}

// Enrollment is the document's schema Enrollment.
type Enrollment struct {
	Account     string `json:"account,omitempty"`
	Application string `json:"application,omitempty"`
	Owner       string `json:"owner,omitempty"`
}

// Group is the document's schema Group.
type Group struct {
	CreatedAt   *time.Time `json:"created_at"`
	Description string     `json:"description"`
	ID          string     `json:"id"`
	MemberIDs   []string   `json:"member_ids"`
	Name        string     `json:"name"`
}

// GroupMemberRef is the document's schema GroupMemberRef.
type GroupMemberRef struct {
	Member string `json:"member,omitempty"`
}

// Key is the document's schema Key.
type Key struct {
	Algorithm  string     `json:"algorithm"`
	AppID      string     `json:"app_id"`
	CreatedAt  *time.Time `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	KID        string     `json:"kid"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Member is the document's schema Member.
type Member struct {
	CreatedAt      *time.Time `json:"created_at"`
	Email          string     `json:"email"`
	EmailVerified  bool       `json:"email_verified"`
	ID             string     `json:"id"`
	LockEverything bool       `json:"lock_everything"`
	LockedDown     bool       `json:"locked_down"`
	Name           string     `json:"name"`
	Role           string     `json:"role"`
}

// Membership is the document's schema Membership.
type Membership struct {
	GroupID  string `json:"group_id"`
	MemberID string `json:"member_id"`
}

// NewApplication is the document's schema NewApplication.
type NewApplication struct {
	DefaultUnlockSeconds int64  `json:"default_unlock_seconds,omitempty"`
	FailMode             string `json:"fail_mode,omitempty"`
	Issuer               string `json:"issuer,omitempty"`
	MaxUnlockSeconds     int64  `json:"max_unlock_seconds,omitempty"`
	Name                 string `json:"name,omitempty"`
	Unenrolled           string `json:"unenrolled,omitempty"`
}

// NewGroup is the document's schema NewGroup.
type NewGroup struct {
	Description string `json:"description,omitempty"`
	Name        string `json:"name,omitempty"`
}

// NewKey is the document's schema NewKey.
type NewKey struct {
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// NewKeyAnswer is the document's schema NewKeyAnswer.
type NewKeyAnswer struct {
	Algorithm  string     `json:"algorithm"`
	AppID      string     `json:"app_id"`
	CreatedAt  *time.Time `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	KID        string     `json:"kid"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Secret     string     `json:"secret"`
}

// NewMember is the document's schema NewMember.
type NewMember struct {
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
	Role  string `json:"role,omitempty"`
}

// NewRequest is the document's schema NewRequest.
type NewRequest struct {
	Account     string     `json:"account,omitempty"`
	Application string     `json:"application,omitempty"`
	As          string     `json:"as,omitempty"`
	ForSeconds  int64      `json:"for_seconds,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	Start       *time.Time `json:"start,omitempty"`
}

// NewTemplate is the document's schema NewTemplate.
type NewTemplate struct {
	ApproverGroups []string `json:"approver_groups,omitempty"`
	Approvers      []string `json:"approvers,omitempty"`
	Key            string   `json:"key,omitempty"`
	Mode           string   `json:"mode,omitempty"`
	Text           string   `json:"text,omitempty"`
	Title          string   `json:"title,omitempty"`
}

// NewWebhook is the document's schema NewWebhook.
type NewWebhook struct {
	Events []string `json:"events,omitempty"`
	URL    string   `json:"url,omitempty"`
}

// NewWebhookAnswer is the document's schema NewWebhookAnswer.
type NewWebhookAnswer struct {
	CreatedAt *time.Time `json:"created_at"`
	Events    []string   `json:"events"`
	ID        string     `json:"id"`
	Secret    string     `json:"secret"`
	URL       string     `json:"url"`
}

// Request is the document's schema Request.
type Request struct {
	Account         string     `json:"account"`
	AccountID       string     `json:"account_id"`
	AppID           string     `json:"app_id"`
	Approvals       int64      `json:"approvals"`
	ApproverIDs     []string   `json:"approver_ids"`
	CreatedAt       *time.Time `json:"created_at"`
	Decided         bool       `json:"decided,omitempty"`
	DurationSeconds int64      `json:"duration_seconds"`
	ExpiresAt       *time.Time `json:"expires_at"`
	GrantID         string     `json:"grant_id"`
	ID              string     `json:"id"`
	Kind            string     `json:"kind"`
	PolicyID        string     `json:"policy_id"`
	Reason          string     `json:"reason"`
	RequesterID     string     `json:"requester_id"`
	Required        int64      `json:"required"`
	Sign            bool       `json:"sign"`
	StartsAt        *time.Time `json:"starts_at"`
	Status          string     `json:"status"`
	Votes           []Vote     `json:"votes"`
}

// Template is the document's schema Template.
type Template struct {
	ApproverGroupIDs []string   `json:"approver_group_ids"`
	ApproverIDs      []string   `json:"approver_ids"`
	CreatedAt        *time.Time `json:"created_at"`
	ID               string     `json:"id"`
	Key              string     `json:"key"`
	Mode             string     `json:"mode"`
	Text             string     `json:"text"`
	Title            string     `json:"title"`
}

// Unlock is the document's schema Unlock.
type Unlock struct {
	ForSeconds int64  `json:"for_seconds,omitempty"`
	Once       bool   `json:"once,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// Vote is the document's schema Vote.
type Vote struct {
	At       *time.Time `json:"at"`
	Channel  string     `json:"channel"`
	Comment  string     `json:"comment"`
	Decision string     `json:"decision"`
	MemberID string     `json:"member_id"`
	Signed   bool       `json:"signed"`
}

// Webhook is the document's schema Webhook.
type Webhook struct {
	CreatedAt *time.Time `json:"created_at"`
	Events    []string   `json:"events"`
	ID        string     `json:"id"`
	URL       string     `json:"url"`
}

// Whoami is the document's schema Whoami.
type Whoami struct {
	ExpiresAt *time.Time `json:"expires_at"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Scopes    []string   `json:"scopes"`
	Tenant    string     `json:"tenant"`
	TenantID  string     `json:"tenant_id"`
	TokenID   string     `json:"token_id"`
}

// Policy is a JIT policy document (docs/policies.md); its fields are
// open, so it is kept as JSON.
type Policy = json.RawMessage
