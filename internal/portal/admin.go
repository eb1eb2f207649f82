package portal

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The admin pages: applications and their keys, members and roles,
// webhooks, deliveries (the outbox on every channel, with its state),
// activity and the audit trail. Owners and admins of the tenant see and
// change them; auditors see them and change nothing; everything is scoped
// to the signed-in member's tenant.

// requireAdmin is requireSession for the admin pages, and the one place
// their roles are enforced: a page (GET or HEAD) is for owners, admins and
// auditors (admin.Oversees), anything else, a change, for owners and
// admins alone (admin.Administers). Every admin handler starts here, and
// TestAuditorChangesNothing posts to every admin route as an auditor.
func (p *Portal) requireAdmin(w http.ResponseWriter, r *http.Request) (signedIn, bool, error) {
	return p.requireRole(w, r, r.Method == http.MethodGet || r.Method == http.MethodHead)
}

// requireOverseer is requireAdmin for the one admin POST that changes
// nothing ("Verify now" on the Audit page): auditors may send it too.
func (p *Portal) requireOverseer(w http.ResponseWriter, r *http.Request) (signedIn, bool, error) {
	return p.requireRole(w, r, true)
}

// requireRole is requireSession for owners, admins and auditors when the
// request only reads, for owners and admins otherwise.
func (p *Portal) requireRole(w http.ResponseWriter, r *http.Request, reads bool) (signedIn, bool, error) {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return s, ok, err
	}
	switch {
	case reads && !admin.Oversees(s.member):
		return s, false, &pageError{Status: http.StatusForbidden, Title: "Administrators only",
			Message: "These pages are for the organisation's owners, admins and auditors. Ask an owner if you need them."}
	case !reads && !admin.Administers(s.member):
		return s, false, &pageError{Status: http.StatusForbidden, Title: "Administrators only",
			Message: "Only the organisation's owners and admins change this; auditors read it. Nothing was changed."}
	}
	return s, true, nil
}

func (p *Portal) adminSvc() *admin.Service {
	svc := &admin.Service{Store: p.d.Store, Clock: p.d.Clock, Box: p.d.Box, Egress: p.d.WebhookEgress}
	if p.d.Requests != nil {
		// The channels this deployment delivers; none when it has none.
		svc.Notify = append([]string{}, p.d.Requests.Notify...)
	}
	return svc
}

// tenantApp finds an application of the member's tenant.
func (p *Portal) tenantApp(r *http.Request, s signedIn, id string) (store.Application, error) {
	app, err := p.d.Store.Application(r.Context(), id)
	if err == nil && app.TenantID != s.member.TenantID {
		err = store.ErrNotFound
	}
	return app, err
}

// requireAdminApp is requireAdmin, then the application of the path's
// {id} within the admin's tenant (another tenant's is not found).
func (p *Portal) requireAdminApp(w http.ResponseWriter, r *http.Request) (signedIn, store.Application, bool, error) {
	return requireAdminFinds(p, w, r, func(s signedIn) (store.Application, error) { return p.tenantApp(r, s, r.PathValue("id")) })
}

// requireAdminApps is requireAdmin, then the applications of the admin's
// tenant.
func (p *Portal) requireAdminApps(w http.ResponseWriter, r *http.Request) (signedIn, []store.Application, bool, error) {
	return requireAdminFinds(p, w, r, func(s signedIn) ([]store.Application, error) {
		return p.d.Store.Applications(r.Context(), s.member.TenantID)
	})
}

// requireAdminFinds is requireAdmin, then what find reads for the signed-in
// admin; ok is false when either refuses. find looks only within
// s.member's tenant, so another tenant's record is not found: the
// requireAdmin… guards of the admin pages (an application, a group, a
// policy) are each this with their own find.
func requireAdminFinds[T any](p *Portal, w http.ResponseWriter, r *http.Request, find func(s signedIn) (T, error)) (signedIn, T, bool, error) {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		var zero T
		return s, zero, false, err
	}
	v, err := find(s)
	return s, v, err == nil, err
}

// namesByID maps the ID of each of items to what people read for it (a
// name, a member's email), for pages that show references by name.
func namesByID[T any](items []T, name func(T) (id, words string)) map[string]string {
	out := make(map[string]string, len(items))
	for _, it := range items {
		id, words := name(it)
		out[id] = words
	}
	return out
}

