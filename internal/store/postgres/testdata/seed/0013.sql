-- Rows a database at schema version 13 adds: an API token and an
-- answer kept for an Idempotency-Key (see 0013).
INSERT INTO api_tokens (id, tenant_id, name, hash, role, scopes, created_by, created_at, expires_at, revoked_at, last_used_at) VALUES
    ('tok1', 't1', 'terraform', 'c0ffee', '', 'accounts:read accounts:write', 'cli', 1748779200000000011, 0, 0, 1748779300000000012);
INSERT INTO idempotency_keys (token_id, key, tenant_id, request, status, body, created_at) VALUES
    ('tok1', 'k-1', 't1', 'beef', 201, '\x7b7d', 1748779200000000013);
