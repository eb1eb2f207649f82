package scim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// The requests below are Okta's, as its SCIM 2.0 reference shows them
// (developer.okta.com, "SCIM 2.0 protocol reference": create a user,
// group push: create a group, retrieve it, update membership, update the
// name, delete it). Only the names are ours.

const oktaCreateUser = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "userName": %q,
  "name": {"givenName": %q, "familyName": "User"},
  "emails": [{"primary": true, "value": %q, "type": "work"}],
  "displayName": "%s User",
  "locale": "en-US",
  "externalId": "00ujl29u0le5T6Aj10h7",
  "groups": [],
  "password": "1mz050nq",
  "active": true
}`

func (e *env) oktaUser(tok, login, given string) string {
	e.t.Helper()
	a := e.do("POST", "/scim/v2/Users", tok, fmt.Sprintf(oktaCreateUser, login, given, login, given)).
		want(e.t, http.StatusCreated, "Okta creates "+login)
	return a.str("id")
}

// members lists a Group answer's member IDs.
func members(a answer) []string {
	var out []string
	list, _ := a.body["members"].([]any)
	for _, m := range list {
		mm, _ := m.(map[string]any)
		id, _ := mm["value"].(string)
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// TestOktaGroupPush: Okta pushes a group (query by name, create, read
// without members), adds and removes members by PATCH, renames it by
// PATCH and by PUT, and deletes it, on both backends. The group and its
// memberships are deadbolt's, audited with the token as the actor.
func TestOktaGroupPush(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b.Open(t))
			id, tok := e.token(e.tenant, "", "scim")
			actor := "api-token:" + id
			u1 := e.oktaUser(tok, "test.user@okta.local", "Test")
			u2 := e.oktaUser(tok, "other.user@okta.local", "Other")

			// Okta updates a profile with PUT and deactivates with a PATCH
			// without a path.
			put := fmt.Sprintf(`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": %q,
  "userName": "test.user@okta.local", "name": {"givenName": "Tess", "familyName": "User"},
  "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
  "active": true, "externalId": "00ujl29u0le5T6Aj10h7", "groups": [], "meta": {"resourceType": "User"}}`, u1)
			got := e.do("PUT", "/scim/v2/Users/"+u1, tok, put).want(t, http.StatusOK, "Okta updates a profile")
			if got.str("displayName") != "Tess User" || got.body["active"] != true {
				t.Errorf("after PUT: %s", got.raw)
			}
			deactivate := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "replace", "value": {"active": false}}]}`
			got = e.do("PATCH", "/scim/v2/Users/"+u2, tok, deactivate).want(t, http.StatusOK, "Okta deactivates")
			if m, _ := e.store.Member(e.ctx, u2); got.body["active"] != false || !m.LockedDown {
				t.Errorf("after deactivating: %s; locked down %v", got.raw, m.LockedDown)
			}
			// A changed userName is refused, and nothing changes.
			moved := strings.Replace(put, `"userName": "test.user@okta.local"`, `"userName": "moved@okta.local"`, 1)
			if got := e.do("PUT", "/scim/v2/Users/"+u1, tok, moved).want(t, http.StatusBadRequest, "change userName"); got.str("scimType") != "mutability" {
				t.Errorf("change userName: %s", got.raw)
			}

			q := "/scim/v2/Groups?filter=" + url.QueryEscape(`displayName eq "Test SCIMv2"`)
			if got := e.do("GET", q, tok, ""); got.body["totalResults"] != float64(0) {
				t.Fatalf("query before creating: %s", got.raw)
			}
			created := e.do("POST", "/scim/v2/Groups", tok, `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "displayName": "Test SCIMv2",
  "members": []
}`).want(t, http.StatusCreated, "create group")
			gid := created.str("id")
			if created.str("displayName") != "Test SCIMv2" || len(members(created)) != 0 {
				t.Fatalf("created group: %s", created.raw)
			}
			if g, err := e.store.Group(e.ctx, e.tenant.ID, gid); err != nil || g.Name != "Test SCIMv2" {
				t.Fatalf("the group in the store: %+v, %v", g, err)
			}
			got = e.do("GET", q, tok, "").want(t, http.StatusOK, "query after creating")
			if rs := got.resources(); len(rs) != 1 || rs[0]["id"] != gid {
				t.Fatalf("query after creating: %s", got.raw)
			}
			got = e.do("GET", "/scim/v2/Groups/"+gid+"?excludedAttributes=members", tok, "").want(t, http.StatusOK, "retrieve")
			if _, ok := got.body["members"]; ok || got.str("displayName") != "Test SCIMv2" {
				t.Errorf("retrieve without members: %s", got.raw)
			}

			add := fmt.Sprintf(`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "add", "path": "members", "value": [
    {"value": %q, "display": "test.user@okta.local"}, {"value": %q, "display": "other.user@okta.local"}]}]}`, u1, u2)
			got = e.do("PATCH", "/scim/v2/Groups/"+gid, tok, add).want(t, http.StatusOK, "add members")
			if want := sorted(u1, u2); !slices.Equal(members(got), want) {
				t.Errorf("members after adding: %v, want %v", members(got), want)
			}
			// Adding again changes nothing.
			e.do("PATCH", "/scim/v2/Groups/"+gid, tok, add).want(t, http.StatusOK, "add again")

			remove := fmt.Sprintf(`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "remove", "path": "members[value eq \"%s\"]"}]}`, u1)
			got = e.do("PATCH", "/scim/v2/Groups/"+gid, tok, remove).want(t, http.StatusOK, "remove a member")
			if want := []string{u2}; !slices.Equal(members(got), want) {
				t.Errorf("members after removing: %v, want %v", members(got), want)
			}
			ms, err := e.store.GroupMembers(e.ctx, e.tenant.ID)
			if err != nil || len(ms) != 1 || ms[0].MemberID != u2 {
				t.Errorf("memberships in the store: %+v, %v", ms, err)
			}

			rename := fmt.Sprintf(`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "replace", "value": {"id": %q, "displayName": "Test SCIMv2 renamed"}}]}`, gid)
			got = e.do("PATCH", "/scim/v2/Groups/"+gid, tok, rename).want(t, http.StatusOK, "rename by PATCH")
			if got.str("displayName") != "Test SCIMv2 renamed" || !slices.Equal(members(got), []string{u2}) {
				t.Errorf("after renaming: %s", got.raw)
			}

			put = fmt.Sprintf(`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "id": %q, "displayName": "Another name", "externalId": "okta-group-1",
  "members": [{"value": %q, "display": "test.user@okta.local"}]}`, gid, u1)
			got = e.do("PUT", "/scim/v2/Groups/"+gid, tok, put).want(t, http.StatusOK, "replace by PUT")
			if got.str("displayName") != "Another name" || got.str("externalId") != "okta-group-1" ||
				!slices.Equal(members(got), []string{u1}) {
				t.Errorf("after PUT: %s", got.raw)
			}
			got = e.do("GET", "/scim/v2/Groups?filter="+url.QueryEscape(`externalId eq "okta-group-1"`), tok, "").want(t, http.StatusOK, "by externalId")
			if rs := got.resources(); len(rs) != 1 || rs[0]["id"] != gid {
				t.Errorf("by externalId: %s", got.raw)
			}

			// A member the tenant does not have is refused, and nothing changes.
			bad := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "replace", "path": "displayName", "value": "x"}, {"op": "add", "path": "members", "value": [{"value": "nobody"}]}]}`
			if got := e.do("PATCH", "/scim/v2/Groups/"+gid, tok, bad).want(t, http.StatusBadRequest, "unknown member"); got.str("scimType") != "invalidValue" {
				t.Errorf("unknown member: %s", got.raw)
			}
			if g, _ := e.store.Group(e.ctx, e.tenant.ID, gid); g.Name != "Another name" {
				t.Errorf("a refused PATCH renamed the group to %q", g.Name)
			}

			e.do("DELETE", "/scim/v2/Groups/"+gid, tok, "").want(t, http.StatusNoContent, "delete")
			e.do("GET", "/scim/v2/Groups/"+gid, tok, "").want(t, http.StatusNotFound, "read after deleting")
			if _, err := e.store.Group(e.ctx, e.tenant.ID, gid); err == nil {
				t.Error("the deleted group is still stored")
			}
			if ext, _ := e.store.ExternalIDs(e.ctx, e.tenant.ID, store.ExternalGroup); len(ext) != 0 {
				t.Errorf("externalIds after deleting: %v", ext)
			}
			e.wantAudited(e.tenant, actor, "group.created", "group.member_added", "group.member_removed", "group.renamed",
				"group.external_id_set", "group.deleted")
		})
	}
}

func sorted(ids ...string) []string { slices.Sort(ids); return ids }
