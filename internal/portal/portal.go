package portal

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/exposure"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/live"
	"github.com/deadbolt-dev/deadbolt/internal/passkey"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the portal reads and changes: everything a member or an
// admin sees (the audit chain aside), every change in a transaction.
type Store interface {
	store.ConfigReader
	store.MemberReader
	store.AccountReader
	store.CheckLogReader
	store.OutboxReader
	store.PortalReader
	store.PolicyReader
	store.TemplateReader
	store.APITokenReader
	store.OIDCReader
	exposure.Source
	store.SlackReader
	store.BreakGlassReader
	store.Updater
	store.Leaser
}

// Deps are the portal's collaborators.
type Deps struct {
	Store Store
	// Audit reads the audit trail for the Audit page; nil turns the page
	// off. AuditKey checks its signed checkpoints on "Verify now"; nil
	// checks the chain alone.
	Audit    store.AuditReader
	AuditKey *audit.PublicKey
	Clock    clock.Clock
	Log      *slog.Logger
	// Box seals ceremony state and enablement tickets into cookies.
	Box      *seal.Box
	Check    *check.Service
	Access   *access.Service
	Requests *access.Requests
	// Approvals decides requests under approval policies; nil turns the
	// sign-to-approve pages off.
	Approvals *approval.Service
	Broker    *live.Broker
	// PublicURL is the server's public URL (config.EffectivePublicURL).
	PublicURL string
	Config    config.Portal
	// Poll is how often an open event stream re-reads the store; zero
	// means 3 seconds.
	Poll time.Duration
	// Mail is true when this server sends email (SMTP is configured): the
	// email channel works, and members who registered themselves can
	// verify their address. Without it, such a member keeps only the
	// accounts they link themselves.
	Mail bool
	// PushKey is the VAPID public key browsers subscribe to Web Push with;
	// empty turns push off.
	PushKey string
	// PushEgress vets the endpoints browsers subscribe with
	// (webpush.CheckEndpoint); the zero value allows public push services
	// only.
	PushEgress egress.Policy
	// StepUp is the OpenID provider whose step-up page the portal serves
	// (/stepup); nil: no such page.
	StepUp StepUp
	// WebhookEgress decides which hosts admins may create webhooks for
	// (config webhooks.allow_private).
	WebhookEgress egress.Policy
	// Policies reads the tenants' compiled JIT policies (the lock
	// check's cache, which keeps them in memory): the accounts page says
	// which policy holds an account, and until when. Nil: it does not.
	Policies check.PolicySets
	// BreakGlass opens accounts marked break-glass without approvals, for
	// their owner and for admins, marks them and issues offline codes
	// (/admin/break-glass); nil turns the portal's break-glass forms off.
	BreakGlass *breakglass.Service
	// Geo locates addresses (serve --geoip-db): countries for the explain
	// page's country rules and the exposure report; nil: none, and each
	// context rule's on_unknown decides.
	Geo policy.Geo
	// Slack links members to their Slack users (slackapp.Linker); nil
	// when this server has no Slack app, and the settings page offers none.
	Slack SlackLinker
}

// SlackLinker links a member to the Slack user of their verified email,
// and unlinks them.
type SlackLinker interface {
	Link(ctx context.Context, actor string, m store.Member) (store.SlackLink, error)
	Unlink(ctx context.Context, actor string, m store.Member) (bool, error)
}

// Portal serves the browser UI. It is safe for concurrent use.
type Portal struct {
	d        Deps
	verifies tenantFlight // "Verify now" runs one per tenant at a time, cluster-wide
	reports  tenantFlight // the exposure report builds one per tenant at a time, cluster-wide
	base     *url.URL     // where the portal lives (see URL)
	secure   bool
	passkeys *passkey.Service
	pages    map[string]*template.Template
	assets   assets
	limits   *limits
	imports  importJobs
	mux      *http.ServeMux
	gets     []string // the patterns of the GET routes, in order (see Routes)
	posts    []string // the patterns of the POST routes, in order (see PostRoutes)
	closing  chan struct{}
	close    sync.Once
}

// Passkeys returns the portal's WebAuthn ceremonies (its relying party),
// for the Verifier of signed votes (approval.PasskeyVerifier).
func (p *Portal) Passkeys() *passkey.Service { return p.passkeys }

