package mgmtapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// table is every route, in the order the reference lists them.
func (a *API) table() []Route {
	return []Route{
		{"GET", "/api/v1/whoami", "", "The token, its tenant and its scopes", a.whoami},

		{"GET", "/api/v1/applications", "applications:read", "List applications", a.listApps},
		{"POST", "/api/v1/applications", "applications:write", "Create an application", a.createApp},
		{"GET", "/api/v1/applications/{id}", "applications:read", "Get an application", a.getApp},
		{"GET", "/api/v1/applications/{id}/keys", "applications:read", "List an application's signing keys", a.listKeys},
		{"POST", "/api/v1/applications/{id}/keys", "applications:write", "Create an HS256 signing key (its secret is shown once)", a.createKey},
		{"POST", "/api/v1/applications/{id}/keys/{kid}/revoke", "applications:write", "Revoke a signing key", a.revokeKey},

		{"GET", "/api/v1/accounts", "accounts:read", "List protected accounts with their state", a.listAccounts},
		{"POST", "/api/v1/accounts", "accounts:write", "Enroll an account (it starts locked)", a.enroll},
		{"GET", "/api/v1/accounts/{id}", "accounts:read", "An account's lock state", a.getAccount},
		{"POST", "/api/v1/accounts/{id}/lock", "accounts:write", "Lock an account now", a.lockAccount},
		{"POST", "/api/v1/accounts/{id}/unlock", "accounts:write", "Unlock an account for a time or once", a.unlockAccount},

		{"GET", "/api/v1/members", "members:read", "List members", a.listMembers},
		{"POST", "/api/v1/members", "members:write", "Add a member", a.createMember},
		{"GET", "/api/v1/members/{id}", "members:read", "Get a member", a.getMember},

		{"GET", "/api/v1/groups", "groups:read", "List groups with their members", a.listGroups},
		{"POST", "/api/v1/groups", "groups:write", "Create a group", a.createGroup},
		{"POST", "/api/v1/groups/{id}/members", "groups:write", "Add a member to a group", a.addToGroup},
		{"DELETE", "/api/v1/groups/{id}/members/{member}", "groups:write", "Remove a member from a group", a.removeFromGroup},

		{"GET", "/api/v1/policies", "policies:read", "List policies", a.listPolicies},
		{"POST", "/api/v1/policies", "policies:write", "Create a policy", a.createPolicy},
		{"GET", "/api/v1/policies/{id}", "policies:read", "Get a policy", a.getPolicy},

		{"GET", "/api/v1/webhooks", "webhooks:read", "List webhooks", a.listWebhooks},
		{"POST", "/api/v1/webhooks", "webhooks:write", "Add a webhook (its signing secret is shown once)", a.createWebhook},
		{"DELETE", "/api/v1/webhooks/{id}", "webhooks:write", "Delete a webhook", a.deleteWebhook},
		{"GET", "/api/v1/deliveries", "webhooks:read", "Deliveries on every channel, newest first", a.listDeliveries},

		{"GET", "/api/v1/requests", "requests:read", "List requests newest first (state: open by default, approved, denied, expired or all), with their rule and votes", a.listRequests},
		{"POST", "/api/v1/requests", "requests:create", "Ask for access ahead of time on behalf of a member (approvers decide)", a.createRequest},
		{"GET", "/api/v1/requests/{id}", "requests:read", "Get a request with its rule and votes", a.getRequest},
		{"POST", "/api/v1/requests/{id}/approve", "requests:write", "Approve a request on behalf of one of its approvers", a.approveRequest},
		{"POST", "/api/v1/requests/{id}/deny", "requests:write", "Deny a request on behalf of one of its approvers", a.denyRequest},

		{"GET", "/api/v1/templates", "templates:read", "List approval-request templates", a.listTemplates},
		{"POST", "/api/v1/templates", "templates:write", "Create an approval-request template", a.createTemplate},
		{"DELETE", "/api/v1/templates/{key}", "templates:write", "Delete an approval-request template", a.deleteTemplate},

		{"GET", "/api/v1/audit", "audit:read", "The audit trail, oldest first", a.listAudit},
		{"GET", "/api/v1/audit/export", "audit:read", "Stream the audit trail, oldest first, as JSONL or CSV", a.exportAudit},
		{"GET", "/api/v1/checks", "checks:read", "An application's check log, oldest first", a.listChecks},
		{"GET", "/api/v1/checks/export", "checks:read", "Stream an application's check log, oldest first, as JSONL or CSV", a.exportChecks},
	}
}

