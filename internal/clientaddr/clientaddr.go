package clientaddr

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver decides a request's client address. The zero value trusts no
// proxy. It is read-only after New and safe for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver trusting the proxies in cidrs, each a CIDR
// ("10.0.0.0/8") or a single address ("192.0.2.10").
func New(cidrs []string) (*Resolver, error) {
	r := &Resolver{}
	for _, c := range cidrs {
		p, err := ParsePrefix(c)
		if err != nil {
			return nil, err
		}
		r.trusted = append(r.trusted, p)
	}
	return r, nil
}

// ParsePrefix parses one trusted-proxy entry: a CIDR or a single address.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("trusted proxy %q: want a CIDR such as 10.0.0.0/8 or an address", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q: want a CIDR such as 10.0.0.0/8 or an address", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve decides r's client address (see the package documentation).
func (r *Resolver) Resolve(req *http.Request) string {
	peer, ok := parseIP(peerHost(req.RemoteAddr))
	if !ok {
		return peerHost(req.RemoteAddr)
	}
	if r == nil || len(r.trusted) == 0 || !r.isTrusted(peer) {
		return peer.String()
	}
	var hops []string
	for _, v := range req.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseIP(hops[i])
		if !ok {
			return peer.String()
		}
		client = a
		if !r.isTrusted(a) {
			break
		}
	}
	return client.String()
}

type ctxKey struct{}

// Handler decides each request's client address once and keeps it in the
// request's context for Of. Trusting no proxy, it returns next as it is:
// Of then gives the peer's address, the same answer.
func (r *Resolver) Handler(next http.Handler) http.Handler {
	if r == nil || len(r.trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		next.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), ctxKey{}, r.Resolve(req))))
	})
}

// Of is the client address Handler decided for req, else the TCP peer's.
func Of(req *http.Request) string {
	if a, ok := req.Context().Value(ctxKey{}).(string); ok {
		return a
	}
	return (*Resolver)(nil).Resolve(req)
}

func peerHost(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

// parseIP reads one address: plain, or with a port ("192.0.2.1:443",
// "[2001:db8::1]:443"); IPv4-mapped IPv6 becomes IPv4 and zones are dropped.
func parseIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err2 := netip.ParseAddrPort(s)
		if err2 != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}