// Close ends the open event streams, so that a graceful shutdown need not
// wait for browsers to hang up. Pages keep working; new streams end at once.
func (p *Portal) Close() { p.close.Do(func() { close(p.closing) }) }

// URL returns the address people use for the portal: the public URL, with
// a loopback IP replaced by "localhost" (WebAuthn needs a domain).
func URL(publicURL string) string {
	u, err := url.Parse(strings.TrimRight(publicURL, "/"))
	if err != nil {
		return publicURL
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
		u.Host = "localhost"
		if p := u.Port(); p != "" {
			u.Host = "localhost:" + p
		} else if port := portOf(publicURL); port != "" {
			u.Host = "localhost:" + port
		}
	}
	return u.String()
}

func portOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Port()
}

// New returns the portal.
func New(d Deps) (*Portal, error) {
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Poll <= 0 {
		d.Poll = 3 * time.Second
	}
	base, err := url.Parse(URL(d.PublicURL))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("portal: public URL %q is not an absolute URL", d.PublicURL)
	}
	pk, err := passkey.New(base.String(), "deadbolt", d.Store, d.Clock)
	if err != nil {
		return nil, err
	}
	p := &Portal{d: d, base: base, secure: base.Scheme == "https", passkeys: pk, limits: newLimits(), closing: make(chan struct{}),
		verifies: tenantFlight{job: "portal.audit-verify", leases: d.Store, clock: d.Clock},
		reports:  tenantFlight{job: "portal.exposure-report", leases: d.Store, clock: d.Clock}}
	static, _ := fs.Sub(staticFS, "static")
	if p.assets, err = loadAssets(static); err != nil {
		return nil, err
	}
	if err := p.parseTemplates(); err != nil {
		return nil, err
	}
	p.routes()
	return p, nil
}

// BaseURL returns where the portal lives.
func (p *Portal) BaseURL() string { return p.base.String() }

// SetupURL returns the link that registers a passkey with an invite's
// secret.
func (p *Portal) SetupURL(secret string) string { return SetupURL(p.d.PublicURL, secret) }

// SetupURL returns the setup link for an invite secret on the portal of
// the server at publicURL.
func SetupURL(publicURL, secret string) string {
	return URL(publicURL) + "/setup?t=" + url.QueryEscape(secret)
}