// The namers of namesByID.
func appName(a store.Application) (string, string) { return a.ID, a.Name }
func groupName(g store.Group) (string, string)     { return g.ID, g.Name }
func memberEmail(m store.Member) (string, string)  { return m.ID, m.Email }

func (p *Portal) renderAdmin(w http.ResponseWriter, r *http.Request, s signedIn, page, title string, data map[string]any) {
	p.renderAdminPage(w, r, s, http.StatusOK, "admin", page, title, data)
}

// renderAdminPage renders section of an admin template (its Section,
// which lights its link in the admin sub-navigation) with status.
func (p *Portal) renderAdminPage(w http.ResponseWriter, r *http.Request, s signedIn, status int, template, section, title string, data map[string]any) {
	data["Title"], data["Member"], data["Section"] = title, s.member, section
	data["Notice"] = notice(r)
	w.Header().Set("Cache-Control", "no-store")
	p.render(w, r, status, template, data)
}

type appRow struct {
	App      store.Application
	Accounts accountCount
}

func (p *Portal) adminApps(w http.ResponseWriter, r *http.Request) error {
	s, apps, ok, err := p.requireAdminApps(w, r)
	if !ok {
		return err
	}
	var rows []appRow
	for _, a := range apps {
		n, err := p.countAccounts(r.Context(), a.ID)
		if err != nil {
			return err
		}
		rows = append(rows, appRow{App: a, Accounts: n})
	}
	setup, err := p.setup(r.Context(), apps)
	if err != nil {
		return err
	}
	p.renderAdmin(w, r, s, "apps", "Applications", map[string]any{"Apps": rows, "Setup": setup,
		"Defaults": store.Application{Unenrolled: store.UnenrolledAllow, FailMode: store.FailClosed,
			DefaultUnlock: admin.DefaultUnlock, MaxUnlock: admin.MaxUnlock}})
	return nil
}

// durationField reads an optional length-of-time form field.
func durationField(r *http.Request, name, label string) (time.Duration, error) {
	return parseDuration(label, r.FormValue(name))
}

// invalidInput shows an invalid-input error's own text: the admin typed it.
// A rule the database enforced is told in the store's words
// (store.Message), never the database's.
func invalidInput(err error) error {
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict) {
		msg := store.Message(err)
		var se *store.Error
		if i := strings.LastIndex(msg, ": "); i >= 0 && errors.Is(err, store.ErrInvalid) && !errors.As(err, &se) {
			msg = msg[i+2:]
		}
		return &pageError{Status: http.StatusBadRequest, Title: "Not saved", Message: msg, Cause: err}
	}
	return err
}

// unlockFields reads the application form's default and longest unlock.
func unlockFields(r *http.Request) (def, longest time.Duration, err error) {
	if def, err = durationField(r, "default_unlock", "Default unlock"); err != nil {
		return 0, 0, err
	}
	longest, err = durationField(r, "max_unlock", "Longest unlock")
	return def, longest, err
}

func (p *Portal) adminAppCreate(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	def, maxU, err := unlockFields(r)
	if err != nil {
		return err
	}
	app, err := p.adminSvc().CreateApp(r.Context(), s.actor(), admin.NewApp{TenantID: s.member.TenantID,
		Name: r.FormValue("name"), Issuer: r.FormValue("issuer"), Unenrolled: r.FormValue("unenrolled"),
		FailMode: r.FormValue("fail_mode"), DefaultUnlock: def, MaxUnlock: maxU})
	if err != nil {
		return invalidInput(err)
	}
	return seeOther(w, r, "/admin/apps/"+app.ID+"?done=saved")
}

func (p *Portal) adminApp(w http.ResponseWriter, r *http.Request) error {
	return p.adminAppPage(w, r, nil)
}

// adminAppPage shows one application; secret is a key secret to show once.
func (p *Portal) adminAppPage(w http.ResponseWriter, r *http.Request, created *createdKey) error {
	s, app, ok, err := p.requireAdminApp(w, r)
	if !ok {
		return err
	}
	keys, err := p.d.Store.SigningKeys(r.Context(), app.ID)
	if err != nil {
		return err
	}
	slices.Reverse(keys) // newest first
	p.renderAdmin(w, r, s, "app", app.Name, map[string]any{"App": app, "Keys": keys, "Now": p.now(),
		"Origins": strings.Join(app.Origins, "\n"), "Created": created})
	return nil
}

