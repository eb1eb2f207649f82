-- 0004: a counter of changes to what the lock check caches.
--
-- The server keeps applications and signing keys in memory; every change to
-- them — from this process or from the CLI in another — bumps this counter
-- in the same transaction, and the server reads it (one row, one page)
-- before trusting its memory. Key use (last_used_at) is not a change.

CREATE TABLE config_version (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;

INSERT INTO config_version (id, version) VALUES (1, 0);

CREATE TRIGGER applications_changed_insert AFTER INSERT ON applications
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER applications_changed_update AFTER UPDATE ON applications
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER applications_changed_delete AFTER DELETE ON applications
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER signing_keys_changed_insert AFTER INSERT ON signing_keys
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER signing_keys_changed_update
AFTER UPDATE OF kid, app_id, tenant_id, algorithm, sealed_secret, public_key, created_at, expires_at, revoked_at ON signing_keys
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER signing_keys_changed_delete AFTER DELETE ON signing_keys
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
