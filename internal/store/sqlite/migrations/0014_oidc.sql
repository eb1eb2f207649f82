-- 0014: deadbolt as an OpenID provider for step-up sign-in (issue 14).
--
-- oidc_clients are a tenant's relying parties. A confidential client keeps
-- only a hash of its secret; a public one has none (secret_hash '') and
-- must use PKCE. redirect_uris and frame_origins are JSON arrays of
-- strings. app_id, when set, names the application whose account must be
-- unlocked for acr urn:deadbolt:acr:passkey+unlocked; deleting the
-- application deletes its clients.
--
-- oidc_keys are the provider's ES256 signing keys, one deployment-wide
-- issuer: the private key is sealed under the master key (owner: its kid).
-- retired_at 0 marks the key that signs; a retired key stays published
-- until expires_at, when every token it signed has expired.
--
-- oidc_requests are authorization requests in flight, with the hash of
-- their code once one is issued (a code is taken once). document is a JSON
-- object that package oidc writes and reads; the store never looks inside.

CREATE TABLE oidc_clients (
    id            TEXT    NOT NULL PRIMARY KEY,
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    name          TEXT    NOT NULL,
    secret_hash   TEXT    NOT NULL,
    public        INTEGER NOT NULL,
    redirect_uris TEXT    NOT NULL,
    frame_origins TEXT    NOT NULL,
    app_id        TEXT,
    created_at    INTEGER NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (id, tenant_id),
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE oidc_keys (
    id          TEXT    NOT NULL PRIMARY KEY,
    algorithm   TEXT    NOT NULL,
    sealed_key  BLOB    NOT NULL,
    public_key  BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE oidc_requests (
    id          TEXT    NOT NULL PRIMARY KEY,
    tenant_id   TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    code_hash   TEXT UNIQUE,
    document    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    FOREIGN KEY (client_id, tenant_id) REFERENCES oidc_clients (id, tenant_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX oidc_requests_client ON oidc_requests (client_id);
CREATE INDEX oidc_requests_expires ON oidc_requests (expires_at);
