package portal

import (
	"cmp"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The policies pages: an admin lists the tenant's policies, creates and
// edits one of each type (scheduled, context, alert, approval) with the
// weekly calendar of a schedule's windows, enables, disables and deletes
// it, and assigns it to applications, groups and members, through
// admin.Service as `deadbolt policy …` does. A form that does not
// validate is shown again with each problem beside its field, and nothing
// changes. "Preview" shows the calendar of what was typed without saving.

// policyRow is a policy on the list.
type policyRow struct {
	Policy policy.Policy
	Now    string // what it does now, in words ("window open until 17:00 Europe/Lisbon")
}

func (p *Portal) adminPolicies(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	pols, err := p.adminSvc().Policies(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	now := p.d.Clock.Now()
	rows := make([]policyRow, len(pols))
	for i, pol := range pols {
		rows[i] = policyRow{Policy: pol, Now: windowNow(pol, now)}
	}
	p.renderAdminPage(w, r, s, http.StatusOK, "policies", "policies", "Policies", map[string]any{"Policies": rows, "Types": policyTypes})
	return nil
}

// windowNow words a scheduled policy's window at now; "" for other kinds.
func windowNow(pol policy.Policy, now time.Time) string {
	if pol.Schedule == nil {
		return ""
	}
	tt, err := pol.Schedule.Compile()
	if err != nil {
		return ""
	}
	loc := tt.Location()
	w, ok := tt.Window(now)
	switch {
	case !ok:
		return "no window opens any more"
	case w.Contains(now):
		return "window open until " + w.End.In(loc).Format("Mon 15:04") + " " + pol.Schedule.Zone
	}
	return "next window opens " + w.Start.In(loc).Format("Mon 2 Jan 15:04") + " " + pol.Schedule.Zone
}

// policyPage is what the create and edit pages show.
type policyPage struct {
	Policy  policy.Policy // the stored one; zero ID on the create page
	Form    policyForm
	Errors  formErrors
	Preview *calendar // the calendar of the schedule, if it has one
	Unsaved bool      // the calendar shows what was typed, not what is saved
}

// policyPageData is everything the policy form needs besides the policy:
// the tenant's groups, members and applications to choose from.
func (p *Portal) policyPageData(r *http.Request, s signedIn, pg policyPage) (map[string]any, error) {
	ctx := r.Context()
	adm := p.adminSvc()
	groups, err := adm.Groups(ctx, s.member.TenantID)
	if err != nil {
		return nil, err
	}
	members, err := p.d.Store.Members(ctx, s.member.TenantID)
	if err != nil {
		return nil, err
	}
	apps, err := p.d.Store.Applications(ctx, s.member.TenantID)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Edit": pg, "Form": pg.Form, "Errors": pg.Errors, "Groups": groups, "Members": members, "Apps": apps,
		"Weekdays": weekdays, "Types": policyTypes}
	if pg.Policy.ID != "" {
		data["Assigned"] = assignments(pg.Policy, apps, groups, members)
	}
	return data, nil
}

// assignment is one assignment of a policy, in words, with what undoes it.
type assignment struct {
	Kind, Value, Words string
}

func assignments(pol policy.Policy, apps []store.Application, groups []admin.GroupInfo, members []store.Member) []assignment {
	var out []assignment
	add := func(kind, noun string, ids []string, names map[string]string) {
		for _, id := range ids {
			out = append(out, assignment{kind, id, noun + " " + cmp.Or(names[id], id)})
		}
	}
	add("app", "application", pol.Assign.Apps, namesByID(apps, func(a store.Application) (string, string) { return a.ID, a.Name + " (" + a.Issuer + ")" }))
	add("group", "group", pol.Assign.Groups, namesByID(groups, func(g admin.GroupInfo) (string, string) { return groupName(g.Group) }))
	add("member", "member", pol.Assign.Members, namesByID(members, memberEmail))
	return out
}

// renderPolicy renders the create page (pg.Policy.ID empty) or the edit
// page with status.
func (p *Portal) renderPolicy(w http.ResponseWriter, r *http.Request, s signedIn, status int, pg policyPage) error {
	if pg.Preview == nil {
		pg.Preview = p.previewOf(pg.Policy) // the saved policy's
	}
	data, err := p.policyPageData(r, s, pg)
	if err != nil {
		return err
	}
	title, section := "New "+strings.ToLower(typeLabel(pg.Form.Type))+" policy", "policy"
	if pg.Policy.ID != "" {
		title = "Policy " + pg.Policy.Name
	}
	p.renderAdminPage(w, r, s, status, "policies", section, title, data)
	return nil
}

func typeLabel(t string) string {
	for _, x := range policyTypes {
		if x.Type == t {
			return x.Label
		}
	}
	return t
}

// previewOf is the calendar of pol's schedule over the coming week, or
// nil when it has none (or it does not compile).
func (p *Portal) previewOf(pol policy.Policy) *calendar {
	if pol.Type != policy.Scheduled || pol.Schedule == nil {
		return nil
	}
	tt, err := pol.Schedule.Compile()
	if err != nil {
		return nil
	}
	c := newCalendar(tt, pol.Schedule.Zone, p.d.Clock.Now())
	return &c
}

func (p *Portal) adminPolicyNew(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	typ := r.URL.Query().Get("type")
	if !knownType(typ) {
		return &pageError{Status: http.StatusNotFound, Title: "No such kind of policy",
			Message: "Choose scheduled, context, alert or approval on the policies page.", Back: "/admin/policies"}
	}
	return p.renderPolicy(w, r, s, http.StatusOK, policyPage{Form: newPolicyForm(typ, p.d.Clock.Now())})
}

// adminPolicyCreate creates the policy the form describes, or shows the
// form again: with its problems (400), or with the calendar of what was
// typed when Preview was pressed.
func (p *Portal) adminPolicyCreate(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errUnreadableForm(err)
	}
	typ := r.PostForm.Get("type")
	if !knownType(typ) {
		return &pageError{Status: http.StatusBadRequest, Title: "Not saved", Message: "Choose scheduled, context, alert or approval."}
	}
	return p.savePolicy(w, r, s, policy.Policy{}, readPolicyForm(r.PostForm, typ))
}

