package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// TestIsolation: every endpoint × every kind of caller. Another tenant's
// SCIM token neither sees nor changes this tenant's users and groups (it
// gets 404, as for an ID nobody has, or an empty list); a token without
// the scope gets 403; no token, a revoked one and an expired one get 401.
// Nothing in the store changes in any of these cases. An admin token
// holds every scope, scim included.
func TestIsolation(t *testing.T) {
	e := newEnv(t, backends.SQLite(t))
	_, tok := e.token(e.tenant, "", "scim")
	uid := e.oktaUser(tok, "test.user@okta.local", "Test")
	g := e.do("POST", "/scim/v2/Groups", tok, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "ops",
		"members": [{"value": "`+uid+`"}]}`).want(t, http.StatusCreated, "create group")
	gid := g.str("id")

	_, otherTok := e.token(e.other, "", "scim")
	_, otherAdmin := e.token(e.other, apitoken.RoleAdmin)
	_, auditor := e.token(e.tenant, apitoken.RoleAuditor)
	_, members := e.token(e.tenant, "", "members:write", "groups:write")
	revokedID, revoked := e.token(e.tenant, "", "scim")
	if _, err := e.tokens.Revoke(e.ctx, "test", e.tenant.ID, revokedID); err != nil {
		t.Fatal(err)
	}
	_, expiring, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: e.tenant.ID, Scopes: []string{"scim"}, ExpiresIn: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	_, admin := e.token(e.tenant, apitoken.RoleAdmin)

	patchUser := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]}`
	patchGroup := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "members"}]}`
	putUser := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "test.user@okta.local", "active": false}`
	putGroup := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "taken"}`
	newUser := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "intruder@evil.test"}`
	newGroup := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "intruders"}`
	routes := []struct{ method, path, body string }{
		{"GET", "/scim/v2/Users", ""},
		{"POST", "/scim/v2/Users", newUser},
		{"GET", "/scim/v2/Users/" + uid, ""},
		{"PUT", "/scim/v2/Users/" + uid, putUser},
		{"PATCH", "/scim/v2/Users/" + uid, patchUser},
		{"DELETE", "/scim/v2/Users/" + uid, ""},
		{"GET", "/scim/v2/Groups", ""},
		{"POST", "/scim/v2/Groups", newGroup},
		{"GET", "/scim/v2/Groups/" + gid, ""},
		{"PUT", "/scim/v2/Groups/" + gid, putGroup},
		{"PATCH", "/scim/v2/Groups/" + gid, patchGroup},
		{"DELETE", "/scim/v2/Groups/" + gid, ""},
		{"GET", "/scim/v2/ServiceProviderConfig", ""},
		{"GET", "/scim/v2/ResourceTypes", ""},
		{"GET", "/scim/v2/Schemas", ""},
		{"GET", "/nl3/api/scim/v2/Users/" + uid, ""},
		{"DELETE", "/nl3/api/scim/v2/Groups/" + gid, ""},
	}
	callers := []struct {
		name, tok string
		// want is the status for a route of this tenant's user or group;
		// wantOwn for a list, a creation or discovery.
		want, wantOwn int
	}{
		{"no token", "", 401, 401},
		{"revoked token", revoked, 401, 401},
		{"expired token", expiring, 401, 401},
		{"not an API token", "eyJhbGciOiJIUzI1NiJ9.e30.x", 401, 401},
		{"same tenant, auditor role", auditor, 403, 403},
		{"same tenant, members and groups scopes but not scim", members, 403, 403},
		{"other tenant's scim token", otherTok, 404, 0},
		{"other tenant's admin token", otherAdmin, 404, 0},
	}
	before := e.snapshot()
	for _, c := range callers {
		for _, rt := range routes {
			t.Run(c.name+"/"+rt.method+" "+rt.path, func(t *testing.T) {
				want := c.want
				own := !strings.Contains(rt.path, uid) && !strings.Contains(rt.path, gid)
				if own {
					want = c.wantOwn
				}
				a := e.do(rt.method, rt.path, c.tok, rt.body)
				if want == 0 { // the other tenant on its own lists and creations
					// Its own creation, or 409 when its other token made it first.
					if a.status >= 300 && a.status != http.StatusConflict {
						t.Fatalf("status %d: %s", a.status, a.raw)
					}
					if strings.Contains(string(a.raw), uid) || strings.Contains(string(a.raw), gid) {
						t.Errorf("the other tenant sees this tenant's records: %s", a.raw)
					}
					return
				}
				if a.status != want {
					t.Fatalf("status %d, want %d: %s", a.status, want, a.raw)
				}
				if want == 401 && !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without WWW-Authenticate: %v", a.header)
				}
			})
		}
	}
	if after := e.snapshot(); after != before {
		t.Errorf("the refused calls changed this tenant:\nbefore %s\nafter  %s", before, after)
	}
	// The admin token may (its role holds every scope).
	e.do("GET", "/scim/v2/Users/"+uid, admin, "").want(t, http.StatusOK, "admin token")
}

// snapshot describes this tenant's members, groups and memberships.
func (e *env) snapshot() string {
	e.t.Helper()
	ms, err := e.store.Members(e.ctx, e.tenant.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	gs, err := e.store.Groups(e.ctx, e.tenant.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	gms, err := e.store.GroupMembers(e.ctx, e.tenant.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "member %s %s %s locked=%v; ", m.ID, m.Email, m.Name, m.LockedDown)
	}
	for _, g := range gs {
		fmt.Fprintf(&b, "group %s %s; ", g.ID, g.Name)
	}
	for _, gm := range gms {
		fmt.Fprintf(&b, "in %s %s; ", gm.GroupID, gm.MemberID)
	}
	ext, _ := e.store.ExternalIDs(e.ctx, e.tenant.ID, store.ExternalMember)
	fmt.Fprintf(&b, "ext %v", ext)
	return b.String()
}
