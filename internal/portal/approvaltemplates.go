package portal

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The templates page (/admin/templates): owners and admins list, create
// and delete the tenant's templates of approval requests for operations
// (NL3 approvalRequest); auditors read it. Every change goes through
// admin.Service, as `deadbolt template …` and /api/v1/templates do, so the
// rules (key, title, text and its placeholders, approvers, groups, mode,
// K, deny_on, expiry) and the audit events have one implementation. A
// template is found by its key within the admin's tenant: another
// tenant's is not found.

// templateRow is a template with its approvers and groups in words.
type templateRow struct {
	store.Template
	Emails, Groups []string
}

func (p *Portal) adminTemplates(w http.ResponseWriter, r *http.Request) error {
	return p.adminTemplatesPage(w, r, http.StatusOK, nil, nil)
}

// adminTemplatesPage renders the list and the form; errs and form are a
// refused create's.
func (p *Portal) adminTemplatesPage(w http.ResponseWriter, r *http.Request, status int, errs formErrors, form url.Values) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	ctx, tenant := r.Context(), s.member.TenantID
	ts, err := p.adminSvc().Templates(ctx, tenant)
	if err != nil {
		return err
	}
	members, err := p.d.Store.Members(ctx, tenant)
	if err != nil {
		return err
	}
	groups, err := p.d.Store.Groups(ctx, tenant)
	if err != nil {
		return err
	}
	email, groupNames := namesByID(members, memberEmail), namesByID(groups, groupName)
	rows := make([]templateRow, len(ts))
	for i, t := range ts {
		rows[i].Template = t
		for _, id := range t.Approvers {
			rows[i].Emails = append(rows[i].Emails, cmp.Or(email[id], "(removed member)"))
		}
		for _, id := range t.ApproverGroups {
			rows[i].Groups = append(rows[i].Groups, cmp.Or(groupNames[id], "(removed group)"))
		}
	}
	if form == nil {
		form = url.Values{"mode": {store.ModeApprove}, "deny_on": {store.DenyFirst}, "approvals": {"1"}}
	}
	p.renderAdminPage(w, r, s, status, "policies", "templates", "Approval templates", map[string]any{
		"Templates": rows, "Groups": groups, "Errors": errs, "Form": form,
		"DefaultExpiry": store.DefaultOperationExpiry, "MaxExpiry": admin.MaxTemplateExpiry,
	})
	return nil
}

// templateFields put admin.CreateTemplate's refusals beside their fields,
// by the words each starts with.
var templateFields = []struct{ prefix, field string }{
	{"template key", "key"}, {"template title", "title"}, {"template text", "text"}, {"template mode", "mode"},
	{"template approvals", "approvals"}, {"template deny-on", "deny_on"}, {"template expiry", "expiry"},
	{"approver", "approvers"}, {"group", "groups"},
}

func (p *Portal) adminTemplateCreate(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errUnreadableForm(err)
	}
	f := r.PostForm
	nt := admin.NewTemplate{Key: strings.TrimSpace(f.Get("key")), Title: strings.TrimSpace(f.Get("title")), Text: f.Get("text"),
		Approvers: splitList(f.Get("approvers")), ApproverGroups: f["groups"], Mode: f.Get("mode"), DenyOn: f.Get("deny_on")}
	errs := formErrors{}
	if v := strings.TrimSpace(f.Get("approvals")); v != "" {
		if nt.Approvals, err = strconv.Atoi(v); err != nil || nt.Approvals < 1 {
			errs.add("approvals", "write a whole number of approvals, 1 or more")
		}
	}
	if nt.Expiry, err = parseDuration("", f.Get("expiry")); err != nil {
		errs.add("expiry", asPageError(err).Message)
	}
	if len(errs) == 0 {
		_, err := p.adminSvc().CreateTemplate(r.Context(), s.actor(), s.member.TenantID, nt)
		switch {
		case err == nil:
			return seeOther(w, r, "/admin/templates?done=template-created")
		case errors.Is(err, admin.ErrEmailUnverified):
			errs.add("approvers", err.Error())
		case errors.Is(err, store.ErrConflict):
			errs.add("key", "the organisation already has a template "+nt.Key)
		case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrNotFound):
			msg, field := strings.TrimPrefix(store.Message(err), store.ErrInvalid.Error()+": "), ""
			for _, tf := range templateFields {
				if strings.HasPrefix(msg, tf.prefix) {
					field = tf.field
					break
				}
			}
			errs.add(field, msg)
		default:
			return err
		}
	}
	return p.adminTemplatesPage(w, r, http.StatusBadRequest, errs, f)
}

// adminTemplateDelete deletes the admin's tenant's template of the path's
// {key}.
func (p *Portal) adminTemplateDelete(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireAdmin(w, r)
	if !ok {
		return err
	}
	if err := p.adminSvc().DeleteTemplate(r.Context(), s.actor(), s.member.TenantID, r.PathValue("key")); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/templates?done=template-deleted")
}
