-- 0003: the portal: unlock requests, passkeys, sessions, invites, one-time
-- token values, application origins and members' notification channels
-- (the same records as SQLite's 0003).

-- Web origins of an application ('{}' = none).
ALTER TABLE applications ADD COLUMN origins TEXT[] COLLATE "C" NOT NULL DEFAULT '{}';

-- A member's chosen notification channels; NULL = never chose (the default
-- applies), '{}' = none.
ALTER TABLE members ADD COLUMN channels TEXT[] COLLATE "C";

-- Unlock requests. The partial unique index is the rule "at most one
-- pending request per account", kept by the database itself.
CREATE TABLE unlock_requests (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id        TEXT COLLATE "C" NOT NULL,
    app_id           TEXT COLLATE "C" NOT NULL,
    account_id       TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) DEFERRABLE,
    status           TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    ip               TEXT COLLATE "C" NOT NULL,
    device           TEXT COLLATE "C" NOT NULL,
    location         TEXT COLLATE "C" NOT NULL,
    integration_type TEXT COLLATE "C" NOT NULL,
    checks           INTEGER          NOT NULL,
    created_at       BIGINT           NOT NULL,
    updated_at       BIGINT           NOT NULL,
    expires_at       BIGINT           NOT NULL,
    decided_by       TEXT COLLATE "C" NOT NULL,
    decided_at       BIGINT           NOT NULL,
    grant_id         TEXT COLLATE "C" NOT NULL,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id) DEFERRABLE
);

CREATE UNIQUE INDEX unlock_requests_pending ON unlock_requests (account_id) WHERE status = 'pending';
CREATE INDEX unlock_requests_account ON unlock_requests (account_id, updated_at);
CREATE INDEX unlock_requests_expiring ON unlock_requests (expires_at, id) WHERE status = 'pending';

-- Passkeys: id is the base64url credential ID.
CREATE TABLE passkeys (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id    TEXT COLLATE "C" NOT NULL,
    member_id    TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    credential   BYTEA            NOT NULL,
    created_at   BIGINT           NOT NULL,
    last_used_at BIGINT           NOT NULL,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) DEFERRABLE
);

CREATE INDEX passkeys_member ON passkeys (member_id, created_at, id);

-- Portal sessions; id is the hash of the cookie's secret.
CREATE TABLE sessions (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id  TEXT COLLATE "C" NOT NULL,
    member_id  TEXT COLLATE "C" NOT NULL,
    created_at BIGINT           NOT NULL,
    seen_at    BIGINT           NOT NULL,
    expires_at BIGINT           NOT NULL,
    ip         TEXT COLLATE "C" NOT NULL,
    user_agent TEXT COLLATE "C" NOT NULL,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) DEFERRABLE
);

CREATE INDEX sessions_member ON sessions (member_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_seen ON sessions (seen_at);

-- One-time setup and invite links; id is the hash of the link's secret.
CREATE TABLE invites (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id  TEXT COLLATE "C" NOT NULL,
    member_id  TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C" NOT NULL,
    created_at BIGINT           NOT NULL,
    expires_at BIGINT           NOT NULL,
    used_at    BIGINT           NOT NULL,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) DEFERRABLE
);

-- Used one-time values (enablement token IDs), kept until they expire.
CREATE TABLE nonces (
    key        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    expires_at BIGINT           NOT NULL
);

CREATE INDEX nonces_expires ON nonces (expires_at);
