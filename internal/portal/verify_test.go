package portal_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/csvimport"
	"github.com/deadbolt-dev/deadbolt/internal/mail"
	"github.com/deadbolt-dev/deadbolt/internal/mail/smtptest"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// postman delivers the env's outbox mail to a real SMTP server, as the
// server's outbox job does.
type postman struct {
	t    *testing.T
	e    *env
	sink *smtptest.Server
	out  *notify.Deliverer
}

func newPostman(t *testing.T, e *env, base string) *postman {
	sink := smtptest.New(t, smtptest.Options{})
	sender := &mail.Sender{Addr: sink.Addr, From: "deadbolt <deadbolt@acme.test>", TLS: mail.TLSNone, Timeout: 5 * time.Second}
	return &postman{t: t, e: e, sink: sink, out: &notify.Deliverer{Store: e.store, Clock: e.clock,
		Mail: &mail.Notifier{Sender: sender, Members: e.store, PortalURL: base}}}
}

// deliver runs one round of the outbox and returns how many it delivered.
func (p *postman) deliver() int {
	p.t.Helper()
	n, err := p.out.RunOnce(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	return n
}

var verifyLink = regexp.MustCompile(`/verify-email\?t=[A-Za-z0-9_-]+`)

// verification delivers the outbox and returns the recipient of the one
// mail it sent and the path of the confirmation link in it.
func (p *postman) verification() (to, link string) {
	p.t.Helper()
	if n := p.deliver(); n != 1 {
		p.t.Fatalf("delivered %d messages, want the one verification mail", n)
	}
	m := p.sink.Wait(p.t)
	body, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.Data)))
	if err != nil {
		p.t.Fatal(err)
	}
	link = verifyLink.FindString(string(body))
	if link == "" {
		p.t.Fatalf("no confirmation link in the mail:\n%s", body)
	}
	return m.To, link
}

// mintFor mints an enablement token for account with the served portal's
// audience.
func (e *env) mintFor(account string) string {
	return e.mint(account, func(c *token.Claims) { c.Audience = []string{e.deps.PublicURL} })
}

// selfRegister follows an enablement link for account in a fresh tab,
// registers a new passkey under email, and links the account: what anyone
// holding an enablement link can do.
func (e *env) selfRegister(base, account, email string) (*softkey.Client, store.Member) {
	e.t.Helper()
	ctx := context.Background()
	tab, k := browser(e.t, base)
	if code, body := page(e.t, tab, "/enable?auth-token="+e.mintFor(account)); code != http.StatusOK || !strings.Contains(body, `id="register"`) {
		e.t.Fatalf("enablement page: %d", code)
	}
	if to, err := tab.Register(ctx, k, "/enable/register/begin", "/enable/register/finish",
		map[string]string{"email": email, "person": "Someone"}, "laptop"); err != nil || to != "/enable/continue" {
		e.t.Fatalf("registration as %s: %q %v", email, to, err)
	}
	res, err := tab.PostForm(ctx, "/enable/link", url.Values{})
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("linking %s: %d", account, res.StatusCode)
	}
	m, err := e.store.MemberByEmail(ctx, e.app.TenantID, email)
	if err != nil {
		e.t.Fatal(err)
	}
	if a := e.account(account); a.OwnerID != m.ID {
		e.t.Fatalf("%s is not linked to the registrant: %+v", account, a)
	}
	return tab, m
}

// postTo posts a form from tab and returns the final status and body.
func postTo(t *testing.T, tab *softkey.Client, path string, values url.Values) (int, string) {
	t.Helper()
	return post(t, tab, form{action: path, values: values})
}

// enableUser calls the enableUser API for account with email.
func (e *env) enableUser(account, email string) (int, map[string]any) {
	r := httptest.NewRequest("POST", "/nl3/api/v1/sdk/enableUser", strings.NewReader(`{"email":"`+email+`"}`))
	r.Header.Set("x-nl3-authorization-token", e.mintFor(account))
	w := httptest.NewRecorder()
	e.enable.ServeHTTP(w, r)
	var m map[string]any
	json.Unmarshal(w.Body.Bytes(), &m)
	return w.Code, m
}

// bindings tries every way an operator, an admin or an application gives
// an account or a membership to the member with email, each on a fresh
// account name with the suffix sfx, and returns the errors of enrol,
// import and invite and the answer of enableUser (the portal's admin
// invite is tried by the caller, which has the admin's tab).
func (e *env) bindings(email, sfx string) (enroll, imp, invite error, apiCode int, apiBody map[string]any) {
	e.t.Helper()
	ctx := context.Background()
	_, enroll = e.access.Enroll(ctx, "cli:test", e.app, "enrolled"+sfx, email)
	parsed, err := csvimport.Parse(strings.NewReader("account,owner\nimported" + sfx + "," + email + "\n"))
	if err != nil {
		e.t.Fatal(err)
	}
	_, imp = csvimport.Apply(ctx, e.store, "cli:test", e.app, parsed, e.clock.Now(), nil)
	_, invite = e.admin.Invite(ctx, admin.Operator("cli:test"), e.app.TenantID, email, "", "", 0)
	apiCode, apiBody = e.enableUser("api"+sfx, email)
	return
}

