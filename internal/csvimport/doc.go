// Package csvimport enrolls accounts in bulk from CSV. It reads deadbolt's
// own columns (account, owner, state) and Next Level3's importUsers columns
// (first_name, last_name, email, domain, phone, userAccountId), checks every
// row before writing anything, and then imports all rows in one transaction
// with one audit event that names the file's SHA-256, so an import is
// all-or-nothing and re-running it changes nothing twice.
package csvimport
