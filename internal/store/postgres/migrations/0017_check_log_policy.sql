-- 0017: each check record keeps the ID of the policy that decided it
-- (empty when no policy did).

ALTER TABLE check_log ADD COLUMN policy_id TEXT NOT NULL DEFAULT '';
