-- Rows a database at schema version 1 holds: one of every record, with
-- nanosecond times, NULL references and bytes that are not UTF-8.
INSERT INTO tenants (id, name, created_at) VALUES
    ('t1', 'acme', 1748779200123456789),
    ('t2', 'globex', 1748779199000000001);
INSERT INTO applications (id, tenant_id, name, issuer, unenrolled, fail_mode, enabled, locked_down,
        default_unlock, max_unlock, created_at, updated_at) VALUES
    ('a1', 't1', 'Wiki', 'https://wiki.acme.test', 'deny', 'closed', true, false, 900000000000, 28800000000000,
     1748779200123456789, 0),
    ('a2', 't2', 'Mail', 'https://mail.globex.test', 'allow', 'open', false, true, 60000000000, 3600000000007,
     1748779200000000000, 1748779300000000005);
INSERT INTO signing_keys (kid, app_id, tenant_id, algorithm, sealed_secret, public_key, created_at, expires_at,
        revoked_at, last_used_at) VALUES
    ('k1', 'a1', 't1', 'HS256', '\x00ff10', '', 1748779200000000001, 0, 0, 1748779260000000002),
    ('k2', 'a1', 't1', 'EdDSA', '', '\x302a300506032b6570032100', 1748779200000000002, 1748865600000000000,
     1748779400000000000, 0);
INSERT INTO members (id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at) VALUES
    ('m1', 't1', 'alice@acme.test', 'Alice', 'owner', false, false, 1748779200000000000, 0),
    ('m2', 't1', 'bob@acme.test', 'Bob', 'approver', true, true, 1748779201000000000, 1748779202000000000);
INSERT INTO accounts (id, tenant_id, app_id, name, owner_id, current_grant_id, created_at, updated_at) VALUES
    ('ac1', 't1', 'a1', 'alice', 'm1', NULL, 1748779200000000000, 0),
    ('ac2', 't1', 'a1', 'bob', 'm2', NULL, 1748779200000000001, 0),
    ('ac3', 't1', 'a1', 'ünïcode name', NULL, NULL, 1748779200000000002, 0);
INSERT INTO grants (id, tenant_id, account_id, until, once, reason, granted_by, created_at, consumed_at, revoked_at) VALUES
    ('g1', 't1', 'ac1', 1748779500000000000, false, 'deploy', 'member:m1', 1748779200000000000, 0, 1748779210000000000),
    ('g2', 't1', 'ac1', 1748783000000000000, true, '', 'member:m1', 1748779210000000000, 0, 0),
    ('g3', 't1', 'ac2', 1748779300000000000, false, 'ended', 'member:m2', 1748779200000000000, 0, 0);
UPDATE accounts SET current_grant_id = 'g2' WHERE id = 'ac1';
UPDATE accounts SET current_grant_id = 'g3' WHERE id = 'ac2';
INSERT INTO check_log (id, tenant_id, app_id, kid, account, at, locked, status, ip, device, location, integration_type) VALUES
    ('s1', 't1', 'a1', 'k1', 'alice', 1748779260000000002, false, 'unlocked', '203.0.113.7', 'Firefox', 'Madrid, ES', 'cognito'),
    ('s2', 't1', 'a1', '', 'carol', 1748779260000000002, true, 'not_enrolled', '', '', '', '');
