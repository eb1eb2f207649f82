package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ContextRule says where sign-ins may come from: a request passes when its
// address is in one of the networks OR located in one of the countries.
// A rule with only networks (or only countries) checks only that.
type ContextRule struct {
	// AllowCIDRs are IPv4 or IPv6 networks ("10.0.0.0/8",
	// "2001:db8::/32") or single addresses.
	AllowCIDRs []string `json:"allow_cidrs,omitempty"`
	// AllowCountries are ISO 3166-1 alpha-2 codes ("PT"), looked up in
	// the GeoIP database.
	AllowCountries []string `json:"allow_countries,omitempty"`
}

// Geo locates addresses. Implementations are safe for concurrent use.
type Geo interface {
	// Country is the ISO 3166-1 alpha-2 code of the country ip is
	// located in; found is false when the database does not know it.
	Country(ip netip.Addr) (code string, found bool, err error)
}

// compiledContext is a ContextRule parsed once.
type compiledContext struct {
	prefixes  []netip.Prefix
	countries []string // upper case, sorted as given
}

func (r ContextRule) compile() (compiledContext, []error) {
	var c compiledContext
	var errs []error
	if len(r.AllowCIDRs) == 0 && len(r.AllowCountries) == 0 {
		errs = append(errs, errors.New("context: allow at least one network (allow_cidrs) or country (allow_countries)"))
	}
	for _, s := range r.AllowCIDRs {
		p, err := parseNetwork(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("context.allow_cidrs: %w", err))
			continue
		}
		c.prefixes = append(c.prefixes, p)
	}
	for _, s := range r.AllowCountries {
		code := strings.ToUpper(strings.TrimSpace(s))
		if !isCountryCode(code) {
			errs = append(errs, fmt.Errorf("context.allow_countries: %q is not an ISO 3166-1 alpha-2 country code such as PT", s))
			continue
		}
		c.countries = append(c.countries, code)
	}
	return c, errs
}

// parseNetwork reads a CIDR or a single address. IPv4-mapped IPv6
// networks (::ffff:10.0.0.0/104) become the IPv4 networks they map, so
// each network has one spelling; a CIDR with host bits set is refused
// because it usually hides a typo.
func parseNetwork(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not a network such as 10.0.0.0/8 or 2001:db8::/32, nor an address", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a network such as 10.0.0.0/8 or 2001:db8::/32", s)
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set: did you mean %s?", s, p.Masked())
	}
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("%q mixes IPv4-mapped and other IPv6 addresses: write the IPv4 network", s)
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p, nil
}

// contextOutcome is what a context rule says about one request.
type contextOutcome uint8

const (
	contextAllowed contextOutcome = iota
	contextDenied
	contextUnknown // cannot tell: on_unknown decides
)

// lookup is the request's place, found once per evaluation and only when a
// rule needs a country.
type lookup struct {
	ip      netip.Addr // unmapped; invalid when the request had none
	geo     Geo
	done    bool
	country string
	found   bool
	err     error
}

func (l *lookup) countryOf() (string, bool, error) {
	if !l.done {
		l.done = true
		if l.geo != nil {
			l.country, l.found, l.err = l.geo.Country(l.ip)
		}
	}
	return l.country, l.found, l.err
}

// check decides the rule for the request in l, and why, in few words
// ("not in the allowed networks", ...) that say what was seen without
// listing what is allowed.
func (c *compiledContext) check(l *lookup) (contextOutcome, string) {
	if !l.ip.IsValid() {
		return contextUnknown, "the request has no IP address"
	}
	for _, p := range c.prefixes {
		if p.Contains(l.ip) {
			return contextAllowed, "in an allowed network"
		}
	}
	if len(c.countries) == 0 {
		return contextDenied, "not in an allowed network"
	}
	if l.geo == nil {
		return contextUnknown, "of unknown country (there is no GeoIP database)"
	}
	code, found, err := l.countryOf()
	switch {
	case err != nil:
		return contextUnknown, "of unknown country (the GeoIP lookup failed)"
	case !found:
		return contextUnknown, "of unknown country (not in the GeoIP database)"
	}
	for _, c := range c.countries {
		if c == code {
			return contextAllowed, "located in an allowed country"
		}
	}
	if len(c.prefixes) == 0 {
		return contextDenied, "located in a country that is not allowed"
	}
	return contextDenied, "not in an allowed network and located in a country that is not allowed"
}
