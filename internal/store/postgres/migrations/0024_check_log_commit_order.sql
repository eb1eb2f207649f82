-- 0024: each check record keeps the ID of the transaction that wrote it
-- (one per check-log batch), so that the readers of the check log (the
-- SIEM stream of check decisions, blocked-signin) can read it in commit
-- order: every transaction below the snapshot's xmin has ended, so the
-- records with an xid below it are final (store.CommitPosition).
--
-- Rows already there get xid 0 (the constant default costs no rewrite);
-- new rows get their transaction's xid8 from the column default, which is
-- no statement of its own: the check-log insert is unchanged. xid8 counts
-- epochs, so it never wraps around.
ALTER TABLE check_log ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE check_log ALTER COLUMN xid SET DEFAULT pg_current_xact_id();

-- A tenant's records in commit order: the readers' page is one range of
-- it. It leads with tenant_id so that each tenant's read touches only its
-- own records (bench: BenchmarkAppendChecksCommitIndex measures what it
-- costs the check-log insert).
CREATE INDEX check_log_tenant_xid ON check_log (tenant_id, xid, seq);
