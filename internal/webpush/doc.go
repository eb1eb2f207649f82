// Package webpush sends Web Push notifications (RFC 8030) to browsers that
// subscribed to the portal's notices: the payload is encrypted for the
// browser alone (RFC 8291, aes128gcm) and the request carries a VAPID
// signature (RFC 8292) that identifies deadbolt to the push service.
//
// The VAPID key is derived from the master key (seal.Box.Derive), so every
// node that shares the master key signs with the same key and nothing new
// must be stored or backed up.
//
// Payloads carry no secrets: the account, the application and where the
// attempt came from, and the portal address to open. Answering a request
// needs a passkey in the portal.
//
// Notifier is the outbox's push carrier (package notify): a notice is
// written to the outbox in the transaction that raises the request, and
// the outbox retries a push that a push service refused for now.
//
// A push service's endpoint comes from a browser, so a member could name
// any URL. Every endpoint goes through package egress: CheckEndpoint
// accepts only https URLs whose host resolves to public addresses, the
// Sender's dialer refuses a non-public address at connection time (DNS
// rebinding), redirects are never followed, and a failure is stored as its
// class (timeout, status 503, ...), never with the push service's answer,
// so that deadbolt cannot be used to reach or probe internal services.
package webpush
