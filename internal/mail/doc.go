// Package mail sends deadbolt's notification emails over SMTP: a Sender
// that speaks SMTP with STARTTLS (or implicit TLS) through net/smtp, and a
// Notifier, the outbox's email carrier, that tells a member about a new
// unlock request, or asks them to confirm their email, in a plain-text and
// an HTML part.
//
// Notices carry no secrets: no approve links, no tokens, no codes. They
// name the account, the application and where the sign-in came from, and
// point to the portal, where the person signs in with a passkey to answer.
// Every text that came from a lock check is one plain line (notify.Line).
//
// The one mail with a secret is the verification of a self-registered
// member's email (VerifyMessage): its one-time link proves only that the
// reader gets mail at the address, and verifies it only when opened by
// the same member, signed in with their passkey.
//
// The Notifier makes one attempt per call. Durability, retries with
// backoff, giving up and showing failures to admins are the outbox's
// (package notify): the notice is written to the outbox in the transaction
// that raises the request, so it survives a restart.
package mail
