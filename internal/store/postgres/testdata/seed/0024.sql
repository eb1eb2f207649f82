-- Rows a database at schema version 24 adds: a check record written with
-- its transaction's ID (the column's default, xid).
INSERT INTO check_log (id, tenant_id, app_id, kid, account, at, locked, status, ip, device, location, integration_type, policy_id) VALUES
    ('s24', 't1', 'a1', 'k1', 'alice', 1748779260000000024, true, 'locked', '198.51.100.1', 'curl', '', 'api', '');
