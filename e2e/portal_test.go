package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/deadbolt-dev/deadbolt/internal/mail/smtptest"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// The portal tests drive real headless Chromium (Debian's chromium) with a
// WebAuthn virtual authenticator against a real `deadbolt serve`. Under
// CI=true they must run; elsewhere they skip when Chromium is missing.
// Screenshots of every page land in e2e/artifacts/.

// chromium finds the browser.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is not installed, and under CI=true the browser tests must run (apt-get install chromium)")
	}
	t.Skip("Chromium is not installed (apt-get install chromium); skipping the browser tests")
	return ""
}

// browser is one headless Chromium with a virtual passkey authenticator.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func newBrowser(t *testing.T, ctx context.Context) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	b := &browser{t: t, shots: artifactsDir(t)}
	b.ctx = b.tab(alloc)
	return b
}

// tab opens a tab with its own virtual authenticator; with a parent tab and
// chromedp.WithNewBrowserContext, in a fresh browser context (its own
// cookies): a second person on a second device.
func (b *browser) tab(parent context.Context, opts ...chromedp.ContextOption) context.Context {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(parent, opts...)
	b.t.Cleanup(cancel)
	b.authenticator(ctx)
	return ctx
}

// authenticator gives the target of ctx (a tab, or a cross-site iframe,
// which Chrome runs as a target of its own) a virtual passkey
// authenticator that verifies the user, and returns its ID.
func (b *browser) authenticator(ctx context.Context) webauthn.AuthenticatorID {
	b.t.Helper()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		b.t.Fatalf("WebAuthn.enable: %v", err)
	}
	auth, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		b.t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return auth.AuthenticatorID
}

func artifactsDir(t *testing.T) string {
	dir, err := filepath.Abs("artifacts")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// do runs steps in ctx, failing the test with what step failed.
func (b *browser) do(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		b.shot(ctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v\n(at %s)\npage text: %s", what, err, loc, body)
	}
}

// leavePage clicks sel, which submits a form or follows a link, and waits
// until the next page has loaded, so later steps never find a node of the
// page being replaced ("No node with given id found").
func leavePage[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`window.__leaving = true`)(ctx, t)
			return err
		}),
		chromedp.Click(sel),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			// Evaluating while the old page goes away fails; keep asking.
			for {
				loaded, err := chromedp.Evaluate[bool](`window.__leaving !== true && document.readyState === "complete"`)(ctx, t)
				if err == nil && loaded {
					return nil
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("the next page did not load: %w", ctx.Err())
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
	)
}