// csp is the Content-Security-Policy of every portal answer.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"manifest-src 'self'; worker-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (p *Portal) routes() {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", p.assets)
	mux.Handle("GET /manifest.webmanifest", serveFile(static, "manifest.webmanifest", "application/manifest+json"))
	mux.Handle("GET /sw.js", serviceWorker())

	get := func(pattern string, h handler) {
		p.gets = append(p.gets, pattern)
		mux.Handle("GET "+pattern, p.wrap(h))
	}
	post := func(pattern string, h handler) {
		p.posts = append(p.posts, pattern)
		mux.Handle("POST "+pattern, p.wrap(h))
	}

	get("/{$}", p.home)
	get("/fragment/home", p.homeFragment)
	get("/events", p.events)
	get("/signin", p.signinPage)
	post("/signin/begin", p.signinBegin)
	post("/signin/finish", p.signinFinish)
	post("/signout", p.signout)
	get("/setup", p.setupPage)
	post("/setup/begin", p.setupBegin)
	post("/setup/finish", p.setupFinish)
	get("/passkeys", p.passkeysPage)
	post("/passkeys/begin", p.passkeyAddBegin)
	post("/passkeys/finish", p.passkeyAddFinish)
	post("/passkeys/{id}/delete", p.passkeyDelete)
	get("/settings", p.settingsPage)
	get("/admin", func(w http.ResponseWriter, r *http.Request) error {
		return seeOther(w, r, "/admin/apps")
	})
	get("/admin/apps", p.adminApps)
	post("/admin/apps", p.adminAppCreate)
	get("/admin/apps/{id}", p.adminApp)
	post("/admin/apps/{id}", p.adminAppUpdate)
	post("/admin/apps/{id}/state", p.adminAppState)
	get("/admin/apps/{id}/accounts", p.adminAccounts)
	post("/admin/apps/{id}/accounts", p.adminAccountEnroll)
	post("/admin/apps/{id}/accounts/{account}/lock", p.adminAccountLock)
	post("/admin/apps/{id}/accounts/{account}/unlock", p.adminAccountUnlock)
	post("/admin/apps/{id}/imports", p.adminImport)
	get("/admin/apps/{id}/imports/{job}", p.adminImportStatus)
	post("/admin/apps/{id}/keys", p.adminKeyCreate)
	post("/admin/keys/{kid}/revoke", p.adminKeyRevoke)
	get("/admin/members", p.adminMembers)
	post("/admin/members/invite", p.adminInvite)
	post("/admin/members/{id}/role", p.adminRole)
	get("/admin/webhooks", p.adminWebhooks)
	post("/admin/webhooks", p.adminWebhookCreate)
	post("/admin/webhooks/{id}/delete", p.adminWebhookDelete)
	get("/admin/tokens", p.adminTokens)
	post("/admin/tokens", p.adminTokenCreate)
	post("/admin/tokens/{id}/revoke", p.adminTokenRevoke)
	get("/admin/deliveries", p.adminDeliveries)
	get("/admin/oidc", p.adminOIDC)
	post("/admin/oidc", p.adminOIDCCreate)
	post("/admin/oidc/{id}/delete", p.adminOIDCDelete)
	get("/admin/activity", p.adminActivity)
	get("/admin/policies", p.adminPolicies)
	post("/admin/policies", p.adminPolicyCreate)
	get("/admin/policies/new", p.adminPolicyNew)
	get("/admin/policies/explain", p.adminExplain)
	get("/admin/policies/{id}", p.adminPolicy)
	post("/admin/policies/{id}", p.adminPolicySave)
	post("/admin/policies/{id}/{state}", p.adminPolicyState)
	post("/admin/policies/{id}/targets/{change}", p.adminPolicyAssign)
	get("/admin/templates", p.adminTemplates)
	post("/admin/templates", p.adminTemplateCreate)
	post("/admin/templates/{key}/delete", p.adminTemplateDelete)
	get("/admin/groups", p.adminGroups)
	post("/admin/groups", p.adminGroupCreate)
	get("/admin/groups/{id}", p.adminGroup)
	post("/admin/groups/{id}/delete", p.adminGroupDelete)
	post("/admin/groups/{id}/members", p.adminGroupAdd)
	post("/admin/groups/{id}/members/{member}/remove", p.adminGroupRemove)
	get("/admin/reports/exposure", p.adminExposure)
	get("/admin/audit", p.adminAudit)
	get("/admin/audit/export", p.adminAuditExport)
	get("/admin/audit/{seq}", p.adminAuditEvent)
	post("/admin/audit/verify", p.adminAuditVerify)
	get("/admin/break-glass", p.adminBreakGlass)
	post("/admin/break-glass/marks", p.adminBreakGlassMark)
	post("/admin/break-glass/marks/{id}/delete", p.adminBreakGlassUnmark)
	post("/admin/break-glass/unlock", p.adminBreakGlassUnlock)
	post("/admin/break-glass/codes", p.adminBreakGlassIssue)
	post("/settings", p.settingsSave)
	get("/verify-email", p.verifyPage)
	post("/verify-email", p.verifyConfirm)
	post("/settings/verify-email", p.verifySend)
	post("/settings/slack", p.slackLink)
	post("/settings/slack/unlink", p.slackUnlink)
	post("/push/subscribe", p.pushSubscribe)
	post("/push/{id}/delete", p.pushDelete)
	post("/accounts/{id}/lock", p.accountLock)
	post("/accounts/{id}/unlock", p.accountUnlock)
	post("/accounts/{id}/extend", p.accountExtend)
	post("/accounts/{id}/request", p.accountAsk)
	post("/accounts/{id}/break-glass", p.accountBreakGlass)
	post("/grants/{account}/revoke", p.grantRevoke)
	post("/lock-everything", p.lockEverything)
	post("/requests/{id}/approve", p.requestApprove)
	post("/requests/{id}/deny", p.requestDeny)
	get("/approvals", p.approvalsPage)
	post("/approvals/{id}/vote", p.approvalVote)
	post("/approvals/ops/{id}/vote", p.operationVote)
	get("/approvals/{id}/sign", p.signPage(accessSigning))
	post("/approvals/{id}/sign/begin", p.signBegin(accessSigning))
	post("/approvals/{id}/sign/finish", p.signFinish(accessSigning))
	get("/approvals/{id}/evidence", p.evidenceDownload(accessSigning))
	get("/approvals/ops/{id}/sign", p.signPage(operationSigning))
	post("/approvals/ops/{id}/sign/begin", p.signBegin(operationSigning))
	post("/approvals/ops/{id}/sign/finish", p.signFinish(operationSigning))
	get("/approvals/ops/{id}/evidence", p.evidenceDownload(operationSigning))
	get("/stepup", p.stepPage)
	post("/stepup/begin", p.stepBegin)
	post("/stepup/finish", p.stepFinish)
	get("/stepup/locked", p.stepLockedPage)
	post("/stepup/unlock", p.stepUnlock)
	post("/stepup/cancel", p.stepCancel)
	get("/stepup/wait", p.stepWaitPage)
	get("/stepup/wait/status", p.stepWaitStatus)
	get("/enable", p.enableStart)
	get("/enable/continue", p.enableContinue)
	post("/enable/register/begin", p.enableRegisterBegin)
	post("/enable/register/finish", p.enableRegisterFinish)
	post("/enable/link", p.enableLink)
	mux.Handle("/", p.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return &pageError{Status: http.StatusNotFound, Title: "Page not found",
			Message: "There is nothing at this address. Check the link, or go to your accounts."}
	}))

	// Browsers must not send state-changing requests from other origins.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.renderError(w, r, &pageError{Status: http.StatusForbidden, Title: "Request refused",
			Message: "This request came from another website, so deadbolt refused it and changed nothing. Open deadbolt directly and try again there."})
	}))
	p.mux = http.NewServeMux()
	p.mux.Handle("/", cop.Handler(mux))
}