func (p *Portal) adminAppUpdate(w http.ResponseWriter, r *http.Request) error {
	s, app, ok, err := p.requireAdminApp(w, r)
	if !ok {
		return err
	}
	def, maxU, err := unlockFields(r)
	if err != nil {
		return err
	}
	origins, err := admin.NormalizeOrigins(strings.Fields(r.FormValue("origins")))
	if err != nil {
		return invalidInput(err)
	}
	_, err = p.adminSvc().UpdateApp(r.Context(), s.actor(), app.ID, func(a *store.Application) {
		a.Name = strings.TrimSpace(r.FormValue("name"))
		a.Unenrolled, a.FailMode = r.FormValue("unenrolled"), r.FormValue("fail_mode")
		if def > 0 {
			a.DefaultUnlock = def
		}
		if maxU > 0 {
			a.MaxUnlock = maxU
		}
		a.Origins = origins
	})
	if err != nil {
		return invalidInput(err)
	}
	return seeOther(w, r, "/admin/apps/"+app.ID+"?done=saved")
}

// stateChanges are the danger zone's changes: what each sets, and the
// notice after it.
var stateChanges = map[string]struct {
	apply func(*store.Application)
	done  string
}{
	"lockdown":      {func(a *store.Application) { a.LockedDown = true }, "lockdown"},
	"lift-lockdown": {func(a *store.Application) { a.LockedDown = false }, "lifted-lockdown"},
	"disable":       {func(a *store.Application) { a.Enabled = false }, "disabled"},
	"enable":        {func(a *store.Application) { a.Enabled = true }, "enabled"},
}

// adminAppState makes one of the danger zone's changes, which act on every
// account of the application at once. The admin confirms by typing the
// application's name; without it nothing changes.
func (p *Portal) adminAppState(w http.ResponseWriter, r *http.Request) error {
	s, app, ok, err := p.requireAdminApp(w, r)
	if !ok {
		return err
	}
	back := "/admin/apps/" + app.ID + "#danger"
	change, ok := stateChanges[r.FormValue("set")]
	if !ok {
		return &pageError{Status: http.StatusBadRequest, Title: "Not changed", Message: "That change is unknown. Nothing was changed.", Back: back}
	}
	if !strings.EqualFold(strings.TrimSpace(r.FormValue("confirm")), strings.TrimSpace(app.Name)) {
		return &pageError{Status: http.StatusBadRequest, Title: "Not confirmed",
			Message: fmt.Sprintf("Nothing was changed. To confirm, type the application's name, %s, in the box beside the button.", app.Name),
			Back:    back}
	}
	if _, err := p.adminSvc().UpdateApp(r.Context(), s.actor(), app.ID, change.apply); err != nil {
		return withBack(invalidInput(err), back)
	}
	return seeOther(w, r, "/admin/apps/"+app.ID+"?done="+change.done)
}

// createdKey is a key just created, with its secret, shown once.
type createdKey struct {
	KID    string
	Secret string
}

func (p *Portal) adminKeyCreate(w http.ResponseWriter, r *http.Request) error {
	s, app, ok, err := p.requireAdminApp(w, r)
	if !ok {
		return err
	}
	k, secret, err := p.adminSvc().CreateKey(r.Context(), s.actor(), app, time.Time{})
	if err != nil {
		return err
	}
	// Shown in this answer only: it is stored sealed and never again in
	// the clear. No redirect, so a reload cannot show it either.
	return p.adminAppPage(w, r, &createdKey{KID: k.KID, Secret: encodeSecret(secret)})
}

func (p *Portal) adminKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	k, err := p.d.Store.SigningKey(r.Context(), r.PathValue("kid"))
	if err != nil {
		return err
	}
	if k.TenantID != s.member.TenantID {
		return store.ErrNotFound
	}
	if _, err := p.adminSvc().RevokeKey(r.Context(), s.actor(), k.KID); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/apps/"+k.AppID+"?done=revoked")
}

type memberRow struct {
	Member   store.Member
	Passkeys int
}

func (p *Portal) adminMembers(w http.ResponseWriter, r *http.Request) error {
	return p.adminMembersPage(w, r, "")
}

