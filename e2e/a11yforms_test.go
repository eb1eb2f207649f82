package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/slack-go/slack/slacktest"
)

// The accessibility test's "forms" state: the forms the portal shows only
// when Slack, approvals and break-glass marks are set up.
// TestPortalAccessibilityForms sets them up, with a Slack app (slacktest,
// below), and sweeps the pages of the table marked forms: the Slack card
// of the settings page (the Link button, then waiting for the
// confirmation, with Unlink),
// extend, break-glass and revoke on the accounts pages, the approvals
// inbox with plain and signed requests, an operation request and open
// grants, the sign page, and the break-glass admin page with marks and
// offline codes, and the answer that shows a new file of codes once.

// a11ySlack starts slacktest's server answering what linking asks:
// users.lookupByEmail finds the owner, and the confirmation message is
// posted. It returns the server's environment for `deadbolt serve`.
func a11ySlack(t *testing.T) []string {
	t.Helper()
	answer := func(method string, v func(r *http.Request) any) slacktest.Binder {
		return func(c slacktest.Customize) {
			c.Handle("/"+method, func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(v(r))
			})
		}
	}
	s := slacktest.NewTestServer(
		answer("users.lookupByEmail", func(r *http.Request) any {
			if r.Form.Get("email") != "owner@acme.test" {
				return map[string]any{"ok": false, "error": "users_not_found"}
			}
			return map[string]any{"ok": true, "user": map[string]any{"id": "U0WNER", "team_id": "T1", "name": "owner",
				"profile": map[string]any{"email": "owner@acme.test"}}}
		}),
		answer("chat.postMessage", func(r *http.Request) any {
			return map[string]any{"ok": true, "channel": "D" + r.Form.Get("channel"), "ts": "1700000000.000100"}
		}),
	)
	s.Start()
	t.Cleanup(s.Stop)
	return []string{"DEADBOLT_SLACK_BOT_TOKEN=xoxb-a11y", "DEADBOLT_SLACK_SIGNING_SECRET=a11y-signing-secret",
		"DEADBOLT_SLACK_API_URL=" + s.GetAPIURL(), "DEADBOLT_WEBHOOKS_ALLOW_PRIVATE=true"}
}

