// Package mail sends deadbolt's notification emails over SMTP: a Sender
// that speaks SMTP with STARTTLS (or implicit TLS) through net/smtp, and a
// Notifier, the outbox's email carrier, that tells a member about a new
// unlock request in a plain-text and an HTML part.
//
// Mail carries no secrets: no approve links, no tokens, no codes. It names
// the account, the application and where the sign-in came from, and points
// to the portal, where the person signs in with a passkey to answer.
//
// The Notifier makes one attempt per call. Durability, retries with
// backoff, giving up and showing failures to admins are the outbox's
// (package notify): the notice is written to the outbox in the transaction
// that raises the request, so it survives a restart.
package mail
