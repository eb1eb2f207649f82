-- 0002: push delivery of account events, announced grant ends, job leases
-- (the same records as SQLite's 0002).

-- A tenant's webhook endpoints. events lists the event types delivered
-- (empty: all). The secret is sealed under the master key.
CREATE TABLE webhooks (
    id            TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    tenant_id     TEXT COLLATE "C"   NOT NULL REFERENCES tenants (id) DEFERRABLE,
    url           TEXT COLLATE "C"   NOT NULL,
    sealed_secret BYTEA              NOT NULL,
    events        TEXT[] COLLATE "C" NOT NULL,
    created_at    BIGINT             NOT NULL,
    UNIQUE (id, tenant_id)
);

CREATE INDEX webhooks_tenant ON webhooks (tenant_id, created_at, id);

-- One event for one webhook, written in the transaction of the change it
-- announces. next_attempt_at doubles as the claim: a worker pushes it past
-- its lease when it takes the message (under FOR UPDATE SKIP LOCKED, so
-- workers on several nodes never take the same message).
CREATE TABLE outbox (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id       TEXT COLLATE "C" NOT NULL,
    webhook_id      TEXT COLLATE "C" NOT NULL,
    type            TEXT COLLATE "C" NOT NULL,
    payload         BYTEA            NOT NULL,
    created_at      BIGINT           NOT NULL,
    attempts        INTEGER          NOT NULL,
    next_attempt_at BIGINT           NOT NULL,
    delivered_at    BIGINT           NOT NULL,
    failed_at       BIGINT           NOT NULL,
    last_error      TEXT COLLATE "C" NOT NULL,
    FOREIGN KEY (webhook_id, tenant_id) REFERENCES webhooks (id, tenant_id) ON DELETE CASCADE DEFERRABLE
);

CREATE INDEX outbox_due ON outbox (next_attempt_at, created_at, id) WHERE delivered_at = 0 AND failed_at = 0;
CREATE INDEX outbox_webhook ON outbox (webhook_id, created_at, id);

-- When a grant's end by time was announced (0: not yet).
ALTER TABLE grants ADD COLUMN end_announced_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX grants_ending ON grants (until, id) WHERE revoked_at = 0 AND consumed_at = 0 AND end_announced_at = 0;

-- Background job leases: one row per job, held by one node at a time.
CREATE TABLE leases (
    job    TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    holder TEXT COLLATE "C" NOT NULL,
    until  BIGINT           NOT NULL
);
