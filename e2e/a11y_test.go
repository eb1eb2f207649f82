package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/deadbolt-dev/deadbolt/internal/portal"
)

// The accessibility tests: axe-core (npm, installed into e2e/node_modules
// by scripts/test or `npm ci --prefix e2e`) checks every page of the portal
// table below, at 1280 and 390 px, with no data, with data and with a
// sign-in request showing; a keyboard walk tabs through each page and
// checks that every control is reached and shows a visible focus ring; no
// two buttons of a page share a name; the header stays compact at 390 px.

// a11yPage is one row of the table of portal pages.
type a11yPage struct {
	// pattern is the router's GET pattern the row checks (portal.Routes);
	// "" for pages no pattern names, like "not found".
	pattern string
	// skip says why the route is not checked as a page of its own.
	skip string
	// name names the screenshots and log lines.
	name string
	// signedOut visits the page without a session.
	signedOut bool
	// path is the address to visit in a state; "" when the state cannot
	// show the page (no application yet, say).
	path func(fx *a11yFixture) string
	// request marks pages that show sign-in requests: they are checked
	// again while one is showing.
	request bool
	// forms marks pages that show forms only when Slack, approvals or
	// break-glass are set up: they are checked again once they are
	// (TestPortalAccessibilityForms).
	forms bool
}

func at(path string) func(*a11yFixture) string { return func(*a11yFixture) string { return path } }

