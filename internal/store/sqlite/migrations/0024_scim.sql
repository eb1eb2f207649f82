-- 0024: SCIM provisioning (issue 13).
--
-- The externalId an identity provider gave a member or a group it
-- provisions. A member or group has at most one; its row goes with it.
-- Lookups by externalId (a client's filter externalId eq "...") read a
-- tenant's rows by the index.
CREATE TABLE scim_members (
    member_id   TEXT NOT NULL PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    external_id TEXT NOT NULL,
    FOREIGN KEY (member_id, tenant_id) REFERENCES members (id, tenant_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX scim_members_external ON scim_members (tenant_id, external_id);

CREATE TABLE scim_groups (
    group_id    TEXT NOT NULL PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    external_id TEXT NOT NULL,
    FOREIGN KEY (group_id, tenant_id) REFERENCES member_groups (id, tenant_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX scim_groups_external ON scim_groups (tenant_id, external_id);
