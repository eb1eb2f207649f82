-- Rows a database at schema version 10 adds: no new table or column (0010
-- only indexes check_log by time); one more check record, older than the
-- others, which retention finds through that index.
INSERT INTO check_log (id, tenant_id, app_id, kid, account, at, locked, status, ip, device, location, integration_type) VALUES
    ('s0', 't1', 'a1', 'k1', 'alice', 1700000000000000000, true, 'locked', '203.0.113.9', 'curl', '', 'api');