// portalPages is the table of portal pages. A GET route the portal serves
// that no row names fails TestPortalPageTable: add a row (with a path that
// shows the page in each state it can) when you add a page.
var portalPages = []a11yPage{
	{pattern: "/{$}", name: "home", path: at("/"), request: true, forms: true},
	{pattern: "/fragment/home", skip: "the live part of the accounts page; checked within /"},
	{pattern: "/events", skip: "the accounts page's event stream, not a page"},
	{pattern: "/signin", name: "signin", signedOut: true, path: at("/signin")},
	{pattern: "/setup", name: "setup", signedOut: true, path: func(fx *a11yFixture) string { return fx.setupLink }},
	{pattern: "/passkeys", name: "passkeys", path: at("/passkeys")},
	{pattern: "/settings", name: "settings", path: at("/settings"), forms: true},
	{pattern: "/admin", skip: "redirects to /admin/apps"},
	{pattern: "/admin/apps", name: "admin-apps", path: at("/admin/apps")},
	{pattern: "/admin/apps/{id}", name: "admin-app", path: func(fx *a11yFixture) string {
		if fx.appID == "" {
			return ""
		}
		return "/admin/apps/" + fx.appID
	}},
	{pattern: "/admin/apps/{id}/accounts", name: "admin-accounts", path: func(fx *a11yFixture) string {
		if fx.appID == "" {
			return ""
		}
		return "/admin/apps/" + fx.appID + "/accounts"
	}, forms: true},
	{pattern: "/admin/apps/{id}/imports/{job}", name: "admin-import", path: func(fx *a11yFixture) string { return fx.importPath }},
	{pattern: "/admin/members", name: "admin-members", path: at("/admin/members")},
	{pattern: "/admin/webhooks", name: "admin-webhooks", path: at("/admin/webhooks")},
	{pattern: "/admin/deliveries", name: "admin-deliveries", path: at("/admin/deliveries")},
	{pattern: "/admin/tokens", name: "admin-tokens", path: at("/admin/tokens")},
	{pattern: "/admin/oidc", name: "admin-oidc", path: at("/admin/oidc")},
	{pattern: "/admin/activity", name: "admin-activity", path: at("/admin/activity"), request: true},
	{pattern: "/admin/groups", name: "admin-groups", path: at("/admin/groups")},
	{pattern: "/admin/policies", name: "admin-policies", path: at("/admin/policies")},
	{pattern: "/admin/policies/new", name: "admin-policy-new-scheduled", path: at("/admin/policies/new?type=scheduled")},
	{pattern: "/admin/policies/new", name: "admin-policy-new-approval", path: at("/admin/policies/new?type=approval")},
	{pattern: "/admin/policies/{id}", name: "admin-policy", path: func(fx *a11yFixture) string { return fx.policyPath }},
	{pattern: "/admin/policies/explain", name: "admin-explain", path: func(fx *a11yFixture) string {
		if fx.appID == "" {
			return "/admin/policies/explain"
		}
		return "/admin/policies/explain?account=alice&ip=10.20.1.2&app=" + fx.appID
	}},
	{pattern: "/admin/groups/{id}", name: "admin-group", path: func(fx *a11yFixture) string { return fx.groupPath }},
	{pattern: "/admin/templates", name: "admin-templates", path: at("/admin/templates")},
	{pattern: "/admin/reports/exposure", name: "admin-exposure", path: at("/admin/reports/exposure")},
	{pattern: "/admin/audit", name: "admin-audit", path: at("/admin/audit")},
	{pattern: "/admin/audit/export", skip: "a JSONL or CSV download, not a page"},
	{pattern: "/admin/audit/{seq}", name: "admin-audit-record", path: at("/admin/audit/1")},
	{pattern: "/admin/break-glass", name: "admin-break-glass", path: at("/admin/break-glass"), forms: true},
	// A real link comes only by mail to a member who registered through
	// enablement; this row checks the page a bad or expired link shows.
	{pattern: "/verify-email", name: "verify-email-bad-link", path: at("/verify-email?t=not-a-valid-link")},
	{pattern: "/enable", skip: "checks the application's token, then redirects to /enable/continue"},
	{pattern: "/enable/continue", name: "enable", path: (*a11yFixture).enableLink},
	{pattern: "/enable/continue", name: "enable-signed-out", signedOut: true, path: (*a11yFixture).enableLink},
	// The step-up page of the OpenID provider, as a relying party's
	// authorization request opens it (signed out: it reads no session).
	{pattern: "/stepup", name: "stepup", signedOut: true, path: (*a11yFixture).stepUpLink},
	// The locked-account step needs a verified passkey step first (a
	// software passkey in TestOIDCStepUp); this row checks the page an
	// ended or unknown step shows.
	{pattern: "/stepup/locked", name: "stepup-locked-ended", signedOut: true, path: at("/stepup/locked?id=none&k=none")},
	// Waiting for approvers needs a locked account under an approval
	// policy and a verified passkey step (TestOIDCStepUpApproval drives
	// it over HTTP); this row checks the page an ended step shows.
	{pattern: "/stepup/wait", name: "stepup-wait-ended", signedOut: true, path: at("/stepup/wait?id=none&k=none&r=none")},
	{pattern: "/stepup/wait/status", skip: "the JSON the wait page's script polls, not a page"},
	// The sign page of an access request shows once a request under a
	// policy that says sign waits for the owner (the forms state,
	// TestPortalAccessibilityForms). An approval request for an operation
	// (sign_and_approve) is asked for through the NL3 API once there is
	// data: the inbox shows it and its sign page is checked.
	{pattern: "/approvals", name: "approvals", path: at("/approvals"), forms: true},
	{pattern: "/approvals/{id}/sign", name: "approval-sign", path: func(fx *a11yFixture) string { return fx.signPath }, forms: true},
	{pattern: "/approvals/{id}/evidence", skip: "a JSON file download, not a page"},
	{pattern: "/approvals/ops/{id}/sign", name: "operation-sign", path: func(fx *a11yFixture) string { return fx.opSignPath }},
	{pattern: "/approvals/ops/{id}/evidence", skip: "a JSON file download, not a page"},
	{name: "not-found", path: at("/no-such-page")},
	{name: "not-found-signed-out", signedOut: true, path: at("/no-such-page")},
}

// TestPortalPageTable: every GET route of the portal's router has a row in
// the table of pages, so the accessibility tests check pages added later.
// It needs no browser.
func TestPortalPageTable(t *testing.T) {
	rows := map[string]bool{}
	for _, p := range portalPages {
		if p.pattern != "" {
			rows[p.pattern] = true
		}
		if p.skip == "" && (p.name == "" || p.path == nil) {
			t.Errorf("table row %q has no name or path", p.pattern)
		}
	}
	routes := portal.Routes()
	if len(routes) < 10 {
		t.Fatalf("portal.Routes() lists %d routes: %v", len(routes), routes)
	}
	for _, r := range routes {
		if !rows[r] {
			t.Errorf("the portal serves GET %s, but the table of pages in e2e/a11y_test.go has no row for it: "+
				"add one, so that axe and the keyboard walk check it", r)
		}
	}
	for p := range rows {
		if !slices.Contains(routes, p) {
			t.Errorf("the table of pages names %s, which the portal no longer serves", p)
		}
	}
}

