-- 0023: the change counter names what changed.
--
-- Until now every trigger on a cached table bumped the one counter of
-- config_version, and a server that saw it move (package sqlite, feed.go)
-- could only drop its whole cache: one portal unlock, one CLI lock, and a
-- million cached account states went with it. Now each trigger writes a
-- row to cache_changes naming what changed, in the words of the cache's
-- events (package cache): an application by id and issuer, its keys, one
-- account's state, a member (their passkeys and every state they own), a
-- tenant's policies. A trigger on cache_changes bumps the counter once per
-- row, so the counter's move equals the number of rows written since; the
-- feed forgets exactly what the rows name when they account for the whole
-- move, and drops everything when they do not (rows pruned, a restore, a
-- write by an older deadbolt).
--
-- Only the newest 10 000 rows are kept: a server further behind than that
-- drops its cache, as before.

CREATE TABLE cache_changes (
    seq       INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    kind      TEXT    NOT NULL CHECK (kind IN ('all', 'app', 'keys', 'state', 'member', 'policies')),
    app_id    TEXT    NOT NULL DEFAULT '',
    issuer    TEXT    NOT NULL DEFAULT '',
    account   TEXT    NOT NULL DEFAULT '',
    member_id TEXT    NOT NULL DEFAULT '',
    tenant_id TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE TRIGGER cache_changes_count AFTER INSERT ON cache_changes
BEGIN
    UPDATE config_version SET version = version + 1 WHERE id = 1;
    DELETE FROM cache_changes WHERE seq <= NEW.seq - 10000;
END;

-- The old triggers, which only bumped the counter.
DROP TRIGGER applications_changed_insert;
DROP TRIGGER applications_changed_update;
DROP TRIGGER applications_changed_delete;
DROP TRIGGER signing_keys_changed_insert;
DROP TRIGGER signing_keys_changed_update;
DROP TRIGGER signing_keys_changed_delete;
DROP TRIGGER accounts_changed_update;
DROP TRIGGER accounts_changed_delete;
DROP TRIGGER grants_changed_update;
DROP TRIGGER grants_changed_delete;
DROP TRIGGER members_changed_update;
DROP TRIGGER members_changed_delete;
DROP TRIGGER accounts_changed_insert;
DROP TRIGGER passkeys_changed_insert;
DROP TRIGGER passkeys_changed_update;
DROP TRIGGER passkeys_changed_delete;
DROP TRIGGER member_groups_changed_insert;
DROP TRIGGER member_groups_changed_update;
DROP TRIGGER member_groups_changed_delete;
DROP TRIGGER group_members_changed_insert;
DROP TRIGGER group_members_changed_update;
DROP TRIGGER group_members_changed_delete;
DROP TRIGGER policies_changed_insert;
DROP TRIGGER policies_changed_update;
DROP TRIGGER policies_changed_delete;
DROP TRIGGER policy_assignments_changed_insert;
DROP TRIGGER policy_assignments_changed_update;
DROP TRIGGER policy_assignments_changed_delete;
DROP TRIGGER policy_executions_changed_insert;
DROP TRIGGER policy_executions_changed_update;
DROP TRIGGER policy_executions_changed_delete;

-- Applications: by id and issuer; an issuer's change names both.
CREATE TRIGGER applications_changed_insert AFTER INSERT ON applications
BEGIN
    INSERT INTO cache_changes (kind, app_id, issuer) VALUES ('app', NEW.id, NEW.issuer);
END;
CREATE TRIGGER applications_changed_update AFTER UPDATE ON applications
BEGIN
    INSERT INTO cache_changes (kind, app_id, issuer) VALUES ('app', OLD.id, OLD.issuer);
END;
CREATE TRIGGER applications_issuer_changed AFTER UPDATE OF id, issuer ON applications
WHEN NEW.id IS NOT OLD.id OR NEW.issuer IS NOT OLD.issuer
BEGIN
    INSERT INTO cache_changes (kind, app_id, issuer) VALUES ('app', NEW.id, NEW.issuer);
END;
CREATE TRIGGER applications_changed_delete AFTER DELETE ON applications
BEGIN
    INSERT INTO cache_changes (kind, app_id, issuer) VALUES ('app', OLD.id, OLD.issuer);
END;

-- Signing keys: the application's keys. Key use (last_used_at) is not a change.
CREATE TRIGGER signing_keys_changed_insert AFTER INSERT ON signing_keys
BEGIN
    INSERT INTO cache_changes (kind, app_id) VALUES ('keys', NEW.app_id);
END;
CREATE TRIGGER signing_keys_changed_update
AFTER UPDATE OF kid, app_id, tenant_id, algorithm, sealed_secret, public_key, created_at, expires_at, revoked_at ON signing_keys
BEGIN
    INSERT INTO cache_changes (kind, app_id) VALUES ('keys', OLD.app_id);
    INSERT INTO cache_changes (kind, app_id) VALUES ('keys', NEW.app_id);
END;
CREATE TRIGGER signing_keys_changed_delete AFTER DELETE ON signing_keys
BEGIN
    INSERT INTO cache_changes (kind, app_id) VALUES ('keys', OLD.app_id);
END;

-- Accounts: the account's state, under its old and its new name.
-- Creating one matters too: "not enrolled" is cached.
CREATE TRIGGER accounts_changed_insert AFTER INSERT ON accounts
BEGIN
    INSERT INTO cache_changes (kind, app_id, account) VALUES ('state', NEW.app_id, NEW.name);
END;
CREATE TRIGGER accounts_changed_update AFTER UPDATE ON accounts
BEGIN
    INSERT INTO cache_changes (kind, app_id, account) VALUES ('state', OLD.app_id, OLD.name);
END;
CREATE TRIGGER accounts_renamed AFTER UPDATE OF app_id, name ON accounts
WHEN NEW.app_id IS NOT OLD.app_id OR NEW.name IS NOT OLD.name
BEGIN
    INSERT INTO cache_changes (kind, app_id, account) VALUES ('state', NEW.app_id, NEW.name);
END;
CREATE TRIGGER accounts_changed_delete AFTER DELETE ON accounts
BEGIN
    INSERT INTO cache_changes (kind, app_id, account) VALUES ('state', OLD.app_id, OLD.name);
END;

-- Grants: the state of the account they belong to (a new grant matters
-- only once the account points at it, which is an update of accounts). A
-- grant whose account is gone names everything. Only the columns a
-- state holds count: marking a grant's end as announced (the outbox's
-- bookkeeping) changes nothing cached, where it used to empty the cache.
CREATE TRIGGER grants_changed_update
AFTER UPDATE OF id, tenant_id, account_id, until, once, reason, granted_by, created_at, consumed_at, revoked_at ON grants
BEGIN
    INSERT INTO cache_changes (kind, app_id, account)
    SELECT CASE WHEN a.id IS NULL THEN 'all' ELSE 'state' END, coalesce(a.app_id, ''), coalesce(a.name, '')
    FROM (SELECT 1) LEFT JOIN accounts a ON a.id = OLD.account_id;