func (p *Portal) adminMembersPage(w http.ResponseWriter, r *http.Request, link string) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	ms, err := p.d.Store.Members(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	var rows []memberRow
	for _, m := range ms {
		keys, err := p.d.Store.Passkeys(r.Context(), m.ID)
		if err != nil {
			return err
		}
		rows = append(rows, memberRow{Member: m, Passkeys: len(keys)})
	}
	p.renderAdmin(w, r, s, "members", "Members", map[string]any{"Members": rows, "Link": link,
		"Roles": []string{store.RoleOwner, store.RoleAdmin, store.RoleApprover, store.RoleMember, store.RoleAuditor}})
	return nil
}

// adminInvite gives a member a one-time setup link; for a member who
// already has a passkey it is a recovery, which admin.Service.Invite
// allows only as its rules say.
func (p *Portal) adminInvite(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	inv, err := p.adminSvc().Invite(r.Context(), admin.AsMember(s.member), s.member.TenantID, r.FormValue("email"),
		r.FormValue("name"), r.FormValue("role"), p.d.Config.InviteTTL)
	if err != nil {
		return invalidInput(err)
	}
	return p.adminMembersPage(w, r, p.SetupURL(inv.Secret))
}

// adminRole changes a member's role, as admin.Service.SetRole allows.
func (p *Portal) adminRole(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	_, err = p.adminSvc().SetRole(r.Context(), admin.AsMember(s.member), r.PathValue("id"), r.FormValue("role"))
	if errors.Is(err, store.ErrConflict) {
		return &pageError{Status: http.StatusConflict, Title: "Keep one owner", Message: "The organisation needs at least one owner.", Cause: err}
	}
	if err != nil {
		return invalidInput(err)
	}
	return seeOther(w, r, "/admin/members?done=saved")
}

type webhookRow struct {
	Hook     store.Webhook
	Messages []store.OutboxMessage
	Failed   int
	Pending  int
}

// createdWebhook is a webhook just created, with its secret, shown once.
type createdWebhook struct {
	ID, URL, Secret string
}

func (p *Portal) adminWebhooks(w http.ResponseWriter, r *http.Request) error {
	return p.adminWebhooksPage(w, r, nil)
}

// adminWebhookCreate adds a webhook and shows its signing secret in this
// answer only, as a new key's: it is stored sealed and never again in the
// clear, and without a redirect a reload cannot show it either.
func (p *Portal) adminWebhookCreate(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &pageError{Status: http.StatusBadRequest, Title: "Not saved", Message: "The form could not be read.", Cause: err}
	}
	h, secret, err := p.adminSvc().CreateWebhook(r.Context(), s.actor(), admin.NewWebhook{TenantID: s.member.TenantID,
		URL: r.PostForm.Get("url"), Events: r.PostForm["events"]})
	if err != nil {
		return invalidInput(err)
	}
	return p.adminWebhooksPage(w, r, &createdWebhook{ID: h.ID, URL: h.URL, Secret: secret})
}

func (p *Portal) adminWebhookDelete(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if _, err := p.adminSvc().DeleteWebhook(r.Context(), s.actor(), s.member.TenantID, r.PathValue("id")); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/webhooks?done=deleted")
}

func (p *Portal) adminWebhooksPage(w http.ResponseWriter, r *http.Request, created *createdWebhook) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	hooks, err := p.d.Store.Webhooks(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	var rows []webhookRow
	for _, h := range hooks {
		msgs, err := p.d.Store.OutboxMessages(r.Context(), h.ID, 20)
		if err != nil {
			return err
		}
		row := webhookRow{Hook: h, Messages: msgs}
		for _, m := range msgs {
			switch {
			case !m.FailedAt.IsZero():
				row.Failed++
			case m.DeliveredAt.IsZero():
				row.Pending++
			}
		}
		rows = append(rows, row)
	}
	p.renderAdmin(w, r, s, "webhooks", "Webhooks", map[string]any{"Hooks": rows, "Created": created,
		"Events": admin.WebhookEvents})
	return nil
}

// deliveriesShown is how many of the latest outbox messages the
// Deliveries page lists.
const deliveriesShown = 100

