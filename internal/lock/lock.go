package lock

import "time"

// Status is the machine-readable reason of a decision, sent as "status".
type Status string

// Statuses, in the order of the rules that produce them.
const (
	// StatusNotEnrolled: nobody enrolled the account; the application's
	// unenrolled setting decided.
	StatusNotEnrolled Status = "not_enrolled"
	// StatusLockdown: a hard lock applies (application or member lockdown,
	// the owner's "lock everything", a lock policy). Nobody can override it
	// by approving a request.
	StatusLockdown Status = "lockdown"
	// StatusDeniedByPolicy: the request's context (network, country) is not
	// allowed by the account's policies.
	StatusDeniedByPolicy Status = "denied_by_policy"
	// StatusScheduled: an unlock schedule is open.
	StatusScheduled Status = "unlocked_by_schedule"
	// StatusUnlocked: an unlock grant is open.
	StatusUnlocked Status = "unlocked"
	// StatusLocked: the account is locked and no unlock request was raised.
	StatusLocked Status = "locked"
	// StatusPendingApproval: the account is locked and its owner was asked
	// to approve this sign-in.
	StatusPendingApproval Status = "pending_approval"
)

// HardLock names the source of a hard lock; the empty value means none.
type HardLock string

// Hard lock sources.
const (
	HardLockNone        HardLock = ""
	HardLockApplication HardLock = "application_lockdown"
	HardLockMember      HardLock = "member_lockdown"
	HardLockEverything  HardLock = "lock_everything"
	HardLockPolicy      HardLock = "lock_policy"
)

// Grant is the part of an unlock grant the decision needs.
type Grant struct {
	Until time.Time
	Once  bool
	Spent bool // consumed or revoked
}

// Input is everything known about one account at one instant.
type Input struct {
	Now time.Time
	// Enrolled is false when nobody enrolled the account; then
	// UnenrolledAllowed, hard locks and context rules matter.
	Enrolled          bool
	UnenrolledAllowed bool
	HardLock          HardLock
	// ContextDenied is set when a context rule (allowed networks or
	// countries) refuses this request; ContextReason says which.
	ContextDenied bool
	ContextReason string
	// Scheduled is set when an unlock schedule is open now.
	Scheduled bool
	// Grant is the account's current grant, or nil.
	Grant *Grant
	// RaisesRequests is set when locked checks raise unlock requests
	// (the owner can approve them).
	RaisesRequests bool
}

// Decision is the outcome of Decide.
type Decision struct {
	Locked bool
	Status Status
	// Reason refines Status for logs: the hard-lock source or the context
	// rule that refused.
	Reason string
	// ConsumeGrant asks the caller to consume the once-grant atomically; if
	// another check consumed it first, decide again with Grant nil.
	ConsumeGrant bool
	// RaiseRequest asks the caller to raise or refresh the account's
	// pending unlock request.
	RaiseRequest bool
}

// Decide applies the rules of design §3 (steps 2–7) in order; the first
// that applies wins. Step 1 (token and application) happens before.
//
// An account nobody enrolled is refused at step 2 when its application
// refuses unenrolled accounts. When the application lets them in, that
// lets them past the owner's lock, not past the administrator's: the
// hard locks and context rules of steps 3 and 4 (application lockdown,
// the application's lock and context policies) still refuse it; only
// then is it let in as not_enrolled. Schedules and grants (steps 5 and 6)
// open locked accounts, so they do not concern it.
func Decide(in Input) Decision {
	switch {
	case !in.Enrolled && !in.UnenrolledAllowed:
		return Decision{Locked: true, Status: StatusNotEnrolled}
	case in.HardLock != HardLockNone:
		return Decision{Locked: true, Status: StatusLockdown, Reason: string(in.HardLock)}
	case in.ContextDenied:
		return Decision{Locked: true, Status: StatusDeniedByPolicy, Reason: in.ContextReason}
	case !in.Enrolled:
		return Decision{Locked: false, Status: StatusNotEnrolled}
	case in.Scheduled:
		return Decision{Locked: false, Status: StatusScheduled}
	case in.Grant != nil && !in.Grant.Spent && in.Now.Before(in.Grant.Until):
		return Decision{Locked: false, Status: StatusUnlocked, ConsumeGrant: in.Grant.Once}
	case in.RaisesRequests:
		return Decision{Locked: true, Status: StatusPendingApproval, RaiseRequest: true}
	default:
		return Decision{Locked: true, Status: StatusLocked}
	}
}

// Message is the human text sent with a decision, suitable to show to the
// person signing in.
func Message(s Status, locked bool) string {
	switch s {
	case StatusNotEnrolled:
		if locked {
			return "This account is not protected by deadbolt and the application refuses unprotected accounts."
		}
		return "This account is not protected by deadbolt."
	case StatusLockdown:
		return "This account is locked and cannot be unlocked right now."
	case StatusDeniedByPolicy:
		return "Sign-in from this network or location is not allowed for this account."
	case StatusScheduled:
		return "This account is unlocked by schedule."
	case StatusUnlocked:
		return "This account is unlocked."
	case StatusPendingApproval:
		return "This account is locked. Approve the sign-in request sent to you, then try again."
	default:
		return "This account is locked. Unlock it in deadbolt, then try again."
	}
}
