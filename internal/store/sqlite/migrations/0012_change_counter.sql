-- 0012: the change counter covers everything the lock check's cache keeps.
--
-- The server's cache (package cache) now also keeps "not enrolled"
-- answers and owners' passkeys, and learns of another process's changes
-- (the CLI) by watching this counter (package sqlite, feed.go). So creating
-- an account — which turns a cached "not enrolled" stale — and adding,
-- removing or changing a passkey's owner or credential now bump it too.
-- A passkey's use (last_used_at, sign-ins) does not.

CREATE TRIGGER accounts_changed_insert AFTER INSERT ON accounts
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER passkeys_changed_insert AFTER INSERT ON passkeys
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER passkeys_changed_update AFTER UPDATE OF id, tenant_id, member_id, credential ON passkeys
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER passkeys_changed_delete AFTER DELETE ON passkeys
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
