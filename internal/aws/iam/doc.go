// Package iam is deadbolt's AWS IAM enforcement function: it keeps IAM
// users and roles in the lock state deadbolt decides, using package
// iamstate for the IAM changes. One handler accepts three kinds of input:
//
//   - EventBridge events from CloudTrail: aws.signin "AWS Console Sign In
//     via CloudTrail" (ConsoleLogin) and aws.sts "AWS API Call via
//     CloudTrail" (AssumeRole, AssumeRoleWithSAML,
//     AssumeRoleWithWebIdentity). The handler asks deadbolt's lock check
//     about the principal and applies the answer: locked → iamstate lock,
//     unlocked → iamstate unlock (a no-op for principals deadbolt never
//     locked). When the check cannot decide, FAIL_MODE applies (closed:
//     lock; open: leave as is) and the invocation returns an error wrapping
//     ErrUndecided, so Lambda's asynchronous retries try again and the
//     failure shows in the function's error metrics.
//   - deadbolt's signed state-change webhooks, delivered to the function URL
//     (events.LambdaFunctionURLRequest; the body may be base64). The
//     signature is checked (package webhook) with WEBHOOK_SECRET, and the
//     event's own locked value is applied at once, as of the event's time.
//     Answers: 200 applied or ignored, 400 not an event, 401 bad
//     signature, 500 IAM failure (deadbolt retries), 503 no secret
//     configured.
//   - EventBridge "Scheduled Event" (or a direct {"action":"reconcile"}):
//     reconcile checks every principal — the PRINCIPALS list, or every user
//     and role tagged deadbolt:protected=true — and applies the answers.
//     Undecided checks are skipped here, never failed closed, so an outage
//     of deadbolt cannot lock every principal at once.
//
// # Principals and account names
//
// The deadbolt account name of an IAM user is the user name; of a role,
// "role/" + the role name (see iamstate.ParseAccount). A console session of
// an assumed role (userIdentity.type AssumedRole) is checked as its role.
//
// # Events that are ignored (logged, no change)
//
// Failed sign-ins (ConsoleLogin Failure, often with the user name
// HIDDEN_DUE_TO_SECURITY_REASONS); the root user, whom IAM policies cannot
// restrict; identity types other than IAMUser and AssumedRole; failed
// AssumeRole calls; roles assumed by AWS services; service-linked roles;
// users or roles that do not exist in IAM; webhook events for another
// application than APP_URI.
package iam
