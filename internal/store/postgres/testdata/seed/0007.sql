-- Rows a database at schema version 7 adds: an application whose server
-- names accounts.
INSERT INTO applications (id, tenant_id, name, issuer, unenrolled, fail_mode, enabled, locked_down,
        default_unlock, max_unlock, created_at, updated_at, origins, server_names_accounts) VALUES
    ('a6', 't1', 'Gateway', 'https://gateway.acme.test', 'allow', 'closed', TRUE, FALSE,
        900000000000, 86400000000000, 1748779200000000000, 1748779200000000000, '{}', TRUE);
