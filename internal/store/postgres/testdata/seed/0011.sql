-- Rows a database at schema version 11 adds: a group with a member, a
-- policy assigned to an application, a group and a member, and an
-- execution (see 0011).
INSERT INTO member_groups (id, tenant_id, name, description, created_at) VALUES
    ('gr1', 't1', 'finance', 'the ünïcode team', 1748779200000000003);
INSERT INTO group_members (group_id, member_id, tenant_id, created_at) VALUES
    ('gr1', 'm1', 't1', 1748779200000000004);
INSERT INTO policies (id, tenant_id, name, enabled, document, created_at, updated_at) VALUES
    ('p1', 't1', 'office hours', true, '{"type":"alert","action":"lock","alert":{"on":["execute"],"for":3600000000000}}',
     1748779200000000005, 1748779200000000006);
INSERT INTO policy_assignments (policy_id, tenant_id, app_id, group_id, member_id, created_at) VALUES
    ('p1', 't1', 'a1', NULL, NULL, 1748779200000000007),
    ('p1', 't1', NULL, 'gr1', NULL, 1748779200000000008),
    ('p1', 't1', NULL, NULL, 'm2', 1748779200000000009);
INSERT INTO policy_executions (id, tenant_id, policy_id, at, until, lifted_at, executed_by, reason, lifted_by) VALUES
    ('e1', 't1', 'p1', 1748779200000000010, 1748782800000000010, 0, 'siem', 'incident 42', '');
