-- 0020: approval requests for any operation (issue 11): an application
-- asks its users' approvers to approve something that is not an unlock (a
-- payment, a deployment), from a template (approval_templates, 0014).
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
-- request, as approval_votes are of unlock requests (0015).

ALTER TABLE approval_templates ADD COLUMN approvals BIGINT NOT NULL DEFAULT 1 CHECK (approvals >= 1);
ALTER TABLE approval_templates ADD COLUMN deny_on TEXT COLLATE "C" NOT NULL DEFAULT 'first' CHECK (deny_on IN ('first', 'quorum'));
ALTER TABLE approval_templates ADD COLUMN expiry BIGINT NOT NULL DEFAULT 0 CHECK (expiry >= 0);

CREATE TABLE operation_requests (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id    TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) DEFERRABLE,
    app_id       TEXT COLLATE "C" NOT NULL,
    subject      TEXT COLLATE "C" NOT NULL,
    requester_id TEXT COLLATE "C" NOT NULL,
    template_id  TEXT COLLATE "C" NOT NULL,
    template_key TEXT COLLATE "C" NOT NULL,
    title        TEXT COLLATE "C" NOT NULL,
    text         TEXT COLLATE "C" NOT NULL,
    metadata     TEXT COLLATE "C" NOT NULL,
    mode         TEXT COLLATE "C" NOT NULL CHECK (mode IN ('approve', 'sign_and_approve')),
    approvers    TEXT COLLATE "C" NOT NULL,
    approvals    BIGINT           NOT NULL CHECK (approvals >= 1),
    deny_on      TEXT COLLATE "C" NOT NULL CHECK (deny_on IN ('first', 'quorum')),
    status       TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    decided_by   TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT           NOT NULL,
    expires_at   BIGINT           NOT NULL,
    decided_at   BIGINT           NOT NULL,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id) DEFERRABLE
);

CREATE INDEX operation_requests_tenant_pending ON operation_requests (tenant_id, created_at) WHERE status = 'pending';
CREATE INDEX operation_requests_expiring ON operation_requests (expires_at) WHERE status = 'pending';

CREATE TABLE operation_votes (
    request_id TEXT COLLATE "C" NOT NULL REFERENCES operation_requests (id) DEFERRABLE,
    tenant_id  TEXT COLLATE "C" NOT NULL,
    member_id  TEXT COLLATE "C" NOT NULL,
    decision   TEXT COLLATE "C" NOT NULL CHECK (decision IN ('approve', 'deny')),
    channel    TEXT COLLATE "C" NOT NULL,
    actor      TEXT COLLATE "C" NOT NULL,
    comment    TEXT COLLATE "C" NOT NULL,
    evidence   TEXT COLLATE "C" NOT NULL,
    at         BIGINT           NOT NULL,
    PRIMARY KEY (request_id, member_id)
);