// shot saves a full-page screenshot as artifacts/portal-NAME.png.
func (b *browser) shot(ctx context.Context, name string) {
	b.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	// Quality 100 is a PNG.
	path := filepath.Join(b.shots, "portal-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

func (b *browser) text(ctx context.Context, sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) location(ctx context.Context) string {
	b.t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

// portalInst starts `deadbolt serve` whose public URL is on localhost (a
// passkey needs a domain name), with tenant acme, an application and its
// key; it returns the key.
func portalInst(t *testing.T) (*inst, string, string) {
	in := newInst(t)
	in.addr = freeAddr(t)
	_, port, _ := net.SplitHostPort(in.addr)
	in.url = "http://" + in.addr
	public := "http://localhost:" + port
	key := in.setup(issuer)
	return in, key, public
}

// decision is the answer `deadbolt check --json` printed first (a locked
// check prints the error object after it).
func decision(t *testing.T, r result) map[string]any {
	t.Helper()
	first, _, _ := strings.Cut(r.stdout, "\n")
	return result{stdout: first}.json(t)
}

var linkRE = regexp.MustCompile(`http://localhost:\d+/setup\?t=[A-Za-z0-9_-]+`)

func TestPortalBrowser(t *testing.T) {
	chromium(t)
	in, key, public := portalInst(t)
	in.ok("app", "set", "--app", issuer, "--default-unlock", "10m", "--max-unlock", "2h")
	inv := in.ok("member", "invite", "--tenant", "acme", "--email", "owner@acme.test", "--role", "owner", "--public-url", public, "--json").json(t)
	if inv["role"] != "owner" {
		t.Fatalf("invite: %v", inv)
	}
	link, _ := inv["link"].(string)
	if !linkRE.MatchString(link) {
		t.Fatalf("invite link %q", link)
	}
	// An owner who cannot sign in yet, with two protected accounts.
	in.ok("account", "enroll", "--app", issuer, "--account", "alice", "--owner", "owner@acme.test")
	in.ok("account", "enroll", "--app", issuer, "--account", "alice-admin", "--owner", "owner@acme.test")
	// Notification mail goes to a real SMTP socket.
	mail := smtptest.New(t, smtptest.Options{})
	t.Setenv("DEADBOLT_SMTP_ADDR", mail.Addr)
	t.Setenv("DEADBOLT_SMTP_FROM", "deadbolt <deadbolt@acme.test>")
	t.Setenv("DEADBOLT_SMTP_TLS", "none")
	// The webhook receiver of testWebhookUI listens on loopback.
	in.start("--public-url", public, "--allow-private-webhooks")
	// Before anyone can sign in, a locked check answers plain "locked":
	// nobody could approve a request.
	checkArgs := []string{"check", "--url", public, "--issuer", issuer, "--key", key, "--account", "alice", "--json"}
	if r := in.run(checkArgs...); r.code != 1 || decision(t, r)["status"] != "locked" {
		t.Fatalf("check before the owner has a passkey: %d %s", r.code, r.stdout)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second)
	defer cancel()
	b := newBrowser(t, ctx)
	tab := b.ctx

	// Setup link → passkey registration → signed in.
	b.do(tab, "open setup link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("create")))
	b.shot(tab, "setup")
	b.do(tab, "create passkey",
		chromedp.SetValue(chromedp.ID("name"), "Test laptop"),
		chromedp.Click(chromedp.ID("create")),
		chromedp.WaitVisible(chromedp.ID("live")))
	if loc := b.location(tab); loc != public+"/" {
		t.Fatalf("after setup at %s", loc)
	}
	// The link worked once.
	if r, err := http.Get(link); err != nil || r.StatusCode != http.StatusNotFound {
		t.Fatalf("setup link reused: %v %v", r.StatusCode, err)
	}

	// Sign out and back in with the passkey.
	b.do(tab, "sign out", chromedp.Click(chromedp.CSS("form[action='/signout'] button")), chromedp.WaitVisible(chromedp.ID("signin")))
	b.shot(tab, "signin")
	b.do(tab, "sign in", chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("live")))
	b.do(tab, "wait for live stream", chromedp.WaitReady(chromedp.CSS("body[data-live=on]")))
	b.shot(tab, "home")

	// A sign-in attempt at the application raises a request that appears
	// live, without reloading the page.
	checkArgs = append(checkArgs, "--ip", "203.0.113.7", "--device", "Firefox on Linux", "--location", "Madrid, ES")
	if r := in.run(checkArgs...); r.code != 1 || decision(t, r)["status"] != "pending_approval" ||
		!strings.Contains(decision(t, r)["message"].(string), "Approve the sign-in request") {
		t.Fatalf("check with an owner who can approve: %d %s", r.code, r.stdout)
	}
	b.do(tab, "request appears live", chromedp.WaitVisible(chromedp.CSS("[data-action=approve-once]")))
	if got := b.text(tab, ".request"); !strings.Contains(got, "203.0.113.7") || !strings.Contains(got, "Madrid, ES") || !strings.Contains(got, "alice") {
		t.Fatalf("request card: %q", got)
	}
	b.shot(tab, "request")
	// The owner got mail about it: context, a link to the portal, no way to
	// approve from the mail itself.
	sent := mail.Wait(t)
	msg := "RCPT " + sent.To + "\n" + sent.Data
	for _, want := range []string{"owner@acme.test", "Subject: Sign-in request: alice at Wiki", "203.0.113.7", "Madrid, ES", public + "/", "multipart/alternative"} {
		if !strings.Contains(msg, want) {
			t.Errorf("notification mail lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "/approve") {
		t.Errorf("notification mail carries an approve link:\n%s", msg)
	}

	// Approve this sign-in only: the next check passes, the one after is
	// locked and asks again.
	b.do(tab, "approve once", leavePage(chromedp.CSS("[data-action=approve-once]")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if r := in.run(checkArgs...); r.code != 0 {
		t.Fatalf("check after approving once: %d %s", r.code, r.stdout)
	}
	if r := in.run(checkArgs...); r.code != 1 || decision(t, r)["status"] != "pending_approval" {
		t.Fatalf("second check after approving once: %d %s", r.code, r.stdout)
	}

	// The new request arrives live too; approve it for the default time.
	b.do(tab, "second request appears live", chromedp.WaitVisible(chromedp.CSS("[data-action=approve]")))
	b.do(tab, "approve", leavePage(chromedp.CSS("[data-action=approve]")), chromedp.WaitVisible(chromedp.CSS("li.account.open")))
	for range 2 {
		if r := in.run(checkArgs...); r.code != 0 {
			t.Fatalf("check after approving: %d %s", r.code, r.stdout)
		}
	}
	if got := b.text(tab, "li.account.open"); !strings.Contains(got, "locks again in") {
		t.Fatalf("open account shows no countdown: %q", got)
	}
	b.shot(tab, "approved")

	// Lock now, then unlock for a custom time from the page.
	b.do(tab, "lock now", leavePage(chromedp.CSS("li.account.open [data-action=lock]")), chromedp.WaitNotPresent(chromedp.CSS("li.account.open")))
	b.do(tab, "unlock 45m",
		chromedp.SetValue(chromedp.CSS("li[data-account=alice-admin] input[name=custom]"), "45m"),
		leavePage(chromedp.CSS("li[data-account=alice-admin] [data-action=unlock]")),
		chromedp.WaitVisible(chromedp.CSS("li[data-account=alice-admin].open")))
	st := in.ok("account", "status", "--app", issuer, "--account", "alice-admin", "--json").json(t)
	until, _ := time.Parse(time.RFC3339, fmt.Sprint(st["until"]))
	if st["locked"] != false || until.Sub(time.Now()) < 40*time.Minute || until.Sub(time.Now()) > 46*time.Minute {
		t.Fatalf("after unlocking for 45m: %v", st)
	}
	// Longer than the application allows is refused with a clear page.
	b.do(tab, "unlock too long",
		chromedp.SetValue(chromedp.CSS("li[data-account=alice] input[name=custom]"), "3h"),
		leavePage(chromedp.CSS("li[data-account=alice] [data-action=unlock]")),
		chromedp.WaitVisible(chromedp.CSS("body[data-page=error] h1")))
	if h := b.text(tab, "h1"); h != "Too long" {
		t.Fatalf("unlock beyond the maximum: page %q", h)
	}
	b.do(tab, "back home", chromedp.Navigate(public+"/"), chromedp.WaitVisible(chromedp.ID("live")))

	// Lock everything: even the open account locks, and checks say so.
	b.do(tab, "lock everything", leavePage(chromedp.ID("lock-everything")), chromedp.WaitVisible(chromedp.ID("lift-everything")))
	b.shot(tab, "lock-everything")
	r := in.run("check", "--url", public, "--issuer", issuer, "--key", key, "--account", "alice-admin", "--json")
	if r.code != 1 || decision(t, r)["status"] != "lockdown" {
		t.Fatalf("check after lock everything: %d %s", r.code, r.stdout)
	}
	b.do(tab, "lift", leavePage(chromedp.ID("lift-everything")), chromedp.WaitVisible(chromedp.ID("lock-everything")))

	// The passkeys page; the only passkey cannot be removed.
	b.do(tab, "passkeys page", chromedp.Navigate(public+"/passkeys"), chromedp.WaitVisible(chromedp.ID("add")))
	if got := b.text(tab, "table.list"); !strings.Contains(got, "Test laptop") || !strings.Contains(got, "Your only passkey") {
		t.Fatalf("passkeys page: %q", got)
	}
	b.shot(tab, "passkeys")
	b.do(tab, "notifications page", chromedp.Navigate(public+"/settings"), chromedp.WaitVisible(chromedp.ID("push-on")))
	b.shot(tab, "settings")

	// The same pages at phone width.
	b.do(tab, "phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(public+"/"),
		chromedp.WaitVisible(chromedp.ID("live")))
	b.shot(tab, "home-phone")
	b.do(tab, "desktop width", chromedp.EmulateViewport(1280, 900))

	// Admin pages: a new key's secret shown once, the activity chart.
	b.do(tab, "admin", chromedp.Navigate(public+"/admin"), chromedp.WaitVisible(chromedp.CSS("a[href^='/admin/apps/']")))
	b.shot(tab, "admin-apps")
	b.do(tab, "new key", chromedp.Click(chromedp.CSS("a[href^='/admin/apps/']")), chromedp.WaitVisible(chromedp.ID("create-key")),
		chromedp.Click(chromedp.ID("create-key")), chromedp.WaitVisible(chromedp.ID("new-secret")))
	b.shot(tab, "admin-key")
	newKey := b.text(tab, "#new-secret")
	if r := in.run("check", "--url", public, "--issuer", issuer, "--key", newKey, "--account", "alice", "--json"); r.code != 1 ||
		decision(t, r)["status"] == nil {
		t.Fatalf("check signed with the key made in the portal: %d %s", r.code, r.stdout)
	}
	b.do(tab, "activity", chromedp.Navigate(public+"/admin/activity"), chromedp.WaitVisible(chromedp.CSS(".chart svg")))
	b.shot(tab, "admin-activity")
	b.do(tab, "members", chromedp.Navigate(public+"/admin/members"), chromedp.WaitVisible(chromedp.ID("invite")))
	b.shot(tab, "admin-members")
	// Deliveries: the notification mail sent above, with its state.
	b.do(tab, "deliveries", chromedp.Navigate(public+"/admin/deliveries"), chromedp.WaitVisible(chromedp.ID("deliveries")))
	if got := b.text(tab, "#deliveries tr[data-channel=email][data-state=delivered]"); !strings.Contains(got, "owner@acme.test") ||
		!strings.Contains(got, "request.raised") || !strings.Contains(got, "delivered") {
		t.Fatalf("deliveries page, the mail's row: %q", got)
	}
	b.shot(tab, "admin-deliveries")
	testWebhookUI(t, in, b, public)
	testAdminAccountsUI(t, in, b, key, public)

	testEnablement(t, in, b, key, public)

	// serve printed a setup link at start (no owner could sign in then).
	if err := in.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if !strings.Contains(in.srvLog.String(), "No owner of tenant acme can sign in") || !linkRE.MatchString(in.srvLog.String()) {
		t.Errorf("serve printed no owner setup link:\n%s", in.srvLog)
	}

	testNoticeOutlivesServer(t, in, mail, key, public)
}

// testWebhookUI: an admin adds a webhook in the portal and sees its secret
// once; a real receiver checks the signature of the next account event
// with that secret; the admin deletes the webhook.
func testWebhookUI(t *testing.T, in *inst, b *browser, public string) {
	got := make(chan webhook.Event, 10)
	var secret atomic.Value
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s, _ := secret.Load().(string)
		if err := webhook.Verify(s, r.Header.Get(webhook.HeaderSignature), body, time.Now(), 0); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		ev, err := webhook.ParseEvent(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got <- ev
	}))
	defer receiver.Close()
	tab := b.ctx

	b.do(tab, "webhooks page", chromedp.Navigate(public+"/admin/webhooks"), chromedp.WaitVisible(chromedp.ID("create-webhook")))
	b.do(tab, "add webhook",
		chromedp.SetValue(chromedp.ID("webhook-url"), receiver.URL+"/deadbolt"),
		chromedp.Click(chromedp.CSS("input[name=events][value='account.locked']")),
		leavePage(chromedp.ID("create-webhook")),
		chromedp.WaitVisible(chromedp.ID("webhook-secret")))
	shown := b.text(tab, "#webhook-secret")
	if !strings.HasPrefix(shown, "whsec_") {
		t.Fatalf("webhook secret shown: %q", shown)
	}
	if n, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("#copy-webhook-secret[data-copy=webhook-secret]").length`)); err != nil || n != 1 {
		t.Fatalf("copy button: %d %v", n, err)
	}
	b.shot(tab, "admin-webhook-secret")
	secret.Store(shown)
	// Shown once: the page again lists the webhook, without its secret.
	b.do(tab, "webhooks page again", chromedp.Navigate(public+"/admin/webhooks"), chromedp.WaitVisible(chromedp.CSS("section.webhook")))
	if page := b.text(tab, "main"); strings.Contains(page, shown) || !strings.Contains(page, receiver.URL+"/deadbolt") {
		t.Fatalf("webhooks page after adding: %q", page)
	}
	hooks := in.ok("webhook", "list", "--tenant", "acme", "--json").json(t)["webhooks"].([]any)
	if len(hooks) != 1 || hooks[0].(map[string]any)["url"] != receiver.URL+"/deadbolt" {
		t.Fatalf("webhook list: %v", hooks)
	}

	// It asked for locks only: an unlock is not sent, the lock after it
	// is, signed with the secret shown.
	in.ok("account", "unlock", "--app", issuer, "--account", "alice-admin", "--for", "5m")
	in.ok("account", "lock", "--app", issuer, "--account", "alice-admin")
	select {
	case ev := <-got:
		if ev.Type != webhook.TypeAccountLocked || ev.Data.Account != "alice-admin" {
			t.Fatalf("webhook event: %+v", ev)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no signed webhook delivery arrived")
	}

	b.do(tab, "delete webhook", leavePage(chromedp.CSS("section.webhook form[action$='/delete'] button")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if n, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("section.webhook").length`)); err != nil || n != 0 {
		t.Fatalf("webhooks left after deleting: %d %v", n, err)
	}
	if hooks := in.ok("webhook", "list", "--tenant", "acme", "--json").json(t)["webhooks"].([]any); len(hooks) != 0 {
		t.Fatalf("webhook list after deleting in the portal: %v", hooks)
	}
}

// testNoticeOutlivesServer: while the SMTP server refuses, a new request's
// mail waits in the outbox with its attempts and error for admins to see;
// the server stops, starts again, and delivers it.
func testNoticeOutlivesServer(t *testing.T, in *inst, mail *smtptest.Server, key, public string) {
	for drained := false; !drained; { // mail of earlier requests
		select {
		case <-mail.Received():
		default:
			drained = true
		}
	}
	mail.FailNext(1 << 20)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice-ops", "--owner", "owner@acme.test")
	in.start("--public-url", public)
	check := in.run("check", "--url", public, "--issuer", issuer, "--key", key, "--account", "alice-ops", "--ip", "198.51.100.23", "--json")
	if check.code != 1 || decision(t, check)["status"] != "pending_approval" {
		t.Fatalf("check raising a new request: %d %s", check.code, check.stdout)
	}
	// newest is the latest delivery once it matches ok, within 20 s.
	newest := func(what string, ok func(d map[string]any) bool) map[string]any {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var out struct{ Deliveries []map[string]any }
			r := in.ok("delivery", "list", "--tenant", "acme", "--limit", "1", "--json")
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("delivery list: %v\n%s", err, r.stdout)
			}
			if len(out.Deliveries) == 1 && ok(out.Deliveries[0]) {
				return out.Deliveries[0]
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the latest delivery is %v", what, out.Deliveries)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	d := newest("the refused mail", func(d map[string]any) bool {
		return d["channel"] == "email" && d["state"] == "pending" && d["attempts"] == 1.0
	})
	if !strings.Contains(fmt.Sprint(d["last_error"]), "451") || d["to"] != "owner@acme.test" {
		t.Fatalf("the refused mail: %v", d)
	}
	if err := in.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	mail.FailNext(0)
	in.start("--public-url", public)
	// Other mails refused before the restart (a member's email
	// confirmation) are retried too, in no set order: skip them.
	var sent smtptest.Message
	for range 10 {
		if sent = mail.Wait(t); strings.Contains(sent.Data, "198.51.100.23") {
			break
		}
	}
	if !strings.Contains(sent.Data, "198.51.100.23") {
		t.Fatalf("no mail about the refused request after the restart; the last was:\n%s", sent.Data)
	}
	id := d["id"]
	newest("the mail after the restart", func(d map[string]any) bool {
		return d["id"] == id && d["state"] == "delivered" && d["attempts"] == 2.0
	})
	if err := in.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// testEnablement: an application sends a signed-in person, and then a new
// person on another device, to /enable; both come back to the application.
func testEnablement(t *testing.T, in *inst, b *browser, key, public string) {
	// The application, with a page to come back to.
	back := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<!doctype html><title>Wiki</title><h1 id=back>Back at the wiki</h1>")
	}))
	defer back.Close()
	in.ok("app", "set", "--app", issuer, "--origin", back.URL)
	mint := func(account string) string {
		return strings.TrimSpace(in.ok("token", "mint", "--issuer", issuer, "--key", key, "--account", account, "--aud", public).stdout)
	}
	enableURL := func(tok string) string {
		return public + "/enable?auth-token=" + tok + "&return_to=" + back.URL + "/settings"
	}
	tab := b.ctx

	// Signed in already: confirm, and come back to the application.
	tok := mint("owner.wiki")
	b.do(tab, "open enablement", chromedp.Navigate(enableURL(tok)), chromedp.WaitVisible(chromedp.ID("link")))
	b.shot(tab, "enable")
	b.do(tab, "link", chromedp.Click(chromedp.ID("link")), chromedp.WaitVisible(chromedp.ID("back")))
	if loc := b.location(tab); loc != back.URL+"/settings" {
		t.Fatalf("after linking at %s", loc)
	}
	st := in.ok("account", "status", "--app", issuer, "--account", "owner.wiki", "--json").json(t)
	if st["owner"] != "owner@acme.test" || st["locked"] != true {
		t.Fatalf("linked account: %v", st)
	}
	// The same token again: refused, nothing linked.
	b.do(tab, "replay", chromedp.Navigate(enableURL(tok)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := b.text(tab, "h1"); h != "This link was already used" {
		t.Fatalf("replayed token: page %q", h)
	}
	b.shot(tab, "enable-replayed")
	// A forged token (another key) and a foreign return address.
	forged := strings.TrimSpace(in.ok("token", "mint", "--issuer", issuer, "--key", "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
		"--account", "mallory", "--aud", public).stdout)
	b.do(tab, "forged", chromedp.Navigate(enableURL(forged)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := b.text(tab, "h1"); h != "This link is not valid" {
		t.Fatalf("forged token: page %q", h)
	}
	b.do(tab, "foreign return", chromedp.Navigate(public+"/enable?auth-token="+mint("x")+"&return_to=https://evil.example/"),
		chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := b.text(tab, "h1"); h != "Unknown return address" {
		t.Fatalf("foreign return address: page %q", h)
	}
	if r := in.run("account", "status", "--app", issuer, "--account", "mallory", "--json"); r.json(t)["status"] != "not_enrolled" {
		t.Fatalf("a forged token enrolled an account: %s", r.stdout)
	}

	// A new person on their own device registers a passkey while enabling.
	other := b.tab(b.ctx, chromedp.WithNewBrowserContext())
	b.do(other, "new person opens enablement", chromedp.Navigate(enableURL(mint("carol@acme.test"))), chromedp.WaitVisible(chromedp.ID("register")))
	if v, _ := chromedp.Run(other, chromedp.Value(chromedp.ID("email"))); v != "carol@acme.test" {
		t.Fatalf("email not suggested from the account name: %q", v)
	}
	b.shot(other, "enable-register")
	b.do(other, "register",
		chromedp.SetValue(chromedp.ID("pname"), "Carol"),
		chromedp.Click(chromedp.ID("register")),
		chromedp.WaitVisible(chromedp.ID("link")),
		chromedp.Click(chromedp.ID("link")),
		chromedp.WaitVisible(chromedp.ID("back")))
	st = in.ok("account", "status", "--app", issuer, "--account", "carol@acme.test", "--json").json(t)
	if st["owner"] != "carol@acme.test" {
		t.Fatalf("registered person's account: %v", st)
	}
	b.do(other, "carol's accounts", chromedp.Navigate(public+"/"), chromedp.WaitVisible(chromedp.CSS("li[data-account='carol@acme.test']")))
}

// testAdminAccountsUI: the admin home's setup checklist, an application's
// accounts page (search, enrol, unlock), a CSV import whose page follows
// its progress until it is done, and the danger zone's typed confirmation.
func testAdminAccountsUI(t *testing.T, in *inst, b *browser, key, public string) {
	tab := b.ctx
	b.do(tab, "admin home", chromedp.Navigate(public+"/admin"), chromedp.WaitVisible(chromedp.ID("setup")))
	if got := b.text(tab, "#setup li[data-step=check]"); !strings.Contains(got, "Done") {
		t.Fatalf("after lock checks, the checklist's last step: %q", got)
	}
	b.do(tab, "accounts page", leavePage(chromedp.CSS("a[href$='/accounts']")), chromedp.WaitVisible(chromedp.ID("accounts")))
	b.do(tab, "search", chromedp.SetValue(chromedp.ID("account-search"), "alice-"), leavePage(chromedp.CSS("form.search button")),
		chromedp.WaitVisible(chromedp.CSS("tr[data-account=alice-admin]")))
	if got := b.text(tab, "#accounts tbody"); !strings.Contains(got, "alice-admin") || !strings.Contains(got, "owner@acme.test") {
		t.Fatalf("search for alice-: %q", got)
	}
	b.do(tab, "enrol", chromedp.SetValue(chromedp.ID("enrol-account"), "dora"), chromedp.SetValue(chromedp.ID("enrol-owner"), "dora@acme.test"),
		leavePage(chromedp.ID("enrol")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	b.do(tab, "find dora", chromedp.SetValue(chromedp.ID("account-search"), "dora"), leavePage(chromedp.CSS("form.search button")),
		chromedp.WaitVisible(chromedp.CSS("tr[data-account=dora][data-state=locked]")))
	b.do(tab, "unlock dora", leavePage(chromedp.CSS("tr[data-account=dora] form.unlock button")),
		chromedp.WaitVisible(chromedp.CSS("tr[data-account=dora][data-state=open]")))
	if st := in.ok("account", "status", "--app", issuer, "--account", "dora", "--json").json(t); st["locked"] != false {
		t.Fatalf("dora after unlocking from the accounts page: %v", st)
	}
	b.shot(tab, "admin-accounts")

	// A CSV file with a bad row imports nothing and lists the row; with
	// "skip bad rows" the good ones are imported while the page follows.
	csv := filepath.Join(t.TempDir(), "accounts.csv")
	var rows strings.Builder
	rows.WriteString("account,owner,state\n")
	for i := range 5000 {
		fmt.Fprintf(&rows, "user%05d,,locked\n", i)
	}
	rows.WriteString("bad,not-an-email,locked\n")
	if err := os.WriteFile(csv, []byte(rows.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do(tab, "import with a bad row", chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{csv}),
		leavePage(chromedp.ID("import")), chromedp.WaitVisible(chromedp.ID("bad-rows")))
	if got := b.text(tab, "#bad-rows"); !strings.Contains(got, "5002") {
		t.Fatalf("bad rows listed: %q", got)
	}
	b.shot(tab, "admin-import-refused")
	b.do(tab, "import skipping bad rows", chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{csv}),
		chromedp.Click(chromedp.ID("skip-bad")), leavePage(chromedp.ID("import")),
		chromedp.WaitVisible(chromedp.CSS("#import-job[data-state=done]")))
	if got := b.text(tab, "#import-text"); !strings.Contains(got, "5000 enrolled") {
		t.Fatalf("import result: %q", got)
	}
	b.shot(tab, "admin-import")
	if st := in.ok("account", "status", "--app", issuer, "--account", "user04999", "--json").json(t); st["locked"] != true {
		t.Fatalf("an imported account: %v", st)
	}

	// The danger zone: a wrong name changes nothing; the right one locks
	// the application down; lifting it takes the name again.
	b.do(tab, "application page", chromedp.Navigate(public+"/admin/apps"), leavePage(chromedp.CSS("td[data-label=Application] a")),
		chromedp.WaitVisible(chromedp.ID("danger")))
	b.shot(tab, "admin-app")
	b.do(tab, "lock down unconfirmed", chromedp.SetValue(chromedp.ID("confirm-lockdown"), "Wrong"), leavePage(chromedp.ID("lockdown")),
		chromedp.WaitVisible(chromedp.CSS("body[data-page=error] h1")))
	if h := b.text(tab, "h1"); h != "Not confirmed" {
		t.Fatalf("lock down with the wrong name: %q", h)
	}
	if r := in.run("check", "--url", public, "--issuer", issuer, "--key", key, "--account", "dora", "--json"); decision(t, r)["status"] == "lockdown" {
		t.Fatal("an unconfirmed lock-down locked the application down")
	}
	b.do(tab, "back to the application", leavePage(chromedp.CSS("main a")), chromedp.WaitVisible(chromedp.ID("danger")))
	b.do(tab, "lock down", chromedp.SetValue(chromedp.ID("confirm-lockdown"), "Wiki"), leavePage(chromedp.ID("lockdown")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if r := in.run("check", "--url", public, "--issuer", issuer, "--key", key, "--account", "dora", "--json"); r.code != 1 || decision(t, r)["status"] != "lockdown" {
		t.Fatalf("check after the lock-down: %d %s", r.code, r.stdout)
	}
	b.do(tab, "lift the lock-down", chromedp.SetValue(chromedp.ID("confirm-lockdown"), "Wiki"), leavePage(chromedp.ID("lockdown")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if r := in.run("check", "--url", public, "--issuer", issuer, "--key", key, "--account", "dora", "--json"); r.code != 0 {
		t.Fatalf("check after lifting the lock-down: %d %s", r.code, r.stdout)
	}
}
