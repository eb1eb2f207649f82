-- 0003: the portal: unlock requests, passkeys, sessions, invites, one-time
-- token values, application origins and members' notification channels.

-- Web origins of an application, newline-separated ('' = none).
ALTER TABLE applications ADD COLUMN origins TEXT NOT NULL DEFAULT '';

-- A member's chosen notification channels, comma-separated; NULL = never
-- chose (the default applies), '' = none.
ALTER TABLE members ADD COLUMN channels TEXT;

-- Unlock requests. The partial unique index is the rule "at most one
-- pending request per account", kept by the database itself.
CREATE TABLE unlock_requests (
    id               TEXT    NOT NULL PRIMARY KEY,
    tenant_id        TEXT    NOT NULL,
    app_id           TEXT    NOT NULL,
    account_id       TEXT    NOT NULL REFERENCES accounts (id),
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    ip               TEXT    NOT NULL,
    device           TEXT    NOT NULL,
    location         TEXT    NOT NULL,
    integration_type TEXT    NOT NULL,
    checks           INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    decided_by       TEXT    NOT NULL,
    decided_at       INTEGER NOT NULL,
    grant_id         TEXT    NOT NULL,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id)
) STRICT;

CREATE UNIQUE INDEX unlock_requests_pending ON unlock_requests (account_id) WHERE status = 'pending';
CREATE INDEX unlock_requests_account ON unlock_requests (account_id, updated_at);
CREATE INDEX unlock_requests_expiring ON unlock_requests (expires_at) WHERE status = 'pending';

-- Passkeys: id is the base64url credential ID.
CREATE TABLE passkeys (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL,
    member_id    TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    credential   BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id)
) STRICT;

CREATE INDEX passkeys_member ON passkeys (member_id, created_at, id);

-- Portal sessions; id is the hash of the cookie's secret.
CREATE TABLE sessions (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL,
    member_id  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip         TEXT    NOT NULL,
    user_agent TEXT    NOT NULL,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id)
) STRICT;

CREATE INDEX sessions_member ON sessions (member_id);

-- One-time setup and invite links; id is the hash of the link's secret.
CREATE TABLE invites (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL,
    member_id  TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id)
) STRICT;

-- Used one-time values (enablement token IDs), kept until they expire.
CREATE TABLE nonces (
    key        TEXT    NOT NULL PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX nonces_expires ON nonces (expires_at);
