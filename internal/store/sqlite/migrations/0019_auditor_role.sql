-- 0019: a member may have the role 'auditor': they read every admin page
-- and change nothing.
--
-- The role's CHECK constraint only grows: every row that held before
-- holds after, and nothing is stored differently. SQLite cannot alter a
-- constraint, and rebuilding members would cascade deletes into the tables
-- that reference it, so the table's stored definition is edited in place,
-- as SQLite documents for loosening a constraint ("Making Other Kinds Of
-- Table Schema Changes"). The migration runner raises the schema cookie in
-- the same transaction (migrate.go: auditorRole), so every connection
-- reloads the schema.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (role IN (''owner'', ''admin'', ''approver'', ''member''))',
                          'CHECK (role IN (''owner'', ''admin'', ''approver'', ''member'', ''auditor''))')
 WHERE type = 'table' AND name = 'members';
PRAGMA writable_schema = OFF;
