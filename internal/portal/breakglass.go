package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The break-glass page (/admin/break-glass): owners and admins mark
// accounts and groups break-glass and remove marks, open any marked
// account of the tenant with a reason, and issue offline codes; auditors
// read it. Every change goes through breakglass.Service, as the CLI's and
// the owner's own form do: the same reason check and cap, the same audit
// (account.break_glass) and the same alert to every owner and admin. The
// list of offline codes shows their metadata only; the codes of a new
// issue are shown once, in the answer to the form, and the store keeps
// their hashes.

// errNoBreakGlass answers break-glass routes on a server that has it off.
var errNoBreakGlass = &pageError{Status: http.StatusNotFound, Title: "Break-glass is off",
	Message: "This server does not open accounts by break-glass from the portal. Nothing was changed."}

// markRow is a break-glass mark with what it applies to, in words.
type markRow struct {
	Mark store.BreakGlassMark
	// Account and App are set for a mark of an account, Group for one of
	// a group.
	Account, App, Group string
}

// codeRow is an offline code's metadata: never its hash, never the code.
type codeRow struct {
	ID, Batch, Account, App, CreatedBy string
	// CreatedAt is when it was issued; UsedAt when the device says it used
	// it and ReportedAt when the server heard of it (zero: unused).
	CreatedAt, UsedAt, ReportedAt time.Time
}

// names resolves IDs of the tenant to what people read, reading each
// once.
type names struct {
	p        *Portal
	ctx      context.Context
	accounts map[string]store.Account
	apps     map[string]store.Application
}

func (n *names) account(id string) (store.Account, store.Application) {
	a, ok := n.accounts[id]
	if !ok {
		a, _ = n.p.d.Store.AccountByID(n.ctx, id)
		n.accounts[id] = a
	}
	app, ok := n.apps[a.AppID]
	if !ok && a.AppID != "" {
		app, _ = n.p.d.Store.Application(n.ctx, a.AppID)
		n.apps[a.AppID] = app
	}
	return a, app
}

func (p *Portal) adminBreakGlass(w http.ResponseWriter, r *http.Request) error {
	return p.breakGlassPage(w, r, nil)
}

// breakGlassPage renders the page; issued, when set, is a new file of
// codes, shown in this answer only.
func (p *Portal) breakGlassPage(w http.ResponseWriter, r *http.Request, issued *breakglass.Issued) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if p.d.BreakGlass == nil {
		return errNoBreakGlass
	}
	ctx, tenant := r.Context(), s.member.TenantID
	marks, err := p.d.Store.BreakGlassMarks(ctx, tenant)
	if err != nil {
		return err
	}
	codes, err := p.d.Store.BreakGlassCodes(ctx, tenant)
	if err != nil {
		return err
	}
	groups, err := p.d.Store.Groups(ctx, tenant)
	if err != nil {
		return err
	}
	apps, err := p.d.Store.Applications(ctx, tenant)
	if err != nil {
		return err
	}
	groupNames := namesByID(groups, groupName)
	n := &names{p: p, ctx: ctx, accounts: map[string]store.Account{}, apps: map[string]store.Application{}}
	markRows := make([]markRow, 0, len(marks))
	for _, m := range marks {
		row := markRow{Mark: m}
		if m.GroupID != "" {
			row.Group = groupNames[m.GroupID]
		} else {
			a, app := n.account(m.AccountID)
			row.Account, row.App = a.Name, app.Name
		}
		markRows = append(markRows, row)
	}
	codeRows := make([]codeRow, 0, len(codes))
	for i := len(codes) - 1; i >= 0; i-- { // newest first
		c := codes[i]
		a, app := n.account(c.AccountID)
		codeRows = append(codeRows, codeRow{ID: c.ID, Batch: c.Batch, Account: a.Name, App: app.Name, CreatedBy: c.CreatedBy,
			CreatedAt: c.CreatedAt, UsedAt: c.UsedAt, ReportedAt: c.ReportedAt})
	}
	data := map[string]any{"Marks": markRows, "Codes": codeRows, "Apps": apps, "Groups": groups,
		"DefaultMax": breakglass.DefaultMax, "MaxCodes": breakglass.MaxCodes}
	if issued != nil {
		b, err := json.MarshalIndent(issued.File, "", "  ")
		if err != nil {
			return err
		}
		data["Issued"] = map[string]any{"File": string(b), "Count": len(issued.File.Codes), "Account": issued.File.Account,
			"Application": issued.File.Application, "Batch": issued.File.Batch}
	}
	p.renderAdminPage(w, r, s, http.StatusOK, "breakglass", "breakglass", "Break-glass", data)
	return nil
}

// breakGlassForm is requireAdmin for the page's changes, with the
// form read and break-glass on.
func (p *Portal) breakGlassForm(w http.ResponseWriter, r *http.Request) (signedIn, bool, error) {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return s, false, err
	}
	if p.d.BreakGlass == nil {
		return s, false, errNoBreakGlass
	}
	if err := r.ParseForm(); err != nil {
		return s, false, errUnreadableForm(err)
	}
	return s, true, nil
}

