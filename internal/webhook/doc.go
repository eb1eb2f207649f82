// Package webhook defines deadbolt's signed state-change webhooks: the JSON
// payload a deadbolt server POSTs when an account is locked or unlocked, and
// the signature scheme both ends use. The server side (outbox, delivery,
// retries) and the receivers (the deadbolt-iam Lambda, any customer
// endpoint) depend on this package alone, so the wire format lives in one
// place.
//
// # Payload
//
// The body is one JSON object, an Event:
//
//	{"id":"evt_…","type":"account.locked","at":"2026-11-21T08:40:00Z",
//	 "tenant":"acme","data":{"application":"https://app.example.com",
//	 "account":"alice","locked":true}}
//
// data.until is present on unlocks that expire. Receivers must ignore
// fields they do not know. id is the idempotency key: deliveries are at
// least once, so a receiver may see the same id more than once.
//
// # Headers
//
//	Deadbolt-Signature:  t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=<hex>…]
//	Deadbolt-Event-Id:   the event's id
//	Deadbolt-Event-Type: the event's type
//
// Each v1 value is the lower-case hex HMAC-SHA256, keyed with the bytes of
// the endpoint's secret string (including its "whsec_" prefix), of
// "<t>.<raw body>". A sender rotating a secret signs with the old and the new
// one and sends both v1 values; Verify accepts the header when any of them
// matches. Keys other than t and v1 are ignored, so new schemes can be added
// next to v1 without breaking receivers.
//
// Verify rejects a timestamp further than the tolerance (DefaultTolerance,
// five minutes, when none is given) from the receiver's clock, in either
// direction, which bounds replays; receivers that need exactly-once effects
// also remember the ids they have applied. Signatures are compared in
// constant time.
//
// Every rejection wraps ErrInvalid and one more specific kind (ErrMissing,
// ErrMalformed, ErrTimestamp, ErrSignature); test for them with errors.Is.
package webhook
