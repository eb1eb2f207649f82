package portal

import (
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The portal's navigation has two levels, so that it fits a phone's
// width however many pages come:
//   - the header names the areas: Accounts, Approvals, Settings, and Admin
//     for owners, admins and auditors;
//   - an area with several pages (Settings, Admin) shows their list as a
//     wrapping sub-navigation above the page's heading.
//
// A page belongs to an area by its template (pageAreas) or, for admin
// pages, by its section (adminSections). A new admin page adds one row to
// adminSections and gets its link.

// navLink is one link of a navigation. Current is its aria-current value:
// "page" for the page shown, "true" for the area or section it is in, ""
// otherwise.
type navLink struct {
	Path, Label, Current string
}

// area names the header's areas.
type area string

const (
	areaAccounts  area = "accounts"
	areaApprovals area = "approvals"
	areaSettings  area = "settings"
	areaAdmin     area = "admin"
)

// pageAreas puts templates in areas; a template not listed (sign-in,
// errors, enablement) is in none.
var pageAreas = map[string]area{
	"home": areaAccounts, "approvals": areaApprovals, "sign": areaApprovals,
	"settings": areaSettings, "passkeys": areaSettings, "admin": areaAdmin,
}

// subLink is one row of an area's sub-navigation: the sections (the data's
// "Section", else the template's name) that light it up, the first being
// the one its address shows.
type subLink struct {
	Path, Label string
	Sections    []string
}

// adminSections is the admin area's sub-navigation, in order.
var adminSections = []subLink{
	{"/admin/apps", "Applications", []string{"apps", "app", "accounts", "import"}},
	{"/admin/members", "Members", []string{"members"}},
	{"/admin/groups", "Groups", []string{"groups", "group"}},
	{"/admin/policies", "Policies", []string{"policies", "policy", "explain"}},
	{"/admin/templates", "Approval templates", []string{"templates"}},
	{"/admin/tokens", "API tokens", []string{"tokens"}},
	{"/admin/webhooks", "Webhooks", []string{"webhooks"}},
	{"/admin/deliveries", "Deliveries", []string{"deliveries"}},
	{"/admin/oidc", "OpenID clients", []string{"oidc"}},
	{"/admin/break-glass", "Break-glass", []string{"breakglass"}},
	{"/admin/activity", "Activity", []string{"activity"}},
	{"/admin/audit", "Audit", []string{"audit", "auditevent"}},
	{"/admin/reports/exposure", "Exposure report", []string{"exposure"}},
}

// settingsSections is the settings area's sub-navigation.
var settingsSections = []subLink{
	{"/settings", "Notifications", []string{"settings"}},
	{"/passkeys", "Passkeys", []string{"passkeys"}},
}

// navigation adds the header's links ("Nav"), and the area's
// sub-navigation ("SubNav", labelled "SubNavLabel") when it has one, to a
// page's data. Nothing is added for a page without a signed-in member.
func (p *Portal) navigation(page string, data map[string]any) {
	m, ok := data["Member"].(store.Member)
	if !ok || m.ID == "" {
		return
	}
	section, _ := data["Section"].(string)
	if section == "" {
		section = page
	}
	in := pageAreas[page]
	for _, l := range adminSections {
		for _, s := range l.Sections {
			if s == section && (in == "" || in == areaAdmin) {
				in = areaAdmin
			}
		}
	}
	top := []struct {
		area        area
		path, label string
		show        bool
	}{
		{areaAccounts, "/", "Accounts", true},
		{areaApprovals, "/approvals", "Approvals", p.d.Approvals != nil},
		{areaSettings, "/settings", "Settings", true},
		{areaAdmin, "/admin", "Admin", admin.Oversees(m)},
	}
	var nav []navLink
	for _, a := range top {
		if !a.show {
			continue
		}
		l := navLink{Path: a.path, Label: a.label}
		if a.area == in {
			l.Current = "true"
			if page == "home" && a.area == areaAccounts || page == "approvals" && a.area == areaApprovals {
				l.Current = "page"
			}
		}
		nav = append(nav, l)
	}
	data["Nav"] = nav
	switch in {
	case areaAdmin:
		data["SubNav"], data["SubNavLabel"] = subNav(adminSections, section), "Administration"
	case areaSettings:
		data["SubNav"], data["SubNavLabel"] = subNav(settingsSections, section), "Settings"
	}
}

// subNav is an area's sub-navigation with the link of section marked:
// "page" when the section is the link's own page, "true" when it is a
// page under it (an application's accounts under Applications).
func subNav(links []subLink, section string) []navLink {
	out := make([]navLink, 0, len(links))
	for _, l := range links {
		n := navLink{Path: l.Path, Label: l.Label}
		for i, s := range l.Sections {
			if s == section {
				n.Current = "true"
				if i == 0 {
					n.Current = "page"
				}
			}
		}
		out = append(out, n)
	}
	return out
}
