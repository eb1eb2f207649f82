-- Rows a database at schema version 4 adds: a member's Web Push subscription.
INSERT INTO push_subscriptions (id, tenant_id, member_id, endpoint, p256dh, auth, user_agent, created_at) VALUES
    ('push-1', 't1', 'm1', 'https://push.example.com/send/abc', '\x04a1b2', '\x0102', 'Chromium', 1748779200000000000);
