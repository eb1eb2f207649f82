// Package ratelimit is a token bucket per key (a client address, a member)
// whose memory stays bounded whatever the keys: the lock check's
// failed-token throttle and the portal's sign-in limits share it.
//
// A Limiter keeps at most Cap keys. A key that has not been used for long
// enough to refill its bucket is the same as a new one and is dropped as
// soon as it reaches the least-recently-used end; when the Limiter is full
// the least-recently-used key is dropped too. A flood of distinct keys
// therefore costs at most Cap entries and pushes out only idle ones first.
//
// Addresses are keyed by Key: an IPv4 address as itself, an IPv6 address by
// its /64, because one IPv6 client usually holds a whole /64 and could
// otherwise walk 2^64 keys.
package ratelimit