// Routes returns the patterns of the portal's GET routes (pages, and the
// fragment and event stream the script reads), as registered with its
// router, e.g. "/admin/apps/{id}". The browser tests check that each one is
// in their table of pages, so that a page added later is checked too.
// Static files and the catch-all "not found" page are not listed.
func Routes() []string {
	p := &Portal{}
	p.routes()
	return slices.Clone(p.gets)
}

// PostRoutes returns the patterns of the portal's POST routes, the
// changes, as registered with its router: the role tests post to each
// one under /admin/, so that a change added later is checked too.
func PostRoutes() []string {
	p := &Portal{}
	p.routes()
	return slices.Clone(p.posts)
}

// ServeHTTP serves every portal route with the security headers, and sends
// browsers that reach the portal by a loopback IP to its localhost address.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if p.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.Host != p.base.Host {
		if host, _, err := net.SplitHostPort(r.Host); err == nil {
			if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() && p.base.Hostname() == "localhost" {
				http.Redirect(w, r, p.base.String()+r.URL.RequestURI(), http.StatusFound)
				return
			}
		}
	}
	p.mux.ServeHTTP(w, r)
}

func serveFile(fsys fs.FS, name, ctype string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Write(b)
	})
}

// handler is a portal handler that returns an error instead of writing one.
type handler func(w http.ResponseWriter, r *http.Request) error

// pageError is an error the person should see, as a page (or as JSON for
// the ceremony endpoints).
type pageError struct {
	Status int
	// Code is the stable code of the JSON answer (httpx.ErrorOf's); empty
	// means one made from Status.
	Code    string
	Title   string
	Message string
	// Back is where the page's link leads (the page the person came
	// from); empty means their accounts, or sign-in.
	Back  string
	Cause error // logged, never shown
}

// withBack returns err with back as where its page links to, when err is
// a page error without one (a copy: page errors may be shared values).
func withBack(err error, back string) error {
	var pe *pageError
	if errors.As(err, &pe) && pe.Back == "" {
		c := *pe
		c.Back = back
		return &c
	}
	return err
}

func (e *pageError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Title, e.Cause)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Title)
}

func (e *pageError) Unwrap() error { return e.Cause }

func (p *Portal) wrap(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			p.renderError(w, r, err)
		}
	})
}