// adminDeliveries lists the tenant's latest outbox messages on every
// channel — webhook events, email and push notices — with their state.
func (p *Portal) adminDeliveries(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	ds, err := notify.Deliveries(r.Context(), p.d.Store, s.member.TenantID, deliveriesShown)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, d := range ds {
		counts[d.State()]++
	}
	p.renderAdmin(w, r, s, "deliveries", "Deliveries", map[string]any{"Deliveries": ds, "Counts": counts,
		"Shown": deliveriesShown, "MaxAttempts": notify.MaxAttempts})
	return nil
}

func (p *Portal) adminActivity(w http.ResponseWriter, r *http.Request) error {
	s, apps, ok, err := p.requireAdminApps(w, r)
	if !ok {
		return err
	}
	now := p.now()
	var recs []store.CheckRecord
	for _, a := range apps {
		rs, err := p.d.Store.CheckRecords(r.Context(), a.ID, activityRecords)
		if err != nil {
			return err
		}
		recs = append(recs, rs...)
	}
	slices.SortFunc(recs, func(a, b store.CheckRecord) int { return b.At.Compare(a.At) })
	latest := recs[:min(len(recs), 25)]
	// The policies that decided checks, by ID, to name and link them.
	pols, err := p.adminSvc().Policies(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	policyNames := namesByID(pols, func(pol policy.Policy) (string, string) { return pol.ID, pol.Name })
	p.renderAdmin(w, r, s, "activity", "Activity", map[string]any{"Chart": newChart(recs, now), "Latest": latest,
		"AppNames": namesByID(apps, appName), "PolicyNames": policyNames})
	return nil
}

// activityRecords bounds the check-log records read per application for
// the activity page.
const activityRecords = 5000

// chart is a bar chart of checks and blocked checks per hour over the last
// day, drawn as SVG on the server. Horizontal positions are percentages of
// the plot's width and vertical ones pixels of a fixed height, so the
// chart stretches to any width while its text keeps its size (a viewBox
// would scale the text down with the width).
type chart struct {
	Bars           []bar
	Total, Blocked int
	Height, Bottom int // pixels: the whole drawing, the baseline
	Ticks          []tick
}

type bar struct {
	X, W           string // percent of the plot's width, e.g. "4.167%"
	Y, H           int    // all checks, pixels
	BlockY, BlockH int    // blocked checks, pixels
	Label          string // the hour, "15:00"
	Checks, Locked int
	Axis           bool // labelled on the time axis (every third hour)
	Minor          bool // a label hidden on narrow screens (not every sixth hour)
}

type tick struct {
	Y     int
	Value int
}

func newChart(recs []store.CheckRecord, now time.Time) chart {
	const hours, h, top = 24, 160, 8
	c := chart{Height: top + h + 24, Bottom: top + h}
	start := now.Truncate(time.Hour).Add(-(hours - 1) * time.Hour)
	counts := make([][2]int, hours)
	most := 0
	for _, rec := range recs {
		i := int(rec.At.Sub(start) / time.Hour)
		if i < 0 || i >= hours {
			continue
		}
		counts[i][0]++
		c.Total++
		if rec.Locked {
			counts[i][1]++
			c.Blocked++
		}
		most = max(most, counts[i][0])
	}
	step, scale := axisScale(most)
	pct := func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) + "%" }
	for i, n := range counts {
		b := bar{X: pct(float64(i)*100/hours + 0.4), W: pct(100.0/hours - 0.8), Checks: n[0], Locked: n[1],
			Label: start.Add(time.Duration(i) * time.Hour).Format("15:04"), Axis: i%3 == 0, Minor: i%6 != 0}
		b.H = n[0] * h / scale
		b.Y = top + h - b.H
		b.BlockH = n[1] * h / scale
		b.BlockY = top + h - b.BlockH
		c.Bars = append(c.Bars, b)
	}
	for v := 0; v <= scale; v += step {
		c.Ticks = append(c.Ticks, tick{Y: top + h - v*h/scale, Value: v})
	}
	return c
}

// axisScale picks the steps of a count axis that reaches at least most:
// whole numbers of 1, 2 or 5 times a power of ten, at most four steps.
func axisScale(most int) (step, scale int) {
	for mag := 1; ; mag *= 10 {
		for _, s := range []int{1, 2, 5} {
			step = s * mag
			if n := (most + step - 1) / step; n <= 4 {
				return step, max(n, 1) * step
			}
		}
	}
}

// encodeSecret writes a key secret as Next Level3 hands them out: base64.
func encodeSecret(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
