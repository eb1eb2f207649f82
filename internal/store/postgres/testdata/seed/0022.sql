-- Rows a database at schema version 22 adds: the externalIds an identity
-- provider gave a member and a group over SCIM.
INSERT INTO scim_members (member_id, tenant_id, external_id) VALUES
    ('m1', 't1', 'entra-object-0001');
INSERT INTO scim_groups (group_id, tenant_id, external_id) VALUES
    ('gr1', 't1', 'okta-group-0001');
