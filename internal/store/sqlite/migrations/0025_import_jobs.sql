-- 0025: NL3 importUsers jobs (batches over 1 000 rows) are kept in the
-- database, so any node answers GET …/importUsers/{id} and a restart
-- loses none of them (issue 13). It also indexes a tenant's unlock
-- requests by ID, which GET /api/v1/requests pages through.
--
-- state is 'queued', 'running', 'done' or 'failed' (reason says why).
-- input is the batch as it arrived (gzip of its JSON rows), kept until
-- the job ends so that a job whose node stopped can be run again;
-- results is the gzip of the per-row results' JSON, written when it
-- ends. holder is the node running the job and lease_until when its
-- claim lapses unless renewed (0: nobody holds it); attempts counts the
-- claims. finished_at and expires_at are 0 while the job is open; a
-- tenant has at most one open job (import_jobs_open).
CREATE TABLE import_jobs (
    id               TEXT    NOT NULL PRIMARY KEY,
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id),
    token_id         TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    total            INTEGER NOT NULL,
    enrolled         INTEGER NOT NULL,
    already_enrolled INTEGER NOT NULL,
    members_created  INTEGER NOT NULL,
    errors           INTEGER NOT NULL,
    reason           TEXT    NOT NULL,
    input            BLOB    NOT NULL,
    results          BLOB    NOT NULL,
    holder           TEXT    NOT NULL,
    lease_until      INTEGER NOT NULL,
    attempts         INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX import_jobs_open ON import_jobs (tenant_id) WHERE finished_at = 0;
CREATE INDEX import_jobs_tenant ON import_jobs (tenant_id, finished_at);
CREATE INDEX import_jobs_expires ON import_jobs (expires_at) WHERE finished_at <> 0;

-- A tenant's requests of every state, newest ID first (RequestsOfTenant).
CREATE INDEX unlock_requests_tenant_id ON unlock_requests (tenant_id, id);
