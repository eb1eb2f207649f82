-- Rows a database at schema version 15 adds: a request asked ahead of
-- time under an approval policy, denied by one vote (see 0015).
INSERT INTO unlock_requests (id, tenant_id, app_id, account_id, status, ip, device, location, integration_type, checks,
        created_at, updated_at, expires_at, decided_by, decided_at, grant_id,
        kind, requested_by, reason, duration, starts_at, extends_grant, policy_id, rule) VALUES
    ('r2', 't1', 'a1', 'ac3', 'denied', '', '', '', '', 0,
     1748779200000000011, 1748779200000000011, 1748782800000000011, 'member:m2', 1748779200000000012, '',
     'ahead', 'm1', 'quarter close', 7200000000000, 1748786400000000000, '', 'p1', '{"k":2,"deny_on":"first"}');
INSERT INTO approval_votes (request_id, tenant_id, member_id, decision, channel, actor, comment, evidence, at) VALUES
    ('r2', 't1', 'm2', 'deny', 'portal', 'member:m2', 'not this week', '', 1748779200000000012);
