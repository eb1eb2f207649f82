// Package access changes whether protected accounts are open: enrolling an
// account, locking it, granting an unlock for a time or for one sign-in, and
// a member's "lock everything", linking an account to its owner
// (enablement), and the unlock requests that locked checks raise (Requests:
// raise or refresh one pending request per account, approve with a grant
// whose clock starts at the approval, deny, expire). A new request writes
// its owner's email and push notices to the outbox (package notify) in the
// transaction that raises it; under an approval policy, Requests.Approvers
// (package approval) asks the approvers in that transaction too, and tells
// the requester when a request runs out.
//
// Every change is one store transaction that also appends its audit event.
// An unlock's clock starts when the grant is made.
package access
