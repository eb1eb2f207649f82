// Package approval decides unlocks that an approval policy (package
// policy, type approval) puts in the hands of approvers: members ask for
// access ahead of time or ask to extend a grant, the request a blocked
// sign-in raises is decided the same way, approvers vote, and the request
// is approved when the quorum of approvals arrives or denied at the first
// denial (or when the quorum can no longer be reached, as the policy
// says). A member a policy still names after they were removed is no
// approver: they are not asked, do not count toward the quorum that can
// still be reached, and their earlier votes no longer count. An approved
// request opens the account with an ordinary grant (package access), whose
// clock starts at the quorum or at the asked-for start, whichever is
// later; approvers and admins revoke grants early.
//
// Every vote runs in one transaction that first locks its request
// (store.ApprovalTx.LockRequest), so votes on one request are counted one
// at a time across processes and nodes: concurrent votes never make two
// grants, nor a grant after a denial. The CLI, the portal and the API all
// vote through Service.Vote; a policy that says sign takes only votes
// whose signed assertion a Verifier accepts, which the CLI cannot give.
//
// Who is told (notice.go): each approver who may vote on a new request is
// asked (notify.TypeApprovalAsked) on the channels they chose, and the
// requester hears the outcome (notify.TypeRequestDecided), through the
// outbox in the transaction that creates or closes the request. Service
// implements access.Approvers, so that a sign-in a lock check stops under
// an approval policy asks its approvers too.
package approval
