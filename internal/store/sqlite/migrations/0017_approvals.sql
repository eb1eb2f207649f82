-- 0017: JIT approvals (issue 11): unlock requests that a member asks for
-- ahead of time or to extend a grant, decided by the votes of approvers
-- under an approval policy.
--
-- There is still one kind of request and at most one pending request per
-- account (0003): a lock check raises it (kind 'signin'), or a member asks
-- for it (kind 'ahead', with a reason, a duration and an optional start)
-- or asks to extend the account's grant (kind 'extend', naming the grant).
-- A request decided by approvals keeps the approval policy that governed
-- it (policy_id) and a copy of its rule as JSON (rule), taken when the
-- first vote or the request was made, so that editing the policy does not
-- change a request under way. An approved request whose start is later
-- than its quorum has status 'approved' and no grant_id until its start.
--
-- A vote is one approver's approve or deny of one request; a member votes
-- once per request (the primary key). channel says where it was cast
-- (portal, cli, slack, api); evidence is the signed assertion that backs
-- it, as JSON ('' when unsigned), which package evidence writes and reads.
-- Votes keep the member's ID as text, with no foreign key: they are a
-- record and outlive the member.

ALTER TABLE unlock_requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'signin' CHECK (kind IN ('signin', 'ahead', 'extend'));
ALTER TABLE unlock_requests ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE unlock_requests ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE unlock_requests ADD COLUMN duration INTEGER NOT NULL DEFAULT 0;
ALTER TABLE unlock_requests ADD COLUMN starts_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE unlock_requests ADD COLUMN extends_grant TEXT NOT NULL DEFAULT '';
ALTER TABLE unlock_requests ADD COLUMN policy_id TEXT NOT NULL DEFAULT '';
ALTER TABLE unlock_requests ADD COLUMN rule TEXT NOT NULL DEFAULT '';

CREATE INDEX unlock_requests_tenant_pending ON unlock_requests (tenant_id, updated_at) WHERE status = 'pending';
CREATE INDEX unlock_requests_requester ON unlock_requests (requested_by, updated_at) WHERE requested_by <> '';
CREATE INDEX unlock_requests_starting ON unlock_requests (starts_at) WHERE status = 'approved' AND grant_id = '';

CREATE TABLE approval_votes (
    request_id TEXT    NOT NULL REFERENCES unlock_requests (id),
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

CREATE INDEX approval_votes_tenant ON approval_votes (tenant_id, at);
