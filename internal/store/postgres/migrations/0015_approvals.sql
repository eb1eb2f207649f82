-- 0015: JIT approvals (issue 11): unlock requests that a member asks for
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

ALTER TABLE unlock_requests ADD COLUMN kind TEXT COLLATE "C" NOT NULL DEFAULT 'signin' CHECK (kind IN ('signin', 'ahead', 'extend'));
ALTER TABLE unlock_requests ADD COLUMN requested_by TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE unlock_requests ADD COLUMN reason TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE unlock_requests ADD COLUMN duration BIGINT NOT NULL DEFAULT 0;
ALTER TABLE unlock_requests ADD COLUMN starts_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE unlock_requests ADD COLUMN extends_grant TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE unlock_requests ADD COLUMN policy_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE unlock_requests ADD COLUMN rule TEXT COLLATE "C" NOT NULL DEFAULT '';

CREATE INDEX unlock_requests_tenant_pending ON unlock_requests (tenant_id, updated_at) WHERE status = 'pending';
CREATE INDEX unlock_requests_requester ON unlock_requests (requested_by, updated_at) WHERE requested_by <> '';
CREATE INDEX unlock_requests_starting ON unlock_requests (starts_at, id) WHERE status = 'approved' AND grant_id = '';

CREATE TABLE approval_votes (
    request_id TEXT COLLATE "C" NOT NULL REFERENCES unlock_requests (id) DEFERRABLE,
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

CREATE INDEX approval_votes_tenant ON approval_votes (tenant_id, at);