func (a *API) whoami(c *call) error {
	t, err := a.d.Store.Tenant(c.r.Context(), c.tenant())
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, map[string]any{"token_id": c.tok.ID, "name": c.tok.Name, "tenant_id": t.ID,
		"tenant": t.Name, "role": c.tok.Role, "scopes": apitoken.ScopesOf(c.tok), "expires_at": stamp(c.tok.ExpiresAt)})
}

// applications and keys

func appView(x store.Application) map[string]any {
	return map[string]any{"id": x.ID, "name": x.Name, "issuer": x.Issuer, "unenrolled": x.Unenrolled,
		"fail_mode": x.FailMode, "enabled": x.Enabled, "locked_down": x.LockedDown,
		"default_unlock_seconds": int64(x.DefaultUnlock / time.Second), "max_unlock_seconds": int64(x.MaxUnlock / time.Second),
		"created_at": stamp(x.CreatedAt)}
}

// app reads the application the path's {id} names, in the caller's tenant.
func (a *API) app(c *call) (store.Application, error) {
	return a.appByID(c, c.r.PathValue("id"))
}

// appByID reads the application with this ID in the caller's tenant;
// another tenant's is not found.
func (a *API) appByID(c *call, id string) (store.Application, error) {
	x, err := a.d.Store.Application(c.r.Context(), id)
	return x, c.own(x.TenantID, "application", id, err)
}

// appByRef reads the application with this ID or issuer in the caller's
// tenant; another tenant's is not found.
func (a *API) appByRef(c *call, ref string) (store.Application, error) {
	x, err := a.d.Admin.App(c.r.Context(), ref)
	return x, c.own(x.TenantID, "application", ref, err)
}

func (a *API) listApps(c *call) error {
	apps, err := a.d.Store.Applications(c.r.Context(), c.tenant())
	if err != nil {
		return err
	}
	return writePage(c, apps, func(x store.Application) string { return x.ID }, appView)
}

