-- 0021: approval requests for any operation (issue 11): an application
-- asks its users' approvers to approve something that is not an unlock (a
-- payment, a deployment), from a template (approval_templates, 0016).
--
-- A template now also says how many approvals decide (approvals, K), when
-- a denial decides (deny_on: first or quorum) and how long a request stays
-- open (expiry, nanoseconds; 0 means the default, 24 h).
--
-- operation_requests are kept apart from unlock_requests, which hold at
-- most one pending request per account. A request keeps a copy of what
-- its template said when it was made (key, title, mode, K, deny_on), the
-- text with its ${key} placeholders filled from metadata (a JSON object
-- of strings), and the approvers it resolved then (a JSON array of member
-- IDs), so that editing or deleting the template, or a group, does not
-- change a request under way. subject is the token's sub (the user at the
-- application); requester_id is the member who owns that account there,
-- '' when none does: they may not approve their own request.
--
-- operation_votes are one approver's approve or deny of one operation
-- request, as approval_votes are of unlock requests (0017).

ALTER TABLE approval_templates ADD COLUMN approvals INTEGER NOT NULL DEFAULT 1 CHECK (approvals >= 1);
ALTER TABLE approval_templates ADD COLUMN deny_on TEXT NOT NULL DEFAULT 'first' CHECK (deny_on IN ('first', 'quorum'));
ALTER TABLE approval_templates ADD COLUMN expiry INTEGER NOT NULL DEFAULT 0 CHECK (expiry >= 0);

CREATE TABLE operation_requests (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    app_id       TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    requester_id TEXT    NOT NULL,
    template_id  TEXT    NOT NULL,
    template_key TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    metadata     TEXT    NOT NULL,
    mode         TEXT    NOT NULL CHECK (mode IN ('approve', 'sign_and_approve')),
    approvers    TEXT    NOT NULL,
    approvals    INTEGER NOT NULL CHECK (approvals >= 1),
    deny_on      TEXT    NOT NULL CHECK (deny_on IN ('first', 'quorum')),
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    decided_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    decided_at   INTEGER NOT NULL,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id)
) STRICT;

CREATE INDEX operation_requests_tenant_pending ON operation_requests (tenant_id, created_at) WHERE status = 'pending';
CREATE INDEX operation_requests_expiring ON operation_requests (expires_at) WHERE status = 'pending';

CREATE TABLE operation_votes (
    request_id TEXT    NOT NULL REFERENCES operation_requests (id),
    tenant_id  TEXT    NOT NULL,
    member_id  TEXT    NOT NULL,
    decision   TEXT    NOT NULL CHECK (decision IN ('approve', 'deny')),
    channel    TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    comment    TEXT    NOT NULL,
    evidence   TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (request_id, member_id)
) STRICT;
