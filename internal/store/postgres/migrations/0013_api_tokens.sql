-- 0013: management API tokens and the answers kept for Idempotency-Key
-- (the same records as SQLite's 0015).
--
-- A token is shown once; only the SHA-256 of its secret is kept (hash).
-- role is 'admin', 'approver', 'auditor' or '' for a token that holds
-- only the scopes listed in scopes (space-separated; a role's scopes are
-- known to the code, not stored). expires_at, revoked_at and last_used_at
-- are 0 when unset; last_used_at is written in batches, not per request.
CREATE TABLE api_tokens (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id    TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) DEFERRABLE,
    name         TEXT COLLATE "C" NOT NULL,
    hash         TEXT COLLATE "C" NOT NULL UNIQUE,
    role         TEXT COLLATE "C" NOT NULL,
    scopes       TEXT COLLATE "C" NOT NULL,
    created_by   TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT           NOT NULL,
    expires_at   BIGINT           NOT NULL,
    revoked_at   BIGINT           NOT NULL,
    last_used_at BIGINT           NOT NULL
);

CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id, created_at);

-- The first answer to a POST carrying an Idempotency-Key, per token and
-- key. status is 0 while the first request is still being served.
-- request is a hash of method, path and body: the same key with another
-- request is refused rather than answered with the wrong record.
CREATE TABLE idempotency_keys (
    token_id   TEXT COLLATE "C" NOT NULL,
    key        TEXT COLLATE "C" NOT NULL,
    tenant_id  TEXT COLLATE "C" NOT NULL,
    request    TEXT COLLATE "C" NOT NULL,
    status     INTEGER          NOT NULL,
    body       BYTEA            NOT NULL,
    created_at BIGINT           NOT NULL,
    PRIMARY KEY (token_id, key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
