package portal_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// person is a member with a software passkey and a browser tab signed in
// with it.
type person struct {
	m   store.Member
	tab *softkey.Client
	key *softkey.Key
}

// enrol makes a member of tenantID with role (the operator's invite) and
// registers their passkey through the setup link, over HTTP.
func (e *env) enrol(base, tenantID, email, role string) person {
	e.t.Helper()
	inv, err := e.admin.Invite(context.Background(), admin.Operator("cli:test"), tenantID, email, "", role, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	tab, key := browser(e.t, base)
	if _, err := tab.Setup(context.Background(), key, e.portal.SetupURL(inv.Secret), "laptop"); err != nil {
		e.t.Fatalf("setup of %s: %v", email, err)
	}
	return person{m: inv.Member, tab: tab, key: key}
}

var setupLink = regexp.MustCompile(`https?://[^"<\s]+/setup\?t=[A-Za-z0-9_-]+`)

// invite posts the Members page's invite form as p and returns the
// status and the setup link shown, if any.
func invite(t *testing.T, p person, email, role string) (int, string) {
	t.Helper()
	res, err := p.tab.PostForm(context.Background(), "/admin/members/invite", url.Values{"email": {email}, "role": {role}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, setupLink.FindString(string(body))
}

// recoveryRecords counts the tenant's member.recovery_issued audit records
// about m, and the recovery notices in the outbox for m.
func (e *env) recoveryRecords(m store.Member) (audited int, notices []string) {
	e.t.Helper()
	recs, err := e.store.AuditRecords(context.Background(), m.TenantID, 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range recs {
		if r.Action == "member.recovery_issued" && r.Target == "member:"+m.ID {
			audited++
		}
	}
	msgs, err := e.store.OutboxOfTenant(context.Background(), m.TenantID, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, msg := range msgs {
		if msg.Type == notify.TypeRecovery && msg.MemberID == m.ID {
			notices = append(notices, msg.Channel)
		}
	}
	return audited, notices
}

// TestRecoveryRules is the regression test of issue 8 finding 1: an admin
// took over any member, owners included, by inviting their email with an
// empty role. A link for a member who already has a passkey is a recovery:
// only an owner issues one for an owner or an admin, nobody for
// themselves, lesser roles and other tenants not at all; it is audited
// and the member is told. Everything runs over HTTP with real passkeys.
func TestRecoveryRules(t *testing.T) {
	e, base := served(t)
	e.requests.Notify = []string{store.ChannelEmail, store.ChannelPush}
	ctx := context.Background()
	tenant := e.app.TenantID
	owner := e.enrol(base, tenant, "olive@acme.test", store.RoleOwner)
	adm := e.enrol(base, tenant, "adam@acme.test", store.RoleAdmin)
	adm2 := e.enrol(base, tenant, "ada@acme.test", store.RoleAdmin)
	approver := e.enrol(base, tenant, "pat@acme.test", store.RoleApprover)
	member := e.enrol(base, tenant, "bob@acme.test", "")
	globex, err := e.admin.CreateTenant(ctx, "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	stranger := e.enrol(base, globex.ID, "eve@globex.test", store.RoleAdmin)

	refused := []struct {
		name   string
		by     person
		target string
		role   string
		want   int
	}{
		{"admin recovers the owner", adm, owner.m.Email, "", http.StatusForbidden},
		{"admin recovers the owner, naming the owner role", adm, owner.m.Email, store.RoleOwner, http.StatusForbidden},
		{"admin recovers another admin", adm, adm2.m.Email, "", http.StatusForbidden},
		{"admin recovers themselves", adm, adm.m.Email, "", http.StatusForbidden},
		{"owner recovers themselves", owner, owner.m.Email, "", http.StatusForbidden},
		{"admin invites a new owner", adm, "otto@acme.test", store.RoleOwner, http.StatusForbidden},
		{"admin changes the owner's role through invite", adm, owner.m.Email, store.RoleMember, http.StatusBadRequest},
		{"approver recovers a member", approver, member.m.Email, "", http.StatusForbidden},
		{"member recovers the owner", member, owner.m.Email, "", http.StatusForbidden},
		{"owner changes a role through invite", owner, member.m.Email, store.RoleAdmin, http.StatusBadRequest},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			code, link := invite(t, tc.by, tc.target, tc.role)
			if code != tc.want || link != "" {
				t.Fatalf("%d with link %q, want %d and no link", code, link, tc.want)
			}
		})
	}
	for _, p := range []person{owner, adm, adm2, approver, member} {
		if n, notices := e.recoveryRecords(p.m); n != 0 || len(notices) != 0 {
			t.Fatalf("a refused recovery of %s left %d audit records and notices %v", p.m.Email, n, notices)
		}
	}

	// Another tenant's admin: the email names nobody of theirs, so the link
	// is for a new member of their own tenant, never the owner; and the
	// owner's role is out of their reach.
	code, link := invite(t, stranger, owner.m.Email, "")
	if code != http.StatusOK || link == "" {
		t.Fatalf("globex admin inviting an email of acme: %d", code)
	}
	intruder, ik := browser(t, base)
	if _, err := intruder.Setup(ctx, ik, link, "evil"); err != nil {
		t.Fatal(err)
	}
	if got, err := e.store.Passkey(ctx, ik.CredentialID()); err != nil || got.TenantID != globex.ID || got.MemberID == owner.m.ID {
		t.Fatalf("the globex link registered %+v, %v", got, err)
	}
	res, err := stranger.tab.PostForm(ctx, "/admin/members/"+owner.m.ID+"/role", url.Values{"role": {store.RoleMember}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("globex admin changing acme's owner's role: %d, want 404", res.StatusCode)
	}

	// The owner recovers an admin: allowed, audited, told, and the link
	// registers a passkey that signs in as that admin.
	code, link = invite(t, owner, adm2.m.Email, "")
	if code != http.StatusOK || link == "" {
		t.Fatalf("owner recovering an admin: %d, link %q", code, link)
	}
	if n, notices := e.recoveryRecords(adm2.m); n != 1 || len(notices) != 1 || notices[0] != store.ChannelEmail {
		t.Fatalf("owner's recovery of an admin: %d audit records, notices on %v; want 1 and [email]", n, notices)
	}
	recovered, rk := browser(t, base)
	if _, err := recovered.Setup(ctx, rk, link, "new phone"); err != nil {
		t.Fatalf("using the recovery link: %v", err)
	}
	if !signedInAs(t, recovered, adm2.m) {
		t.Fatal("the recovery link did not sign in as the admin")
	}

	// An admin may still recover a plain member (audited, told).
	if code, link := invite(t, adm, member.m.Email, ""); code != http.StatusOK || link == "" {
		t.Fatalf("admin recovering a member: %d", code)
	}
	if n, notices := e.recoveryRecords(member.m); n != 1 || len(notices) != 1 {
		t.Fatalf("admin's recovery of a member: %d audit records, notices %v", n, notices)
	}
}

// TestRecoveryRulesInDomain: the rules hold in admin.Service itself, so
// every caller goes through them; the operator (CLI) may recover anyone.
func TestRecoveryRulesInDomain(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	tenant := e.app.TenantID
	mk := func(email, role string) store.Member {
		inv, err := e.admin.Invite(ctx, admin.Operator("cli:test"), tenant, email, "", role, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.addPasskey(inv.Member, "pk-"+email)
		return inv.Member
	}
	owner, adm := mk("olive@acme.test", store.RoleOwner), mk("adam@acme.test", store.RoleAdmin)
	if _, err := e.admin.Invite(ctx, admin.AsMember(adm), tenant, owner.Email, "", "", time.Hour); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("admin recovering the owner in the domain: %v, want ErrForbidden", err)
	}
	inv, err := e.admin.Invite(ctx, admin.Operator("cli:root"), tenant, owner.Email, "", "", time.Hour)
	if err != nil || !inv.Recovery {
		t.Fatalf("operator recovering the owner: %+v, %v", inv, err)
	}
	if n, _ := e.recoveryRecords(owner); n != 1 {
		t.Fatalf("operator's recovery: %d audit records, want 1", n)
	}
	// A pending admin (invited, no passkey yet): another admin may not
	// issue a fresh first link for the seat, or whoever holds it becomes
	// that admin. The owner and the operator may; an admin may still
	// invite a brand-new admin.
	pending, err := e.admin.Invite(ctx, admin.Operator("cli:test"), tenant, "pat@acme.test", "", store.RoleAdmin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Invite(ctx, admin.AsMember(adm), tenant, pending.Member.Email, "", "", time.Hour); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("admin reissuing a pending admin's first link: %v, want ErrForbidden", err)
	}
	if _, err := e.admin.Invite(ctx, admin.AsMember(owner), tenant, pending.Member.Email, "", "", time.Hour); err != nil {
		t.Fatalf("owner reissuing a pending admin's first link: %v", err)
	}
	if _, err := e.admin.Invite(ctx, admin.AsMember(adm), tenant, "newadmin@acme.test", "", store.RoleAdmin, time.Hour); err != nil {
		t.Fatalf("admin inviting a new admin: %v", err)
	}
	// Last owner: neither demoted nor removed, not even by the operator.
	if _, err := e.admin.SetRole(ctx, admin.Operator("cli:root"), owner.ID, store.RoleAdmin); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("demoting the last owner: %v, want ErrConflict", err)
	}
	if _, _, err := e.admin.RemoveMember(ctx, admin.Operator("cli:root"), owner.ID); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("removing the last owner: %v, want ErrConflict", err)
	}
	if _, err := e.admin.SetRole(ctx, admin.AsMember(adm), adm.ID, store.RoleOwner); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("admin making themselves owner: %v, want ErrForbidden", err)
	}
	if _, _, err := e.admin.RemoveMember(ctx, admin.AsMember(adm), owner.ID); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("admin removing the owner: %v, want ErrForbidden", err)
	}
	if _, err := e.admin.SetRole(ctx, admin.Operator("cli:root"), adm.ID, "root"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("unknown role: %v, want ErrInvalid", err)
	}
}

// TestRemovedPasskeyEndsSessions is the regression test of issue 8
// finding 10d: a session outlived the removal of the passkey that made
// it. Removing a passkey ends the member's other sessions; the browser
// that removed it stays signed in.
func TestRemovedPasskeyEndsSessions(t *testing.T) {
	e, base := served(t)
	ctx := context.Background()
	olive := e.enrol(base, e.app.TenantID, "olive@acme.test", store.RoleOwner)
	lost, err := softkey.New(base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := olive.tab.AddPasskey(ctx, lost, "old phone"); err != nil {
		t.Fatal(err)
	}
	thief, _ := browser(t, base)
	if _, err := thief.SignIn(ctx, lost); err != nil || !signedInAs(t, thief, olive.m) {
		t.Fatalf("sign-in with the second passkey: %v", err)
	}
	res, err := olive.tab.PostForm(ctx, "/passkeys/"+lost.CredentialID()+"/delete", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("removing the passkey: %d", res.StatusCode)
	}
	if signedInAs(t, thief, olive.m) {
		t.Fatal("the session made with the removed passkey is still signed in")
	}
	if !signedInAs(t, olive.tab, olive.m) {
		t.Fatal("the browser that removed the passkey was signed out")
	}
	if _, err := thief.SignIn(ctx, lost); err == nil {
		t.Fatal("the removed passkey still signs in")
	}
}

// TestMembersPageShowsLockdown: an admin sees which members are locked
// down (deadbolt member lock).
func TestMembersPageShowsLockdown(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	_, owner := e.member(e.app.TenantID, "olive@acme.test", store.RoleOwner)
	if r := e.do("GET", "/admin/members", nil, owner); r.code != http.StatusOK || strings.Contains(r.body, "locked down") {
		t.Fatalf("members page before the lockdown: %d", r.code)
	}
	if _, err := e.access.LockDownMember(ctx, "cli:root", e.bob.ID, true); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/admin/members", nil, owner); r.code != http.StatusOK || !strings.Contains(r.body, "locked down") {
		t.Fatalf("members page does not show bob locked down: %d", r.code)
	}
}
