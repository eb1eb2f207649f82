-- 0001: the initial schema.
--
-- Conventions: times are INTEGER Unix nanoseconds UTC, 0 meaning "not set";
-- durations are INTEGER nanoseconds; booleans are INTEGER 0 or 1; an absent
-- reference is NULL so that foreign keys ignore it. Tables are STRICT so a
-- value of the wrong type is an error instead of being stored as is.
--
-- Records that belong to an application or a member carry the tenant too,
-- and the composite foreign keys (x_id, tenant_id) make it impossible to
-- attach a record to a parent in another tenant.

CREATE TABLE tenants (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX tenants_created ON tenants (created_at, id);

CREATE TABLE applications (
    id             TEXT    NOT NULL PRIMARY KEY,
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
    name           TEXT    NOT NULL,
    issuer         TEXT    NOT NULL UNIQUE,
    unenrolled     TEXT    NOT NULL CHECK (unenrolled IN ('allow', 'deny')),
    fail_mode      TEXT    NOT NULL CHECK (fail_mode IN ('open', 'closed')),
    enabled        INTEGER NOT NULL,
    locked_down    INTEGER NOT NULL,
    default_unlock INTEGER NOT NULL CHECK (default_unlock > 0),
    max_unlock     INTEGER NOT NULL CHECK (max_unlock > 0),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (id, tenant_id)
) STRICT;

CREATE INDEX applications_tenant ON applications (tenant_id, created_at, id);

CREATE TABLE signing_keys (
    kid           TEXT    NOT NULL PRIMARY KEY,
    app_id        TEXT    NOT NULL,
    tenant_id     TEXT    NOT NULL,
    algorithm     TEXT    NOT NULL CHECK (algorithm IN ('HS256', 'ES256', 'EdDSA')),
    sealed_secret BLOB    NOT NULL,
    public_key    BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id)
) STRICT;

CREATE INDEX signing_keys_app ON signing_keys (app_id, created_at, kid);

CREATE TABLE members (
    id          TEXT    NOT NULL PRIMARY KEY,
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    email       TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'approver', 'member')),
    lock_all    INTEGER NOT NULL,
    locked_down INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (id, tenant_id)
) STRICT;

-- The application stores email lower-cased; the index on lower(email) makes
-- the rule hold even for a row written by hand.
CREATE UNIQUE INDEX members_email ON members (tenant_id, lower(email));
CREATE INDEX members_tenant ON members (tenant_id, created_at, id);

-- current_grant_id points at the account's current grant so that the lock
-- check reaches it by primary key in the same query that finds the account.
CREATE TABLE accounts (
    id               TEXT    NOT NULL PRIMARY KEY,
    tenant_id        TEXT    NOT NULL,
    app_id           TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    owner_id         TEXT,
    current_grant_id TEXT    REFERENCES grants (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id),
    FOREIGN KEY (owner_id, tenant_id) REFERENCES members (id, tenant_id)
) STRICT;

CREATE UNIQUE INDEX accounts_name ON accounts (app_id, name);
CREATE INDEX accounts_owner ON accounts (owner_id) WHERE owner_id IS NOT NULL;

CREATE TABLE grants (
    id          TEXT    NOT NULL PRIMARY KEY,
    tenant_id   TEXT    NOT NULL,
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    until       INTEGER NOT NULL,
    once        INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    granted_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    consumed_at INTEGER NOT NULL,
    revoked_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX grants_account ON grants (account_id, created_at);

-- The check log is append-only and written at the lock check's rate, so it
-- has no foreign keys: a record stays true even if its key or account goes.
CREATE TABLE check_log (
    id               TEXT    NOT NULL PRIMARY KEY,
    tenant_id        TEXT    NOT NULL,
    app_id           TEXT    NOT NULL,
    kid              TEXT    NOT NULL,
    account          TEXT    NOT NULL,
    at               INTEGER NOT NULL,
    locked           INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    ip               TEXT    NOT NULL,
    device           TEXT    NOT NULL,
    location         TEXT    NOT NULL,
    integration_type TEXT    NOT NULL
) STRICT;

CREATE INDEX check_log_app_at ON check_log (app_id, at);

-- One hash chain per tenant; (tenant_id, seq) is the key, so two writers can
-- never store the same seq even if serialisation were lost.
CREATE TABLE audit_log (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id),
    seq       INTEGER NOT NULL CHECK (seq > 0),
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL,
    data      TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) STRICT, WITHOUT ROWID;
