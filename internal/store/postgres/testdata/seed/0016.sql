-- Rows a database at schema version 16 adds: a signed audit checkpoint, a
-- SIEM stream cursor, and outbox messages to a witness and a SIEM endpoint
-- (see 0016).
INSERT INTO audit_checkpoints (tenant_id, seq, hash, at, key_id, signature) VALUES
    ('t1', 1, '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 1748779200000000011,
     '0123456789abcdef', '\x00ff10');
INSERT INTO stream_cursors (endpoint, tenant_id, kind, position) VALUES
    ('siem-main', 't1', 'audit', 1),
    ('siem-main', 't1', 'checks', 1748779200000000012);
INSERT INTO outbox (id, tenant_id, channel, webhook_id, member_id, endpoint, type, payload, created_at, attempts,
        next_attempt_at, delivered_at, failed_at, last_error) VALUES
    ('ob-w1', 't1', 'witness', NULL, NULL, 'archive', 'audit.checkpoint', '\x7b7d', 1748779200000000013, 0,
     1748779200000000013, 0, 0, ''),
    ('ob-s1', 't1', 'siem', NULL, NULL, 'siem-main', 'audit.event', '\x7b7d', 1748779200000000014, 1,
     1748779200000000015, 0, 0, 'connection refused');