func (a *API) createApp(c *call) error {
	var in struct {
		Name          string `json:"name"`
		Issuer        string `json:"issuer"`
		Unenrolled    string `json:"unenrolled"`
		FailMode      string `json:"fail_mode"`
		DefaultUnlock int64  `json:"default_unlock_seconds"`
		MaxUnlock     int64  `json:"max_unlock_seconds"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	x, err := a.d.Admin.CreateApp(c.r.Context(), c.actor(), admin.NewApp{TenantID: c.tenant(), Name: in.Name, Issuer: in.Issuer,
		Unenrolled: in.Unenrolled, FailMode: in.FailMode, DefaultUnlock: time.Duration(in.DefaultUnlock) * time.Second,
		MaxUnlock: time.Duration(in.MaxUnlock) * time.Second})
	if err != nil {
		return err
	}
	return c.reply(http.StatusCreated, appView(x))
}

func (a *API) getApp(c *call) error {
	x, err := a.app(c)
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, appView(x))
}

func keyView(k store.SigningKey) map[string]any {
	return map[string]any{"kid": k.KID, "app_id": k.AppID, "algorithm": k.Algorithm, "created_at": stamp(k.CreatedAt),
		"expires_at": stamp(k.ExpiresAt), "revoked_at": stamp(k.RevokedAt), "last_used_at": stamp(k.LastUsedAt)}
}

func (a *API) listKeys(c *call) error {
	x, err := a.app(c)
	if err != nil {
		return err
	}
	keys, err := a.d.Store.SigningKeys(c.r.Context(), x.ID)
	if err != nil {
		return err
	}
	return writePage(c, keys, func(k store.SigningKey) string { return k.KID }, keyView)
}

func (a *API) createKey(c *call) error {
	x, err := a.app(c)
	if err != nil {
		return err
	}
	var in struct {
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	k, secret, err := a.d.Admin.CreateKey(c.r.Context(), c.actor(), x, in.ExpiresAt)
	if err != nil {
		return err
	}
	v := keyView(k)
	v["secret"] = base64.StdEncoding.EncodeToString(secret)
	return c.reply(http.StatusCreated, v)
}

func (a *API) revokeKey(c *call) error {
	x, err := a.app(c)
	if err != nil {
		return err
	}
	kid := c.r.PathValue("kid")
	k, err := a.d.Store.SigningKey(c.r.Context(), kid)
	if err == nil && k.AppID != x.ID {
		err = store.ErrNotFound
	}
	if err := c.own(k.TenantID, "signing key", kid, err); err != nil {
		return err
	}
	if k, err = a.d.Admin.RevokeKey(c.r.Context(), c.actor(), kid); err != nil {
		return err
	}
	return c.reply(http.StatusOK, keyView(k))
}

// accounts

// accountView is an account with its lock state now.
func (a *API) accountView(c *call, app store.Application, acct store.Account) (map[string]any, error) {
	ctx := c.r.Context()
	st, err := a.d.Store.CheckState(ctx, app.ID, acct.Name)
	if err != nil {
		return nil, err
	}
	d, err := a.d.Check.Evaluate(ctx, app, st, c.now)
	if err != nil {
		return nil, err
	}
	v := map[string]any{"id": acct.ID, "account": acct.Name, "app_id": app.ID, "owner_id": acct.OwnerID,
		"locked": d.Locked, "status": string(d.Status), "message": lock.Message(d.Status, d.Locked),
		"created_at": stamp(acct.CreatedAt)}
	if st.Grant != nil && st.Grant.Usable(c.now) && !d.Locked {
		v["until"], v["once"] = stamp(st.Grant.Until), st.Grant.Once
	}
	return v, nil
}

func (a *API) account(c *call) (store.Application, store.Account, error) {
	id := c.r.PathValue("id")
	acct, err := a.d.Store.AccountByID(c.r.Context(), id)
	if err := c.own(acct.TenantID, "account", id, err); err != nil {
		return store.Application{}, store.Account{}, err
	}
	app, err := a.d.Store.Application(c.r.Context(), acct.AppID)
	return app, acct, err
}

func (a *API) listAccounts(c *call) error {
	ctx := c.r.Context()
	q := c.r.URL.Query()
	limit, err := c.limit()
	if err != nil {
		return err
	}
	state := q.Get("state")
	if state != "" && state != "locked" && state != "unlocked" {
		return httpx.Errorf(http.StatusBadRequest, "invalid", "state must be locked or unlocked, not %q", state)
	}
	var apps []store.Application
	if ref := q.Get("application"); ref != "" {
		x, err := a.appByID(c, ref)
		if err != nil {
			return err
		}
		apps = []store.Application{x}
	} else if apps, err = a.d.Store.Applications(ctx, c.tenant()); err != nil {
		return err
	}
	var owner string
	if email := q.Get("owner"); email != "" {
		m, err := a.d.Store.MemberByEmail(ctx, c.tenant(), email)
		if err != nil {
			return fmt.Errorf("owner %q: %w", email, err)
		}
		owner = m.ID
	}
	cur, err := decodeCursor(q.Get("cursor"))
	if err != nil {
		return err
	}
	// The cursor is (application ID, account name) of the last account
	// given; accounts are walked by application ID, then by name, so an
	// account enrolled meanwhile is seen once or not at all, never twice.
	// The filters apply as accounts are read, before the page is cut: a
	// page holds limit items whenever that many more match.
	curApp, curName, _ := strings.Cut(cur, "\x00")
	items := []map[string]any{}
	next := ""
walk:
	for _, app := range sortedApps(apps) {
		if app.ID < curApp {
			continue
		}
		after := ""
		if app.ID == curApp {
			after = curName
		}
		for {
			accts, err := a.d.Store.Accounts(ctx, app.ID, after, limit)
			if err != nil {
				return err
			}
			for _, acct := range accts {
				after = acct.Name
				if owner != "" && acct.OwnerID != owner {
					continue
				}
				v, err := a.accountView(c, app, acct)
				if err != nil {
					return err
				}
				if state != "" && (state == "locked") != v["locked"].(bool) {
					continue
				}
				items = append(items, v)
				if len(items) == limit {
					next = app.ID + "\x00" + acct.Name
					break walk
				}
			}
			if len(accts) < limit {
				break // this application has no more
			}
		}
	}
	return c.reply(http.StatusOK, page{Items: items, Next: encodeCursor(next)})
}

func (a *API) enroll(c *call) error {
	var in struct {
		Application string `json:"application"`
		Account     string `json:"account"`
		Owner       string `json:"owner"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	app, err := a.appByRef(c, in.Application)
	if err != nil {
		return err
	}
	acct, err := a.d.Access.Enroll(c.r.Context(), c.actor(), app, in.Account, in.Owner)
	if err != nil {
		return err
	}
	v, err := a.accountView(c, app, acct)
	if err != nil {
		return err
	}
	return c.reply(http.StatusCreated, v)
}

func (a *API) getAccount(c *call) error {
	app, acct, err := a.account(c)
	if err != nil {
		return err
	}
	v, err := a.accountView(c, app, acct)
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, v)
}