// axeScript returns axe-core's source.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("DEADBOLT_AXE")
	if path == "" {
		path = filepath.Join("node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		msg := fmt.Sprintf("axe-core is not installed (%v): run `npm ci --prefix e2e` (scripts/test does)", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; under CI=true the accessibility tests must run")
		}
		t.Skip(msg)
	}
	return string(b)
}

// a11yFixture is the installation the accessibility test looks at.
type a11yFixture struct {
	in         *inst
	public     string
	appID      string // "" until there is an application
	key        string
	setupLink  string // a member's who has no passkey yet
	importPath string // a CSV import's progress page, once there is one
	clientID   string // an OpenID client's, once stepUpLink made one
	groupPath  string // a group's page, once there is one
	policyPath string // a scheduled policy's page, once there is one
	signPath   string // a request's sign page, once one waits for a signature
	opSignPath string // the sign page of an approval request for an operation, once there is one
}

// newA11yFixture makes an installation (not started) with tenant acme and
// its owner, owner@acme.test, invited: it returns the fixture and the
// owner's setup link.
func newA11yFixture(t *testing.T) (*a11yFixture, string) {
	t.Helper()
	in := newInst(t)
	in.addr = freeAddr(t)
	in.url = "http://" + in.addr
	public := "http://localhost:" + in.addr[strings.LastIndex(in.addr, ":")+1:]
	in.ok("tenant", "create", "acme")
	owner := in.ok("member", "invite", "--tenant", "acme", "--email", "owner@acme.test", "--role", "owner",
		"--public-url", public, "--json").json(t)["link"].(string)
	return &a11yFixture{in: in, public: public}, owner
}

