-- 0004: Web Push subscriptions of members (the same records as SQLite's
-- 0004).
CREATE TABLE push_subscriptions (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id  TEXT COLLATE "C" NOT NULL,
    member_id  TEXT COLLATE "C" NOT NULL,
    endpoint   TEXT COLLATE "C" NOT NULL,
    p256dh     BYTEA            NOT NULL,
    auth       BYTEA            NOT NULL,
    user_agent TEXT             NOT NULL,
    created_at BIGINT           NOT NULL,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) DEFERRABLE
);
CREATE INDEX push_subscriptions_member ON push_subscriptions (member_id, created_at, id);
