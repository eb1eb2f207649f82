// Package blockedsignin runs alert policies on blocked sign-ins (the
// blocked_signin trigger) from the check log, off the lock check's path:
// the check writes its record as always and nothing more.
//
// Job is a background job (one node at a time, under a lease). Each round,
// for every tenant whose policies react to blocked sign-ins, it reads the
// check log's locked answers after the tenant's cursor (a stream cursor,
// kind "checks", endpoint CursorEndpoint, holding the check time read up
// to) and before now minus Settle, with checklog.Tail (the reader the SIEM
// stream of check decisions shares), and, in one transaction per page,
// runs the alert policies that reach each record's account
// (admin.Reactor.React) and moves the cursor.
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
// Settle is how long after its time a check record is taken to be
// written (the check log writes within milliseconds; async batches retry
// for about 1.5 s; nodes' clocks differ). A record written later than that
// after its own time is not seen: the known gap of reading by time.
package blockedsignin
