// Package store defines deadbolt's storage contract: the domain records, the
// Store and Tx interfaces with the guarantees every backend must give, and the
// sentinel errors callers check with errors.Is.
//
// The contract is cut into roles, one per kind of record, and each consumer
// asks for the roles it uses rather than for the whole Store:
//
//   - configuration (ConfigReader, ConfigTx): tenants, applications, signing
//     keys, webhooks. Admins change it; the lock check reads it.
//   - members (MemberReader, MemberTx): the people of a tenant, who own
//     accounts, approve unlocks and administer.
//   - accounts and grants (AccountReader, AccountTx): protected accounts,
//     their grants and unlock requests, and CheckState, the one read the lock
//     check makes per account.
//   - check log (CheckLogReader, CheckLogAppender, CheckLogPruner): one
//     record per check, appended in batches outside any transaction, and
//     deleted in rounds once older than the retention period.
//   - outbox (OutboxReader, OutboxTx, OutboxQueue): messages enqueued in the
//     transaction that makes a change, claimed and finished by delivery
//     workers (the SIEM channel's per endpoint, a batch finished in one
//     transaction).
//   - portal records (PortalReader, PortalTx): members' passkeys, sessions,
//     invites, push subscriptions and single-use nonces.
//   - groups and policies (PolicyReader, PolicyTx): groups of members, JIT
//     policies (their rules kept as package policy's JSON document), their
//     assignments and alert executions; every method takes the tenant.
//   - audit (AuditReader, AuditTx): the hash-chained record of every change.
//
// XReader reads a part, on a Store or inside a Tx; XTx is the part inside a
// transaction, and for the parts whose changes are audited it includes
// AuditTx, since a change and its audit record commit together. Updater
// runs transactions: Update hands fn the whole Tx, and helpers that run
// inside one ask for the XTx parts they touch. Leaser, Pinger and
// MasterKeyPinner are the Store's remaining capabilities. Reader, Tx and
// Store are the compositions the backends implement and the conformance
// suite tests.
//
// An error the database itself raised is a *Error: its Message is for people
// and names the field ("an application with this issuer already exists"),
// its Cause keeps the database's words for the log. Whatever shows errors to
// people (the CLI, the portal, the API) shows Message(err), never the
// database's text.
//
// Backends live in subpackages (sqlite, postgres) and all pass the conformance
// suite in storetest. What the two SQL backends share lives beside them: valid
// (the rules a record is checked against before it is written, and the
// int64-nanosecond encoding of times), sqlrow (column lists, scanning rows
// into records, wrapping driver errors into the kinds below) and migration
// (loading the numbered migration files). Nothing here knows SQL.
package store
