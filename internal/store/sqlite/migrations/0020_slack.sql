-- 0020: approving from Slack (issue 11).
--
-- slack_links binds a member to their Slack user: team_id and user_id as
-- Slack names them. A member has at most one link; a Slack user is linked
-- to at most one member of a tenant (the same person may be a member of
-- several tenants, and link in each). An interaction from Slack is mapped
-- to a member only through this table, within the request's tenant.
CREATE TABLE slack_links (
    member_id  TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL,
    team_id    TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, team_id, user_id),
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id)
) STRICT, WITHOUT ROWID;

-- The outbox gains the member channel 'slack': an approver's interactive
-- message. SQLite cannot change a CHECK in place, so the table is rebuilt
-- as in 0018 (0019 changed members only).
CREATE TABLE outbox_new (
    id              TEXT    NOT NULL PRIMARY KEY,
    tenant_id       TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    webhook_id      TEXT,
    member_id       TEXT,
    endpoint        TEXT,
    type            TEXT    NOT NULL,
    payload         BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER NOT NULL,
    failed_at       INTEGER NOT NULL,
    last_error      TEXT    NOT NULL,
    FOREIGN KEY (webhook_id, tenant_id) REFERENCES webhooks (id, tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id),
    CHECK ((channel = 'webhook' AND webhook_id IS NOT NULL AND member_id IS NULL AND endpoint IS NULL) OR
           (channel IN ('email', 'push', 'slack') AND member_id IS NOT NULL AND webhook_id IS NULL AND endpoint IS NULL) OR
           (channel IN ('witness', 'siem') AND endpoint IS NOT NULL AND webhook_id IS NULL AND member_id IS NULL))
) STRICT;

INSERT INTO outbox_new (id, tenant_id, channel, webhook_id, member_id, endpoint, type, payload, created_at, attempts,
        next_attempt_at, delivered_at, failed_at, last_error)
    SELECT id, tenant_id, channel, webhook_id, member_id, endpoint, type, payload, created_at, attempts,
        next_attempt_at, delivered_at, failed_at, last_error
    FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;

CREATE INDEX outbox_due ON outbox (next_attempt_at, created_at) WHERE delivered_at = 0 AND failed_at = 0;
CREATE INDEX outbox_webhook ON outbox (webhook_id, created_at);
CREATE INDEX outbox_tenant ON outbox (tenant_id, created_at, id);
