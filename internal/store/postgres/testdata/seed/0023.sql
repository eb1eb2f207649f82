-- Rows a database at schema version 23 adds: an importUsers job that
-- finished and one still open.
INSERT INTO import_jobs (id, tenant_id, token_id, state, total, enrolled, already_enrolled, members_created, errors, reason,
    input, results, holder, lease_until, attempts, created_at, finished_at, expires_at) VALUES
    ('ij1', 't1', 'tk1', 'done', 1001, 1000, 1, 3, 0, '', '', '\x1f8b', 'node-1', 0, 1, 1748779260000000030,
     1748779260000000031, 1748782860000000031),
    ('ij2', 't1', 'tk1', 'running', 1002, 0, 0, 0, 0, '', '\x1f8b', '', 'node-2', 1748779260000000040, 1,
     1748779260000000032, 0, 0);
