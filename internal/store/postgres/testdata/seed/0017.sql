-- Rows a database at schema version 17 adds: a check record that names the
-- policy that decided it.
INSERT INTO check_log (id, tenant_id, app_id, kid, account, at, locked, status, ip, device, location, integration_type, policy_id) VALUES
    ('s17', 't1', 'a1', 'k1', 'alice', 1748779260000000017, true, 'denied_by_policy', '198.51.100.1', 'curl', '', 'api', 'p17');
