// Package access changes whether protected accounts are open: enrolling an
// account, locking it, granting an unlock for a time or for one sign-in, and
// a member's "lock everything". Unlock requests and approvals join it later.
//
// Every change is one store transaction that also appends its audit event.
// An unlock's clock starts when the grant is made.
package access
