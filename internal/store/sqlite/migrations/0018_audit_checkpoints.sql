-- 0018: signed audit checkpoints, and outbox messages to the server's own
-- endpoints (audit witnesses and SIEM streams).
--
-- A checkpoint is the server's Ed25519 signature over (tenant, seq, hash,
-- at) of one record of a tenant's audit chain. Checkpoints are not audited
-- themselves: an audit record per checkpoint would move the head it signs.
CREATE TABLE audit_checkpoints (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id),
    seq       INTEGER NOT NULL CHECK (seq > 0),
    hash      TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    key_id    TEXT    NOT NULL,
    signature BLOB    NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) STRICT, WITHOUT ROWID;

-- How far each SIEM endpoint has been fed, per tenant and kind of record
-- ('audit': the last audit seq enqueued; 'checks': the check-log position).
CREATE TABLE stream_cursors (
    endpoint  TEXT    NOT NULL,
    tenant_id TEXT    NOT NULL REFERENCES tenants (id),
    kind      TEXT    NOT NULL CHECK (kind IN ('audit', 'checks')),
    position  INTEGER NOT NULL,
    PRIMARY KEY (endpoint, tenant_id, kind)
) STRICT, WITHOUT ROWID;

-- The outbox gains two channels whose target is an endpoint named in the
-- server's configuration rather than a row: 'witness' (checkpoints) and
-- 'siem' (audit events and check decisions). SQLite cannot change a CHECK
-- in place, so the table is rebuilt as in 0006.
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
           (channel IN ('email', 'push') AND member_id IS NOT NULL AND webhook_id IS NULL AND endpoint IS NULL) OR
           (channel IN ('witness', 'siem') AND endpoint IS NOT NULL AND webhook_id IS NULL AND member_id IS NULL))
) STRICT;

INSERT INTO outbox_new (id, tenant_id, channel, webhook_id, member_id, endpoint, type, payload, created_at, attempts,
        next_attempt_at, delivered_at, failed_at, last_error)
    SELECT id, tenant_id, channel, webhook_id, member_id, NULL, type, payload, created_at, attempts,
        next_attempt_at, delivered_at, failed_at, last_error
    FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;

CREATE INDEX outbox_due ON outbox (next_attempt_at, created_at) WHERE delivered_at = 0 AND failed_at = 0;
CREATE INDEX outbox_webhook ON outbox (webhook_id, created_at);
CREATE INDEX outbox_tenant ON outbox (tenant_id, created_at, id);
