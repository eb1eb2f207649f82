-- 0005: Web Push subscriptions of members (the portal's push notices).
CREATE TABLE push_subscriptions (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL,
    member_id  TEXT    NOT NULL,
    endpoint   TEXT    NOT NULL,
    p256dh     BLOB    NOT NULL,
    auth       BLOB    NOT NULL,
    user_agent TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id)
) STRICT;

CREATE INDEX push_subscriptions_member ON push_subscriptions (member_id, created_at, id);