// pageWords are the portal's words for people, by httpx.ErrorOf's code:
// the class of a failure is decided there, once; a page only words it. A
// code without words here shows its plain message under a title made from
// its status; one with a Title and no Message shows the plain message
// under that title.
var pageWords = map[string]struct{ Title, Message string }{
	"forbidden":         {"Not allowed", ""},
	"member_unverified": {"Email not confirmed", ""},
	"owned_by_another":  {"Already protected by someone else", ""},
	"not_found":         {"Not found", "That no longer exists, or it is not yours. Go back and reload the page to see what there is."},
	"request_closed":    {"Request already answered", "This unlock request was already answered or has expired."},
	"too_long":          {"Too long", "That is longer than the application allows. Choose a shorter time."},
	"invalid": {"Not possible", "deadbolt could not do that, and changed nothing. Go back and check what you entered; " +
		"if it keeps happening, tell your administrator."},
	"conflict": {"Already there", "That is already there, or someone changed it meanwhile. Nothing was changed: " +
		"reload the page to see how things stand."},
	"store_unavailable": {"Try again shortly", "deadbolt cannot reach its storage right now, so nothing was changed. " +
		"Try again in a minute; if it lasts, tell your administrator."},
	"key_unusable": {"A signing key cannot be used", "This server cannot use the application's signing key (it was " +
		"sealed under another master key, or its public key does not parse), so nothing was changed. Tell the " +
		"application's administrators: they revoke and delete the key (deadbolt key revoke, key delete) or start " +
		"deadbolt with the right master key."},
	"application_disabled": {"Application disabled", "The application does not use deadbolt at the moment, so nothing was changed. Ask its administrators."},
	"internal": {"Something went wrong", "deadbolt could not finish this, and nothing was changed. Try again; if it " +
		"happens again, tell your administrator."},
}

// pageTitles title the codes without words of their own, by status.
var pageTitles = map[int]string{
	http.StatusBadRequest: "Not possible", http.StatusUnauthorized: "Not signed in", http.StatusForbidden: "Not allowed",
	http.StatusConflict: "Already there", http.StatusServiceUnavailable: "Try again shortly",
}

// asPageError is what the person sees of err: a *pageError in its chain,
// else httpx.ErrorOf's class in the portal's words.
func asPageError(err error) *pageError {
	var pe *pageError
	if errors.As(err, &pe) {
		return pe
	}
	he := httpx.ErrorOf(err)
	words, ok := pageWords[he.Code]
	if !ok {
		words.Title = pageTitles[he.Status]
		if words.Title == "" {
			words = pageWords["internal"]
		}
	}
	if words.Message == "" {
		words.Message = he.Message
	}
	return &pageError{Status: he.Status, Code: he.Code, Title: words.Title, Message: words.Message, Cause: err}
}

// code is pe's JSON code: its own, else one made from its status
// ("too_many_requests").
func (pe *pageError) code() string {
	if pe.Code != "" {
		return pe.Code
	}
	return strings.ReplaceAll(strings.ToLower(http.StatusText(pe.Status)), " ", "_")
}

func (p *Portal) renderError(w http.ResponseWriter, r *http.Request, err error) {
	pe := asPageError(err)
	if pe.Status >= 500 {
		p.d.Log.Error("portal request failed", "method", r.Method, "path", r.URL.Path, "status", pe.Status, "err", err)
	} else {
		p.d.Log.Debug("portal request refused", "method", r.Method, "path", r.URL.Path, "status", pe.Status, "err", err)
	}
	if wantsJSON(r) {
		writeJSON(w, pe.Status, httpx.Body{Error: pe.code(), Message: pe.Message})
		return
	}
	p.render(w, r, pe.Status, "error", map[string]any{"Title": pe.Title, "Message": pe.Message, "Back": pe.Back})
}

// wantsJSON is true for the ceremony endpoints the script calls.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json") || strings.HasSuffix(r.URL.Path, "/begin") ||
		strings.HasSuffix(r.URL.Path, "/finish")
}

// render executes a page with the layout; on a template error it answers
// 500 without a half-written page.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, page string, data map[string]any) {
	t, ok := p.pages[page]
	if !ok {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	if data == nil {
		data = map[string]any{}
	}
	if _, ok := data["Member"]; !ok {
		if s, err := p.session(r); err == nil {
			data["Member"] = s.member
		}
	}
	data["Page"] = page
	p.navigation(page, data)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		p.d.Log.Error("portal template", "page", page, "err", err)
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderFragment executes one named template alone (for live updates).
func (p *Portal) renderFragment(w http.ResponseWriter, page, name string, data map[string]any) error {
	var buf bytes.Buffer
	if err := p.pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

func (p *Portal) now() time.Time { return p.d.Clock.Now() }
