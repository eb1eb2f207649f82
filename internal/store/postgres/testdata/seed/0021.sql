-- Rows a database at schema version 21 adds: a Slack link its Slack user
-- confirmed.
INSERT INTO slack_links (member_id, tenant_id, team_id, user_id, created_at, confirmed_at) VALUES
    ('m2', 't1', 'T0001', 'U0002', 1748779260000000021, 1748779260000000022);
