package scim_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// TestDeleteLocksLeaver: a SCIM DELETE of a member whose account is
// unlocked leaves that account locked, as docs/scim.md promises: the open
// grant is revoked, account.locked goes to the tenant's webhooks, and
// member.removed records the revocation.
func TestDeleteLocksLeaver(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) { deleteLocksLeaver(t, b.Open(t)) })
	}
}

func deleteLocksLeaver(t *testing.T, s store.Store) {
	e := newEnv(t, s)
	_, tok := e.token(e.tenant, "", "scim")
	hook := store.Webhook{ID: "hook1", TenantID: e.tenant.ID, URL: "https://hooks.example/deadbolt", SealedSecret: []byte("not delivered in this test"), CreatedAt: e.clock.Now()}
	if err := e.store.Update(e.ctx, func(tx store.Tx) error { return tx.CreateWebhook(e.ctx, hook) }); err != nil {
		t.Fatal(err)
	}
	body := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "` + scimExt + `"], "userName": "leaver@acme.test",
		"` + scimExt + `": {"application": "wiki.acme.test", "accountId": "leaver"}}`
	id := e.do("POST", "/scim/v2/Users", tok, body).want(t, http.StatusCreated, "create").str("id")
	if _, err := e.access.Unlock(e.ctx, "test", e.app, "leaver", access.Unlock{For: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if d := e.decision("leaver"); d.Locked {
		t.Fatalf("sanity: the unlocked account answers %+v", d)
	}
	e.do("DELETE", "/scim/v2/Users/"+id, tok, "").want(t, http.StatusNoContent, "delete")
	if d := e.decision("leaver"); !d.Locked {
		t.Errorf("the leaver's account is still open after SCIM DELETE: %+v", d)
	}
	msgs, err := e.store.OutboxMessages(e.ctx, hook.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(msgs, func(m store.OutboxMessage) bool { return m.Type == webhook.TypeAccountLocked }) {
		t.Errorf("no %s webhook message after the DELETE", webhook.TypeAccountLocked)
	}
	recs, err := e.store.AuditRecords(e.ctx, e.tenant.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		if r.Action == "member.removed" && r.Target == "member:"+id {
			found = true
			var data struct {
				Revoked int `json:"grants_revoked"`
			}
			if err := json.Unmarshal(r.Data, &data); err != nil || data.Revoked != 1 {
				t.Errorf("member.removed data %s: want grants_revoked 1", r.Data)
			}
		}
	}
	if !found {
		t.Error("no member.removed record")
	}
}

// TestOwnerOutOfReach: a token holding only the scim scope is held to an
// admin's rules: it neither removes an owner, nor renames one, nor locks
// one down, nor lifts an owner's lockdown. Each is 403 in SCIM's error
// shape, and nothing changes.
func TestOwnerOutOfReach(t *testing.T) {
	e := newEnv(t, backends.SQLite(t))
	owner, err := e.admin.CreateMember(e.ctx, "test", admin.NewMember{TenantID: e.tenant.ID, Email: "boss@acme.test", Name: "Boss", Role: store.RoleOwner})
	if err != nil {
		t.Fatal(err)
	}
	_, tok := e.token(e.tenant, "", "scim")
	path := "/scim/v2/Users/" + owner.ID
	patch := func(attr string, v string) string {
		return `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "` + attr + `", "value": ` + v + `}]}`
	}
	refused := func(a answer, what string) {
		t.Helper()
		a.want(t, http.StatusForbidden, what)
		if a.str("status") != "403" || !strings.Contains(a.str("detail"), "only an owner") {
			t.Errorf("%s: %s, want a SCIM error saying only an owner may", what, a.raw)
		}
	}
	refused(e.do("DELETE", path, tok, ""), "delete the owner")
	refused(e.do("PATCH", path, tok, patch("active", "false")), "lock the owner down")
	refused(e.do("PATCH", path, tok, patch("displayName", `"Pwned"`)), "rename the owner")
	refused(e.do("PUT", path, tok, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "boss@acme.test",
		"displayName": "Pwned", "externalId": "x-1", "active": false}`), "replace the owner")
	m, err := e.store.Member(e.ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.LockedDown || m.Name != "Boss" {
		t.Errorf("the owner after the refusals: locked down %v, name %q", m.LockedDown, m.Name)
	}
	if ext, _ := e.store.ExternalIDs(e.ctx, e.tenant.ID, store.ExternalMember); ext[owner.ID] != "" {
		t.Errorf("the refused PUT set externalId %q", ext[owner.ID])
	}
	// An owner's lockdown, set by the operator, is not lifted by a token.
	if _, err := e.access.LockDownMember(e.ctx, "cli:root", owner.ID, true); err != nil {
		t.Fatal(err)
	}
	refused(e.do("PATCH", path, tok, patch("active", "true")), "lift the owner's lockdown")
	if m, _ := e.store.Member(e.ctx, owner.ID); !m.LockedDown {
		t.Error("a token lifted the owner's lockdown")
	}
	// What does not touch the owner's name or lockdown still goes through.
	e.do("PATCH", path, tok, patch("externalId", `"x-2"`)).want(t, http.StatusOK, "set the owner's externalId")
}

