// Package admin carries out an administrator's changes to tenants,
// applications, signing keys, members, webhooks, groups and JIT policies,
// for the CLI and the portal alike. Each change validates its input (ErrInvalid-wrapped errors
// that name the field), writes in one store transaction, and records its
// audit event in that same transaction.
//
// Changes to members (links, roles, removal) take a By: who asks. The role
// rules — who may recover whom, who makes owners, that a tenant keeps one
// owner — live here, once, so the portal and the CLI cannot differ; the
// CLI's operator is the break-glass path that the rules let through,
// audited. Members are made here too (NewMember, CreateMemberTx), for
// every caller: who counts as having a verified email, the default role,
// and the member.created event. Administers is the portal's rule for
// changing anything on its admin pages, Oversees for reading them: the
// auditor role reads what admins read and changes nothing.
//
// Groups and policies (group.go, policy.go) are scoped by tenant: a
// group, policy, application or member of another tenant is not found. A
// policy is validated by package policy and stored as its JSON document;
// PolicyTenant reads a tenant's policies, groups and executions back into
// a policy.Tenant, from which Explain builds a policy.Set. Explain uses
// the policies as they are now, also for a past instant: there is no
// history of policies.
//
// IDs and secrets come from package ids, audit events are appended with
// store.AppendAudit.
package admin