END;
CREATE TRIGGER grants_moved AFTER UPDATE OF account_id ON grants
WHEN NEW.account_id IS NOT OLD.account_id
BEGIN
    INSERT INTO cache_changes (kind, app_id, account)
    SELECT CASE WHEN a.id IS NULL THEN 'all' ELSE 'state' END, coalesce(a.app_id, ''), coalesce(a.name, '')
    FROM (SELECT 1) LEFT JOIN accounts a ON a.id = NEW.account_id;
END;
CREATE TRIGGER grants_changed_delete AFTER DELETE ON grants
BEGIN
    INSERT INTO cache_changes (kind, app_id, account)
    SELECT CASE WHEN a.id IS NULL THEN 'all' ELSE 'state' END, coalesce(a.app_id, ''), coalesce(a.name, '')
    FROM (SELECT 1) LEFT JOIN accounts a ON a.id = OLD.account_id;
END;

-- Members and their passkeys: the member (every state they own). A
-- passkey's use (last_used_at, sign-ins) is not a change.
CREATE TRIGGER members_changed_update AFTER UPDATE ON members
BEGIN
    INSERT INTO cache_changes (kind, member_id) VALUES ('member', OLD.id);
END;
CREATE TRIGGER members_changed_delete AFTER DELETE ON members
BEGIN
    INSERT INTO cache_changes (kind, member_id) VALUES ('member', OLD.id);
END;
CREATE TRIGGER passkeys_changed_insert AFTER INSERT ON passkeys
BEGIN
    INSERT INTO cache_changes (kind, member_id) VALUES ('member', NEW.member_id);
END;
CREATE TRIGGER passkeys_changed_update AFTER UPDATE OF id, tenant_id, member_id, credential ON passkeys
BEGIN
    INSERT INTO cache_changes (kind, member_id) VALUES ('member', OLD.member_id);
    INSERT INTO cache_changes (kind, member_id) VALUES ('member', NEW.member_id);
END;
CREATE TRIGGER passkeys_changed_delete AFTER DELETE ON passkeys
BEGIN
    INSERT INTO cache_changes (kind, member_id) VALUES ('member', OLD.member_id);
END;

-- Groups, memberships, policies, assignments and alert executions: the
-- tenant's compiled policies.
CREATE TRIGGER member_groups_changed_insert AFTER INSERT ON member_groups
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', NEW.tenant_id);
END;
CREATE TRIGGER member_groups_changed_update AFTER UPDATE ON member_groups
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', OLD.tenant_id);
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', NEW.tenant_id);
END;
CREATE TRIGGER member_groups_changed_delete AFTER DELETE ON member_groups
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', OLD.tenant_id);
END;
CREATE TRIGGER group_members_changed_insert AFTER INSERT ON group_members
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', NEW.tenant_id);
END;
CREATE TRIGGER group_members_changed_update AFTER UPDATE ON group_members
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', OLD.tenant_id);
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', NEW.tenant_id);
END;
CREATE TRIGGER group_members_changed_delete AFTER DELETE ON group_members
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', OLD.tenant_id);
END;
CREATE TRIGGER policies_changed_insert AFTER INSERT ON policies
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', NEW.tenant_id);
END;
CREATE TRIGGER policies_changed_update AFTER UPDATE ON policies
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', OLD.tenant_id);
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', NEW.tenant_id);
END;
CREATE TRIGGER policies_changed_delete AFTER DELETE ON policies
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', OLD.tenant_id);
END;
CREATE TRIGGER policy_assignments_changed_insert AFTER INSERT ON policy_assignments
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', NEW.tenant_id);
END;
CREATE TRIGGER policy_assignments_changed_update AFTER UPDATE ON policy_assignments
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', OLD.tenant_id);
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', NEW.tenant_id);
END;
CREATE TRIGGER policy_assignments_changed_delete AFTER DELETE ON policy_assignments
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', OLD.tenant_id);
END;
CREATE TRIGGER policy_executions_changed_insert AFTER INSERT ON policy_executions
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', NEW.tenant_id);
END;
CREATE TRIGGER policy_executions_changed_update AFTER UPDATE ON policy_executions
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', OLD.tenant_id);
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', NEW.tenant_id);
END;
CREATE TRIGGER policy_executions_changed_delete AFTER DELETE ON policy_executions
BEGIN
    INSERT INTO cache_changes (kind, tenant_id) VALUES ('policies', OLD.tenant_id);
END;
