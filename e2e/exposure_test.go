package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/policy/geoiptest"
)

// TestExposureReport: with a real server on a GeoIP database, sign-ins
// refused from Portugal and the US, an unlock used and one never used,
// `deadbolt report exposure` reports them (JSON), the commands of
// docs/audit.md "Reading the exposure report" run as written, the HTML
// is one page with no script, and bad input is refused by name.
func TestExposureReport(t *testing.T) {
	in := newInst(t)
	key := in.setup(issuer)
	geo := geoiptest.Write(t, map[string]string{"203.0.113.0/24": "PT", "198.51.100.0/24": "US"})
	for _, a := range []string{"alice", "bob", "carol"} {
		in.ok("account", "enroll", "--app", issuer, "--account", a)
	}
	in.ok("account", "unlock", "--app", issuer, "--account", "alice", "--for", "1h")
	in.ok("account", "unlock", "--app", issuer, "--account", "carol", "--for", "1h")
	in.start("--geoip-db", geo)
	for _, c := range []struct{ account, ip string }{{"alice", "192.0.2.1"}, {"bob", "203.0.113.7"}, {"bob", "203.0.113.7"}, {"bob", "198.51.100.1"}} {
		if code, body := in.post("/v1/check", mintFor(t, in, key, c.account), `{"userIP":"`+c.ip+`"}`); code != 200 {
			t.Fatalf("check of %s: %d %v", c.account, code, body)
		}
	}
	if err := in.stop(); err != nil {
		t.Fatal(err)
	}

	r := in.ok("report", "exposure", "--tenant", "acme", "--since", "1d", "--format", "json", "--geoip-db", geo)
	var rep struct {
		Accounts []struct {
			Account string
			Unused  int `json:"unused_unlocks"`
			Blocked int `json:"blocked_signins"`
			From    []struct {
				IP, Country string
				Count       int
			} `json:"blocked_from"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	var totals map[string]any
	json.Unmarshal([]byte(r.stdout), &totals)
	tot := totals["totals"].(map[string]any)
	if tot["unlocks"] != 2.0 || tot["unused_unlocks"] != 1.0 || tot["blocked_signins"] != 3.0 || tot["allowed_signins"] != 1.0 {
		t.Errorf("totals: %v", tot)
	}
	byName := map[string]int{}
	for i, a := range rep.Accounts {
		byName[a.Account] = i
	}
	if i, ok := byName["bob"]; !ok || rep.Accounts[i].Blocked != 3 || len(rep.Accounts[i].From) != 2 ||
		rep.Accounts[i].From[0].Country != "PT" || rep.Accounts[i].From[0].Count != 2 || rep.Accounts[i].From[1].Country != "US" {
		t.Errorf("bob: %+v", rep.Accounts)
	}
	if i, ok := byName["carol"]; !ok || rep.Accounts[i].Unused != 1 {
		t.Errorf("carol's unlock is not reported unused: %+v", rep.Accounts)
	}

	doc, err := os.ReadFile("../docs/audit.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)[strings.Index(string(doc), "## Reading the exposure report"):]
	cmds := regexp.MustCompile(`(?m)^deadbolt (report exposure .*)$`).FindAllStringSubmatch(section, -1)
	if len(cmds) < 3 {
		t.Fatalf("docs/audit.md names %d report commands", len(cmds))
	}
	for _, c := range cmds {
		in.ok(strings.Fields(c[1])...)
	}
	page, err := os.ReadFile(filepath.Join(in.dir, "exposure.html"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(page); strings.Contains(s, "<script") || strings.Contains(s, "http") || !strings.Contains(s, "<svg") {
		t.Errorf("exposure.html is not one self-contained page with charts")
	}
	if csv, _ := os.ReadFile(filepath.Join(in.dir, "exposure.csv")); !strings.HasPrefix(string(csv), "tenant,application,account") {
		t.Errorf("exposure.csv: %.200s", csv)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--since", "yesterday"}, "--since"},
		{[]string{"--format", "pdf"}, "--format"},
		{[]string{"--since", "1d", "--until", "2d"}, "--until"},
		{[]string{"--app", "https://nope.example"}, "--app"},
		{[]string{"--zone", "Mars/Olympus"}, "--zone"},
		{[]string{"--out", "exposure.html"}, "--out"},
	} {
		r := in.run(append([]string{"report", "exposure", "--tenant", "acme"}, bad.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("report exposure %v: exit %d, %s", bad.args, r.code, r.stderr)
		}
	}
	if r := in.ok("report", "exposure", "--help"); !strings.Contains(r.stdout, "deadbolt report exposure --tenant acme --since 30d") {
		t.Errorf("--help has no example: %s", r.stdout)
	}
}
