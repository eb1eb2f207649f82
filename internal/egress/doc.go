// Package egress is the one way deadbolt reaches out to addresses that
// tenants, members or browsers name: webhooks, Web Push endpoints, and any
// later outbound integration. Such a URL is attacker-chosen, so without a
// guard it would let a tenant admin make deadbolt call its own loopback
// services, the private network or a cloud metadata endpoint, and read the
// outcome back from the Deliveries page.
//
// A Policy decides which addresses may be reached. By default only public
// unicast addresses are: loopback, private (RFC 1918, IPv6 ULA), link-local,
// shared (CGNAT, 100.64.0.0/10), documentation, benchmarking and other
// special-purpose ranges are refused, and so are the cloud metadata
// addresses (169.254.169.254, fd00:ec2::254), unspecified, multicast and
// broadcast addresses. AllowPrivate lifts the refusal of non-public unicast
// addresses for on-premises receivers; it never lifts the metadata,
// unspecified, multicast or broadcast ones, which no receiver lives at.
//
// The policy is applied twice:
//
//   - CheckURL, when the URL is stored: a clear error saying why the host is
//     refused. Names are resolved and every address checked; a name that
//     does not resolve yet is accepted, because the second check guards it.
//   - Client and Transport, when a request is made: the dialer's Control
//     function checks the address actually dialled, after DNS resolution,
//     so a name that resolved to a public address at creation and to a
//     private one later (DNS rebinding) is still refused. Redirects are
//     never followed and proxies from the environment are never used, so
//     neither can route a request around the check.
//
// A failed request is described by Classify as a Failure whose text is only
// its class ("refused by policy", "timeout", "connection refused", "TLS
// failure", "status 503", ...), never a remote body or a detailed dial
// error: that text is what tenant admins see. The cause stays in the chain
// for the log (Detail).
package egress