// savePolicy creates (old has no ID) or updates old from f.
func (p *Portal) savePolicy(w http.ResponseWriter, r *http.Request, s signedIn, old policy.Policy, f policyForm) error {
	ctx := r.Context()
	adm := p.adminSvc()
	groups, err := adm.Groups(ctx, s.member.TenantID)
	if err != nil {
		return err
	}
	pol, errs := f.policy(ctx, adm, s.member.TenantID, groups)
	pg := policyPage{Policy: old, Form: f, Errors: errs}
	switch {
	case errs != nil:
		return p.renderPolicy(w, r, s, http.StatusBadRequest, pg)
	case r.PostForm.Get("preview") != "":
		pg.Preview, pg.Unsaved = p.previewOf(pol), true
		return p.renderPolicy(w, r, s, http.StatusOK, pg)
	}
	done := "policy-saved"
	if old.ID == "" {
		pol, err = adm.CreatePolicy(ctx, s.actor(), s.member.TenantID, pol)
		done = "policy-created"
	} else {
		pol, err = adm.UpdatePolicy(ctx, s.actor(), s.member.TenantID, old.ID, pol)
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		pg.Errors = formErrors{"name": "another policy of the organisation is named " + f.Name}
		return p.renderPolicy(w, r, s, http.StatusBadRequest, pg)
	case err != nil:
		return invalidInput(err)
	}
	return seeOther(w, r, "/admin/policies/"+pol.ID+"?done="+done)
}

// requireAdminPolicy is requireAdmin, then the policy of the path's {id}
// within the admin's tenant.
func (p *Portal) requireAdminPolicy(w http.ResponseWriter, r *http.Request) (signedIn, policy.Policy, bool, error) {
	return requireAdminFinds(p, w, r, func(s signedIn) (policy.Policy, error) {
		return p.adminSvc().Policy(r.Context(), s.member.TenantID, r.PathValue("id"))
	})
}

