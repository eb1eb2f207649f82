-- 0018: a member may have the role 'auditor': they read every admin page
-- and change nothing.

ALTER TABLE members DROP CONSTRAINT members_role_check;
ALTER TABLE members ADD CONSTRAINT members_role_check
    CHECK (role IN ('owner', 'admin', 'approver', 'member', 'auditor'));
