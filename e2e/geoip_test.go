package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/policy/geoiptest"
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

	in.start("--geoip-db", geoiptest.Write(t, map[string]string{"203.0.113.0/24": "PT", "198.51.100.0/24": "US"}))
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