func (p *Portal) adminPolicy(w http.ResponseWriter, r *http.Request) error {
	s, pol, ok, err := p.requireAdminPolicy(w, r)
	if !ok {
		return err
	}
	return p.renderStoredPolicy(w, r, s, http.StatusOK, pol, nil)
}

// adminPolicySave saves the edit form; the policy keeps its type.
func (p *Portal) adminPolicySave(w http.ResponseWriter, r *http.Request) error {
	s, pol, ok, err := p.requireAdminPolicy(w, r)
	if !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errUnreadableForm(err)
	}
	return p.savePolicy(w, r, s, pol, readPolicyForm(r.PostForm, string(pol.Type)))
}

// adminPolicyState enables, disables ({state} on, off) or deletes it.
func (p *Portal) adminPolicyState(w http.ResponseWriter, r *http.Request) error {
	s, pol, ok, err := p.requireAdminPolicy(w, r)
	if !ok {
		return err
	}
	adm := p.adminSvc()
	ctx := r.Context()
	switch r.PathValue("state") {
	case "enable":
		_, err = adm.SetPolicyEnabled(ctx, s.actor(), s.member.TenantID, pol.ID, true)
	case "disable":
		_, err = adm.SetPolicyEnabled(ctx, s.actor(), s.member.TenantID, pol.ID, false)
	case "delete":
		if err := adm.DeletePolicy(ctx, s.actor(), s.member.TenantID, pol.ID); err != nil {
			return err
		}
		return seeOther(w, r, "/admin/policies?done=policy-deleted")
	default:
		return store.ErrNotFound
	}
	if err != nil {
		return invalidInput(err)
	}
	return seeOther(w, r, "/admin/policies/"+pol.ID+"?done=policy-"+r.PathValue("state")+"d")
}

// adminPolicyAssign assigns ({change} assign) or unassigns the policy to
// the form's application, group or member ("kind" and "value").
func (p *Portal) adminPolicyAssign(w http.ResponseWriter, r *http.Request) error {
	s, pol, ok, err := p.requireAdminPolicy(w, r)
	if !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errUnreadableForm(err)
	}
	value := strings.TrimSpace(r.PostForm.Get("value"))
	var t admin.Target
	switch r.PostForm.Get("kind") {
	case "app":
		t.App = value
	case "group":
		t.Group = value
	case "member":
		t.Member = value
	}
	adm := p.adminSvc()
	change, done := adm.Assign, "policy-assigned"
	if r.PathValue("change") == "unassign" {
		change, done = adm.Unassign, "policy-unassigned"
	} else if r.PathValue("change") != "assign" {
		return store.ErrNotFound
	}
	_, err = change(r.Context(), s.actor(), s.member.TenantID, pol.ID, t)
	msg := ""
	switch {
	case value == "" || (t == admin.Target{}):
		msg = "choose an application, a group or a member"
	case errors.Is(err, store.ErrConflict):
		msg = "the policy is already assigned to it"
	case errors.Is(err, store.ErrNotFound):
		msg = "the organisation has no such " + map[string]string{"app": "application", "group": "group", "member": "member"}[r.PostForm.Get("kind")] +
			", or the policy is not assigned to it"
	case err != nil:
		return invalidInput(err)
	default:
		return seeOther(w, r, "/admin/policies/"+pol.ID+"?done="+done+"#assignments")
	}
	return p.renderStoredPolicy(w, r, s, http.StatusBadRequest, pol, formErrors{"target": msg})
}

// renderStoredPolicy renders the edit page of pol as stored, with errs of
// a refused assignment.
func (p *Portal) renderStoredPolicy(w http.ResponseWriter, r *http.Request, s signedIn, status int, pol policy.Policy, errs formErrors) error {
	members, err := p.d.Store.Members(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	return p.renderPolicy(w, r, s, status, policyPage{Policy: pol, Form: policyFormOf(pol, namesByID(members, memberEmail)), Errors: errs})
}
