// Package mail sends deadbolt's notification emails over SMTP: a Sender
// that speaks SMTP with STARTTLS (or implicit TLS) through net/smtp, and a
// Notifier that tells a member about a new unlock request in a plain-text
// and an HTML part.
//
// Mail carries no secrets: no approve links, no tokens, no codes. It names
// the account, the application and where the sign-in came from, and points
// to the portal, where the person signs in with a passkey to answer.
//
// The Notifier queues in memory and retries a failed delivery a few times
// with backoff; a process that stops loses what is still queued, and
// failures are logged, not shown to admins. (The durable outbox of package
// notify carries webhooks; moving mail onto it is future work.)
package mail
