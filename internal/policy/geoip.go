package policy

import (
	"fmt"
	"net/netip"

	"github.com/oschwald/geoip2-golang/v2"
)

// GeoIP is a Geo read from a MaxMind-format database file (GeoLite2 or
// GeoIP2 Country or City, or a compatible one). It is safe for concurrent
// use; Close it when done.
type GeoIP struct {
	r *geoip2.Reader
}

// OpenGeoIP opens the database at path. It refuses a database that holds
// no countries (an ASN database, say).
func OpenGeoIP(path string) (*GeoIP, error) {
	r, err := geoip2.Open(path)
	if err != nil {
		return nil, fmt.Errorf("GeoIP database %s: %w", path, err)
	}
	if _, err := r.Country(netip.IPv4Unspecified()); err != nil {
		r.Close()
		return nil, fmt.Errorf("GeoIP database %s (%s) cannot tell countries: %w", path, r.Metadata().DatabaseType, err)
	}
	return &GeoIP{r: r}, nil
}

// Country implements Geo: the country the address is located in, else
// the country its network is registered in.
func (g *GeoIP) Country(ip netip.Addr) (string, bool, error) {
	rec, err := g.r.Country(ip)
	if err != nil {
		return "", false, err
	}
	if rec.Country.ISOCode != "" {
		return rec.Country.ISOCode, true, nil
	}
	if rec.RegisteredCountry.ISOCode != "" {
		return rec.RegisteredCountry.ISOCode, true, nil
	}
	return "", false, nil
}

// Close releases the database.
func (g *GeoIP) Close() error { return g.r.Close() }
