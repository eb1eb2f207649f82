-- 0011: the check log leaves the accounts file.
--
-- Check records now live in a file of their own (the accounts file's name
-- with ".checks" appended), so the check log's commits, one per batch of
-- checks, no longer sync this file nor empty its readers' page caches.
-- Before this runs, in the same transaction and under this file's write
-- lock, Go code (moveCheckLog) copies every row of check_log into the new
-- file and makes it durable there; only then is the table dropped here.
-- Key use (signing_keys.last_used_at) stays as it was and is moved forward
-- from the new file's key_use table on read.

DROP TABLE check_log;