// TestPortalAccessibilityForms checks, as TestPortalAccessibility does
// (axe, the keyboard walk, distinct button names, the header at each
// width), the pages of the table marked forms once Slack, approvals and
// break-glass are set up, and the answer that shows a new file of
// offline codes.
func TestPortalAccessibilityForms(t *testing.T) {
	chromium(t)
	axe := axeScript(t)
	fx, owner := newA11yFixture(t)
	in, public := fx.in, fx.public
	app := in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", issuer, "--json").json(t)
	fx.appID = app["id"].(string)
	fx.key = in.ok("key", "create", "--app", issuer, "--json").json(t)["secret"].(string)
	in.ok("app", "set", "--app", issuer, "--default-unlock", "10m", "--max-unlock", "2h")
	for _, acct := range []string{"alice", "bob"} {
		in.ok("account", "enroll", "--app", issuer, "--account", acct, "--owner", "owner@acme.test")
	}
	in.ok("account", "unlock", "--app", issuer, "--account", "alice", "--for", "1h")
	in.ok("group", "create", "--tenant", "acme", "finance")
	// Two members ask ahead of time for their own accounts: rita under a
	// policy that says sign, quinn under one that does not; the owner
	// approves both.
	for _, p := range []struct{ name, member, account string }{
		{"Treasury", "rita@acme.test", "frank"}, {"Operations", "quinn@acme.test", "gina"}} {
		in.ok("member", "invite", "--tenant", "acme", "--email", p.member, "--public-url", public)
		args := []string{"policy", "create", "--tenant", "acme", "--name", p.name, "--type", "approval", "--approvals", "1",
			"--approver", "owner@acme.test", "--max-duration", "2h"}
		if p.name == "Treasury" {
			args = append(args, "--sign")
		}
		in.ok(args...)
		in.ok("policy", "assign", "--tenant", "acme", p.name, "--member", p.member)
		in.ok("account", "enroll", "--app", issuer, "--account", p.account, "--owner", p.member)
		id := in.ok("request", "create", "--app", issuer, "--account", p.account, "--as", p.member, "--reason", "quarter close",
			"--for", "1h", "--json").json(t)["id"].(string)
		if p.name == "Treasury" {
			fx.signPath = "/approvals/" + id + "/sign"
		}
	}
	// bob (locked) is marked break-glass, and so is a group; bob has
	// offline codes.
	in.ok("breakglass", "mark", "--tenant", "acme", "--app", issuer, "--account", "bob", "--max", "30m")
	in.ok("breakglass", "mark", "--tenant", "acme", "--group", "finance")
	in.ok("breakglass", "issue", "--app", issuer, "--account", "bob", "--count", "2", "--out", filepath.Join(t.TempDir(), "bob.codes"))
	in.ok("template", "create", "--tenant", "acme", "--key", "PURCHASE_APPROVAL", "--title", "Purchase",
		"--text", "Buy ${item} for ${amount}", "--approver", "owner@acme.test")
	in.env = append(in.env, a11ySlack(t)...)
	in.start("--public-url", public)
	// An approval request for an operation, from the application.
	tok := strings.TrimSpace(in.ok("token", "mint", "--issuer", issuer, "--key", fx.key, "--account", "carol", "--aud", public).stdout)
	if code, body := in.post("/nl3/api/v1/approvalRequest", tok,
		`{"templateId":"PURCHASE_APPROVAL","metaData":{"item":"a <b>laptop</b>","amount":"1200 EUR"}}`); code != 200 {
		t.Fatalf("approvalRequest: %d %v", code, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	b := newBrowser(t, ctx)
	tab := b.ctx
	out := b.tab(b.ctx, chromedp.WithNewBrowserContext())
	b.do(tab, "owner's setup link", chromedp.Navigate(owner), chromedp.WaitVisible(chromedp.ID("create")))
	b.do(tab, "create passkey", chromedp.Click(chromedp.ID("create")), chromedp.WaitVisible(chromedp.ID("live")))
	a := &auditor{t: t, b: b, fx: fx, axe: axe, tab: tab, out: out}
	// The Slack card offers to link (checked here, at 1280 px), then the
	// owner links: settings waits for the confirmation, with Unlink
	// (checked by the sweep).
	b.do(tab, "settings with Slack", chromedp.Navigate(public+"/settings"), chromedp.WaitVisible(chromedp.ID("slack-link")),
		chromedp.Poll[chromedp.Void](`!document.getElementById("slack-link").disabled`))
	a.checkAxe(tab, "settings, Slack not linked, 1280 px")
	a.distinctButtons(tab, "settings, Slack not linked, 1280 px")
	a.keyboardWalk(tab, "settings, Slack not linked, 1280 px")
	b.do(tab, "link Slack", leavePage(chromedp.ID("slack-link")), chromedp.WaitVisible(chromedp.ID("slack-unlink")))
	// The forms show.
	for path, ids := range map[string][]string{
		"/":                                     {"extend-", "glass-", "lock-"},
		"/approvals":                            {"approve-", "deny-", "sign-", "approve-op-", "deny-op-", "revoke-"},
		"/admin/break-glass":                    {"bg-unlock", "bg-mark-account", "bg-mark-group", "bg-issue", "unmark-", "codes"},
		"/admin/apps/" + fx.appID + "/accounts": {"revoke-"},
	} {
		for _, id := range ids {
			a.b.do(tab, path+" shows #"+id, chromedp.Navigate(public+path), chromedp.WaitVisible(chromedp.CSS("main h1")),
				chromedp.Poll[chromedp.Void](`document.querySelector('[id^="`+id+`"]') !== null`))
		}
	}
	a.sweep("forms")
	// At a phone's width nothing is wider than the screen (WCAG 1.4.10).
	a.b.do(tab, "viewport", chromedp.EmulateViewport(390, 844))
	for _, p := range portalPages {
		if p.forms {
			a.b.do(tab, "open "+p.name, chromedp.Navigate(public+p.path(fx)), chromedp.WaitVisible(chromedp.CSS("main h1")))
			a.reflows(tab, p.name+", forms, 390 px")
		}
	}

	// A new issue's file is shown once, in the answer to the form.
	for _, w := range a11yWidths {
		where := fmt.Sprintf("admin-break-glass issued, forms, %d px", w.w)
		a.b.do(tab, "issue codes", chromedp.EmulateViewport(w.w, w.h), chromedp.Navigate(public+"/admin/break-glass"),
			chromedp.SetValue(chromedp.ID("bg-issue-account"), "bob"), leavePage(chromedp.ID("bg-issue-submit")),
			chromedp.WaitVisible(chromedp.ID("codes-file")))
		a.checkAxe(tab, where)
		a.distinctButtons(tab, where)
		a.layout(tab, where, w.w)
		a.reflows(tab, where)
		a.b.shot(tab, fmt.Sprintf("a11y-forms-admin-break-glass-issued-%d", w.w))
		a.keyboardWalk(tab, where)
	}
}

// reflows fails when the page is wider than the window: at 390 px, a
// person must not scroll sideways to read it.
func (a *auditor) reflows(ctx context.Context, where string) {
	a.t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		a.t.Fatalf("%s: widths: %v", where, err)
	}
	if got[0] > got[1] {
		a.t.Errorf("%s: the page is %.0f px wide in a %.0f px window", where, got[0], got[1])
	}
}
