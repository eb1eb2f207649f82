-- 0006: a member's email is verified before anything binds to it by email
-- (the same records as SQLite's 0008).
--
-- email_verified_at (nanoseconds, 0 = not verified) is set when an
-- operator, an admin or an application's server creates the member (they
-- name the email), or when a member who registered themselves through an
-- enablement link opens the one-time link mailed to that address.
--
-- Existing members count as verified, except those the audit log shows
-- registered themselves through enablement: nothing proved they own their
-- email, so nothing more binds to them by email until they verify it.
ALTER TABLE members ADD COLUMN email_verified_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE members ALTER COLUMN email_verified_at DROP DEFAULT;

UPDATE members SET email_verified_at = created_at
WHERE id NOT IN (
    SELECT substr(target, 8) FROM audit_log
    WHERE action = 'member.created' AND target LIKE 'member:%'
      AND CASE WHEN data LIKE '{%' THEN data::jsonb ->> 'via' END = 'enablement');
