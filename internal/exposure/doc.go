// Package exposure builds the exposure report: for each account of a
// tenant (or of one application) over a period, how long it was open and
// by what, who approved, how many sign-ins were refused and from where,
// and which unlocks were never used. It is a compliance view: read-only,
// built from the records deadbolt keeps anyway. The portal builds one
// report per tenant at a time, across its nodes.
//
// # What opened an account
//
//   - grant: an unlock for a time or once by the owner, an admin or an
//     operator (access.GrantTx);
//   - approval: the grant of an unlock request, decided by its approvers'
//     votes (package approval) or by the account's owner alone; the
//     approvers are named;
//   - break-glass: the grant of a break-glass unlock (package breakglass,
//     audited as account.break_glass), and offline codes used
//     (breakglass.code_used), which admit once and count no open time;
//   - schedule: the windows of the unlock policies that apply to the
//     account (policy.Set.Windows).
//
// A grant is open from its creation until its Until, or until it was
// consumed (once) or revoked, whichever came first. Time in which a hard
// lock closed the account is taken off every kind, since a hard lock beats
// every unlock, and reported as the account's Locked time:
//
//   - a lock policy, scheduled or executed by an alert (its executions,
//     with their lifts, as the store keeps them);
//   - a lockdown of the account's application (application.updated, whose
//     data carries locked_down);
//   - a lockdown of the account's owner (member.locked_down,
//     member.lockdown_lifted) and the owner's "lock everything"
//     (member.lock_everything, member.lock_everything_lifted).
//
// Lockdowns are rebuilt from the audit log (lockdown.go): from the records
// read, and when a lock's first record there does not say its state before
// (a lift does), from the records before. A lock with no record since the
// read began is taken as it is now, throughout. A member's lockdown closes
// the accounts the member owned then: owners are replayed over the period
// (owner.go) from account.enrolled, account.linked and member.removed;
// an imported account (accounts.imported names no owner per account) that
// is unowned now while a member was removed since it was made is counted
// as unowned and named in the Caveats. Nothing opens or closes an account
// before it was made. The total open time counts an instant once, however
// many kinds opened it then, so the kinds may add up to more than the
// total.
//
// The policies in force at each time are rebuilt from the audit log too
// (pastpolicy.go): each policy's document is recorded when it is created
// or updated, and its enabling, disabling, deletion and assignments, and
// the groups' members, are recorded as well. Starting from the policies as
// they are now, every change since the period began is undone, newest
// first, and the period is cut at each change; what a change undoes comes
// from the policy's latest snapshot before it (policy.created or
// policy.updated carry the whole document; a deleted policy's
// assignments, from its creation). What cannot be rebuilt (a
// deleted group's members and assignments, a removed member's, a deleted
// policy's alert executions, a policy with no earlier record) is named in
// the report's Caveats.
//
// # Sign-ins
//
// Every check-log record of the period counts: a locked one is a blocked
// sign-in (by weekday and hour, by day, and by client address, with the
// address's country when a GeoIP database is given); an allowed one
// inside a grant uses it. An unlock with no allowed check while it was
// open, and not consumed, was never used. Checks before the period are
// read as far back as the earliest grant open in it, so that a grant used
// before the period started is not reported as unused.
//
// # Sources and memory
//
// The grants table (store.HistoryReader.GrantsBetween), the audit log
// (from the first record near the earliest grant, found by bisection, to
// its end; then backwards from there, only as far as the latest record
// that tells what the read left unknown: a changed policy's snapshot, a
// lock's state, the owner of an account unowned now whose owner may have
// been removed, never before that account was made), the unlock
// requests and their votes, the policies, and the
// check log (store.HistoryReader.ChecksBetween, page by page). Memory
// grows with the grants of the period and the accounts with something to
// report, never with the check log or the audit log: addresses are
// counted for at most MaxOrigins per account, and blocked sign-ins of more
// than MaxAccounts accounts that have nothing else to report are added to
// one row, OtherAccounts. It also keeps the owner changes of the audit
// read (account.enrolled, account.linked, member.removed).
//
// # Output
//
// Every format carries Caveats, what the report could not rebuild exactly.
// JSON (every figure, durations in seconds), CSV (one row per account, for
// spreadsheets, the caveats in its last column) and HTML: one self-contained, printable page with inline
// CSS, no script and nothing fetched, whose charts (the accounts open
// longest, blocked sign-ins by weekday and hour, open time and blocked
// sign-ins per day) are SVG drawn here, each with a title, a description
// and a table of its figures. The portal shows the same body (Body).
package exposure
