package store

import (
	"context"
	"encoding/json"
	"time"
)

// Group is a named set of members of a tenant; policies are assigned to
// groups. Its members are GroupMember records.
type Group struct {
	ID          string
	TenantID    string
	Name        string // unique in the tenant
	Description string
	CreatedAt   time.Time
}

// GroupMember records that a member belongs to a group of its tenant.
type GroupMember struct {
	GroupID   string
	MemberID  string
	TenantID  string
	CreatedAt time.Time
}

// Policy is a JIT policy as stored. Its rules (type, action, active span,
// schedule, context rule, alert rule) are Document, a JSON object package
// policy writes and reads; the store keeps it as given and never looks
// inside. Name and Enabled are columns of their own, which win over the
// document's.
type Policy struct {
	ID        string
	TenantID  string
	Name      string // unique in the tenant
	Enabled   bool
	Document  json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Assignment applies a policy to exactly one of an application, a group or
// a member of its tenant; the other two are "".
type Assignment struct {
	PolicyID  string
	TenantID  string
	AppID     string
	GroupID   string
	MemberID  string
	CreatedAt time.Time
}

// Execution is one run of an alert policy: its action is in force from At
// until Until (zero: until lifted) or LiftedAt (zero: not lifted),
// whichever comes first.
type Execution struct {
	ID         string
	TenantID   string
	PolicyID   string
	At         time.Time
	Until      time.Time
	LiftedAt   time.Time
	ExecutedBy string
	Reason     string
	LiftedBy   string
}

// PolicyReader reads a tenant's groups, JIT policies, their assignments
// and alert executions. Every method takes the tenant: a group or policy
// of another tenant is ErrNotFound, and lists hold only the tenant's
// records.
type PolicyReader interface {
	Group(ctx context.Context, tenantID, id string) (Group, error)
	GroupByName(ctx context.Context, tenantID, name string) (Group, error)
	// Groups lists a tenant's groups by name.
	Groups(ctx context.Context, tenantID string) ([]Group, error)
	// GroupMembers lists every membership of a tenant's groups, by group
	// then member ID.
	GroupMembers(ctx context.Context, tenantID string) ([]GroupMember, error)

	Policy(ctx context.Context, tenantID, id string) (Policy, error)
	// Policies lists a tenant's policies by name.
	Policies(ctx context.Context, tenantID string) ([]Policy, error)
	// Assignments lists every assignment of a tenant's policies, by
	// policy ID, then oldest first.
	Assignments(ctx context.Context, tenantID string) ([]Assignment, error)
	// Executions lists a tenant's executions that are still in force at
	// since or began after it, oldest first: since = now gives those that
	// matter now, an earlier since those that mattered then too.
	Executions(ctx context.Context, tenantID string, since time.Time) ([]Execution, error)
}

// PolicyTx is the groups and policies inside a transaction, with the
// audit append that records each change.
//
// A reference to a record that does not exist in the tenant (a group's
// member, an assignment's application, group or member, an execution's
// policy) is ErrInvalid and writes nothing; removing or changing a record
// that does not exist in the tenant is ErrNotFound.
type PolicyTx interface {
	PolicyReader
	AuditTx

	// CreateGroup stores g; a name the tenant already uses is ErrConflict.
	CreateGroup(ctx context.Context, g Group) error
	// UpdateGroup replaces the name and description of the tenant's
	// group g.ID (its members and CreatedAt stay); a name another group of
	// the tenant has is ErrConflict, a group the tenant does not have is
	// ErrNotFound.
	UpdateGroup(ctx context.Context, g Group) error
	// DeleteGroup removes a group with its memberships and the
	// assignments to it.
	DeleteGroup(ctx context.Context, tenantID, id string) error
	// AddGroupMember stores a membership; one already stored is
	// ErrConflict.
	AddGroupMember(ctx context.Context, m GroupMember) error
	// RemoveGroupMember removes a membership (ErrNotFound when the member
	// is not in the group).
	RemoveGroupMember(ctx context.Context, tenantID, groupID, memberID string) error

	// CreatePolicy stores p; a name the tenant already uses is
	// ErrConflict. An empty or non-JSON document is ErrInvalid.
	CreatePolicy(ctx context.Context, p Policy) error
	// UpdatePolicy replaces Name, Enabled, Document and UpdatedAt of the
	// policy p.ID of p.TenantID.
	UpdatePolicy(ctx context.Context, p Policy) error
	// DeletePolicy removes a policy with its assignments and executions.
	DeletePolicy(ctx context.Context, tenantID, id string) error
	// Assign stores an assignment; the same one stored before is
	// ErrConflict. Unassign removes it (ErrNotFound when there is none).
	Assign(ctx context.Context, a Assignment) error
	Unassign(ctx context.Context, a Assignment) error

	// CreateExecution stores an execution of a policy of its tenant.
	CreateExecution(ctx context.Context, e Execution) error
	// LiftExecution ends an execution at time at if it is still in force
	// then, and reports whether it did: of concurrent calls exactly one
	// returns true. An unknown execution is ErrNotFound.
	LiftExecution(ctx context.Context, tenantID, id, by string, at time.Time) (bool, error)
}