// breakGlassAppForm is breakGlassForm, then the form's application
// within the member's tenant (another tenant's is not found).
func (p *Portal) breakGlassAppForm(w http.ResponseWriter, r *http.Request) (signedIn, store.Application, bool, error) {
	s, ok, err := p.breakGlassForm(w, r)
	if !ok {
		return s, store.Application{}, false, err
	}
	app, err := p.tenantApp(r, s, r.PostForm.Get("app"))
	if err != nil {
		return s, app, false, err
	}
	return s, app, true, nil
}

// adminBreakGlassMark marks an account of an application, or a group,
// break-glass with a cap.
func (p *Portal) adminBreakGlassMark(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.breakGlassForm(w, r)
	if !ok {
		return err
	}
	max, err := parseDuration("The cap", r.PostForm.Get("max"))
	if err != nil {
		return withBack(err, "/admin/break-glass")
	}
	var t breakglass.Target
	switch r.PostForm.Get("target") {
	case "account":
		if t.App, err = p.tenantApp(r, s, r.PostForm.Get("app")); err != nil {
			return err
		}
		t.Account = strings.TrimSpace(r.PostForm.Get("account"))
		if t.Account == "" {
			return &pageError{Status: http.StatusBadRequest, Title: "Not saved", Message: "Name the account to mark. Nothing was changed.",
				Back: "/admin/break-glass"}
		}
	case "group":
		t.Group = r.PostForm.Get("group")
		if t.Group == "" {
			return &pageError{Status: http.StatusBadRequest, Title: "Not saved", Message: "Choose the group to mark. Nothing was changed.",
				Back: "/admin/break-glass"}
		}
	default:
		return &pageError{Status: http.StatusBadRequest, Title: "Not saved", Message: "Choose whether to mark an account or a group. Nothing was changed.",
			Back: "/admin/break-glass"}
	}
	if _, err := p.d.BreakGlass.Mark(r.Context(), s.actor(), s.member.TenantID, t, max); err != nil {
		return withBack(invalidInput(err), "/admin/break-glass")
	}
	return seeOther(w, r, "/admin/break-glass?done=breakglass-marked")
}

// adminBreakGlassUnmark removes a mark of the tenant.
func (p *Portal) adminBreakGlassUnmark(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.breakGlassForm(w, r)
	if !ok {
		return err
	}
	if err := p.d.BreakGlass.Unmark(r.Context(), s.actor(), s.member.TenantID, r.PathValue("id")); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/break-glass?done=breakglass-unmarked")
}

// adminBreakGlassUnlock opens a marked account of the tenant, as an admin,
// through the same breakglass.Service.Unlock as the owner's form and the
// CLI: a reason is required, the length is capped, every owner and admin
// is alerted and the audit records account.break_glass.
func (p *Portal) adminBreakGlassUnlock(w http.ResponseWriter, r *http.Request) error {
	s, app, ok, err := p.breakGlassAppForm(w, r)
	if !ok {
		return err
	}
	d, err := parseDuration("", r.PostForm.Get("for"))
	if err != nil {
		return withBack(err, "/admin/break-glass")
	}
	by := breakglass.By{Actor: s.actor(), MemberID: s.member.ID, Role: s.member.Role}
	if _, err := p.d.BreakGlass.Unlock(r.Context(), by, app, strings.TrimSpace(r.PostForm.Get("account")), r.PostForm.Get("reason"), d); err != nil {
		return withBack(invalidInput(err), "/admin/break-glass")
	}
	return seeOther(w, r, "/admin/break-glass?done=break-glass")
}

// adminBreakGlassIssue makes offline codes for a marked account
// (breakglass.Service.Issue, as `deadbolt breakglass issue`) and shows
// the device's file in this answer only: without a redirect, a reload
// cannot show it again, and the store keeps the codes' hashes alone.
func (p *Portal) adminBreakGlassIssue(w http.ResponseWriter, r *http.Request) error {
	s, app, ok, err := p.breakGlassAppForm(w, r)
	if !ok {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("count")))
	if err != nil || n < 1 || n > breakglass.MaxCodes {
		return &pageError{Status: http.StatusBadRequest, Title: "Not issued",
			Message: "Say how many codes to issue, from 1 to " + strconv.Itoa(breakglass.MaxCodes) + ". Nothing was issued.", Back: "/admin/break-glass"}
	}
	tenant, err := p.d.Store.Tenant(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	issued, err := p.d.BreakGlass.Issue(r.Context(), s.actor(), tenant, app, strings.TrimSpace(r.PostForm.Get("account")), n)
	if err != nil {
		return withBack(invalidInput(err), "/admin/break-glass")
	}
	return p.breakGlassPage(w, r, &issued)
}
