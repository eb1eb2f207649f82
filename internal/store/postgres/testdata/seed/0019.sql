-- Rows a database at schema version 19 adds: a member's Slack link and a
-- Slack message in the outbox.
INSERT INTO slack_links (member_id, tenant_id, team_id, user_id, created_at) VALUES
    ('m1', 't1', 'T0001', 'U0001', 1748779260000000018);
INSERT INTO outbox (id, tenant_id, channel, webhook_id, member_id, endpoint, type, payload, created_at, attempts,
        next_attempt_at, delivered_at, failed_at, last_error) VALUES
    ('ob-k1', 't1', 'slack', NULL, 'm1', NULL, 'request.raised', '\x7b7d', 1748779260000000018, 0,
     1748779260000000018, 0, 0, '');
