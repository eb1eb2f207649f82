// Package blockedsignin runs alert policies on blocked sign-ins (the
// blocked_signin trigger) from the check log, off the lock check's path:
// the check writes its record as always and nothing more.
//
// Job is a background job (one node at a time, under a lease). Each round,
// for every tenant whose policies react to blocked sign-ins, it reads the
// check log's locked answers past the tenant's cursor (a stream cursor,
// kind "checks", endpoint CursorEndpoint, holding a commit position) with
// checklog.Tail (the commit-ordered reader the SIEM stream of check
// decisions shares: a record is read once committed, however late after
// its own time), and, in one transaction per page, runs the alert
// policies that reach each record's account (admin.Reactor.React) and
// moves the cursor. A tenant's first read starts at the commit position
// of its policies' change (Reactor.Since).
//
// Delivery is at least once and the reaction idempotent: a record read
// twice (a round cut short, a page boundary) executes nothing the second
// time, because a policy does not answer an event it has already answered
// (one of its executions is in force at the event or began after it).
// That same rule bounds floods: while an execution lasts, the sign-ins it
// blocks itself execute nothing; the first blocked sign-in after it ends
// does. A policy does not answer sign-ins from before it was created or
// last changed, so enabling one never replays old history.
//
// While a tenant has no policy on blocked sign-ins its cursor stands
// still; when one is enabled again, the next round reads the locked
// answers since then, answering only those after the change: that
// catch-up costs one read per page of them.
package blockedsignin