// TestPreHijackThroughEnablement: someone holding any enablement link
// registers under another person's email. Enrolments, imports, invites
// and enableUser calls that later name that email give them nothing; the
// mail that would verify it goes to the address's owner, and works only
// for the registrant signed in, so neither side alone can verify it. A
// real registrant who confirms the mailed link is then given what names
// their email.
func TestPreHijackThroughEnablement(t *testing.T) {
	e, base := servedWith(t, func(d *portal.Deps) { d.Mail = true })
	postCode := func(tab *softkey.Client, path string, values url.Values) int {
		code, _ := postTo(t, tab, path, values)
		return code
	}
	mailer := newPostman(t, e, base)
	ctx := context.Background()

	mallory, claimed := e.selfRegister(base, "mallory.wiki", "victim@acme.test")
	if claimed.EmailVerified() {
		t.Fatal("a self-registered member is verified")
	}
	to, link := mailer.verification()
	if !strings.Contains(to, "victim@acme.test") {
		t.Fatalf("the verification went to %q, not to the address claimed", to)
	}

	enroll, imp, invite, apiCode, apiBody := e.bindings("victim@acme.test", ".victim")
	for what, err := range map[string]error{"account enroll --owner": enroll, "import": imp, "member invite": invite} {
		if !errors.Is(err, admin.ErrEmailUnverified) || !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s naming the claimed email: %v, want ErrEmailUnverified", what, err)
		}
	}
	if apiCode != http.StatusConflict || apiBody["error"] != "member_unverified" {
		t.Errorf("enableUser naming the claimed email: %d %v", apiCode, apiBody)
	}
	for _, name := range []string{"enrolled.victim", "imported.victim", "api.victim"} {
		if _, err := e.store.Account(ctx, e.app.ID, name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("account %s exists after a refused binding: %v", name, err)
		}
	}
	// Nor through the portal: an owner's invite is refused.
	owner, err := e.admin.CreateMember(ctx, "cli:test", admin.NewMember{TenantID: e.app.TenantID, Email: "olivia@acme.test", Role: store.RoleOwner})
	if err != nil {
		t.Fatal(err)
	}
	olivia, _ := e.setupMember(base, owner)
	if code := postCode(olivia, "/admin/members/invite", url.Values{"email": {"victim@acme.test"}}); code != http.StatusBadRequest {
		t.Errorf("portal invite naming the claimed email: %d", code)
	}
	if invs := e.invitesOf(claimed); invs != 0 {
		t.Errorf("%d invites were made for the claimed member", invs)
	}

	// Mallory cannot verify without the mail: a made-up link, a second
	// mail within ten minutes, nothing.
	if code := postCode(mallory, "/verify-email", url.Values{"t": {"bm90IGEgdG9rZW4"}}); code != http.StatusBadRequest {
		t.Errorf("made-up link: %d", code)
	}
	postCode(mallory, "/settings/verify-email", url.Values{})
	if n := mailer.deliver(); n != 0 {
		t.Errorf("a second verification mail went out at once (%d)", n)
	}
	// The mailbox's owner cannot verify Mallory's registration without
	// Mallory's session: not signed in, nor signed in as someone else.
	victim, _ := browser(t, base)
	if code, body := page(t, victim, link); code != http.StatusOK || strings.Contains(body, `id="verify"`) {
		t.Errorf("the link without a session: %d, offers to confirm: %v", code, strings.Contains(body, `id="verify"`))
	}
	u, _ := url.Parse(link)
	postCode(victim, "/verify-email", url.Values{"t": {u.Query().Get("t")}})
	if code, _ := page(t, olivia, link); code != http.StatusForbidden {
		t.Errorf("the link signed in as another member: %d", code)
	}
	if code := postCode(olivia, "/verify-email", url.Values{"t": {u.Query().Get("t")}}); code != http.StatusForbidden {
		t.Errorf("confirming signed in as another member: %d", code)
	}
	if m, _ := e.store.Member(ctx, claimed.ID); m.EmailVerified() {
		t.Fatal("the claimed email got verified")
	}
	// Mallory has the one account she linked, and nothing else.
	if owned, _ := e.store.AccountsOfOwner(ctx, claimed.ID, 10); len(owned) != 1 || owned[0].Name != "mallory.wiki" {
		t.Fatalf("the claimed member owns %+v", owned)
	}

	// A real registrant confirms the mailed link in her signed-in tab;
	// then what names her email is hers.
	carol, reg := e.selfRegister(base, "carol.wiki", "carol@acme.test")
	_, link = mailer.verification()
	if code, body := page(t, carol, link); code != http.StatusOK || !strings.Contains(body, `id="verify"`) {
		t.Fatalf("confirmation page: %d", code)
	}
	u, _ = url.Parse(link)
	if code, body := postTo(t, carol, "/verify-email", url.Values{"t": {u.Query().Get("t")}}); code != http.StatusOK || strings.Contains(body, `id="email-unconfirmed"`) {
		t.Fatalf("confirming: %d", code)
	}
	if m, _ := e.store.Member(ctx, reg.ID); !m.EmailVerified() {
		t.Fatal("the confirmed email is not verified")
	}
	if code := postCode(carol, "/verify-email", url.Values{"t": {u.Query().Get("t")}}); code != http.StatusConflict {
		t.Errorf("the link a second time: %d", code)
	}
	enroll, imp, invite, apiCode, apiBody = e.bindings("carol@acme.test", ".carol")
	if enroll != nil || imp != nil || invite != nil || apiCode != http.StatusOK {
		t.Fatalf("binding to a verified member: enrol %v, import %v, invite %v, enableUser %d %v", enroll, imp, invite, apiCode, apiBody)
	}
	for _, name := range []string{"carol.wiki", "enrolled.carol", "imported.carol", "api.carol"} {
		if a := e.account(name); a.OwnerID != reg.ID {
			t.Errorf("account %s is not carol's: %+v", name, a)
		}
	}
}

