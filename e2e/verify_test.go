package e2e

import (
	"context"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/mail/smtptest"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
)

var verifyLinkRE = regexp.MustCompile(`/verify-email\?t=[A-Za-z0-9_-]+`)

// TestEmailPreHijack: against a real `serve` with SMTP, someone holding an
// enablement link registers (a software passkey, over HTTP) under
// victim@acme.test. The CLI's `account enroll --owner`, `import` and
// `member invite` naming that address exit 1 and give that member nothing,
// and so does enableUser; the server mails the confirmation link to the
// address, and a real registrant who opens hers signed in is then given
// what names her email.
func TestEmailPreHijack(t *testing.T) {
	in, key, public := portalInst(t)
	sink := smtptest.New(t, smtptest.Options{})
	in.env = append(in.env, "DEADBOLT_SMTP_ADDR="+sink.Addr, "DEADBOLT_SMTP_FROM=deadbolt <deadbolt@acme.test>", "DEADBOLT_SMTP_TLS=none")
	in.start("--public-url", public)
	mint := func(account string) string {
		return strings.TrimSpace(in.ok("token", "mint", "--issuer", issuer, "--key", key, "--account", account, "--aud", public).stdout)
	}
	register := func(account, email string) *softkey.Client {
		t.Helper()
		ctx := context.Background()
		tab, err := softkey.NewClient(public)
		if err != nil {
			t.Fatal(err)
		}
		k, err := softkey.New(public)
		if err != nil {
			t.Fatal(err)
		}
		res, err := tab.Get(ctx, "/enable?auth-token="+mint(account))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if _, err := tab.Register(ctx, k, "/enable/register/begin", "/enable/register/finish",
			map[string]string{"email": email}, "laptop"); err != nil {
			t.Fatalf("registering as %s: %v", email, err)
		}
		if res, err = tab.PostForm(ctx, "/enable/link", url.Values{}); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("linking %s: %v %v", account, res, err)
		}
		res.Body.Close()
		return tab
	}
	mailedLink := func(to string) string {
		t.Helper()
		m := sink.Wait(t)
		if !strings.Contains(m.To, to) {
			t.Fatalf("mail to %q, want %s", m.To, to)
		}
		body, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.Data)))
		link := verifyLinkRE.FindString(string(body))
		if link == "" {
			t.Fatalf("no confirmation link in:\n%s", body)
		}
		return link
	}
	csv := func(account, email string) string {
		p := filepath.Join(t.TempDir(), "accounts.csv")
		if err := os.WriteFile(p, []byte("account,owner\n"+account+","+email+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	enableUser := func(account, email string) (int, map[string]any) {
		body, _ := json.Marshal(map[string]string{"email": email})
		return in.post("/nl3/api/v1/sdk/enableUser", mint(account), string(body))
	}
	owner := func(account string) any {
		return in.ok("account", "status", "--app", issuer, "--account", account, "--json").json(t)["owner"]
	}

	register("mallory.wiki", "victim@acme.test")
	mailedLink("victim@acme.test") // the confirmation goes to the address, not to the registrant

	for _, args := range [][]string{
		{"account", "enroll", "--app", issuer, "--account", "victim.wiki", "--owner", "victim@acme.test"},
		{"import", "accounts", "--app", issuer, csv("victim.mail", "victim@acme.test")},
		{"member", "invite", "--tenant", "acme", "--email", "victim@acme.test"},
	} {
		if r := in.run(append(args, "--json")...); r.code != 1 || r.json(t)["error"] != "conflict" {
			t.Errorf("%v naming the claimed email: exit %d %s %s", args[:2], r.code, r.stdout, r.stderr)
		} else if testing.Verbose() {
			t.Logf("%v: %s", args[:2], r.stdout)
		}
	}
	if code, m := enableUser("victim.api", "victim@acme.test"); code != http.StatusConflict || m["error"] != "member_unverified" {
		t.Errorf("enableUser naming the claimed email: %d %v", code, m)
	}
	for _, a := range []string{"victim.wiki", "victim.mail", "victim.api"} {
		if st := in.ok("account", "status", "--app", issuer, "--account", a, "--json").json(t); st["status"] != "not_enrolled" {
			t.Errorf("%s after a refused binding: %v", a, st)
		}
	}
	if r := in.ok("member", "list", "--tenant", "acme"); !strings.Contains(r.stdout, "email not confirmed") {
		t.Errorf("member list does not mark the unconfirmed member:\n%s", r.stdout)
	}

	// A real registrant confirms the mailed link, signed in; then the
	// same commands give her what names her email.
	carol := register("carol.wiki", "carol@acme.test")
	link, _ := url.Parse(mailedLink("carol@acme.test"))
	res, err := carol.PostForm(context.Background(), "/verify-email", url.Values{"t": {link.Query().Get("t")}})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("confirming: %v %v", res, err)
	}
	res.Body.Close()
	in.ok("account", "enroll", "--app", issuer, "--account", "carol.mail", "--owner", "carol@acme.test")
	in.ok("import", "accounts", "--app", issuer, csv("carol.chat", "carol@acme.test"))
	if code, m := enableUser("carol.api", "carol@acme.test"); code != http.StatusOK {
		t.Fatalf("enableUser for carol: %d %v", code, m)
	}
	for _, a := range []string{"carol.wiki", "carol.mail", "carol.chat", "carol.api"} {
		if o := owner(a); o != "carol@acme.test" {
			t.Errorf("%s owned by %v, want carol", a, o)
		}
	}
}
