// Package iamstate locks and unlocks AWS IAM principals (users and roles):
// it is the part of deadbolt's IAM integration that talks to the IAM API,
// with no knowledge of events, webhooks or deadbolt itself.
//
// # What a lock does
//
// For a user:
//
//  1. tag the user: deadbolt:locked-at (when the lock was first applied),
//     deadbolt:deactivated-keys (the ids of the access keys that were
//     Active, space separated) and deadbolt:state-at (see Ordering). The
//     tags are written before anything is changed, so a lock interrupted
//     half way never forgets which keys it deactivated;
//  2. attach the managed deny-all policy (Config.PolicyARN, normally
//     arn:aws:iam::aws:policy/AWSDenyAll); when attaching fails — the
//     managed-policy limit (LimitExceeded), a policy that does not exist or
//     cannot be attached, or no permission to attach — put the inline
//     policy DeadboltDenyAll (Deny * on *) instead;
//  3. put the inline policy AWSRevokeOlderSessions, denying everything to
//     temporary credentials issued before now (aws:TokenIssueTime), the
//     same policy the IAM console's "Revoke active sessions" writes;
//  4. set every Active access key to Inactive.
//
// For a role, the same without access keys, with the tags on the role.
//
// # What an unlock does
//
// Only a principal deadbolt locked (it carries deadbolt:locked-at) is
// restored: detach Config.PolicyARN, delete DeadboltDenyAll, set exactly the
// keys listed in deadbolt:deactivated-keys back to Active (a key that was
// already Inactive at lock time is never listed, so it stays Inactive; a
// listed key deleted since is skipped), then remove the two tags.
// AWSRevokeOlderSessions stays: sessions issued before the lock remain
// revoked. A managed PolicyARN attached to a principal deadbolt did not lock
// is left alone, so an administrator's own deny is never removed.
//
// # Idempotence and ordering
//
// Apply reads the principal's state first and changes only what differs;
// a principal already in the requested state is not written to at all
// (Result.Changes is empty), so the same event applied twice changes
// nothing more.
//
// Every Apply carries an "as of" time — the webhook event's time, or the
// time of the lock check. When Apply changes a principal it records that
// time in deadbolt:state-at (never moving it backwards). An unlock older
// than the recorded time is skipped as stale, so a delayed or retried
// "unlocked" webhook cannot undo a newer lock. A lock is never skipped:
// locking is always safe, and deadbolt's clock and Lambda's may differ by a
// little; an out-of-date lock is undone by the next sign-in check, unlock
// webhook or reconcile.
//
// A principal deadbolt never locked is left entirely untouched by an
// unlock (no tag is written), so unprotected users signing in see no
// change.
//
// Concurrent Applys for one principal are not serialized; the next sign-in
// event or reconcile corrects any drift they leave.
package iamstate
