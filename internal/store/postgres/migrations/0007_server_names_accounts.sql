-- 0007: an application may let its server name accounts in a lock check's
-- body (userAccountId / nl3UserToken on the SDK path); the same column as
-- SQLite's 0009. Off for every existing application.
ALTER TABLE applications ADD COLUMN server_names_accounts BOOLEAN NOT NULL DEFAULT FALSE;
