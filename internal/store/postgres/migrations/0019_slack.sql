-- 0019: approving from Slack (issue 11); the same records as SQLite's
-- 0020.
--
-- slack_links binds a member to their Slack user: team_id and user_id as
-- Slack names them. A member has at most one link; a Slack user is linked
-- to at most one member of a tenant (the same person may be a member of
-- several tenants, and link in each). An interaction from Slack is mapped
-- to a member only through this table, within the request's tenant.
CREATE TABLE slack_links (
    member_id  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id  TEXT COLLATE "C" NOT NULL,
    team_id    TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL,
    created_at BIGINT           NOT NULL,
    UNIQUE (tenant_id, team_id, user_id),
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) DEFERRABLE
);

-- The outbox gains the member channel 'slack': an approver's interactive
-- message.
ALTER TABLE outbox DROP CONSTRAINT outbox_target;
ALTER TABLE outbox ADD CONSTRAINT outbox_target CHECK (
    (channel = 'webhook' AND webhook_id IS NOT NULL AND member_id IS NULL AND endpoint IS NULL) OR
    (channel IN ('email', 'push', 'slack') AND member_id IS NOT NULL AND webhook_id IS NULL AND endpoint IS NULL) OR
    (channel IN ('witness', 'siem') AND endpoint IS NOT NULL AND webhook_id IS NULL AND member_id IS NULL));