// invitesOf counts the audit log's invites for m.
func (e *env) invitesOf(m store.Member) int {
	e.t.Helper()
	recs, err := e.store.AuditRecords(context.Background(), m.TenantID, 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Action == "member.invited" && r.Target == "member:"+m.ID {
			n++
		}
	}
	return n
}

// TestSelfRegistrationWithoutMail: on a server that sends no email, the
// enablement page says that registering protects the one account only;
// the registrant gets that account, no mail is queued, the Notifications
// page says the address cannot be confirmed, and nothing binds by email.
func TestSelfRegistrationWithoutMail(t *testing.T) {
	e, base := served(t)
	ctx := context.Background()
	tab, _ := browser(t, base)
	if code, body := page(t, tab, "/enable?auth-token="+e.mintFor("dora.wiki")); code != http.StatusOK ||
		!strings.Contains(body, `id="register-no-mail"`) || strings.Contains(body, `id="register-email-note"`) {
		t.Fatalf("enablement page without mail: %d", code)
	}
	tab, m := e.selfRegister(base, "dora.wiki", "dora@acme.test")
	if m.EmailVerified() {
		t.Fatal("verified without a mail")
	}
	if msgs, _ := e.store.OutboxOfTenant(ctx, e.app.TenantID, 10); len(msgs) != 0 {
		t.Fatalf("mail queued on a server without mail: %+v", msgs)
	}
	code, body := page(t, tab, "/settings")
	if code != http.StatusOK || !strings.Contains(body, `id="email-unconfirmed"`) || strings.Contains(body, `id="send-verify"`) {
		t.Fatalf("settings page: %d", code)
	}
	if code, _ := postTo(t, tab, "/settings/verify-email", url.Values{}); code != http.StatusBadRequest {
		t.Fatalf("asking for a link without mail: %d", code)
	}
	if _, err := e.access.Enroll(ctx, "cli:test", e.app, "dora.mail", "dora@acme.test"); !errors.Is(err, admin.ErrEmailUnverified) {
		t.Fatalf("enrolling for the unverified member: %v", err)
	}
}

// TestNotificationSettingsWithoutMail: with no SMTP configured the page
// does not offer email as on, says it is not set up, and saving leaves
// the member's email choice as it was.
func TestNotificationSettingsWithoutMail(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	r := e.do("GET", "/settings", nil, cookie)
	if r.code != http.StatusOK || strings.Contains(r.body, `id="channel-email" checked`) || !strings.Contains(r.body, `id="channel-email" disabled`) {
		t.Fatalf("settings without mail: %d, email offered as on", r.code)
	}
	if r := e.do("POST", "/settings", url.Values{"email": {"1"}}, cookie); r.code != http.StatusSeeOther {
		t.Fatalf("save: %d", r.code)
	}
	m, _ := e.store.Member(t.Context(), e.alice.ID)
	if len(m.Channels) != 1 || m.Channels[0] != store.ChannelEmail {
		t.Fatalf("channels after saving without mail: %#v, want the default kept", m.Channels)
	}
}
