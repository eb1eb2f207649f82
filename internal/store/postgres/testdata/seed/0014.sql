-- Rows a database at schema version 14 adds: an account and a group marked
-- break-glass, an offline code reported used and one unused, and an
-- approval template (see 0014).
INSERT INTO break_glass_marks (id, tenant_id, account_id, group_id, max_unlock, created_by, created_at) VALUES
    ('bg1', 't1', 'ac1', NULL, 3600000000000, 'cli:root', 1748779200000000011),
    ('bg2', 't1', NULL, 'gr1', 1800000000000, 'cli:root', 1748779200000000012);
INSERT INTO break_glass_codes (id, tenant_id, app_id, account_id, batch, hash, created_by, created_at, used_at, reported_at) VALUES
    ('bc1', 't1', 'a1', 'ac1', 'b1', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'cli:root', 1748779200000000013, 0, 0),
    ('bc2', 't1', 'a1', 'ac1', 'b1', '60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752', 'cli:root', 1748779200000000013,
     1748779200000000020, 1748779200000000021);
INSERT INTO approval_templates (id, tenant_id, key, title, text, approvers, approver_groups, mode, created_at) VALUES
    ('tp1', 't1', 'PURCHASE_APPROVAL', 'Purchase', 'Buy ${item} for ${amount}', '["m2"]', '["gr1"]', 'approve', 1748779200000000014);
