// Package check answers the lock check, the hot path of deadbolt: verify the
// application's token, read the account's state, decide with package lock,
// consume a once-grant atomically when the decision uses one, and write the
// decision to the check log before answering.
//
// Seams for later parts of design §3 are the PolicyEvaluator (steps 4–5:
// context rules and schedules) and the RequestRaiser (step 7: unlock
// requests); with neither set, every rule of the core applies and locked
// accounts answer "locked".
package check
