-- 0016: break-glass and approval templates (issue 11).
--
-- break_glass_marks names the accounts, and the groups of members whose
-- accounts, that their owner or an admin may open at once, without
-- approvals, for at most max_unlock (nanoseconds). Exactly one of account
-- and group is set.
--
-- break_glass_codes keeps one-time offline codes: only the SHA-256 of each
-- code (hex), never the code. A batch is the codes of one issue (one file).
-- used_at is when the device says it used the code, reported_at when the
-- server heard of it (0: not yet); a code is reported at most once.
--
-- approval_templates are the templates of approval requests for any
-- operation: approvers and approver_groups are JSON arrays of member and
-- group IDs; mode is approve or sign_and_approve.
--
-- None of these is read by the lock check.

CREATE TABLE break_glass_marks (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    account_id TEXT    REFERENCES accounts (id) ON DELETE CASCADE,
    group_id   TEXT,
    max_unlock INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK ((account_id IS NOT NULL) + (group_id IS NOT NULL) = 1),
    UNIQUE (account_id),
    UNIQUE (group_id),
    FOREIGN KEY (group_id, tenant_id) REFERENCES member_groups (id, tenant_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX break_glass_marks_tenant ON break_glass_marks (tenant_id);

CREATE TABLE break_glass_codes (
    id          TEXT    NOT NULL PRIMARY KEY,
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    app_id      TEXT    NOT NULL,
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    batch       TEXT    NOT NULL,
    hash        TEXT    NOT NULL UNIQUE,
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER NOT NULL,
    reported_at INTEGER NOT NULL,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id)
) STRICT;

CREATE INDEX break_glass_codes_tenant ON break_glass_codes (tenant_id, created_at);

CREATE TABLE approval_templates (
    id              TEXT    NOT NULL PRIMARY KEY,
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id),
    key             TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    approvers       TEXT    NOT NULL,
    approver_groups TEXT    NOT NULL,
    mode            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, key),
    UNIQUE (id, tenant_id)
) STRICT;
