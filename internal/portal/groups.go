package portal

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The groups pages: an admin lists, creates and deletes the tenant's
// groups and adds and removes their members, through admin.Service as
// the CLI does (`deadbolt group …`), so each rule and audit event has one
// implementation. Every group is found within the admin's tenant: another
// tenant's is not found.

// groupRow is a group on the list.
type groupRow struct {
	admin.GroupInfo
	Policies []policy.Policy // assigned to the group
}

func (p *Portal) adminGroups(w http.ResponseWriter, r *http.Request) error {
	return p.adminGroupsPage(w, r, http.StatusOK, nil, nil)
}

// adminGroupsPage renders the list; errs and form are a refused create's.
func (p *Portal) adminGroupsPage(w http.ResponseWriter, r *http.Request, status int, errs formErrors, form url.Values) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	groups, pols, err := p.groupsAndPolicies(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	rows := make([]groupRow, len(groups))
	for i, g := range groups {
		rows[i] = groupRow{GroupInfo: g, Policies: assignedToGroup(pols, g.ID)}
	}
	p.renderAdminPage(w, r, s, status, "policies", "groups", "Groups", map[string]any{"Groups": rows, "Errors": errs, "Form": form})
	return nil
}

// groupsAndPolicies reads the tenant's groups and policies, which both
// group pages show side by side.
func (p *Portal) groupsAndPolicies(ctx context.Context, tenantID string) ([]admin.GroupInfo, []policy.Policy, error) {
	adm := p.adminSvc()
	groups, err := adm.Groups(ctx, tenantID)
	if err != nil {
		return nil, nil, err
	}
	pols, err := adm.Policies(ctx, tenantID)
	return groups, pols, err
}

// assignedToGroup is the policies assigned to the group id.
func assignedToGroup(pols []policy.Policy, id string) []policy.Policy {
	var out []policy.Policy
	for _, p := range pols {
		if slices.Contains(p.Assign.Groups, id) {
			out = append(out, p)
		}
	}
	return out
}

func (p *Portal) adminGroupCreate(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errUnreadableForm(err)
	}
	name, desc := strings.TrimSpace(r.PostForm.Get("name")), strings.TrimSpace(r.PostForm.Get("description"))
	errs := formErrors{}
	for _, pr := range policy.Problems((policy.Group{Name: name, Description: desc}).Validate()) {
		errs.add(pr.Field, pr.Message)
	}
	if len(errs) == 0 {
		g, err := p.adminSvc().CreateGroup(r.Context(), s.actor(), s.member.TenantID, name, desc)
		switch {
		case errors.Is(err, store.ErrConflict):
			errs.add("name", "the organisation already has a group named "+name)
		case err != nil:
			return invalidInput(err)
		default:
			return seeOther(w, r, "/admin/groups/"+g.ID+"?done=group-created")
		}
	}
	return p.adminGroupsPage(w, r, http.StatusBadRequest, errs, r.PostForm)
}

// requireAdminGroup is requireAdmin, then the group of the path's {id}
// within the admin's tenant.
func (p *Portal) requireAdminGroup(w http.ResponseWriter, r *http.Request) (signedIn, store.Group, bool, error) {
	return requireAdminFinds(p, w, r, func(s signedIn) (store.Group, error) {
		return p.d.Store.Group(r.Context(), s.member.TenantID, r.PathValue("id"))
	})
}

func (p *Portal) adminGroup(w http.ResponseWriter, r *http.Request) error {
	return p.adminGroupPage(w, r, http.StatusOK, nil, nil)
}

// adminGroupPage shows one group: its members with Remove, a form to add
// one, the policies assigned to it, and Delete.
func (p *Portal) adminGroupPage(w http.ResponseWriter, r *http.Request, status int, errs formErrors, form url.Values) error {
	s, g, ok, err := p.requireAdminGroup(w, r)
	if !ok {
		return err
	}
	groups, pols, err := p.groupsAndPolicies(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(groups, func(x admin.GroupInfo) bool { return x.ID == g.ID })
	if i < 0 {
		return store.ErrNotFound
	}
	info := groups[i]
	members, err := p.d.Store.Members(r.Context(), s.member.TenantID)
	if err != nil {
		return err
	}
	var others []store.Member // who can be added
	for _, m := range members {
		if !slices.ContainsFunc(info.Members, func(x store.Member) bool { return x.ID == m.ID }) {
			others = append(others, m)
		}
	}
	var approves []policy.Policy // approval policies whose approvers include the group
	for _, pol := range pols {
		if pol.Approval != nil && slices.Contains(pol.Approval.Groups, g.ID) {
			approves = append(approves, pol)
		}
	}
	p.renderAdminPage(w, r, s, status, "policies", "group", "Group "+g.Name, map[string]any{"Group": info, "Others": others,
		"Policies": assignedToGroup(pols, g.ID),
		"Approves": approves, "Errors": errs, "Form": form})
	return nil
}

func (p *Portal) adminGroupDelete(w http.ResponseWriter, r *http.Request) error {
	s, g, ok, err := p.requireAdminGroup(w, r)
	if !ok {
		return err
	}
	if _, err := p.adminSvc().DeleteGroup(r.Context(), s.actor(), s.member.TenantID, g.ID); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/groups?done=group-deleted")
}

// adminGroupAdd adds the member the form names (by email) to the group.
func (p *Portal) adminGroupAdd(w http.ResponseWriter, r *http.Request) error {
	s, g, ok, err := p.requireAdminGroup(w, r)
	if !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errUnreadableForm(err)
	}
	email := strings.TrimSpace(r.PostForm.Get("member"))
	errs := formErrors{}
	if email == "" {
		errs.add("member", "missing: choose a member of the organisation")
		return p.adminGroupPage(w, r, http.StatusBadRequest, errs, r.PostForm)
	}
	switch _, _, err := p.adminSvc().AddToGroup(r.Context(), s.actor(), s.member.TenantID, g.ID, email); {
	case errors.Is(err, store.ErrNotFound):
		errs.add("member", "no member of the organisation has the email "+email)
	case errors.Is(err, store.ErrConflict):
		errs.add("member", email+" is already a member of "+g.Name)
	case err != nil:
		return invalidInput(err)
	default:
		return seeOther(w, r, "/admin/groups/"+g.ID+"?done=group-member-added")
	}
	return p.adminGroupPage(w, r, http.StatusBadRequest, errs, r.PostForm)
}

// adminGroupRemove removes the path's {member} (an ID) from the group.
func (p *Portal) adminGroupRemove(w http.ResponseWriter, r *http.Request) error {
	s, g, ok, err := p.requireAdminGroup(w, r)
	if !ok {
		return err
	}
	m, err := p.d.Store.Member(r.Context(), r.PathValue("member"))
	if err != nil || m.TenantID != s.member.TenantID {
		return store.ErrNotFound
	}
	if _, _, err := p.adminSvc().RemoveFromGroup(r.Context(), s.actor(), s.member.TenantID, g.ID, m.ID); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/groups/"+g.ID+"?done=group-member-removed")
}
