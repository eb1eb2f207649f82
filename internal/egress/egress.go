package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every refusal of the policy: the address, or
// the name's address, is not one deadbolt sends to.
var ErrRefused = errors.New("refused by policy")

// Resolver looks names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy decides which addresses outbound requests may reach. The zero
// value allows public unicast addresses only. A Policy is a value: copy it
// freely; it is safe for concurrent use.
type Policy struct {
	// AllowPrivate also allows loopback, private, link-local, shared
	// (CGNAT) and other non-public unicast addresses, for receivers on the
	// operator's own network. Metadata, unspecified, multicast and
	// broadcast addresses stay refused.
	AllowPrivate bool
	// Resolver looks names up for CheckHost and for the connections of
	// Transport; nil means the system's resolver (net.DefaultResolver).
	Resolver Resolver
}

// RefusedError says why the policy refuses a host. It wraps ErrRefused.
type RefusedError struct {
	// Host is the host as given (a name or an address).
	Host string
	// Addr is the refused address; invalid when the name alone was refused
	// (localhost).
	Addr netip.Addr
	// Reason is the address's class: "a loopback address", ...
	Reason string
	// Liftable is true when Policy.AllowPrivate would allow the address.
	Liftable bool
}

// Error names the host, its address when it differs, and why it is refused.
func (e *RefusedError) Error() string {
	what := e.Host
	if e.Addr.IsValid() && e.Addr.String() != e.Host {
		what = fmt.Sprintf("%s (%s)", e.Host, e.Addr)
	}
	return fmt.Sprintf("%s: %s is %s", ErrRefused, what, e.Reason)
}

// Unwrap returns ErrRefused.
func (e *RefusedError) Unwrap() error { return ErrRefused }

// Address classes.
const (
	reasonLoopback    = "a loopback address"
	reasonPrivate     = "a private address"
	reasonLinkLocal   = "a link-local address"
	reasonShared      = "a shared (carrier-grade NAT) address"
	reasonReserved    = "a reserved, non-public address"
	reasonMetadata    = "a cloud metadata address"
	reasonUnspecified = "the unspecified address"
	reasonMulticast   = "a multicast address"
	reasonBroadcast   = "the broadcast address"
)

type rangeClass struct {
	prefix netip.Prefix
	reason string
}

// never are refused whatever the policy: no receiver lives there.
var never = []rangeClass{
	{netip.MustParsePrefix("169.254.169.254/32"), reasonMetadata}, // AWS, GCP, Azure, OCI, ...
	{netip.MustParsePrefix("100.100.100.200/32"), reasonMetadata}, // Alibaba Cloud
	{netip.MustParsePrefix("fd00:ec2::254/128"), reasonMetadata},  // AWS over IPv6
	{netip.MustParsePrefix("255.255.255.255/32"), reasonBroadcast},
	{netip.MustParsePrefix("224.0.0.0/4"), reasonMulticast},
	{netip.MustParsePrefix("ff00::/8"), reasonMulticast},
}

// nonPublic are refused unless AllowPrivate (IANA's special-purpose
// address registries, less the globally reachable entries).
var nonPublic = []rangeClass{
	{netip.MustParsePrefix("127.0.0.0/8"), reasonLoopback},
	{netip.MustParsePrefix("::1/128"), reasonLoopback},
	{netip.MustParsePrefix("10.0.0.0/8"), reasonPrivate},
	{netip.MustParsePrefix("172.16.0.0/12"), reasonPrivate},
	{netip.MustParsePrefix("192.168.0.0/16"), reasonPrivate},
	{netip.MustParsePrefix("fc00::/7"), reasonPrivate},
	{netip.MustParsePrefix("169.254.0.0/16"), reasonLinkLocal},
	{netip.MustParsePrefix("fe80::/10"), reasonLinkLocal},
	{netip.MustParsePrefix("100.64.0.0/10"), reasonShared},
	{netip.MustParsePrefix("0.0.0.0/8"), reasonReserved},       // "this network"
	{netip.MustParsePrefix("192.0.0.0/24"), reasonReserved},    // IETF protocol assignments
	{netip.MustParsePrefix("192.0.2.0/24"), reasonReserved},    // documentation
	{netip.MustParsePrefix("192.88.99.0/24"), reasonReserved},  // 6to4 relay anycast
	{netip.MustParsePrefix("198.18.0.0/15"), reasonReserved},   // benchmarking
	{netip.MustParsePrefix("198.51.100.0/24"), reasonReserved}, // documentation
	{netip.MustParsePrefix("203.0.113.0/24"), reasonReserved},  // documentation
	{netip.MustParsePrefix("240.0.0.0/4"), reasonReserved},     // reserved
	{netip.MustParsePrefix("::/96"), reasonReserved},           // IPv4-compatible (deprecated)
	{netip.MustParsePrefix("64:ff9b:1::/48"), reasonReserved},  // local-use NAT64
	{netip.MustParsePrefix("100::/64"), reasonReserved},        // discard
	{netip.MustParsePrefix("2001::/23"), reasonReserved},       // IETF protocol assignments, Teredo
	{netip.MustParsePrefix("2001:db8::/32"), reasonReserved},   // documentation
	{netip.MustParsePrefix("3fff::/20"), reasonReserved},       // documentation
	{netip.MustParsePrefix("fec0::/10"), reasonReserved},       // site-local (deprecated)
}