// stepUpLink starts an authorization request of an OpenID client (made
// on first use) and returns the step-up page it opens.
func (fx *a11yFixture) stepUpLink() string {
	if fx.clientID == "" {
		fx.clientID = fx.in.ok("oidc", "client", "create", "--tenant", "acme", "--name", "a11y", "--public",
			"--redirect-uri", "http://127.0.0.1:9/cb", "--json").json(fx.in.t)["client_id"].(string)
	}
	q := url.Values{"client_id": {fx.clientID}, "redirect_uri": {"http://127.0.0.1:9/cb"}, "response_type": {"code"},
		"scope": {"openid"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	res, err := noFollow.Get(fx.public + "/oidc/authorize?" + q.Encode())
	if err != nil {
		fx.in.t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if !strings.Contains(loc, "/stepup?id=") {
		fx.in.t.Fatalf("authorize answered %d %q", res.StatusCode, loc)
	}
	return strings.TrimPrefix(loc, fx.public)
}

func (fx *a11yFixture) enableLink() string {
	if fx.key == "" {
		return ""
	}
	tok := strings.TrimSpace(fx.in.ok("token", "mint", "--issuer", issuer, "--key", fx.key, "--account", "dana",
		"--aud", fx.public).stdout)
	return "/enable?auth-token=" + tok
}

// a11yWidths are the viewport widths every page is checked at.
var a11yWidths = []struct {
	w, h int64
}{{1280, 900}, {390, 844}}

func TestPortalAccessibility(t *testing.T) {
	chromium(t)
	axe := axeScript(t)
	fx, owner := newA11yFixture(t)
	in, public := fx.in, fx.public
	fx.setupLink = strings.TrimPrefix(in.ok("member", "invite", "--tenant", "acme", "--email", "pat@acme.test", "--name", "Pat",
		"--public-url", public, "--json").json(t)["link"].(string), public)
	in.start("--public-url", public)

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	b := newBrowser(t, ctx)
	tab := b.ctx
	out := b.tab(b.ctx, chromedp.WithNewBrowserContext()) // nobody signed in
	b.do(tab, "owner's setup link", chromedp.Navigate(owner), chromedp.WaitVisible(chromedp.ID("create")))
	b.do(tab, "create passkey", chromedp.Click(chromedp.ID("create")), chromedp.WaitVisible(chromedp.ID("live")))

	a := &auditor{t: t, b: b, fx: fx, axe: axe, tab: tab, out: out}
	a.axeFindsContrast()
	a.sweep("empty")

	// With data: an application and its key, two accounts (one open), lock
	// checks, a webhook and its deliveries.
	app := in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", issuer, "--json").json(t)
	fx.appID = app["id"].(string)
	fx.key = in.ok("key", "create", "--app", issuer, "--json").json(t)["secret"].(string)
	in.ok("app", "set", "--app", issuer, "--default-unlock", "10m", "--max-unlock", "2h")
	in.ok("webhook", "create", "--tenant", "acme", "--url", "https://hooks.acme.test/deadbolt")
	for _, acct := range []string{"alice", "bob"} {
		in.ok("account", "enroll", "--app", issuer, "--account", acct, "--owner", "owner@acme.test")
	}
	in.ok("account", "unlock", "--app", issuer, "--account", "alice", "--for", "1h")
	// A group with a member, for the groups pages.
	fx.groupPath = "/admin/groups/" + in.ok("group", "create", "--tenant", "acme", "finance", "--json").json(t)["id"].(string)
	// Its member owns no account, so the policy below opens none of the
	// accounts the rest of the test checks.
	in.ok("group", "add", "--tenant", "acme", "--group", "finance", "--member", "pat@acme.test")
	// A scheduled policy assigned to the group, for the policy pages.
	fx.policyPath = "/admin/policies/" + in.ok("policy", "create", "--tenant", "acme", "--name", "Finance hours", "--type", "scheduled",
		"--action", "unlock", "--tz", "Europe/Lisbon", "--every", "weekdays", "--from", "08:00", "--to", "18:00", "--start", "2026-01-01",
		"--json").json(t)["id"].(string)
	in.ok("policy", "assign", "--tenant", "acme", "Finance hours", "--group", "finance")
	// An approval request for an operation the owner signs, for the
	// inbox and its sign page.
	in.ok("template", "create", "--tenant", "acme", "--key", "PAYMENT", "--title", "Payment", "--text", "Pay ${amount}",
		"--approver", "owner@acme.test", "--mode", "sign_and_approve")
	if code, ask := in.post("/nl3/api/v1/approvalRequest", mintFor(t, in, fx.key, "vendor-bot"),
		`{"templateId":"PAYMENT","metaData":{"amount":"120 EUR"}}`); code == 200 {
		fx.opSignPath = "/approvals/ops/" + ask["requestId"].(string) + "/sign"
	} else {
		t.Fatalf("approvalRequest: %d %v", code, ask)
	}
	for _, acct := range []string{"alice", "alice", "carol"} {
		if r := in.run("check", "--url", public, "--issuer", issuer, "--key", fx.key, "--account", acct, "--json"); r.code != 0 {
			t.Fatalf("check %s: %d %s %s", acct, r.code, r.stdout, r.stderr)
		}
	}
	// A CSV import, run in the browser, for its progress page.
	csv := filepath.Join(t.TempDir(), "accounts.csv")
	if err := os.WriteFile(csv, []byte("account\ndave\nerin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do(tab, "import accounts", chromedp.Navigate(public+"/admin/apps/"+fx.appID+"/accounts"),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{csv}), leavePage(chromedp.ID("import")))
	if loc := strings.TrimPrefix(b.location(tab), public); strings.Contains(loc, "/imports/") {
		fx.importPath = loc
	} else {
		t.Fatalf("after starting an import at %s", loc)
	}
	a.sweep("data")

	// A sign-in request arrives while a keyboard user is on bob's Unlock:
	// focus stays there, and the polite live region announces it.
	a.liveUpdateKeepsFocus()
	a.uniqueNames()
	a.sweep("request")
	a.failedSigninFocus()
	a.forcedColorsFocus()
}

// auditor runs the checks of the accessibility test.
type auditor struct {
	t        *testing.T
	b        *browser
	fx       *a11yFixture
	axe      string
	tab, out context.Context // signed in as the owner; signed out
	// lanes has the tabs a sweep uses at each width of a11yWidths, made
	// on the first sweep: at the first width tab and out, at each other a
	// pair of its own, the owner's (in the browser context of tab, so
	// signed in too) and one signed out (in that of out).
	lanes []*auditor
}

// sweep checks every page of the table that state can show (in state
// "request", the pages that show requests; in state "forms", those that
// show the forms of Slack, approvals and break-glass), at each width:
// axe, the keyboard walk, the header's height, and a screenshot.
//
// Each width is a subtest of its own, run in parallel with the other on
// a pair of tabs of its own: the checks of a page mostly wait for the
// browser, which can render the other width's page meanwhile. The
// addresses are found first, in the test's goroutine, as the CLI and the
// fixture are not for concurrent use.
func (a *auditor) sweep(state string) {
	t := a.t
	t.Helper()
	// The pages, and their addresses once per width: some are of one use
	// (a token, a step-up request), as when each view asked for its own.
	var pages []a11yPage
	for _, p := range portalPages {
		if p.skip == "" && (state != "request" || p.request) && (state != "forms" || p.forms) {
			pages = append(pages, p)
		}
	}
	paths := make([][]string, len(a11yWidths))
	for i := range a11yWidths {
		for _, p := range pages {
			paths[i] = append(paths[i], p.path(a.fx))
		}
	}
	if a.lanes == nil {
		a.lanes = []*auditor{a}
		for range a11yWidths[1:] {
			a.lanes = append(a.lanes, &auditor{t: t, b: a.b, fx: a.fx, axe: a.axe, tab: a.b.tab(a.tab), out: a.b.tab(a.out)})
		}
		// The windows are driven at once, and only one can have the
		// system's focus: each page behaves as in the focused window a
		// user types in.
		for _, l := range a.lanes {
			for _, ctx := range []context.Context{l.tab, l.out} {
				if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
					t.Fatalf("Emulation.setFocusEmulationEnabled: %v", err)
				}
			}
		}
	}
	t.Run(state, func(t *testing.T) {
		for i, w := range a11yWidths {
			lane := a.lanes[i]
			t.Run(fmt.Sprintf("%dpx", w.w), func(t *testing.T) {
				t.Parallel()
				l := *lane
				l.t, l.b = t, &browser{t: t, ctx: a.b.ctx, shots: a.b.shots}
				for _, ctx := range []context.Context{l.tab, l.out} {
					l.b.do(ctx, "viewport", chromedp.EmulateViewport(w.w, w.h))
				}
				start := time.Now()
				n := 0
				var spent [4]time.Duration
				for k, p := range pages {
					path := paths[i][k]
					if path == "" {
						continue
					}
					ctx := l.tab
					if p.signedOut {
						ctx = l.out
					}
					where := fmt.Sprintf("%s, %s, %d px", p.name, state, w.w)
					t0 := time.Now()
					l.b.do(ctx, "open "+where, chromedp.Navigate(a.fx.public+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
					t1 := time.Now()
					l.checkAxe(ctx, where)
					l.distinctButtons(ctx, where)
					t2 := time.Now()
					l.layout(ctx, where, w.w)
					l.b.shot(ctx, fmt.Sprintf("a11y-%s-%s-%d", state, p.name, w.w))
					t3 := time.Now()
					l.keyboardWalk(ctx, where)
					t4 := time.Now()
					spent[0] += t1.Sub(t0)
					spent[1] += t2.Sub(t1)
					spent[2] += t3.Sub(t2)
					spent[3] += t4.Sub(t3)
					n++
				}
				t.Logf("%s at %d px: %d page views checked in %v (load %v, axe %v, layout and screenshot %v, keyboard %v)", state, w.w, n,
					time.Since(start).Round(time.Millisecond), spent[0].Round(time.Millisecond), spent[1].Round(time.Millisecond),
					spent[2].Round(time.Millisecond), spent[3].Round(time.Millisecond))
			})
		}
	})
	a.b.do(a.tab, "viewport", chromedp.EmulateViewport(1280, 900))
	a.b.do(a.out, "viewport", chromedp.EmulateViewport(1280, 900))
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

const axeRun = `(async () => {
  const r = await axe.run(document, { resultTypes: ["violations"], preload: false, iframes: false,
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } });
  return r.violations.map(v => ({ id: v.id, impact: v.impact || "", help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " ").slice(0, 200)) }));
})()`

// checkAxe fails on serious and critical violations, and lists the rest.
func (a *auditor) checkAxe(ctx context.Context, where string) {
	a.t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](a.axe)); err != nil {
		a.t.Fatalf("%s: loading axe-core: %v", where, err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		a.t.Fatalf("%s: axe.run: %v", where, err)
	}
	for _, v := range vs {
		line := fmt.Sprintf("%s: axe %s (%s): %s\n\t%s", where, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
		if v.Impact == "serious" || v.Impact == "critical" {
			a.t.Error(line)
		} else {
			a.t.Log(line)
		}
	}
}

// axeFindsContrast: the harness can fail. Text of 2:1 contrast put on the
// page makes axe report color-contrast, a serious violation.
func (a *auditor) axeFindsContrast() {
	a.b.do(a.tab, "accounts page", chromedp.Navigate(a.fx.public+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if _, err := chromedp.Run(a.tab, chromedp.Evaluate[chromedp.Void](a.axe)); err != nil {
		a.t.Fatalf("loading axe-core: %v", err)
	}
	vs, err := chromedp.Run(a.tab, chromedp.Evaluate[[]axeViolation](`(() => {
  const p = document.createElement("p");
  p.textContent = "faint text";
  p.style.color = "#999";
  p.style.background = "#fff";
  document.querySelector("main").append(p);
})(), `+axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		a.t.Fatalf("axe.run: %v", err)
	}
	for _, v := range vs {
		if v.ID == "color-contrast" && v.Impact == "serious" {
			return
		}
	}
	a.t.Fatalf("axe did not report faint text as a serious color-contrast violation: %+v", vs)
}

type focusStop struct {
	KB      string  `json:"kb"` // the data-kb index of a control, "" for anything else
	What    string  `json:"what"`
	Style   string  `json:"style"`
	Width   float64 `json:"width"`
	Color   string  `json:"color"`
	Against string  `json:"against"`
	Ratio   float64 `json:"ratio"`
}

// kbControls numbers the page's keyboard controls (data-kb) and returns
// their descriptions. A radio group is one stop: its checked (or first)
// button.
const kbControls = `(() => {
  const seen = new Set(), out = [];
  document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]").forEach(el => {
    if (el.disabled || el.tabIndex < 0 || el.closest("[inert]") || el.getClientRects().length === 0 ||
        getComputedStyle(el).visibility === "hidden") return;
    if (el.type === "radio" && el.name) {
      if (seen.has(el.name)) return;
      seen.add(el.name);
      const group = [...document.querySelectorAll("input[type=radio]")].filter(r => r.name === el.name && r.form === el.form);
      el = group.find(r => r.checked) || el;
    }
    el.dataset.kb = String(out.length);
    out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + JSON.stringify((el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40)));
  });
  return out;
})()`

// kbFocused describes the focused element and its focus ring: outline
// style, width, colour, and the colour's contrast against the background
// it is drawn on (the first opaque background of its ancestors).
const kbFocused = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return { kb: "", what: "body", style: "", width: 0, color: "", against: "", ratio: 0 };
  const cs = getComputedStyle(el);
  const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = "rgb(255, 255, 255)";
  for (let p = el.parentElement; p; p = p.parentElement) {
    const c = getComputedStyle(p).backgroundColor, v = rgb(c);
    if (v.length === 3 || (v.length === 4 && v[3] > 0.5)) { bg = c; break; }
  }
  const a = lum(rgb(cs.outlineColor)), b = lum(rgb(bg));
  return { kb: el.dataset.kb || "", what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + JSON.stringify((el.innerText || el.value || "").trim().slice(0, 40)),
    style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) || 0, color: cs.outlineColor, against: bg,
    ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
})()`

// keyboardWalk presses Tab through the page: every control is reached,
// and each shows a solid outline of at least 3:1 against its background.
func (a *auditor) keyboardWalk(ctx context.Context, where string) {
	a.t.Helper()
	controls, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](kbControls))
	if err != nil {
		a.t.Fatalf("%s: listing controls: %v", where, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)`)); err != nil {
		a.t.Fatal(err)
	}
	reached := map[string]bool{}
	first := ""
	for range len(controls) + 5 {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			a.t.Fatalf("%s: Tab: %v", where, err)
		}
		f, err := chromedp.Run(ctx, chromedp.Evaluate[focusStop](kbFocused))
		if err != nil {
			a.t.Fatalf("%s: focused element: %v", where, err)
		}
		if f.KB == "" {
			if f.What != "body" {
				a.t.Errorf("%s: Tab reached %s, which is not a control", where, f.What)
			}
			continue
		}
		if f.KB == first {
			break // round the page once
		}
		if first == "" {
			first = f.KB
		}
		reached[f.KB] = true
		if f.Style == "none" || f.Style == "" || f.Width < 2 {
			a.t.Errorf("%s: focus on %s is not visible: outline %s %gpx", where, f.What, f.Style, f.Width)
		} else if f.Ratio < 3 {
			a.t.Errorf("%s: focus ring on %s is %s against %s: %.2f:1, below 3:1", where, f.What, f.Color, f.Against, f.Ratio)
		}
	}
	for i, c := range controls {
		if !reached[fmt.Sprint(i)] {
			a.t.Errorf("%s: Tab never reached %s", where, c)
		}
	}
}

// layout checks what the eye sees at a width: the header stays compact
// (at 390 px it took 142 px when "Sign out" wrapped), and chart text is
// not scaled below a readable size.
func (a *auditor) layout(ctx context.Context, where string, width int64) {
	a.t.Helper()
	type box struct {
		Header   float64 `json:"header"`
		Wrapped  string  `json:"wrapped"`
		Smallest float64 `json:"smallest"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[box](`(() => {
  const h = document.querySelector("header.top");
  let wrapped = "";
  document.querySelectorAll("header.top a, header.top button").forEach(el => {
    if (el.getClientRects().length > 1 || el.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(el).lineHeight || "24")) wrapped = el.innerText;
  });
  let smallest = 100;
  document.querySelectorAll("svg text").forEach(t => { const r = t.getBoundingClientRect(); if (r.height > 0) smallest = Math.min(smallest, r.height); });
  return { header: h ? h.getBoundingClientRect().height : 0, wrapped, smallest };
})()`))
	if err != nil {
		a.t.Fatalf("%s: layout: %v", where, err)
	}
	if got.Wrapped != "" {
		a.t.Errorf("%s: %q wraps in the header", where, got.Wrapped)
	}
	if limit := 100.0; got.Header > limit {
		a.t.Errorf("%s: the header is %.0f px tall (at most %.0f)", where, got.Header, limit)
	}
	if got.Smallest < 10 {
		a.t.Errorf("%s: chart text renders %.1f px tall", where, got.Smallest)
	}
}

// liveUpdateKeepsFocus: a keyboard user is on bob's Unlock when a sign-in
// request for bob arrives over the event stream; the page updates, focus
// stays on the same control, and a polite live region announces it.
func (a *auditor) liveUpdateKeepsFocus() {
	t, tab := a.t, a.tab
	unlock := `li[data-account=bob] [data-action=unlock]`
	a.b.do(tab, "accounts page", chromedp.Navigate(a.fx.public+"/"), chromedp.WaitReady(chromedp.CSS("body[data-live=on]")),
		chromedp.Focus(chromedp.CSS(unlock)))
	version, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById("live").dataset.version || "0"`))
	if err != nil {
		t.Fatal(err)
	}
	if r := a.fx.in.run("check", "--url", a.fx.public, "--issuer", issuer, "--key", a.fx.key, "--account", "bob", "--json"); r.code != 1 ||
		decision(t, r)["status"] != "pending_approval" {
		t.Fatalf("check raising a request for bob: %d %s", r.code, r.stdout)
	}
	a.b.do(tab, "request appears live", chromedp.WaitVisible(chromedp.CSS(".request [data-action=approve]")))
	after, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById("live").dataset.version || "0"`))
	if err != nil || after == version {
		t.Fatalf("the page did not update live (version %s → %s): %v", version, after, err)
	}
	same, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.activeElement === document.querySelector("`+unlock+`")`))
	if err != nil || !same {
		f, _ := chromedp.Run(tab, chromedp.Evaluate[focusStop](kbFocused))
		t.Errorf("after the live update, focus is on %s, not bob's Unlock (%v)", f.What, err)
	}
	a.b.do(tab, "announcement", chromedp.Poll[chromedp.Void](`(document.getElementById("announce") || {}).textContent === "New sign-in request for bob at Wiki"`))
	live, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById("announce").getAttribute("aria-live")`))
	if err != nil || live != "polite" {
		t.Errorf("announcement region aria-live=%q %v", live, err)
	}
}

// uniqueNames: the buttons repeated per request and per account say whose
// they are, so no two buttons on the accounts page share a name.
func (a *auditor) uniqueNames() {
	t, tab := a.t, a.tab
	a.b.do(tab, "accounts page", chromedp.Navigate(a.fx.public+"/"), chromedp.WaitVisible(chromedp.CSS(".request")))
	names := a.controlNames(tab, "accounts page", "button", "combobox", "textbox")
	// The visible labels stay short, with their spaces.
	shown, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll(
		"li[data-account=alice] [data-action=lock], .request [data-action=approve], .request [data-action=approve-once]")].map(b => {
			const hidden = [...b.querySelectorAll(".sr-only")];
			hidden.forEach(e => e.style.display = "none");
			const text = b.innerText.trim();
			hidden.forEach(e => e.style.display = "");
			return text;
		})`))
	if err != nil || !slices.Equal(shown, []string{"Approve for 10 min", "Approve this sign-in only", "Lock now"}) {
		t.Errorf("visible button labels: %q %v", shown, err)
	}
	for name, k := range names {
		if k > 1 {
			t.Errorf("%d controls on the accounts page are named %q", k, name)
		}
	}
	for _, want := range []string{"Unlock bob at Wiki", "Unlock alice at Wiki", "Approve bob at Wiki for 10 min", "Deny bob at Wiki",
		"Lock alice at Wiki now"} {
		if names[want] == 0 {
			t.Errorf("no control is named %q; the names are %v", want, names)
		}
	}
}

