-- 0005: the outbox carries email and Web Push notices to members as well as
-- account events to webhooks (the same records as SQLite's 0006).
--
-- A message has a channel, and a target by channel: webhook_id for
-- 'webhook', member_id for 'email' and 'push' (the other one NULL). Every
-- existing message is a webhook message.
ALTER TABLE outbox ADD COLUMN channel TEXT COLLATE "C" NOT NULL DEFAULT 'webhook';
ALTER TABLE outbox ALTER COLUMN channel DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN webhook_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN member_id TEXT COLLATE "C";
ALTER TABLE outbox ADD CONSTRAINT outbox_member FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) DEFERRABLE;
ALTER TABLE outbox ADD CONSTRAINT outbox_target CHECK (
    (channel = 'webhook' AND webhook_id IS NOT NULL AND member_id IS NULL) OR
    (channel IN ('email', 'push') AND member_id IS NOT NULL AND webhook_id IS NULL));

-- The admins' list of deliveries.
CREATE INDEX outbox_tenant ON outbox (tenant_id, created_at, id);
