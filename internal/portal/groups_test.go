package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// groupNames lists the tenant's groups as "name:member,member".
func (e *env) groupNames(tenantID string) []string {
	e.t.Helper()
	gs, err := e.admin.Groups(e.t.Context(), tenantID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, g := range gs {
		var ms []string
		for _, m := range g.Members {
			ms = append(ms, m.Email)
		}
		out = append(out, g.Name+":"+strings.Join(ms, ","))
	}
	return out
}

// otherOwner makes the tenant globex with an owner, signed in, and a
// member.
func (e *env) otherOwner() (store.Tenant, *http.Cookie, store.Member) {
	e.t.Helper()
	ctx := e.t.Context()
	other, err := e.admin.CreateTenant(ctx, "test", "globex")
	if err != nil {
		e.t.Fatal(err)
	}
	_, gina := e.member(other.ID, "gina@globex.test", store.RoleOwner)
	hal, err := e.admin.Invite(ctx, admin.Operator("test"), other.ID, "hal@globex.test", "", store.RoleMember, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return other, gina, hal.Member
}

// outsider is someone a tenant's group and policy pages refuse, with the
// status they get; extra holds the headers of their request.
type outsider struct {
	who    string
	cookie *http.Cookie
	want   int
	extra  []string
}

// outsiders are another tenant's owner (gina), a plain member, and an
// owner's form posted from another site.
func outsiders(gina, member, owner *http.Cookie) []outsider {
	return []outsider{
		{"another tenant's owner", gina, http.StatusNotFound, nil},
		{"a plain member", member, http.StatusForbidden, nil},
		{"a cross-site form", owner, http.StatusForbidden, []string{"Sec-Fetch-Site", "cross-site"}},
	}
}

// TestAdminGroups: an owner creates a group, adds and removes members and
// deletes it in the portal, as `deadbolt group` does; bad input shows the
// problem beside its field and changes nothing; another tenant's owner
// gets 404, a plain member 403, and a cross-site form is refused, each
// changing nothing.
func TestAdminGroups(t *testing.T) {
	e := newEnv(t, publicURL)
	tenant := e.alice.TenantID
	_, owner := e.owner("olive@acme.test")
	_, gina, hal := e.otherOwner()
	member := e.signIn(e.alice)

	r := e.do("POST", "/admin/groups", url.Values{"name": {"finance"}, "description": {"Money people"}}, owner)
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/groups/") {
		t.Fatalf("create: %d %s", r.code, r.header.Get("Location"))
	}
	page := strings.TrimSuffix(r.header.Get("Location"), "?done=group-created")
	if r := e.do("GET", page+"?done=group-created", nil, owner); r.code != http.StatusOK || !strings.Contains(r.body, "Group created") ||
		!strings.Contains(r.body, "Money people") {
		t.Fatalf("group page: %d", r.code)
	}
	for _, email := range []string{"alice@acme.test", "bob@acme.test"} {
		if r := e.do("POST", page+"/members", url.Values{"member": {email}}, owner); r.code != http.StatusSeeOther {
			t.Fatalf("add %s: %d %s", email, r.code, r.body)
		}
	}
	want := []string{"finance:alice@acme.test,bob@acme.test"}
	check := func(what string) {
		t.Helper()
		if got := e.groupNames(tenant); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("after %s: groups %q, want %q", what, got, want)
		}
	}
	check("adding two")

	// Bad input: the problem beside its field, status 400, nothing changed.
	for _, c := range []struct {
		name, path string
		form       url.Values
		field, msg string
	}{
		{"empty name", "/admin/groups", url.Values{"name": {""}}, "err-name", "missing"},
		{"name taken", "/admin/groups", url.Values{"name": {"finance"}}, "err-name", "already has a group named finance"},
		{"name with a control character", "/admin/groups", url.Values{"name": {"fin\x01"}}, "err-name", "control character"},
		{"unknown member", page + "/members", url.Values{"member": {"zed@acme.test"}}, "err-member", "no member"},
		{"another tenant's member", page + "/members", url.Values{"member": {hal.Email}}, "err-member", "no member"},
		{"a member twice", page + "/members", url.Values{"member": {"bob@acme.test"}}, "err-member", "already a member"},
	} {
		r := e.do("POST", c.path, c.form, owner)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, `id="`+c.field+`"`) || !strings.Contains(r.body, c.msg) ||
			!strings.Contains(r.body, `aria-invalid="true"`) || !strings.Contains(r.body, `role="alert"`) {
			t.Errorf("%s: %d; want 400 with %s saying %q", c.name, r.code, c.field, c.msg)
		}
		check(c.name)
	}

	bobPath := page + "/members/" + e.bob.ID + "/remove"
	for _, c := range outsiders(gina, member, owner) {
		if c.extra == nil {
			if r := e.do("GET", page, nil, c.cookie); r.code != c.want {
				t.Errorf("%s: GET group: %d, want %d", c.who, r.code, c.want)
			}
			if r := e.do("GET", "/admin/groups", nil, c.cookie); c.want == http.StatusForbidden && r.code != c.want ||
				c.want == http.StatusNotFound && strings.Contains(r.body, "Money people") {
				t.Errorf("%s: GET groups: %d (shows acme's group: %v)", c.who, r.code, strings.Contains(r.body, "Money people"))
			}
		}
		for _, post := range []struct {
			path string
			form url.Values
		}{
			{"/admin/groups", url.Values{"name": {"intruders"}}},
			{page + "/members", url.Values{"member": {"olive@acme.test"}}},
			{bobPath, nil},
			{page + "/delete", nil},
		} {
			want := c.want
			if post.path == "/admin/groups" && c.want == http.StatusNotFound {
				continue // gina may create groups in her own tenant
			}
			if r := e.do("POST", post.path, post.form, c.cookie, c.extra...); r.code != want {
				t.Errorf("%s: POST %s: %d, want %d", c.who, post.path, r.code, want)
			}
		}
		check(c.who)
	}

	if r := e.do("POST", bobPath, nil, owner); r.code != http.StatusSeeOther {
		t.Fatalf("remove bob: %d", r.code)
	}
	want = []string{"finance:alice@acme.test"}
	check("removing bob")
	if r := e.do("POST", page+"/delete", nil, owner); r.code != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.code)
	}
	want = nil
	check("deleting")
	actions := e.auditActions("member:olive@acme.test")
	for _, a := range []string{"group.created", "group.member_added", "group.member_removed", "group.deleted"} {
		if !strings.Contains(strings.Join(actions, " "), a) {
			t.Errorf("audit has no %s: %v", a, actions)
		}
	}
}
