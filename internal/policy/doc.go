// Package policy is the domain of JIT policies and groups (design §2,
// steps 3 to 5 of design §3): what a policy is, when its schedule is open,
// whether a request's network and country pass its context rule, and what
// the policies of one account say at one instant, with an explanation.
// It is pure: no storage, no HTTP. Callers load a tenant's policies,
// groups and alert executions, build a Set, and keep it in memory; the
// lock check then calls Set.Evaluate, which reads only that memory.
//
// # Kinds
//
// A Policy has a Type and an Action. Scheduled policies act while a window
// of their Schedule is open; alert policies act while one of their
// Executions is in force; context policies refuse requests from outside
// their networks and countries (their action is always lock). Lock is a
// hard lock; Unlock opens the account without a grant; AllowUnlock lets
// the owner unlock or approve only while it is active. Enabled,
// ActiveFrom and ActiveUntil bound when a policy is in force at all.
// Assignments to applications, groups and members decide which accounts a
// policy applies to; a policy with none applies to nothing.
//
// # Precedence
//
// Evaluate answers steps 3 to 5 of design §3: any active lock policy is a
// hard lock; else any context policy that refuses denies the request; else
// any active unlock policy opens the account. Among several policies of
// one kind the first in assignment order is named as the decider: the
// application's policies, then each of the owner's groups' (by group
// name), then the owner's own, by policy name within each. Permission
// answers the allow_unlock question separately: unlocking and approving
// need one active allow_unlock policy when any applies.
//
// # Schedules and time zones
//
// A window is defined by wall-clock times in its IANA zone, so 09:00–17:00
// is eight hours on the clock every day, also on daylight-saving change
// days, while its length in absolute time may be 7 or 9 hours when it
// spans the change. A wall-clock time that does not exist (clocks jump
// forward) is taken as the first instant after the gap; one that exists
// twice (clocks fall back) as the first of the two. A window that falls
// wholly inside a skipped hour does not happen that day. A window whose
// end is at or before its start crosses midnight and ends the next day;
// 24:00 is allowed as an end. Weeks start on Monday (biweekly counts weeks
// from the one holding the start date). A monthly day that a month lacks
// (the 31st in April, the 30th in February) gives no window in that
// month, as in RFC 5545 and most calendar programs; use "last day"
// (LastDay) for the end of every month. Likewise an annual schedule that
// starts on 29 February opens only in leap years. The end date is the
// last day a window may open. Zone data comes from the host or, failing
// that, from the copy embedded with time/tzdata.
//
// # Context rules
//
// A request passes a context rule when its address is in one of the
// allowed networks or located (by a MaxMind-format GeoIP database, see
// GeoIP) in one of the allowed countries. IPv4-mapped IPv6 addresses are
// matched as IPv4. When the rule cannot tell (no address in the request,
// no GeoIP database, or an address the database does not know) the
// policy's OnUnknown decides, deny by default. A denial's reason names
// the policy and what was seen, never the allowed networks or countries:
// it may be shown to the person signing in.
//
// # Explanations
//
// Explain evaluates the same way and records every policy assigned to
// the account, step by step: whether it applied, why, and until when.
// Given the policies of a past instant, it explains past decisions.
package policy
