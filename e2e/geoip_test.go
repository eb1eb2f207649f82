package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// TestServeGeoIP: serve --geoip-db gives context policies their countries
// (an address in Portugal passes a PT rule, one in the US is refused and
// the message says where it was seen); a file that is not a GeoIP
// database stops serve before it listens, naming the flag.
func TestServeGeoIP(t *testing.T) {
	in := newInst(t)
	key := in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice", "--owner", "alice@acme.test")
	in.ok("policy", "create", "--tenant", "acme", "--name", "Portugal", "--type", "context", "--allow-country", "PT")
	in.ok("policy", "assign", "--tenant", "acme", "Portugal", "--app", issuer)

	bad := filepath.Join(t.TempDir(), "not.mmdb")
	os.WriteFile(bad, []byte("not a database"), 0o600)
	r := in.run("serve", "--addr", freeAddr(t), "--geoip-db", bad)
	if r.code == 0 || !strings.Contains(r.stderr, "--geoip-db") {
		t.Fatalf("serve with a bad GeoIP file: exit %d\n%s", r.code, r.stderr)
	}

	in.start("--geoip-db", writeCountries(t, map[string]string{"203.0.113.0/24": "PT", "198.51.100.0/24": "US"}))
	tok := mintFor(t, in, key, "alice")
	for _, tc := range []struct{ ip, status string }{
		{"203.0.113.7", "locked"}, // allowed by the policy, so the owner's lock decides
		{"198.51.100.1", "denied_by_policy"},
		{"192.0.2.1", "denied_by_policy"}, // not in the database: on_unknown deny
	} {
		code, body := in.post("/v1/check", tok, `{"userIP":"`+tc.ip+`"}`)
		if code != 200 || body["status"] != tc.status || body["locked"] != true {
			t.Errorf("check from %s: %d %v; want %s", tc.ip, code, body, tc.status)
		}
	}
	ex := in.ok("policy", "explain", "--app", issuer, "--account", "alice", "--ip", "198.51.100.1", "--json").json(t)
	if ex == nil {
		t.Fatal("explain printed nothing")
	}
}

// writeCountries builds a small MaxMind-format country database, each
// network in its country (documentation ranges are reserved, so the
// writer is told to include them).
func writeCountries(t *testing.T, countries map[string]string) string {
	t.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-Country", IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, code := range countries {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Insert(n, mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(code)}}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "countries.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	return path
}
