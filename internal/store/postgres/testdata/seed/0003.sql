-- Rows a database at schema version 3 adds: the portal's records.
UPDATE applications SET origins = '{https://wiki.acme.test,https://wiki.acme.test:8443}' WHERE id = 'a1';
UPDATE members SET channels = '{email}' WHERE id = 'm1';
UPDATE members SET channels = '{}' WHERE id = 'm2';
INSERT INTO unlock_requests (id, tenant_id, app_id, account_id, status, ip, device, location, integration_type, checks,
        created_at, updated_at, expires_at, decided_by, decided_at, grant_id) VALUES
    ('r1', 't1', 'a1', 'ac3', 'pending', '203.0.113.9', 'Chrome', 'Lisbon, PT', 'okta-oidc', 2,
     1748779200000000000, 1748779230000000000, 1748779530000000000, '', 0, '');
INSERT INTO passkeys (id, tenant_id, member_id, name, credential, created_at, last_used_at) VALUES
    ('cred-1', 't1', 'm1', 'laptop', '\xa1a2', 1748779200000000000, 0);
INSERT INTO sessions (id, tenant_id, member_id, created_at, seen_at, expires_at, ip, user_agent) VALUES
    ('sess-hash', 't1', 'm1', 1748779200000000000, 1748779250000000000, 1748822400000000000, '198.51.100.4', 'Mozilla/5.0');
INSERT INTO invites (id, tenant_id, member_id, created_by, created_at, expires_at, used_at) VALUES
    ('inv-hash', 't1', 'm2', 'cli:root', 1748779200000000000, 1749038400000000000, 0);
INSERT INTO nonces (key, expires_at) VALUES ('jti-1', 1748779500000000000);
