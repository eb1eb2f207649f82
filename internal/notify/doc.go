// Package notify tells the world about changes, durably. Messages are
// written to the outbox in the same transaction as the change they
// announce, so nothing acknowledged goes unannounced:
//
//   - account events for the tenant's webhooks (Enqueue), which a
//     Deliverer sends signed, at least once (receivers deduplicate on the
//     event ID);
//   - notices of new unlock requests for their owners by email and Web
//     Push (EnqueueNotice, on the channels the owner chose), and notices
//     that a recovery link was issued for a member (EnqueueRecovery, on
//     every channel they have), and alerts to every admin that an account
//     was opened by break-glass (EnqueueBreakGlass, on every channel),
//     which the Deliverer hands to the carrier
//     of each channel (mail.Notifier, webpush.Notifier), and approvers'
//     interactive Slack messages about the requests they vote on
//     (slackapp.Notifier);
//   - notices that ask approvers to vote on a request (EnqueueAsk,
//     TypeApprovalAsked) and that tell a requester its outcome
//     (EnqueueDecided, TypeRequestDecided), on the channels each chose,
//     email only to a confirmed address;
//   - the mail that asks a self-registered member to confirm their email
//     (EnqueueVerification), always by email.
//
// The email and Web Push carriers word these notices through Word: it
// decodes a message by its type and hands it to the carrier's Wording.
//
// Every channel shares one delivery mechanism: the Deliverer claims due
// messages under a lease, retries failures with Backoff, gives a message
// up after MaxAttempts (or at once when a carrier says retrying cannot
// help, ErrPermanent), and records on each message its attempts and last
// error, which admins see on the portal's Deliveries page and with
// `deadbolt delivery list`.
//
// The SIEM endpoints' messages (store.ChannelSIEM) take another path, for
// their volume: a Streamer claims up to a batch of one endpoint's messages
// at a time (store.OutboxQueue.ClaimEndpoint), hands them to the
// endpoint's BatchCarrier in order, and records all their results in one
// FinishOutbox transaction, with the same attempts, back-off and giving up
// per message.
//
// Expiry announces unlocks that ended by time, because a relock that
// nobody performs would otherwise reach push receivers (such as the AWS
// IAM integration) only at the next check.
//
// Deliverer.RunOnce, Streamer.RunOnce and Expiry.RunOnce are background jobs: one node runs
// each at a time, under a lease.
package notify