// Prefixes that carry an IPv4 address inside an IPv6 one; the IPv4
// address is what is reached, so it is checked too.
var (
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
	six4  = netip.MustParsePrefix("2002::/16")
)

// classify returns why a is not public ("" when it is), and whether
// AllowPrivate lifts that.
func classify(a netip.Addr) (reason string, liftable bool) {
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.IsUnspecified() {
		return reasonUnspecified, false
	}
	for _, r := range never {
		if r.prefix.Contains(a) {
			return r.reason, false
		}
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return classify(netip.AddrFrom4([4]byte(b[12:16])))
		case six4.Contains(a):
			return classify(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	for _, r := range nonPublic {
		if r.prefix.Contains(a) {
			return r.reason, true
		}
	}
	return "", false
}

// CheckAddr reports whether the policy allows a; a refusal is a
// *RefusedError naming host.
func (p Policy) CheckAddr(host string, a netip.Addr) error {
	reason, liftable := classify(a)
	if reason == "" || (liftable && p.AllowPrivate) {
		return nil
	}
	return &RefusedError{Host: host, Addr: a.WithZone(""), Reason: reason, Liftable: liftable}
}

// lookupTimeout bounds CheckHost's name lookup.
const lookupTimeout = 5 * time.Second

// CheckHost reports whether the policy allows host (a URL's Hostname: a
// name or an address, without brackets or port). Names under localhost
// are loopback by definition (RFC 6761); other names are resolved and
// every address is checked. A name that does not resolve is allowed: the
// dial-time check guards it when it does.
func (p Policy) CheckHost(ctx context.Context, host string) error {
	if host == "" {
		return &RefusedError{Host: host, Reason: "empty"}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return p.CheckAddr(host, a)
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		if p.AllowPrivate {
			return nil
		}
		return &RefusedError{Host: host, Reason: reasonLoopback, Liftable: true}
	}
	var r Resolver = net.DefaultResolver
	if p.Resolver != nil {
		r = p.Resolver
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if err := p.CheckAddr(host, a); err != nil {
			return err
		}
	}
	return nil
}

// control is the dialer's Control function: it sees the address actually
// dialled, after resolution.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read dialled address %q", ErrRefused, address)
	}
	return p.CheckAddr(ap.Addr().String(), ap.Addr())
}

// Transport returns an HTTP transport whose every connection is checked
// against the policy when it is dialled. It never uses a proxy.
func (p Policy) Transport() *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
	return &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, unchecked
		DialContext:           p.dialer(d),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// dialer is d's DialContext, resolving names with Policy.Resolver when
// there is one. Either way every address dialled passes control.
func (p Policy) dialer(d *net.Dialer) func(ctx context.Context, network, address string) (net.Conn, error) {
	if p.Resolver == nil {
		return d.DialContext
	}
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		if _, err := netip.ParseAddr(host); err == nil {
			return d.DialContext(ctx, network, address)
		}
		addrs, err := p.Resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		first := error(&net.DNSError{Err: "no addresses", Name: host, IsNotFound: true})
		for i, a := range addrs {
			c, err := d.DialContext(ctx, network, net.JoinHostPort(a.WithZone("").String(), port))
			if err == nil {
				return c, nil
			}
			if i == 0 {
				first = err
			}
		}
		return nil, first
	}
}

// Client returns an HTTP client over Transport that gives up after timeout
// and never follows redirects: a 3xx answer is returned as it is.
func (p Policy) Client(timeout time.Duration) *http.Client {
	return &http.Client{Transport: p.Transport(), Timeout: timeout, CheckRedirect: NoRedirects}
}

// NoRedirects is an http.Client CheckRedirect that follows none.
func NoRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Dial opens a stream connection (a syslog receiver's, say) to address,
// host:port, checked against the policy like Transport's connections.
func (p Policy) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
	return p.dialer(d)(ctx, network, address)
}
