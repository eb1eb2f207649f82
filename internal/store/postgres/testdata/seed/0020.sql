-- Rows a database at schema version 20 adds: a template that needs two
-- approvals, and an approval request made from it, approved by one vote of
-- two so far (see 0020).
INSERT INTO approval_templates (id, tenant_id, key, title, text, approvers, approver_groups, mode, created_at,
        approvals, deny_on, expiry) VALUES
    ('tp2', 't1', 'DEPLOY', 'Deploy', 'Deploy ${service}', '["m2"]', '[]', 'sign_and_approve', 1748779200000000015,
     2, 'quorum', 3600000000000);
INSERT INTO operation_requests (id, tenant_id, app_id, subject, requester_id, template_id, template_key, title, text,
        metadata, mode, approvers, approvals, deny_on, status, decided_by, created_at, expires_at, decided_at) VALUES
    ('or1', 't1', 'a1', 'alice', 'm1', 'tp1', 'PURCHASE_APPROVAL', 'Purchase', 'Buy paper for 12 EUR',
     '{"amount":"12 EUR","item":"paper"}', 'approve', '["m2","m3"]', 2, 'first', 'pending', '',
     1748779200000000016, 1748865600000000016, 0);
INSERT INTO operation_votes (request_id, tenant_id, member_id, decision, channel, actor, comment, evidence, at) VALUES
    ('or1', 't1', 'm2', 'approve', 'portal', 'member:m2', '', '', 1748779200000000017);
