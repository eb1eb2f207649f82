// Package egresstest has resolvers for tests of code that reaches out
// through package egress, so that they need no DNS and send nothing to
// addresses other than loopback.
package egresstest

import (
	"context"
	"net"
	"net/netip"
	"sync"
)

// Rebinding is a resolver that behaves as a DNS rebinding attacker's name
// server: the first lookup of any name answers First (a public address,
// which passes the check made when a URL is stored), every later lookup
// answers Then (typically 127.0.0.1, where the test's receiver listens).
// It is safe for concurrent use.
type Rebinding struct {
	First, Then netip.Addr

	mu   sync.Mutex
	seen map[string]bool
}

// LookupNetIP implements egress.Resolver.
func (r *Rebinding) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if !r.seen[host] {
		r.seen[host] = true
		return []netip.Addr{r.First}, nil
	}
	return []netip.Addr{r.Then}, nil
}

// Lookups reports whether host was looked up.
func (r *Rebinding) Lookups(host string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[host]
}

// Static answers each name with fixed addresses, and any other name as not
// found.
type Static map[string][]netip.Addr

// LookupNetIP implements egress.Resolver.
func (s Static) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := s[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}