// TestUnverifiedNotManaged: a member who registered themselves with an
// address and never confirmed it is not taken over by an identity
// provider that matches users by email: a POST for that email, a PATCH or
// PUT of that member, and a group holding them are refused with a detail
// saying what to do, and nothing changes. Once they confirm it, SCIM
// manages them.
func TestUnverifiedNotManaged(t *testing.T) {
	e := newEnv(t, backends.SQLite(t))
	m, err := e.admin.CreateMember(e.ctx, "enable-link", admin.NewMember{TenantID: e.tenant.ID, Email: "cfo@acme.test", SelfRegistered: true})
	if err != nil {
		t.Fatal(err)
	}
	_, tok := e.token(e.tenant, "", "scim")
	explains := func(a answer, status int, what string) {
		t.Helper()
		a.want(t, status, what)
		if d := a.str("detail"); !strings.Contains(d, "not confirmed") || !strings.Contains(d, "member remove") {
			t.Errorf("%s: detail %q does not say to confirm or remove the self-registered member", what, d)
		}
	}
	explains(e.do("POST", "/scim/v2/Users", tok, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "CFO@acme.test", "externalId": "idp-cfo"}`), http.StatusConflict, "create over the self-registered member")
	explains(e.do("PATCH", "/scim/v2/Users/"+m.ID, tok, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "path": "externalId", "value": "idp-cfo"}]}`), http.StatusConflict, "bind an externalId")
	explains(e.do("PUT", "/scim/v2/Users/"+m.ID, tok, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "cfo@acme.test", "displayName": "The CFO", "externalId": "idp-cfo"}`), http.StatusConflict, "replace")
	explains(e.do("POST", "/scim/v2/Groups", tok, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName": "finance-approvers", "members": [{"value": "`+m.ID+`"}]}`), http.StatusBadRequest, "a group with them")
	gid := e.do("POST", "/scim/v2/Groups", tok, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName": "finance-approvers"}`).want(t, http.StatusCreated, "an empty group").str("id")
	add := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": "` + m.ID + `"}]}]}`
	explains(e.do("PATCH", "/scim/v2/Groups/"+gid, tok, add), http.StatusBadRequest, "add them to a group")
	explains(e.do("PUT", "/scim/v2/Groups/"+gid, tok, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName": "finance-approvers", "members": [{"value": "`+m.ID+`"}]}`), http.StatusBadRequest, "put them in a group")
	after, err := e.store.Member(e.ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Name != "" || !after.UpdatedAt.Equal(m.UpdatedAt) {
		t.Errorf("the refused requests changed the member: %+v", after)
	}
	if ext, _ := e.store.ExternalIDs(e.ctx, e.tenant.ID, store.ExternalMember); ext[m.ID] != "" {
		t.Errorf("the refused requests bound externalId %q", ext[m.ID])
	}
	g := e.do("GET", "/scim/v2/Groups/"+gid, tok, "").want(t, http.StatusOK, "the group")
	if held, _ := g.body["members"].([]any); len(held) != 0 {
		t.Errorf("the group holds %v", g.body["members"])
	}
	// Confirmed (as the portal's verification link does), they are managed
	// like anyone else.
	if err := e.store.Update(e.ctx, func(tx store.Tx) error {
		_, err := tx.VerifyEmail(e.ctx, m.ID, m.Email, e.clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.do("PATCH", "/scim/v2/Groups/"+gid, tok, add).want(t, http.StatusOK, "add the confirmed member")
}
