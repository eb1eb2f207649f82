-- 0012: deadbolt as an OpenID provider for step-up sign-in (issue 14).
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
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id     TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) DEFERRABLE,
    name          TEXT COLLATE "C" NOT NULL,
    secret_hash   TEXT COLLATE "C" NOT NULL,
    public        BOOLEAN          NOT NULL,
    redirect_uris TEXT COLLATE "C" NOT NULL,
    frame_origins TEXT COLLATE "C" NOT NULL,
    app_id        TEXT COLLATE "C",
    created_at    BIGINT           NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (id, tenant_id),
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id) ON DELETE CASCADE DEFERRABLE
);

CREATE TABLE oidc_keys (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    algorithm  TEXT COLLATE "C" NOT NULL,
    sealed_key BYTEA            NOT NULL,
    public_key BYTEA            NOT NULL,
    created_at BIGINT           NOT NULL,
    retired_at BIGINT           NOT NULL,
    expires_at BIGINT           NOT NULL
);

CREATE TABLE oidc_requests (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id  TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    code_hash  TEXT COLLATE "C" UNIQUE,
    document   TEXT COLLATE "C" NOT NULL,
    created_at BIGINT           NOT NULL,
    expires_at BIGINT           NOT NULL,
    FOREIGN KEY (client_id, tenant_id) REFERENCES oidc_clients (id, tenant_id) ON DELETE CASCADE DEFERRABLE
);

CREATE INDEX oidc_requests_client ON oidc_requests (client_id);
CREATE INDEX oidc_requests_expires ON oidc_requests (expires_at);
