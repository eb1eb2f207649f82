-- 0001: the initial schema (the same records as SQLite's 0001).
--
-- Conventions: times are BIGINT Unix nanoseconds UTC, 0 meaning "not set"
-- (timestamptz keeps only microseconds, and the store promises
-- nanoseconds); durations are BIGINT nanoseconds; an absent reference is
-- NULL so that foreign keys ignore it. Every text column uses the "C"
-- collation: comparisons and ORDER BY are by bytes, exactly as in SQLite
-- and Go, whatever locale the database was created with, and paging by
-- name gives the same pages on every backend.
--
-- Records that belong to an application or a member carry the tenant too,
-- and the composite foreign keys (x_id, tenant_id) make it impossible to
-- attach a record to a parent in another tenant. Foreign keys are
-- DEFERRABLE (but checked at once unless a transaction says SET CONSTRAINTS
-- ALL DEFERRED), so that `deadbolt copy` can load tables in any order —
-- accounts and grants refer to each other.

CREATE TABLE tenants (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at BIGINT           NOT NULL
);

CREATE INDEX tenants_created ON tenants (created_at, id);

CREATE TABLE applications (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id      TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) DEFERRABLE,
    name           TEXT COLLATE "C" NOT NULL,
    issuer         TEXT COLLATE "C" NOT NULL UNIQUE,
    unenrolled     TEXT COLLATE "C" NOT NULL CHECK (unenrolled IN ('allow', 'deny')),
    fail_mode      TEXT COLLATE "C" NOT NULL CHECK (fail_mode IN ('open', 'closed')),
    enabled        BOOLEAN          NOT NULL,
    locked_down    BOOLEAN          NOT NULL,
    default_unlock BIGINT           NOT NULL CHECK (default_unlock > 0),
    max_unlock     BIGINT           NOT NULL CHECK (max_unlock > 0),
    created_at     BIGINT           NOT NULL,
    updated_at     BIGINT           NOT NULL,
    UNIQUE (id, tenant_id)
);

CREATE INDEX applications_tenant ON applications (tenant_id, created_at, id);

CREATE TABLE signing_keys (
    kid           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    app_id        TEXT COLLATE "C" NOT NULL,
    tenant_id     TEXT COLLATE "C" NOT NULL,
    algorithm     TEXT COLLATE "C" NOT NULL CHECK (algorithm IN ('HS256', 'ES256', 'EdDSA')),
    sealed_secret BYTEA            NOT NULL,
    public_key    BYTEA            NOT NULL,
    created_at    BIGINT           NOT NULL,
    expires_at    BIGINT           NOT NULL,
    revoked_at    BIGINT           NOT NULL,
    last_used_at  BIGINT           NOT NULL,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id) DEFERRABLE
);

CREATE INDEX signing_keys_app ON signing_keys (app_id, created_at, kid);

CREATE TABLE members (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id   TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) DEFERRABLE,
    email       TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    role        TEXT COLLATE "C" NOT NULL CHECK (role IN ('owner', 'admin', 'approver', 'member')),
    lock_all    BOOLEAN          NOT NULL,
    locked_down BOOLEAN          NOT NULL,
    created_at  BIGINT           NOT NULL,
    updated_at  BIGINT           NOT NULL,
    UNIQUE (id, tenant_id)
);

-- The application stores email lower-cased; the index on lower(email) makes
-- the rule hold even for a row written by hand.
CREATE UNIQUE INDEX members_email ON members (tenant_id, lower(email));
CREATE INDEX members_tenant ON members (tenant_id, created_at, id);

-- current_grant_id points at the account's current grant so that the lock
-- check reaches it by primary key in the same query that finds the account.
-- Its foreign key is added after grants exists.
CREATE TABLE accounts (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id        TEXT COLLATE "C" NOT NULL,
    app_id           TEXT COLLATE "C" NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    owner_id         TEXT COLLATE "C",
    current_grant_id TEXT COLLATE "C",
    created_at       BIGINT           NOT NULL,
    updated_at       BIGINT           NOT NULL,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id) DEFERRABLE,
    FOREIGN KEY (owner_id, tenant_id) REFERENCES members (id, tenant_id) DEFERRABLE
);

CREATE UNIQUE INDEX accounts_name ON accounts (app_id, name);
CREATE INDEX accounts_owner ON accounts (owner_id, id) WHERE owner_id IS NOT NULL;

CREATE TABLE grants (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id   TEXT COLLATE "C" NOT NULL,
    account_id  TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) DEFERRABLE,
    until       BIGINT           NOT NULL,
    once        BOOLEAN          NOT NULL,
    reason      TEXT COLLATE "C" NOT NULL,
    granted_by  TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT           NOT NULL,
    consumed_at BIGINT           NOT NULL,
    revoked_at  BIGINT           NOT NULL
);

CREATE INDEX grants_account ON grants (account_id, created_at);

ALTER TABLE accounts ADD FOREIGN KEY (current_grant_id) REFERENCES grants (id) DEFERRABLE;

-- The check log is append-only and written at the lock check's rate, so it
-- has no foreign keys: a record stays true even if its key or account goes.
-- seq orders records of the same instant in the order they were written
-- (SQLite's rowid).
CREATE TABLE check_log (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    seq              BIGINT GENERATED ALWAYS AS IDENTITY,
    tenant_id        TEXT COLLATE "C" NOT NULL,
    app_id           TEXT COLLATE "C" NOT NULL,
    kid              TEXT COLLATE "C" NOT NULL,
    account          TEXT COLLATE "C" NOT NULL,
    at               BIGINT           NOT NULL,
    locked           BOOLEAN          NOT NULL,
    status           TEXT COLLATE "C" NOT NULL,
    ip               TEXT COLLATE "C" NOT NULL,
    device           TEXT COLLATE "C" NOT NULL,
    location         TEXT COLLATE "C" NOT NULL,
    integration_type TEXT COLLATE "C" NOT NULL
);

CREATE INDEX check_log_app_at ON check_log (app_id, at, seq);

-- One hash chain per tenant; (tenant_id, seq) is the key, so two writers can
-- never store the same seq even if serialisation were lost. data is the
-- canonical JSON exactly as hashed, so it is TEXT, not jsonb.
CREATE TABLE audit_log (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) DEFERRABLE,
    seq       BIGINT           NOT NULL CHECK (seq > 0),
    at        BIGINT           NOT NULL,
    actor     TEXT COLLATE "C" NOT NULL,
    action    TEXT COLLATE "C" NOT NULL,
    target    TEXT COLLATE "C" NOT NULL,
    data      TEXT COLLATE "C" NOT NULL,
    prev_hash TEXT COLLATE "C" NOT NULL,
    hash      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
