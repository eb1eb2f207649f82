package mgmt

import (
	"context"
	"io"
	"net/http"
)

// Every operation of the document, named by its operationId in
// TestEveryOperationHasAMethod.

// Whoami is the token, its tenant and its scopes.
func (c *Client) Whoami(ctx context.Context) (Whoami, error) {
	return get[Whoami](ctx, c, "/api/v1/whoami")
}

// ListApplications lists applications.
func (c *Client) ListApplications(ctx context.Context, q Query) (Page[Application], error) {
	return get[Page[Application]](ctx, c, "/api/v1/applications"+q.encode())
}

// CreateApplication creates an application.
func (c *Client) CreateApplication(ctx context.Context, in NewApplication) (Application, error) {
	return send[Application](ctx, c, http.MethodPost, "/api/v1/applications", in)
}

// Application gets an application.
func (c *Client) Application(ctx context.Context, id string) (Application, error) {
	return get[Application](ctx, c, "/api/v1/applications/"+esc(id))
}

// ListKeys lists an application's signing keys.
func (c *Client) ListKeys(ctx context.Context, appID string, q Query) (Page[Key], error) {
	return get[Page[Key]](ctx, c, "/api/v1/applications/"+esc(appID)+"/keys"+q.encode())
}

// CreateKey creates an HS256 signing key; its secret is in this answer only.
func (c *Client) CreateKey(ctx context.Context, appID string, in NewKey) (NewKeyAnswer, error) {
	return send[NewKeyAnswer](ctx, c, http.MethodPost, "/api/v1/applications/"+esc(appID)+"/keys", in)
}

// RevokeKey revokes a signing key.
func (c *Client) RevokeKey(ctx context.Context, appID, kid string) (Key, error) {
	return send[Key](ctx, c, http.MethodPost, "/api/v1/applications/"+esc(appID)+"/keys/"+esc(kid)+"/revoke", struct{}{})
}

// ListAccounts lists accounts with their state (filters application,
// state, owner).
func (c *Client) ListAccounts(ctx context.Context, q Query) (Page[Account], error) {
	return get[Page[Account]](ctx, c, "/api/v1/accounts"+q.encode())
}

// Enroll enrolls an account; it starts locked.
func (c *Client) Enroll(ctx context.Context, in Enrollment) (Account, error) {
	return send[Account](ctx, c, http.MethodPost, "/api/v1/accounts", in)
}

// Account is an account's lock state now.
func (c *Client) Account(ctx context.Context, id string) (Account, error) {
	return get[Account](ctx, c, "/api/v1/accounts/"+esc(id))
}

// Lock locks an account now.
func (c *Client) Lock(ctx context.Context, id string) (Account, error) {
	return send[Account](ctx, c, http.MethodPost, "/api/v1/accounts/"+esc(id)+"/lock", struct{}{})
}

// Unlock unlocks an account for a time or once.
func (c *Client) Unlock(ctx context.Context, id string, in Unlock) (Account, error) {
	return send[Account](ctx, c, http.MethodPost, "/api/v1/accounts/"+esc(id)+"/unlock", in)
}

// ListMembers lists members.
func (c *Client) ListMembers(ctx context.Context, q Query) (Page[Member], error) {
	return get[Page[Member]](ctx, c, "/api/v1/members"+q.encode())
}

// CreateMember adds a member (never an owner).
func (c *Client) CreateMember(ctx context.Context, in NewMember) (Member, error) {
	return send[Member](ctx, c, http.MethodPost, "/api/v1/members", in)
}

// Member gets a member.
func (c *Client) Member(ctx context.Context, id string) (Member, error) {
	return get[Member](ctx, c, "/api/v1/members/"+esc(id))
}

// ListGroups lists groups with their members.
func (c *Client) ListGroups(ctx context.Context, q Query) (Page[Group], error) {
	return get[Page[Group]](ctx, c, "/api/v1/groups"+q.encode())
}

// CreateGroup creates a group.
func (c *Client) CreateGroup(ctx context.Context, in NewGroup) (Group, error) {
	return send[Group](ctx, c, http.MethodPost, "/api/v1/groups", in)
}

// AddToGroup adds a member to a group.
func (c *Client) AddToGroup(ctx context.Context, groupID string, in GroupMemberRef) (Membership, error) {
	return send[Membership](ctx, c, http.MethodPost, "/api/v1/groups/"+esc(groupID)+"/members", in)
}

// RemoveFromGroup removes a member from a group.
func (c *Client) RemoveFromGroup(ctx context.Context, groupID, member string) (Membership, error) {
	return send[Membership](ctx, c, http.MethodDelete, "/api/v1/groups/"+esc(groupID)+"/members/"+esc(member), nil)
}

// ListPolicies lists policies.
func (c *Client) ListPolicies(ctx context.Context, q Query) (Page[Policy], error) {
	return get[Page[Policy]](ctx, c, "/api/v1/policies"+q.encode())
}

