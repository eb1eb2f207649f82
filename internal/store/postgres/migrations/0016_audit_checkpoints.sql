-- 0016: signed audit checkpoints, and outbox messages to the server's own
-- endpoints (audit witnesses and SIEM streams); the same records as
-- SQLite's 0018.
--
-- A checkpoint is the server's Ed25519 signature over (tenant, seq, hash,
-- at) of one record of a tenant's audit chain. Checkpoints are not audited
-- themselves: an audit record per checkpoint would move the head it signs.
CREATE TABLE audit_checkpoints (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) DEFERRABLE,
    seq       BIGINT           NOT NULL CHECK (seq > 0),
    hash      TEXT COLLATE "C" NOT NULL,
    at        BIGINT           NOT NULL,
    key_id    TEXT COLLATE "C" NOT NULL,
    signature BYTEA            NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- How far each SIEM endpoint has been fed, per tenant and kind of record
-- ('audit': the last audit seq enqueued; 'checks': the check-log position).
CREATE TABLE stream_cursors (
    endpoint  TEXT COLLATE "C" NOT NULL,
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) DEFERRABLE,
    kind      TEXT COLLATE "C" NOT NULL CHECK (kind IN ('audit', 'checks')),
    position  BIGINT           NOT NULL,
    PRIMARY KEY (endpoint, tenant_id, kind)
);

-- The outbox gains two channels whose target is an endpoint named in the
-- server's configuration rather than a row: 'witness' (checkpoints) and
-- 'siem' (audit events and check decisions).
ALTER TABLE outbox ADD COLUMN endpoint TEXT COLLATE "C";
ALTER TABLE outbox DROP CONSTRAINT outbox_target;
ALTER TABLE outbox ADD CONSTRAINT outbox_target CHECK (
    (channel = 'webhook' AND webhook_id IS NOT NULL AND member_id IS NULL AND endpoint IS NULL) OR
    (channel IN ('email', 'push') AND member_id IS NOT NULL AND webhook_id IS NULL AND endpoint IS NULL) OR
    (channel IN ('witness', 'siem') AND endpoint IS NOT NULL AND webhook_id IS NULL AND member_id IS NULL));
