-- Rows a database at schema version 6 adds: a member whose email is not
-- verified (registered through enablement) and one verified later than
-- created.
INSERT INTO members (id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at, channels,
        email_verified_at) VALUES
    ('m3', 't1', 'carol@acme.test', 'Carol', 'member', false, false, 1748779203000000000, 0, NULL, 0),
    ('m4', 't1', 'dan@acme.test', 'Dan', 'member', false, false, 1748779204000000000, 0, NULL, 1748779205000000007);