func (a *API) lockAccount(c *call) error {
	app, acct, err := a.account(c)
	if err != nil {
		return err
	}
	changed, err := a.d.Access.Lock(c.r.Context(), c.actor(), app, acct.Name)
	if err != nil {
		return err
	}
	v, err := a.accountView(c, app, acct)
	if err != nil {
		return err
	}
	v["changed"] = changed
	return c.reply(http.StatusOK, v)
}

func (a *API) unlockAccount(c *call) error {
	app, acct, err := a.account(c)
	if err != nil {
		return err
	}
	var in struct {
		ForSeconds int64  `json:"for_seconds"`
		Once       bool   `json:"once"`
		Reason     string `json:"reason"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	g, err := a.d.Access.Unlock(c.r.Context(), c.actor(), app, acct.Name,
		access.Unlock{For: time.Duration(in.ForSeconds) * time.Second, Once: in.Once, Reason: in.Reason})
	if err != nil {
		return err
	}
	v, err := a.accountView(c, app, acct)
	if err != nil {
		return err
	}
	v["grant_id"], v["until"], v["once"] = g.ID, stamp(g.Until), g.Once
	return c.reply(http.StatusOK, v)
}

// members and groups

func memberView(m store.Member) map[string]any {
	return map[string]any{"id": m.ID, "email": m.Email, "name": m.Name, "role": m.Role, "lock_everything": m.LockAll,
		"locked_down": m.LockedDown, "email_verified": m.EmailVerified(), "created_at": stamp(m.CreatedAt)}
}

func (a *API) listMembers(c *call) error {
	ms, err := a.d.Store.Members(c.r.Context(), c.tenant())
	if err != nil {
		return err
	}
	return writePage(c, ms, func(m store.Member) string { return m.ID }, memberView)
}

func (a *API) createMember(c *call) error {
	var in struct {
		Email string `json:"email"`
		Name  string `json:"name"`
		Role  string `json:"role"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	m, err := a.d.Admin.AddMember(c.r.Context(), admin.AsToken(c.tenant(), c.actor()), admin.NewMember{TenantID: c.tenant(), Email: in.Email,
		Name: in.Name, Role: in.Role})
	if err != nil {
		return err
	}
	return c.reply(http.StatusCreated, memberView(m))
}

func (a *API) getMember(c *call) error {
	id := c.r.PathValue("id")
	m, err := a.d.Store.Member(c.r.Context(), id)
	if err := c.own(m.TenantID, "member", id, err); err != nil {
		return err
	}
	return c.reply(http.StatusOK, memberView(m))
}

func groupView(g admin.GroupInfo) map[string]any {
	members := []string{}
	for _, m := range g.Members {
		members = append(members, m.ID)
	}
	return map[string]any{"id": g.ID, "name": g.Name, "description": g.Description, "member_ids": members,
		"created_at": stamp(g.CreatedAt)}
}

func (a *API) listGroups(c *call) error {
	gs, err := a.d.Admin.Groups(c.r.Context(), c.tenant())
	if err != nil {
		return err
	}
	return writePage(c, gs, func(g admin.GroupInfo) string { return g.Name }, groupView)
}

func (a *API) createGroup(c *call) error {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	g, err := a.d.Admin.CreateGroup(c.r.Context(), c.actor(), c.tenant(), in.Name, in.Description)
	if err != nil {
		return err
	}
	return c.reply(http.StatusCreated, groupView(admin.GroupInfo{Group: g}))
}

func (a *API) addToGroup(c *call) error {
	var in struct {
		Member string `json:"member"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	g, m, err := a.d.Admin.AddToGroup(c.r.Context(), c.actor(), c.tenant(), c.r.PathValue("id"), in.Member)
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, map[string]any{"group_id": g.ID, "member_id": m.ID})
}

func (a *API) removeFromGroup(c *call) error {
	g, m, err := a.d.Admin.RemoveFromGroup(c.r.Context(), c.actor(), c.tenant(), c.r.PathValue("id"), c.r.PathValue("member"))
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, map[string]any{"group_id": g.ID, "member_id": m.ID})
}

// policies

func (a *API) listPolicies(c *call) error {
	ps, err := a.d.Admin.Policies(c.r.Context(), c.tenant())
	if err != nil {
		return err
	}
	return writePage(c, ps, func(p policy.Policy) string { return p.Name }, func(p policy.Policy) policy.Policy { return p })
}

func (a *API) createPolicy(c *call) error {
	var p policy.Policy
	if err := c.decode(&p); err != nil {
		return err
	}
	p, err := a.d.Admin.CreatePolicy(c.r.Context(), c.actor(), c.tenant(), p)
	if err != nil {
		return err
	}
	return c.reply(http.StatusCreated, p)
}

func (a *API) getPolicy(c *call) error {
	p, err := a.d.Admin.Policy(c.r.Context(), c.tenant(), c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, p)
}

// webhooks and deliveries

func webhookView(w store.Webhook) map[string]any {
	events := w.Events
	if events == nil {
		events = []string{}
	}
	return map[string]any{"id": w.ID, "url": w.URL, "events": events, "created_at": stamp(w.CreatedAt)}
}

func (a *API) listWebhooks(c *call) error {
	ws, err := a.d.Store.Webhooks(c.r.Context(), c.tenant())
	if err != nil {
		return err
	}
	return writePage(c, ws, func(w store.Webhook) string { return w.ID }, webhookView)
}

func (a *API) createWebhook(c *call) error {
	var in struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	w, secret, err := a.d.Admin.CreateWebhook(c.r.Context(), c.actor(), admin.NewWebhook{TenantID: c.tenant(), URL: in.URL, Events: in.Events})
	if err != nil {
		return err
	}
	v := webhookView(w)
	v["secret"] = secret
	return c.reply(http.StatusCreated, v)
}

func (a *API) deleteWebhook(c *call) error {
	w, err := a.d.Admin.DeleteWebhook(c.r.Context(), c.actor(), c.tenant(), c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.reply(http.StatusOK, webhookView(w))
}

func (a *API) listDeliveries(c *call) error {
	// The cursor is the last message's (created_at nanoseconds, ID).
	limit, cur, err := c.pageQuery()
	if err != nil {
		return err
	}
	var ms []store.OutboxMessage
	if cur == "" {
		ms, err = a.d.Store.OutboxOfTenant(c.r.Context(), c.tenant(), limit)
	} else {
		nanos, id, ok := strings.Cut(cur, ":")
		n, perr := strconv.ParseInt(nanos, 10, 64)
		if !ok || perr != nil {
			return badCursor()
		}
		ms, err = a.d.Store.OutboxOfTenantBefore(c.r.Context(), c.tenant(), store.OutboxMessage{CreatedAt: time.Unix(0, n).UTC(), ID: id}, limit)
	}
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, m := range ms {
		items = append(items, map[string]any{"id": m.ID, "channel": m.Channel, "webhook_id": m.WebhookID, "member_id": m.MemberID,
			"type": m.Type, "created_at": stamp(m.CreatedAt), "attempts": m.Attempts, "delivered_at": stamp(m.DeliveredAt),
			"failed_at": stamp(m.FailedAt), "last_error": m.LastError})
	}
	next := ""
	if len(ms) == limit {
		last := ms[len(ms)-1]
		next = fmt.Sprintf("%d:%s", last.CreatedAt.UnixNano(), last.ID)
	}
	return c.reply(http.StatusOK, page{Items: items, Next: encodeCursor(next)})
}

// audit and checks

func (a *API) listAudit(c *call) error {
	limit, cur, err := c.pageQuery()
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	var after int64
	if cur != "" {
		if _, err := fmt.Sscan(cur, &after); err != nil {
			return badCursor()
		}
	}
	action, actor := q.Get("action"), q.Get("actor")
	recs, err := a.d.Store.AuditRecords(c.r.Context(), c.tenant(), after, limit)
	if err != nil {
		return err
	}
	items := []json.RawMessage{}
	for _, r := range recs {
		if action != "" && r.Action != action || actor != "" && r.Actor != actor {
			continue
		}
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		items = append(items, b)
	}
	next := ""
	if len(recs) == limit {
		next = fmt.Sprint(recs[len(recs)-1].Seq)
	}
	return c.reply(http.StatusOK, page{Items: items, Next: encodeCursor(next)})
}

// checkWindow reads the application and [since, until) of a check-log
// read; until defaults to now.
func (a *API) checkWindow(c *call) (store.Application, time.Time, time.Time, error) {
	q := c.r.URL.Query()
	ref := q.Get("application")
	if ref == "" {
		return store.Application{}, time.Time{}, time.Time{}, httpx.Errorf(http.StatusBadRequest, "invalid", "give the application: ?application=ID")
	}
	x, err := a.appByID(c, ref)
	if err != nil {
		return x, time.Time{}, time.Time{}, err
	}
	since, until := time.Unix(0, 0).UTC(), c.now
	for name, at := range map[string]*time.Time{"since": &since, "until": &until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return x, since, until, httpx.Errorf(http.StatusBadRequest, "invalid", "%s %q is not an RFC 3339 time such as 2026-11-01T00:00:00Z", name, v)
			}
			*at = t
		}
	}
	return x, since, until, nil
}

func checkView(r store.CheckRecord) map[string]any {
	return map[string]any{"id": r.ID, "app_id": r.AppID, "kid": r.KID, "account": r.Account,
		"at": stamp(r.At), "locked": r.Locked, "status": r.Status, "ip": r.IP, "device": r.Device,
		"location": r.Location, "integration_type": r.IntegrationType}
}

// listChecks pages through an application's check log, oldest first,
// over [since, until) (store.HistoryReader.ChecksBetween).
func (a *API) listChecks(c *call) error {
	limit, err := c.limit()
	if err != nil {
		return err
	}
	x, since, until, err := a.checkWindow(c)
	if err != nil {
		return err
	}
	var after store.CheckPosition
	if cur, err := decodeCursor(c.r.URL.Query().Get("cursor")); err != nil {
		return err
	} else if cur != "" {
		if _, err := fmt.Sscanf(cur, "%d:%d", &after.At, &after.Seq); err != nil {
			return badCursor()
		}
	}
	recs, pos, err := a.d.Store.ChecksBetween(c.r.Context(), x.ID, since, until, after, limit)
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, r := range recs {
		items = append(items, checkView(r))
	}
	next := ""
	if len(recs) == limit {
		next = fmt.Sprintf("%d:%d", pos.At, pos.Seq)
	}
	return c.reply(http.StatusOK, page{Items: items, Next: encodeCursor(next)})
}

// stamp is a time as the API writes it: RFC 3339 in UTC, or null.
func stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}
