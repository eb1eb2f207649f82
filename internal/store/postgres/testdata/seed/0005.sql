-- Rows a database at schema version 5 adds: outbox messages on the member
-- channels (an email notice delivered, a push notice given up).
INSERT INTO outbox (id, tenant_id, channel, webhook_id, member_id, type, payload, created_at, attempts,
        next_attempt_at, delivered_at, failed_at, last_error) VALUES
    ('o3', 't1', 'email', NULL, 'm1', 'request.raised', '\x7b7d', 1748779200000000002, 1, 1748779200000000002,
        1748779202000000000, 0, ''),
    ('o4', 't1', 'push', NULL, 'm2', 'request.raised', '\x7b7d', 1748779200000000003, 20, 1748779200000000003,
        0, 1748790000000000000, 'push service answered 503 Service Unavailable');
