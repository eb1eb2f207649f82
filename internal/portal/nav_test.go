package portal_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// navLinks returns the links of the page's navigation labelled label, as
// "Label" or "Label=current" (its aria-current).
func navLinks(t *testing.T, body, label string) []string {
	t.Helper()
	nav := regexp.MustCompile(`(?s)<nav[^>]*aria-label="` + label + `"[^>]*>(.*?)</nav>`).FindStringSubmatch(body)
	if nav == nil {
		return nil
	}
	var out []string
	for _, m := range regexp.MustCompile(`<a href="[^"]*"(?: aria-current="([a-z]+)")?>([^<]+)</a>`).FindAllStringSubmatch(nav[1], -1) {
		l := m[2]
		if m[1] != "" {
			l += "=" + m[1]
		}
		out = append(out, l)
	}
	return out
}

// TestNavigation: the header names the areas, with Admin for owners and
// admins only and Approvals when the server decides approvals; each area's
// pages are listed in its sub-navigation, with aria-current on the page
// shown ("page") and on the area or section it belongs to ("true").
func TestNavigation(t *testing.T) {
	e := newEnvWith(t, publicURL, func(d *portal.Deps) {
		d.Approvals = &approval.Service{Store: d.Store.(*sqlite.Store), Clock: d.Clock}
	})
	_, owner := e.owner("olive@acme.test")
	member := e.signIn(e.alice)
	for _, c := range []struct {
		name, path  string
		who         string
		main, sub   []string
		subLabelled string
	}{
		{"member's accounts", "/", "member", []string{"Accounts=page", "Approvals", "Settings"}, nil, ""},
		{"member's approvals", "/approvals", "member", []string{"Accounts", "Approvals=page", "Settings"}, nil, ""},
		{"member's notifications", "/settings", "member", []string{"Accounts", "Approvals", "Settings=true"},
			[]string{"Notifications=page", "Passkeys"}, "Settings"},
		{"member's passkeys", "/passkeys", "member", []string{"Accounts", "Approvals", "Settings=true"},
			[]string{"Notifications", "Passkeys=page"}, "Settings"},
		{"owner's accounts", "/", "owner", []string{"Accounts=page", "Approvals", "Settings", "Admin"}, nil, ""},
		{"owner's members", "/admin/members", "owner", []string{"Accounts", "Approvals", "Settings", "Admin=true"},
			nil, "Administration"},
		{"owner's application accounts", "/admin/apps/" + e.app.ID + "/accounts", "owner",
			[]string{"Accounts", "Approvals", "Settings", "Admin=true"}, nil, "Administration"},
		{"an error page", "/nowhere", "owner", []string{"Accounts", "Approvals", "Settings", "Admin"}, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cookie := member
			if c.who == "owner" {
				cookie = owner
			}
			r := e.do("GET", c.path, nil, cookie)
			if got := navLinks(t, r.body, "Main"); !slices.Equal(got, c.main) {
				t.Errorf("GET %s (%d): header %q, want %q", c.path, r.code, got, c.main)
			}
			sub := navLinks(t, r.body, c.subLabelled)
			switch {
			case c.subLabelled == "":
				if regexp.MustCompile(`class="subnav"`).MatchString(r.body) {
					t.Errorf("GET %s shows a sub-navigation", c.path)
				}
			case c.subLabelled == "Administration":
				// Every admin page lists the admin pages, with exactly
				// one marked.
				marked := 0
				for _, l := range sub {
					if regexp.MustCompile(`=(page|true)$`).MatchString(l) {
						marked++
					}
				}
				if len(sub) < 7 || marked != 1 {
					t.Errorf("GET %s: admin sub-navigation %q", c.path, sub)
				}
				want := map[string]string{"/admin/members": "Members=page", "/admin/apps/" + e.app.ID + "/accounts": "Applications=true"}[c.path]
				if !slices.Contains(sub, want) {
					t.Errorf("GET %s: admin sub-navigation %q has no %q", c.path, sub, want)
				}
			default:
				if !slices.Equal(sub, c.sub) {
					t.Errorf("GET %s: sub-navigation %q, want %q", c.path, sub, c.sub)
				}
			}
		})
	}
	// Without approvals on this server, the header has no Approvals.
	plain := newEnv(t, publicURL)
	if got := navLinks(t, plain.do("GET", "/", nil, plain.signIn(plain.alice)).body, "Main"); !slices.Equal(got, []string{"Accounts=page", "Settings"}) {
		t.Errorf("header without approvals: %q", got)
	}
}
