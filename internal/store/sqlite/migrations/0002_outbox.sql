-- 0002: push delivery of account events, announced grant ends, job leases.

-- A tenant's webhook endpoints. events is a comma-separated list of event
-- types ('' = all). The secret is sealed under the master key.
CREATE TABLE webhooks (
    id            TEXT    NOT NULL PRIMARY KEY,
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    url           TEXT    NOT NULL,
    sealed_secret BLOB    NOT NULL,
    events        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (id, tenant_id)
) STRICT;

CREATE INDEX webhooks_tenant ON webhooks (tenant_id, created_at, id);

-- One event for one webhook, written in the transaction of the change it
-- announces. next_attempt_at doubles as the claim: a worker pushes it past
-- its lease when it takes the message.
CREATE TABLE outbox (
    id              TEXT    NOT NULL PRIMARY KEY,
    tenant_id       TEXT    NOT NULL,
    webhook_id      TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    payload         BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER NOT NULL,
    failed_at       INTEGER NOT NULL,
    last_error      TEXT    NOT NULL,
    FOREIGN KEY (webhook_id, tenant_id) REFERENCES webhooks (id, tenant_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX outbox_due ON outbox (next_attempt_at, created_at) WHERE delivered_at = 0 AND failed_at = 0;
CREATE INDEX outbox_webhook ON outbox (webhook_id, created_at);

-- When a grant's end by time was announced (0: not yet).
ALTER TABLE grants ADD COLUMN end_announced_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX grants_ending ON grants (until) WHERE revoked_at = 0 AND consumed_at = 0 AND end_announced_at = 0;

-- Background job leases: one row per job, held by one node at a time.
CREATE TABLE leases (
    job    TEXT    NOT NULL PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  INTEGER NOT NULL
) STRICT;
