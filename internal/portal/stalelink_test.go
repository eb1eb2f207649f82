package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// setRole posts the Members page's role form as p.
func setRole(t *testing.T, p person, m store.Member, role string) int {
	t.Helper()
	res, err := p.tab.PostForm(context.Background(), "/admin/members/"+m.ID+"/role", url.Values{"role": {role}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// ownerAndAdmin serves a portal whose tenant has an owner (olive) and an
// admin (adam), each registered over HTTP.
func ownerAndAdmin(t *testing.T) (e *env, base string, owner, adm person) {
	t.Helper()
	e, base = served(t)
	owner = e.enrol(base, e.app.TenantID, "olive@acme.test", store.RoleOwner)
	adm = e.enrol(base, e.app.TenantID, "adam@acme.test", store.RoleAdmin)
	return e, base, owner, adm
}

// promoteToOwner has owner make the tenant's member of email an owner
// through the Members page.
func promoteToOwner(t *testing.T, e *env, owner person, email string) store.Member {
	t.Helper()
	m, err := e.store.MemberByEmail(context.Background(), owner.m.TenantID, email)
	if err != nil {
		t.Fatal(err)
	}
	if code := setRole(t, owner, m, store.RoleOwner); code != http.StatusOK {
		t.Fatalf("owner promoting: %d", code)
	}
	return m
}

// TestStaleSetupLinkAfterPromotion: an admin asks for a second setup link
// for a new member before they register (no recovery yet, so nobody is
// told), and keeps it. The member registers with the first link and is
// later made owner. The kept link must not put the admin's passkey on the
// owner.
func TestStaleSetupLinkAfterPromotion(t *testing.T) {
	e, base, owner, adm := ownerAndAdmin(t)
	ctx := context.Background()

	code, given := invite(t, adm, "nina@acme.test", "")
	if code != http.StatusOK || given == "" {
		t.Fatalf("admin inviting a new member: %d", code)
	}
	code, kept := invite(t, adm, "nina@acme.test", "")
	if code != http.StatusOK || kept == "" {
		t.Fatalf("admin's second link: %d", code)
	}
	nina, nk := browser(t, base)
	if _, err := nina.Setup(ctx, nk, given, "laptop"); err != nil {
		t.Fatal(err)
	}
	m := promoteToOwner(t, e, owner, "nina@acme.test")
	m, err := e.store.Member(ctx, m.ID)
	if err != nil || m.Role != store.RoleOwner {
		t.Fatalf("promoted: %+v, %v", m, err)
	}
	evil, ek := browser(t, base)
	if _, err := evil.Setup(ctx, ek, kept, "evil"); err == nil || signedInAs(t, evil, m) {
		t.Fatal("a setup link made before the member registered signed the admin in as the member, now an owner")
	}
}

// TestDemoteToRecover: an admin may not recover another admin, so they
// may not get round that by demoting them first, recovering the member and
// promoting them back: only an owner changes an admin's role.
func TestDemoteToRecover(t *testing.T) {
	e, base, owner, adm := ownerAndAdmin(t)
	ctx := context.Background()
	adm2 := e.enrol(base, e.app.TenantID, "ada@acme.test", store.RoleAdmin)

	if code := setRole(t, adm, adm2.m, store.RoleMember); code != http.StatusForbidden {
		t.Fatalf("admin demoting another admin: %d, want 403", code)
	}
	if m, err := e.store.Member(ctx, adm2.m.ID); err != nil || m.Role != store.RoleAdmin {
		t.Fatalf("after a refused demotion: %+v, %v", m, err)
	}
	if code, link := invite(t, adm, adm2.m.Email, ""); code != http.StatusForbidden || link != "" {
		t.Fatalf("admin recovering another admin: %d, link %q", code, link)
	}
	// The owner still may.
	if code := setRole(t, owner, adm2.m, store.RoleMember); code != http.StatusOK {
		t.Fatalf("owner demoting an admin: %d", code)
	}
}

// TestRoleChangeVoidsLinks: a link issued for a member before an owner
// raised their role no longer works; it was judged against the old role.
func TestRoleChangeVoidsLinks(t *testing.T) {
	e, base, owner, adm := ownerAndAdmin(t)
	ctx := context.Background()

	code, kept := invite(t, adm, "nina@acme.test", "")
	if code != http.StatusOK || kept == "" {
		t.Fatalf("admin inviting a new member: %d", code)
	}
	m := promoteToOwner(t, e, owner, "nina@acme.test")
	evil, ek := browser(t, base)
	if _, err := evil.Setup(ctx, ek, kept, "evil"); err == nil || signedInAs(t, evil, m) {
		t.Fatal("a link an admin made for a member became the first passkey of an owner")
	}
	if keys, err := e.store.Passkeys(ctx, m.ID); err != nil || len(keys) != 0 {
		t.Fatalf("passkeys of the new owner: %d, %v", len(keys), err)
	}
}
