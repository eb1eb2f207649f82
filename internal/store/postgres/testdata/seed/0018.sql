-- Rows a database at schema version 18 adds: a member with the auditor role.
INSERT INTO members (id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at, channels,
        email_verified_at) VALUES
    ('m18', 't1', 'auditor18@acme.test', 'Auditor', 'auditor', false, false, 1748779260000000018, 1748779260000000018,
     NULL, 1748779260000000018);
