-- 0006: the outbox carries email and Web Push notices to members as well as
-- account events to webhooks, so that they too survive a restart, are
-- retried, and show their state to admins.
--
-- A message now has a channel, and a target by channel: webhook_id for
-- 'webhook', member_id for 'email' and 'push' (the other one NULL). SQLite
-- cannot drop NOT NULL from webhook_id in place, so the table is rebuilt;
-- every existing message is a webhook message.
CREATE TABLE outbox_new (
    id              TEXT    NOT NULL PRIMARY KEY,
    tenant_id       TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    webhook_id      TEXT,
    member_id       TEXT,
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
    CHECK ((channel = 'webhook' AND webhook_id IS NOT NULL AND member_id IS NULL) OR
           (channel IN ('email', 'push') AND member_id IS NOT NULL AND webhook_id IS NULL))
) STRICT;

INSERT INTO outbox_new (id, tenant_id, channel, webhook_id, member_id, type, payload, created_at, attempts,
        next_attempt_at, delivered_at, failed_at, last_error)
    SELECT id, tenant_id, 'webhook', webhook_id, NULL, type, payload, created_at, attempts,
        next_attempt_at, delivered_at, failed_at, last_error
    FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;

CREATE INDEX outbox_due ON outbox (next_attempt_at, created_at) WHERE delivered_at = 0 AND failed_at = 0;
CREATE INDEX outbox_webhook ON outbox (webhook_id, created_at);
-- The admins' list of deliveries.
CREATE INDEX outbox_tenant ON outbox (tenant_id, created_at, id);
