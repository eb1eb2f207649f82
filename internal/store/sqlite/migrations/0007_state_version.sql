-- 0007: account state joins the cached data.
--
-- The server now also keeps what the lock check reads about an enrolled
-- account (the account, its current grant, its owner) in memory under the
-- config_version counter of 0004. Every change to those rows, from this
-- process or the CLI in another, bumps the counter in its own transaction.
--
-- Inserts need no trigger: only states of accounts that exist are kept (an
-- unenrolled account is always read from the table), a new member or grant
-- is in no kept state until an account row points at it, and that pointing
-- is an UPDATE of accounts. So a bulk import of new accounts does not pay a
-- trigger per row. Raising unlock requests, writing the check log and
-- recording key use do not touch these tables and do not empty the cache.

CREATE TRIGGER accounts_changed_update AFTER UPDATE ON accounts
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_changed_delete AFTER DELETE ON accounts
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER grants_changed_update AFTER UPDATE ON grants
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER grants_changed_delete AFTER DELETE ON grants
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER members_changed_update AFTER UPDATE ON members
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER members_changed_delete AFTER DELETE ON members
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
