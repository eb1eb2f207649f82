package policy

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/deadbolt-dev/deadbolt/internal/policy/geoiptest"
)

func openTestGeo(t testing.TB) *GeoIP {
	t.Helper()
	g, err := OpenGeoIP(geoiptest.Write(t, map[string]string{
		"203.0.113.0/24":   "PT",
		"198.51.100.0/24":  "US",
		"2001:db8:e5::/48": "ES",
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func TestGeoIP(t *testing.T) {
	g := openTestGeo(t)
	for ip, want := range map[string]string{
		"203.0.113.7":        "PT",
		"198.51.100.1":       "US",
		"2001:db8:e5::1":     "ES",
		"::ffff:203.0.113.7": "PT", // the database aliases IPv4-mapped addresses
		"192.0.2.1":          "",
		"2001:db8:ffff::1":   "",
	} {
		code, found, err := g.Country(netip.MustParseAddr(ip))
		if err != nil || code != want || found != (want != "") {
			t.Errorf("Country(%s) = %q, %v, %v; want %q", ip, code, found, err, want)
		}
	}
}

func TestOpenGeoIPRefusesOtherFiles(t *testing.T) {
	notDB := filepath.Join(t.TempDir(), "nope.mmdb")
	os.WriteFile(notDB, []byte("not a database"), 0o600)
	if _, err := OpenGeoIP(notDB); err == nil {
		t.Error("opened a file that is not a MaxMind database")
	}
	if _, err := OpenGeoIP(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Error("opened a file that does not exist")
	}
}

func TestContextRule(t *testing.T) {
	geo := openTestGeo(t)
	tests := []struct {
		name string
		rule ContextRule
		ip   string // "" = none
		geo  bool
		want contextOutcome
	}{
		{"v4 in network", ContextRule{AllowCIDRs: []string{"10.0.0.0/8"}}, "10.1.2.3", false, contextAllowed},
		{"v4 outside network", ContextRule{AllowCIDRs: []string{"10.0.0.0/8"}}, "11.1.2.3", false, contextDenied},
		{"v4 single address", ContextRule{AllowCIDRs: []string{"192.0.2.10"}}, "192.0.2.10", false, contextAllowed},
		{"v4 single address, other", ContextRule{AllowCIDRs: []string{"192.0.2.10"}}, "192.0.2.11", false, contextDenied},
		{"v6 in network", ContextRule{AllowCIDRs: []string{"2001:db8::/32"}}, "2001:db8:1::5", false, contextAllowed},
		{"v6 outside network", ContextRule{AllowCIDRs: []string{"2001:db8::/32"}}, "2001:db9::5", false, contextDenied},
		{"v4-mapped v6 matches v4 network", ContextRule{AllowCIDRs: []string{"10.0.0.0/8"}}, "::ffff:10.1.2.3", false, contextAllowed},
		{"v4-mapped network matches v4", ContextRule{AllowCIDRs: []string{"::ffff:10.0.0.0/104"}}, "10.1.2.3", false, contextAllowed},
		{"v4 does not match a v6 network", ContextRule{AllowCIDRs: []string{"2001:db8::/32"}}, "10.1.2.3", false, contextDenied},
		{"no IP", ContextRule{AllowCIDRs: []string{"10.0.0.0/8"}}, "", false, contextUnknown},
		{"country allowed", ContextRule{AllowCountries: []string{"PT", "ES"}}, "203.0.113.7", true, contextAllowed},
		{"v6 country allowed", ContextRule{AllowCountries: []string{"pt", "es"}}, "2001:db8:e5::9", true, contextAllowed},
		{"country refused", ContextRule{AllowCountries: []string{"PT", "ES"}}, "198.51.100.1", true, contextDenied},
		{"country not in database", ContextRule{AllowCountries: []string{"PT"}}, "192.0.2.1", true, contextUnknown},
		{"no GeoIP database", ContextRule{AllowCountries: []string{"PT"}}, "203.0.113.7", false, contextUnknown},
		{"network or country: network", ContextRule{AllowCIDRs: []string{"10.0.0.0/8"}, AllowCountries: []string{"PT"}}, "10.0.0.1", false, contextAllowed},
		{"network or country: country", ContextRule{AllowCIDRs: []string{"10.0.0.0/8"}, AllowCountries: []string{"PT"}}, "203.0.113.7", true, contextAllowed},
		{"network or country: neither", ContextRule{AllowCIDRs: []string{"10.0.0.0/8"}, AllowCountries: []string{"PT"}}, "198.51.100.1", true, contextDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, errs := tt.rule.compile()
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			l := lookup{}
			if tt.ip != "" {
				l.ip = netip.MustParseAddr(tt.ip).Unmap()
			}
			if tt.geo {
				l.geo = geo
			}
			if got, why := c.check(&l); got != tt.want || why == "" {
				t.Errorf("check = %v (%q), want %v", got, why, tt.want)
			}
		})
	}
}

func TestContextRuleErrors(t *testing.T) {
	tests := []struct {
		name  string
		rule  ContextRule
		field string
	}{
		{"nothing allowed", ContextRule{}, "context"},
		{"not a CIDR", ContextRule{AllowCIDRs: []string{"10.0.0.0/33"}}, "context.allow_cidrs"},
		{"not an address", ContextRule{AllowCIDRs: []string{"office"}}, "context.allow_cidrs"},
		{"host bits set", ContextRule{AllowCIDRs: []string{"10.0.0.1/8"}}, "10.0.0.0/8"},
		{"unknown country", ContextRule{AllowCountries: []string{"UK"}}, "context.allow_countries"},
		{"three letters", ContextRule{AllowCountries: []string{"PRT"}}, "context.allow_countries"},
		{"list smuggled in one code", ContextRule{AllowCountries: []string{"ZM ZW"}}, "context.allow_countries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := tt.rule.compile()
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), tt.field) {
				t.Errorf("compile = %v, want an error naming %s", errs, tt.field)
			}
		})
	}
}

func TestCountryCodes(t *testing.T) {
	if n := len(strings.Fields(countryCodes)); n != 250 {
		t.Errorf("%d codes, want 249 assigned plus XK", n)
	}
	for _, c := range []string{"PT", "ES", "US", "GB", "AX", "SS", "XK", "ZW", "AD"} {
		if !isCountryCode(c) {
			t.Errorf("%s refused", c)
		}
	}
	for _, c := range []string{"UK", "EU", "ZZ", "SU", "P", "PTX", "pt", "D ", " D"} {
		if isCountryCode(c) {
			t.Errorf("%q accepted", c)
		}
	}
}

func TestOpenGeoIPRefusesDatabasesWithoutCountries(t *testing.T) {
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-ASN", IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	_, n, _ := net.ParseCIDR("203.0.113.0/24")
	if err := w.Insert(n, mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(64500)}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "asn.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := OpenGeoIP(path); err == nil {
		t.Error("opened an ASN database as a country database")
	}
}

// FuzzParseNetwork: whatever parseNetwork accepts is a valid, masked
// prefix that reads back the same, and never an IPv4-mapped one.
func FuzzParseNetwork(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "2001:db8::/32", "::ffff:10.0.0.0/104", "192.0.2.1", "fe80::1%eth0", "10.0.0.1/8", " 10.0.0.0/8 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseNetwork(s)
		if err != nil {
			return
		}
		if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			t.Fatalf("parseNetwork(%q) = %v", s, p)
		}
		if q, err := parseNetwork(p.String()); err != nil || q != p {
			t.Fatalf("parseNetwork(%q) = %v, reads back as %v, %v", s, p, q, err)
		}
	})
}
