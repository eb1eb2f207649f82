package sqlite

import "github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"

// stmtID names one of the package's SQL statements. Every statement is
// prepared once per pool when the store opens; a transaction borrows the
// write pool's copy with Tx.StmtContext, so no statement is parsed twice on
// one connection however many rows an Update writes.
type stmtID int

// Reads, prepared on both pools: the read pool serves Store's methods, the
// write pool serves the same reads inside a transaction.
const (
	qTenant stmtID = iota
	qTenantByName
	qTenants
	qApplication
	qApplicationByIssuer
	qApplications
	qSigningKey
	qSigningKeys
	qMember
	qMemberByEmail
	qMembers
	qOwners
	qAccount
	qAccounts
	qCountAccounts
	qCurrentGrant
	qCheckState
	qAuditRecords
	qSchemaVersion

	numReads // the statements before this one are reads
)

// Writes and the reads only writers need, prepared on the write pool only.
const (
	qCreateTenant stmtID = numReads + iota
	qCreateApplication
	qUpdateApplication
	qCreateSigningKey
	qRevokeSigningKey
	qCreateMember
	qUpdateMember
	qCreateAccount
	qSetAccountOwner
	qAccountGrantRef
	qInsertGrant
	qRevokeGrant
	qSetCurrentGrant
	qRevokeCurrentGrant
	qMemberExists
	qRevokeGrantsOfOwner
	qConsumeGrant
	qLastAudit
	qInsertAudit

	numStmts
)

// usable is the SQL form of store.Grant.Usable for the grant row g at the
// time bound as ?1.
const usable = `g.revoked_at = 0 AND g.consumed_at = 0 AND g.until > ?1`

// queries holds the text of every statement, indexed by stmtID.
var queries = [numStmts]string{
	qTenant:       `SELECT ` + sqlrow.TenantCols + ` FROM tenants WHERE id = ?`,
	qTenantByName: `SELECT ` + sqlrow.TenantCols + ` FROM tenants WHERE name = ?`,
	qTenants:      `SELECT ` + sqlrow.TenantCols + ` FROM tenants ORDER BY created_at, id`,

	qApplication:         `SELECT ` + sqlrow.AppCols + ` FROM applications WHERE id = ?`,
	qApplicationByIssuer: `SELECT ` + sqlrow.AppCols + ` FROM applications WHERE issuer = ?`,
	qApplications:        `SELECT ` + sqlrow.AppCols + ` FROM applications WHERE tenant_id = ? ORDER BY created_at, id`,

	qSigningKey:  `SELECT ` + sqlrow.KeyCols + ` FROM signing_keys WHERE kid = ?`,
	qSigningKeys: `SELECT ` + sqlrow.KeyCols + ` FROM signing_keys WHERE app_id = ? ORDER BY created_at, kid`,

	qMember:        `SELECT ` + sqlrow.MemberCols + ` FROM members WHERE id = ?`,
	qMemberByEmail: `SELECT ` + sqlrow.MemberCols + ` FROM members WHERE tenant_id = ? AND lower(email) = ?`,
	qMembers:       `SELECT ` + sqlrow.MemberCols + ` FROM members WHERE tenant_id = ? ORDER BY created_at, id`,
	qOwners:        `SELECT ` + sqlrow.MemberCols + ` FROM members WHERE tenant_id = ? AND role = 'owner' ORDER BY created_at, id`,

	qAccount:       `SELECT ` + sqlrow.AccountCols + ` FROM accounts WHERE app_id = ? AND name = ?`,
	qAccounts:      `SELECT ` + sqlrow.AccountCols + ` FROM accounts WHERE app_id = ? AND name > ? ORDER BY name LIMIT ?`,
	qCountAccounts: `SELECT count(*) FROM accounts WHERE app_id = ?`,
	qCurrentGrant: `SELECT g.id, g.tenant_id, g.account_id, g.until, g.once, g.reason, g.granted_by, g.created_at, g.consumed_at, g.revoked_at
		FROM accounts a JOIN grants g ON g.id = a.current_grant_id WHERE a.id = ?`,

	// One query, three primary-key or unique-index lookups: the lock
	// check's whole read.
	qCheckState: `SELECT ` + sqlrow.CheckStateCols + `
		FROM accounts a
		LEFT JOIN grants g ON g.id = a.current_grant_id
		LEFT JOIN members m ON m.id = a.owner_id
		WHERE a.app_id = ? AND a.name = ?`,

	qAuditRecords: `SELECT ` + sqlrow.TenantAuditCols + ` FROM audit_log WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`,

	qSchemaVersion: `SELECT coalesce(max(version), 0) FROM schema_version`,

	qCreateTenant:      `INSERT INTO tenants (` + sqlrow.TenantCols + `) VALUES (?, ?, ?)`,
	qCreateApplication: `INSERT INTO applications (` + sqlrow.AppCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	qUpdateApplication: `UPDATE applications SET name = ?, unenrolled = ?, fail_mode = ?, enabled = ?, locked_down = ?,
		default_unlock = ?, max_unlock = ?, updated_at = ?, origins = ?, server_names_accounts = ? WHERE id = ?`,
	qCreateSigningKey: `INSERT INTO signing_keys (` + sqlrow.KeyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	// Every existing row counts as changed, so rows affected tells a
	// missing key from a revoked one.
	qRevokeSigningKey: `UPDATE signing_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE kid = ?`,
	qCreateMember:     `INSERT INTO members (` + sqlrow.MemberCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	qUpdateMember:     `UPDATE members SET name = ?, role = ?, lock_all = ?, locked_down = ?, updated_at = ?, channels = ? WHERE id = ?`,
	qCreateAccount:    `INSERT INTO accounts (` + sqlrow.AccountCols + `) VALUES (?, ?, ?, ?, ?, ?, ?)`,
	qSetAccountOwner:  `UPDATE accounts SET owner_id = ?, updated_at = ? WHERE id = ?`,
	qAccountGrantRef:  `SELECT tenant_id, current_grant_id FROM accounts WHERE id = ?`,
	qInsertGrant:      `INSERT INTO grants (` + sqlrow.GrantCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	qRevokeGrant:      `UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at = 0`,
	qSetCurrentGrant:  `UPDATE accounts SET current_grant_id = ? WHERE id = ?`,
	qRevokeCurrentGrant: `UPDATE grants AS g SET revoked_at = ?1
		WHERE g.id = ?2 AND ` + usable,
	qMemberExists: `SELECT 1 FROM members WHERE id = ?`,
	qRevokeGrantsOfOwner: `UPDATE grants AS g SET revoked_at = ?1
		WHERE g.id IN (SELECT current_grant_id FROM accounts WHERE owner_id = ?2 AND current_grant_id IS NOT NULL)
		AND ` + usable,
	// The whole exactly-once guarantee: the condition and the write are
	// one statement, and only one writer runs at a time.
	qConsumeGrant: `UPDATE grants AS g SET consumed_at = ?1
		WHERE g.id = ?2 AND g.once = 1 AND ` + usable,
	qLastAudit:   sqlrow.LastAuditQuery,
	qInsertAudit: sqlrow.InsertAuditQuery,
}
