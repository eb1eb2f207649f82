-- 0011: groups of members, JIT policies, their assignments and the
-- executions of alert policies (design §2).
--
-- A policy's rules (type, action, schedule, context rule, alert rule,
-- active span) are kept as its JSON document, which package policy reads
-- and validates; name and enabled are columns because the CLI and the
-- portal list and toggle them. Assignments name exactly one of an
-- application, a group or a member; the composite foreign keys keep every
-- reference inside the policy's tenant, and deleting a group, a member or
-- a policy deletes what refers to it.

CREATE TABLE member_groups (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id   TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) DEFERRABLE,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT           NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (id, tenant_id)
);

CREATE TABLE group_members (
    group_id   TEXT COLLATE "C" NOT NULL,
    member_id  TEXT COLLATE "C" NOT NULL,
    tenant_id  TEXT COLLATE "C" NOT NULL,
    created_at BIGINT           NOT NULL,
    PRIMARY KEY (group_id, member_id),
    FOREIGN KEY (group_id, tenant_id) REFERENCES member_groups (id, tenant_id) ON DELETE CASCADE DEFERRABLE,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) ON DELETE CASCADE DEFERRABLE
);

CREATE INDEX group_members_tenant ON group_members (tenant_id);
CREATE INDEX group_members_member ON group_members (member_id);

CREATE TABLE policies (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id  TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) DEFERRABLE,
    name       TEXT COLLATE "C" NOT NULL,
    enabled    BOOLEAN          NOT NULL,
    document   TEXT COLLATE "C" NOT NULL,
    created_at BIGINT           NOT NULL,
    updated_at BIGINT           NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (id, tenant_id)
);

CREATE TABLE policy_assignments (
    policy_id  TEXT COLLATE "C" NOT NULL,
    tenant_id  TEXT COLLATE "C" NOT NULL,
    app_id     TEXT COLLATE "C",
    group_id   TEXT COLLATE "C",
    member_id  TEXT COLLATE "C",
    created_at BIGINT           NOT NULL,
    CHECK (num_nonnulls(app_id, group_id, member_id) = 1),
    UNIQUE (policy_id, app_id),
    UNIQUE (policy_id, group_id),
    UNIQUE (policy_id, member_id),
    FOREIGN KEY (policy_id, tenant_id) REFERENCES policies (id, tenant_id) ON DELETE CASCADE DEFERRABLE,
    FOREIGN KEY (app_id, tenant_id) REFERENCES applications (id, tenant_id) ON DELETE CASCADE DEFERRABLE,
    FOREIGN KEY (group_id, tenant_id) REFERENCES member_groups (id, tenant_id) ON DELETE CASCADE DEFERRABLE,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) ON DELETE CASCADE DEFERRABLE
);

CREATE INDEX policy_assignments_tenant ON policy_assignments (tenant_id);
CREATE INDEX policy_assignments_group ON policy_assignments (group_id);
CREATE INDEX policy_assignments_member ON policy_assignments (member_id);

-- An execution is in force from at until until (0: until lifted) or
-- lifted_at (0: not lifted), whichever comes first.
CREATE TABLE policy_executions (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id   TEXT COLLATE "C" NOT NULL,
    policy_id   TEXT COLLATE "C" NOT NULL,
    at          BIGINT           NOT NULL,
    until       BIGINT           NOT NULL,
    lifted_at   BIGINT           NOT NULL,
    executed_by TEXT COLLATE "C" NOT NULL,
    reason      TEXT COLLATE "C" NOT NULL,
    lifted_by   TEXT COLLATE "C" NOT NULL,
    FOREIGN KEY (policy_id, tenant_id) REFERENCES policies (id, tenant_id) ON DELETE CASCADE DEFERRABLE
);

CREATE INDEX policy_executions_tenant ON policy_executions (tenant_id, at);
CREATE INDEX policy_executions_policy ON policy_executions (policy_id);
