// Package check answers the lock check, the hot path of deadbolt: verify the
// application's token, read the account's state, decide with package lock,
// consume a once-grant atomically when the decision uses one, and write the
// decision to the check log before answering.
//
// Steps 3 to 5 of design §3 (lock policies, context rules, unlock
// schedules) come from a PolicyEvaluator: Policies evaluates the tenant's
// compiled policy.Set, which the server's cache keeps in memory (PolicySets,
// *cache.Cache), so evaluating adds no SQL to a check. Step 7 (unlock
// requests) comes from a RequestRaiser. With neither set, every rule of the
// core applies and locked accounts answer "locked".
//
// The token's sub names the account. A request may name another
// (Request.Account, Request.UserToken) only when its path allows it
// (Request.BodyNamesAccount, the NL3 SDK path) and the name is the sub's own
// or the application lets its server name accounts; otherwise the check
// fails with ErrAccountNotPermitted.
//
// Tokens meant for enablement links are refused with token.ErrWrongUse:
// those typed enable+jwt always, and those the enablement flow retired
// (Service.Retire). Retired tokens are kept in this node's memory only, so
// the hot path reads no table for them; another node learns nothing of a
// token retired here, which is why enablement links should be minted typed.
//
// The check reads applications and their keys, ready to verify with,
// through Deps.Keys (AppKeys), and account states through Deps.Store; in
// the server both are the node's cache (package cache), which also keeps
// the opened HS256 secrets, in memory only. Which keys are unusable on this
// server is logged once per kid. The two interfaces name everything the
// check asks of the store — ApplicationAndKeys, CheckState, AccountByID
// (for user tokens) and Update (to consume a once-grant) — and nothing
// else is reachable from it: no capability is found by type assertion.
//
// Every context field is capped once, at the start of Check (Request.Bound),
// so the check log and unlock requests only ever see bounded context.
package check
