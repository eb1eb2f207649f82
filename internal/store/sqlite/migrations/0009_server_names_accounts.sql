-- 0009: an application may let its server name accounts in a lock check's
-- body (userAccountId / nl3UserToken on the SDK path). Off for every
-- existing application: a token then acts only on its own sub.
ALTER TABLE applications ADD COLUMN server_names_accounts INTEGER NOT NULL DEFAULT 0;
