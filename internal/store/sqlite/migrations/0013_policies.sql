-- 0013: groups of members, JIT policies, their assignments and the
-- executions of alert policies (design §2).
--
-- A policy's rules (type, action, schedule, context rule, alert rule,
-- active span) are kept as its JSON document, which package policy reads
-- and validates; name and enabled are columns because the CLI and the
-- portal list and toggle them. Assignments name exactly one of an
-- application, a group or a member; the composite foreign keys keep every
-- reference inside the policy's tenant, and deleting a group, a member or
-- a policy deletes what refers to it.
--
-- The lock check is to evaluate policies from memory, so every change to
-- these tables bumps the change counter (0004, 0012) that tells the
-- server's cache of another process's writes (the CLI).

CREATE TABLE member_groups (
    id          TEXT    NOT NULL PRIMARY KEY,
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (id, tenant_id)
) STRICT;

CREATE TABLE group_members (
    group_id   TEXT    NOT NULL,
    member_id  TEXT    NOT NULL,
    tenant_id  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, member_id),
    FOREIGN KEY (group_id, tenant_id) REFERENCES member_groups (id, tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX group_members_tenant ON group_members (tenant_id);
CREATE INDEX group_members_member ON group_members (member_id);

CREATE TABLE policies (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    name       TEXT    NOT NULL,
    enabled    INTEGER NOT NULL,
    document   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (id, tenant_id)
) STRICT;

CREATE TABLE policy_assignments (
    policy_id  TEXT    NOT NULL,
    tenant_id  TEXT    NOT NULL,
    app_id     TEXT,
    group_id   TEXT,
    member_id  TEXT,
    created_at INTEGER NOT NULL,
    CHECK ((app_id IS NOT NULL) + (group_id IS NOT NULL) + (member_id IS NOT NULL) = 1),
    UNIQUE (policy_id, app_id),
    UNIQUE (policy_id, group_id),
    UNIQUE (policy_id, member_id),
    FOREIGN KEY (policy_id, tenant_id) REFERENCES policies (id, tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (group_id, tenant_id) REFERENCES member_groups (id, tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX policy_assignments_tenant ON policy_assignments (tenant_id);
CREATE INDEX policy_assignments_group ON policy_assignments (group_id);
CREATE INDEX policy_assignments_member ON policy_assignments (member_id);

-- An execution is in force from at until until (0: until lifted) or
-- lifted_at (0: not lifted), whichever comes first.
CREATE TABLE policy_executions (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL,
    policy_id  TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    until      INTEGER NOT NULL,
    lifted_at  INTEGER NOT NULL,
    executed_by TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    lifted_by  TEXT    NOT NULL,
    FOREIGN KEY (policy_id, tenant_id) REFERENCES policies (id, tenant_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX policy_executions_tenant ON policy_executions (tenant_id, at);
CREATE INDEX policy_executions_policy ON policy_executions (policy_id);

CREATE TRIGGER member_groups_changed_insert AFTER INSERT ON member_groups
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER member_groups_changed_update AFTER UPDATE ON member_groups
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER member_groups_changed_delete AFTER DELETE ON member_groups
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER group_members_changed_insert AFTER INSERT ON group_members
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER group_members_changed_update AFTER UPDATE ON group_members
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER group_members_changed_delete AFTER DELETE ON group_members
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER policies_changed_insert AFTER INSERT ON policies
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER policies_changed_update AFTER UPDATE ON policies
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER policies_changed_delete AFTER DELETE ON policies
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER policy_assignments_changed_insert AFTER INSERT ON policy_assignments
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER policy_assignments_changed_update AFTER UPDATE ON policy_assignments
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER policy_assignments_changed_delete AFTER DELETE ON policy_assignments
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER policy_executions_changed_insert AFTER INSERT ON policy_executions
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER policy_executions_changed_update AFTER UPDATE ON policy_executions
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER policy_executions_changed_delete AFTER DELETE ON policy_executions
BEGIN UPDATE config_version SET version = version + 1 WHERE id = 1; END;