// controlNames counts the accessible names of the page's controls of the
// given roles, as Chromium computes them.
func (a *auditor) controlNames(ctx context.Context, where string, roles ...string) map[string]int {
	a.t.Helper()
	tree, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		a.t.Fatalf("%s: accessibility tree: %v", where, err)
	}
	str := func(v *accessibility.Value) string {
		var s string
		if v != nil {
			json.Unmarshal(v.Value, &s)
		}
		return s
	}
	names := map[string]int{}
	for _, n := range tree.Nodes {
		if !n.Ignored && slices.Contains(roles, str(n.Role)) {
			names[str(n.Name)]++
		}
	}
	return names
}

// distinctButtons: no two buttons on a page share a name, so a screen
// reader's list of buttons tells them apart ("Unlock alice at Wiki", not
// "Unlock" twice).
func (a *auditor) distinctButtons(ctx context.Context, where string) {
	a.t.Helper()
	for name, k := range a.controlNames(ctx, where, "button") {
		if k > 1 {
			a.t.Errorf("%s: %d buttons are named %q; say whose each one is", where, k, name)
		}
	}
}

// failedSigninFocus: a passkey the server does not know is refused, and
// focus moves to the error message, not to <body>.
func (a *auditor) failedSigninFocus() {
	t := a.t
	ctx, cancel := chromedp.NewContext(a.b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	auth, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	addCredential(t, ctx, auth.AuthenticatorID, credential{CredentialID: id, IsResidentCredential: true, RpID: "localhost",
		PrivateKey: pkcs8, UserHandle: []byte("nobody-we-know"), SignCount: 1})
	a.b.do(ctx, "sign in with an unknown passkey", chromedp.Navigate(a.fx.public+"/signin"), chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.CSS("#status.error")))
	f, err := chromedp.Run(ctx, chromedp.Evaluate[focusStop](kbFocused))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.What, "p#status") {
		t.Errorf("after a refused sign-in, focus is on %s, not the error message", f.What)
	}
	a.b.shot(ctx, "a11y-signin-refused")
}

// forcedColorsFocus: in forced-colors mode (Windows High Contrast), which
// drops box-shadows, the focus ring still shows.
func (a *auditor) forcedColorsFocus() {
	t, tab := a.t, a.tab
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "forced-colors", Value: "active"}}}); err != nil {
		t.Fatalf("Emulation.setEmulatedMedia: %v", err)
	}
	defer chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
	a.b.do(tab, "accounts page", chromedp.Navigate(a.fx.public+"/"), chromedp.WaitVisible(chromedp.ID("live")))
	forced, err := chromedp.Run(tab, chromedp.Evaluate[bool](`matchMedia("(forced-colors: active)").matches`))
	if err != nil || !forced {
		t.Fatalf("forced colors not emulated: %v", err)
	}
	a.keyboardWalk(tab, "accounts page in forced-colors mode")
	a.b.shot(tab, "a11y-forced-colors")
}
