-- 0015: management API tokens and the answers kept for Idempotency-Key
-- (issue 13, design §4.2–4.3).
--
-- A token is shown once; only the SHA-256 of its secret is kept (hash).
-- role is 'admin', 'approver', 'auditor' or '' for a token that holds
-- only the scopes listed in scopes (space-separated; a role's scopes are
-- known to the code, not stored). expires_at, revoked_at and last_used_at
-- are 0 when unset; last_used_at is written in batches, not per request.
CREATE TABLE api_tokens (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    name         TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    role         TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
) STRICT;

CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id, created_at);

-- The first answer to a POST carrying an Idempotency-Key, per token and
-- key. status is 0 while the first request is still being served.
-- request is a hash of method, path and body: the same key with another
-- request is refused rather than answered with the wrong record.
CREATE TABLE idempotency_keys (
    token_id   TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    tenant_id  TEXT    NOT NULL,
    request    TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    body       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (token_id, key)
) STRICT;

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