// CreatePolicy creates a policy from its document.
func (c *Client) CreatePolicy(ctx context.Context, in Policy) (Policy, error) {
	return send[Policy](ctx, c, http.MethodPost, "/api/v1/policies", in)
}

// Policy gets a policy by ID or name.
func (c *Client) Policy(ctx context.Context, id string) (Policy, error) {
	return get[Policy](ctx, c, "/api/v1/policies/"+esc(id))
}

// ListRequests lists requests newest first with their rule and votes:
// open ones, or those of q["state"] (open, approved, denied, expired or
// all). A request its account's owner decides alone has no PolicyID.
func (c *Client) ListRequests(ctx context.Context, q Query) (Page[Request], error) {
	return get[Page[Request]](ctx, c, "/api/v1/requests"+q.encode())
}

// CreateRequest asks for access ahead of time on behalf of in.As.
func (c *Client) CreateRequest(ctx context.Context, in NewRequest) (Request, error) {
	return send[Request](ctx, c, http.MethodPost, "/api/v1/requests", in)
}

// Request gets a request with its rule and votes.
func (c *Client) Request(ctx context.Context, id string) (Request, error) {
	return get[Request](ctx, c, "/api/v1/requests/"+esc(id))
}

// Approve approves a request on behalf of the approver in.As.
func (c *Client) Approve(ctx context.Context, id string, in Ballot) (Request, error) {
	return send[Request](ctx, c, http.MethodPost, "/api/v1/requests/"+esc(id)+"/approve", in)
}

// Deny denies a request on behalf of the approver in.As.
func (c *Client) Deny(ctx context.Context, id string, in Ballot) (Request, error) {
	return send[Request](ctx, c, http.MethodPost, "/api/v1/requests/"+esc(id)+"/deny", in)
}

// ListTemplates lists approval-request templates.
func (c *Client) ListTemplates(ctx context.Context, q Query) (Page[Template], error) {
	return get[Page[Template]](ctx, c, "/api/v1/templates"+q.encode())
}

// CreateTemplate creates an approval-request template.
func (c *Client) CreateTemplate(ctx context.Context, in NewTemplate) (Template, error) {
	return send[Template](ctx, c, http.MethodPost, "/api/v1/templates", in)
}

// DeleteTemplate deletes the template key.
func (c *Client) DeleteTemplate(ctx context.Context, key string) (Template, error) {
	return send[Template](ctx, c, http.MethodDelete, "/api/v1/templates/"+esc(key), nil)
}

// ListWebhooks lists webhooks.
func (c *Client) ListWebhooks(ctx context.Context, q Query) (Page[Webhook], error) {
	return get[Page[Webhook]](ctx, c, "/api/v1/webhooks"+q.encode())
}

// CreateWebhook adds a webhook; its signing secret is in this answer only.
func (c *Client) CreateWebhook(ctx context.Context, in NewWebhook) (NewWebhookAnswer, error) {
	return send[NewWebhookAnswer](ctx, c, http.MethodPost, "/api/v1/webhooks", in)
}

// DeleteWebhook deletes a webhook.
func (c *Client) DeleteWebhook(ctx context.Context, id string) (Webhook, error) {
	return send[Webhook](ctx, c, http.MethodDelete, "/api/v1/webhooks/"+esc(id), nil)
}

// ListDeliveries lists recent deliveries on every channel, newest first.
func (c *Client) ListDeliveries(ctx context.Context, q Query) (Page[Delivery], error) {
	return get[Page[Delivery]](ctx, c, "/api/v1/deliveries"+q.encode())
}

// ListAudit reads the audit trail, oldest first (filters action, actor).
func (c *Client) ListAudit(ctx context.Context, q Query) (Page[AuditRecord], error) {
	return get[Page[AuditRecord]](ctx, c, "/api/v1/audit"+q.encode())
}

// ExportAudit streams the audit trail into w as JSONL, or CSV with
// q["format"] = "csv" (filters action, actor, target, since, until).
func (c *Client) ExportAudit(ctx context.Context, q Query, w io.Writer) error {
	return c.do(ctx, http.MethodGet, "/api/v1/audit/export"+q.encode(), nil, w)
}

// ListChecks pages through an application's check log, oldest first
// (q["application"] is required; since, until).
func (c *Client) ListChecks(ctx context.Context, q Query) (Page[Check], error) {
	return get[Page[Check]](ctx, c, "/api/v1/checks"+q.encode())
}

// ExportChecks streams an application's check log into w, oldest first,
// as JSONL, or CSV with q["format"] = "csv" (q["application"] is
// required; since, until).
func (c *Client) ExportChecks(ctx context.Context, q Query, w io.Writer) error {
	return c.do(ctx, http.MethodGet, "/api/v1/checks/export"+q.encode(), nil, w)
}
