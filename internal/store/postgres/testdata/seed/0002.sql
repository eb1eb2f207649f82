-- Rows a database at schema version 2 adds: webhooks, their outbox, an
-- announced grant end and a job lease.
INSERT INTO webhooks (id, tenant_id, url, sealed_secret, events, created_at) VALUES
    ('w1', 't1', 'https://hooks.acme.test/deadbolt', '\x01020304', '{}', 1748779200000000000),
    ('w2', 't1', 'https://siem.acme.test/in', '\x05', '{account.locked,account.unlocked}', 1748779200000000001);
INSERT INTO outbox (id, tenant_id, webhook_id, type, payload, created_at, attempts, next_attempt_at, delivered_at,
        failed_at, last_error) VALUES
    ('o1', 't1', 'w1', 'account.locked', '\x7b7d', 1748779200000000000, 1, 1748779200000000000, 1748779201000000000, 0, ''),
    ('o2', 't1', 'w2', 'account.unlocked', '\x7b7d', 1748779200000000001, 3, 1748779900000000000, 0, 0, '503 Service Unavailable');
UPDATE grants SET end_announced_at = 1748779301000000000 WHERE id = 'g1';
INSERT INTO leases (job, holder, until) VALUES ('outbox', 'node-1', 1748779215000000000);
