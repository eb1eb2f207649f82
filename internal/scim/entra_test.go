package scim_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// The requests below are Microsoft Entra ID's, as its provisioning
// documentation shows them ("Tutorial: Develop and plan provisioning for
// a SCIM endpoint", request/response examples): the user query before a
// creation, the creation with the enterprise extension, the PATCH with
// Entra's capitalised ops and its booleans sent as strings, and the
// deletion. Only the names are ours; userName is an email, as deadbolt
// needs (Entra maps userPrincipalName to it by default).

const entraCreate = `{
  "schemas": [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:NextLevel3ApplicationName:2.0:User"],
  "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  "userName": "Alice.Smith@acme.test",
  "active": true,
  "emails": [{"primary": true, "type": "work", "value": "Alice.Smith@acme.test"}],
  "meta": {"resourceType": "User"},
  "name": {"formatted": "Alice Smith", "familyName": "Smith", "givenName": "Alice"},
  "roles": [],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Finance", "employeeNumber": "42"},
  "urn:ietf:params:scim:schemas:extension:NextLevel3ApplicationName:2.0:User": {"application": "wiki.acme.test", "accountId": "asmith"}
}`

const entraUpdate = `{
  "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [
    {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "alice.smith@acme.test"},
    {"op": "Replace", "path": "name.familyName", "value": "Jones"},
    {"op": "Replace", "path": "userName", "value": "ALICE.SMITH@acme.test"},
    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Audit"},
    {"op": "Replace", "path": "externalId", "value": "1b32a103-9e3b-4f9f-a0a9-8474d5bfe5f0"}
  ]
}`

// Entra disables a user with a PATCH of active, a boolean sent as a string.
const entraDisable = `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`

const entraEnable = `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "Replace", "path": "active", "value": "True"}]}`

// TestEntraSequence: query → create → update → disable → read → enable →
// delete, as Entra ID sends them, on both backends. The disabled member's
// account is locked (member lockdown) by the lock check's own decision,
// and every write is audited with the token as the actor.
func TestEntraSequence(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b.Open(t))
			id, tok := e.token(e.tenant, "", "scim")
			actor := "api-token:" + id

			q := "/scim/v2/Users?filter=" + url.QueryEscape(`userName eq "Alice.Smith@acme.test"`)
			got := e.do("GET", q, tok, "").want(t, http.StatusOK, "query before creating")
			if got.body["totalResults"] != float64(0) || len(got.resources()) != 0 {
				t.Fatalf("query before creating: %s", got.raw)
			}

			created := e.do("POST", "/scim/v2/Users", tok, entraCreate).want(t, http.StatusCreated, "create")
			uid := created.str("id")
			if created.str("userName") != "alice.smith@acme.test" || created.body["active"] != true ||
				created.str("externalId") != "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" || created.str("displayName") != "Alice Smith" {
				t.Errorf("created user: %s", created.raw)
			}
			if loc := created.header.Get("Location"); loc != "https://deadbolt.acme.test/scim/v2/Users/"+uid {
				t.Errorf("Location %q", loc)
			}
			if _, ok := created.body[scimExt]; ok {
				t.Errorf("the write-only extension is answered: %s", created.raw)
			}
			m, err := e.store.Member(e.ctx, uid)
			if err != nil || m.TenantID != e.tenant.ID || m.Email != "alice.smith@acme.test" || m.Name != "Alice Smith" {
				t.Fatalf("member: %+v, %v", m, err)
			}
			// The extension enrolled asmith at the wiki, owned by her.
			acct, err := e.store.Account(e.ctx, e.app.ID, "asmith")
			if err != nil || acct.OwnerID != uid {
				t.Fatalf("enrolled account: %+v, %v", acct, err)
			}

			// Found again, by Entra's query and by externalId.
			got = e.do("GET", q, tok, "").want(t, http.StatusOK, "query after creating")
			if rs := got.resources(); len(rs) != 1 || rs[0]["id"] != uid {
				t.Fatalf("query after creating: %s", got.raw)
			}
			got = e.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`), tok, "").
				want(t, http.StatusOK, "by externalId")
			if rs := got.resources(); len(rs) != 1 || rs[0]["id"] != uid {
				t.Fatalf("by externalId: %s", got.raw)
			}
			// Creating her again is a uniqueness conflict.
			dup := e.do("POST", "/scim/v2/Users", tok, entraCreate).want(t, http.StatusConflict, "create again")
			if dup.str("scimType") != "uniqueness" {
				t.Errorf("create again: %s", dup.raw)
			}

			// Open the account, so that what closes it next is the lockdown.
			if _, err := e.access.Unlock(e.ctx, "test", e.app, "asmith", access.Unlock{}); err != nil {
				t.Fatal(err)
			}
			if d := e.decision("asmith"); d.Locked {
				t.Fatalf("after the unlock: %+v", d)
			}

			upd := e.do("PATCH", "/scim/v2/Users/"+uid, tok, entraUpdate).want(t, http.StatusOK, "update")
			if upd.str("displayName") != "Alice Jones" || upd.str("externalId") != "1b32a103-9e3b-4f9f-a0a9-8474d5bfe5f0" ||
				upd.body["active"] != true {
				t.Errorf("updated user: %s", upd.raw)
			}

			dis := e.do("PATCH", "/scim/v2/Users/"+uid, tok, entraDisable).want(t, http.StatusOK, "disable")
			if dis.body["active"] != false {
				t.Errorf("disabled user: %s", dis.raw)
			}
			if d := e.decision("asmith"); !d.Locked || d.Status != lock.StatusLockdown || d.Reason != string(lock.HardLockMember) {
				t.Errorf("the disabled member's account: %+v, want locked by member lockdown", d)
			}
			got = e.do("GET", "/scim/v2/Users/"+uid, tok, "").want(t, http.StatusOK, "read")
			if got.body["active"] != false || got.str("userName") != "alice.smith@acme.test" {
				t.Errorf("read after disabling: %s", got.raw)
			}

			e.do("PATCH", "/scim/v2/Users/"+uid, tok, entraEnable).want(t, http.StatusOK, "enable")
			// Lifting the lockdown opens nothing: the unlock was revoked.
			if d := e.decision("asmith"); !d.Locked || d.Status == lock.StatusLockdown {
				t.Errorf("after enabling: %+v, want locked, not locked down", d)
			}

			e.do("DELETE", "/scim/v2/Users/"+uid, tok, "").want(t, http.StatusNoContent, "delete")
			e.do("GET", "/scim/v2/Users/"+uid, tok, "").want(t, http.StatusNotFound, "read after deleting")
			acct, err = e.store.Account(e.ctx, e.app.ID, "asmith")
			if err != nil || acct.OwnerID != "" {
				t.Errorf("the deleted member's account: %+v, %v (want enrolled, unowned)", acct, err)
			}
			if d := e.decision("asmith"); !d.Locked {
				t.Errorf("the deleted member's account is open: %+v", d)
			}
			ext, err := e.store.ExternalIDs(e.ctx, e.tenant.ID, store.ExternalMember)
			if err != nil || len(ext) != 0 {
				t.Errorf("externalIds after deleting: %v, %v", ext, err)
			}

			e.wantAudited(e.tenant, actor, "member.created", "member.external_id_set", "account.enrolled",
				"member.renamed", "member.locked_down", "member.lockdown_lifted", "member.removed")
		})
	}
}

const scimExt = "urn:ietf:params:scim:schemas:extension:NextLevel3ApplicationName:2.0:User"

// TestEntraGroups: Entra ID's group requests (the same tutorial): the
// query by displayName without members, the creation with externalId,
// members added and removed with Entra's value lists (with "$ref": null),
// and the deletion.
func TestEntraGroups(t *testing.T) {
	e := newEnv(t, backends.SQLite(t))
	_, tok := e.token(e.tenant, "", "scim")
	uid := e.do("POST", "/scim/v2/Users", tok, entraCreate).want(t, http.StatusCreated, "create user").str("id")

	q := "/scim/v2/Groups?excludedAttributes=members&filter=" + url.QueryEscape(`displayName eq "Group1DisplayName"`)
	if got := e.do("GET", q, tok, "").want(t, http.StatusOK, "query"); got.body["totalResults"] != float64(0) {
		t.Fatalf("query before creating: %s", got.raw)
	}
	created := e.do("POST", "/scim/v2/Groups", tok, `{
  "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
  "id": "c4fc6e5a-a4e4-4e1a-b9b3-3b1c6b1c5a0a",
  "displayName": "Group1DisplayName",
  "meta": {"resourceType": "Group"},
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]
}`).want(t, http.StatusCreated, "create group")
	gid := created.str("id")
	if gid == "c4fc6e5a-a4e4-4e1a-b9b3-3b1c6b1c5a0a" || created.str("externalId") != "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" {
		t.Errorf("created group (the id is deadbolt's, the externalId Entra's): %s", created.raw)
	}
	got := e.do("GET", q, tok, "").want(t, http.StatusOK, "query after creating")
	if rs := got.resources(); len(rs) != 1 || rs[0]["id"] != gid || rs[0]["members"] != nil {
		t.Fatalf("query after creating: %s", got.raw)
	}

	add := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "` + uid + `"}]}]}`
	got = e.do("PATCH", "/scim/v2/Groups/"+gid, tok, add).want(t, http.StatusOK, "add a member")
	if ms := members(got); len(ms) != 1 || ms[0] != uid {
		t.Errorf("after adding: %s", got.raw)
	}
	remove := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "` + uid + `"}]}]}`
	got = e.do("PATCH", "/scim/v2/Groups/"+gid, tok, remove).want(t, http.StatusOK, "remove a member")
	if ms := members(got); len(ms) != 0 {
		t.Errorf("after removing: %s", got.raw)
	}
	rename := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]}`
	got = e.do("PATCH", "/scim/v2/Groups/"+gid, tok, rename).want(t, http.StatusOK, "rename")
	if got.str("displayName") != "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName" {
		t.Errorf("after renaming: %s", got.raw)
	}
	e.do("DELETE", "/scim/v2/Groups/"+gid, tok, "").want(t, http.StatusNoContent, "delete")
}

// TestUnverifiedMemberGetsNoAccount: a member who registered themselves
// with an address and never confirmed it is found by userName, but the
// application extension does not hand them an account by that address
// (admin.Bindable); nothing is enrolled.
func TestUnverifiedMemberGetsNoAccount(t *testing.T) {
	e := newEnv(t, backends.SQLite(t))
	_, tok := e.token(e.tenant, "", "scim")
	m, err := e.admin.CreateMember(e.ctx, "test", admin.NewMember{TenantID: e.tenant.ID, Email: "alice.smith@acme.test", SelfRegistered: true})
	if err != nil {
		t.Fatal(err)
	}
	q := "/scim/v2/Users?filter=" + url.QueryEscape(`userName eq "alice.smith@acme.test"`)
	if rs := e.do("GET", q, tok, "").want(t, http.StatusOK, "query").resources(); len(rs) != 1 || rs[0]["id"] != m.ID {
		t.Fatalf("query: %v", rs)
	}
	enrol := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "Add",
  "path": "urn:ietf:params:scim:schemas:extension:NextLevel3ApplicationName:2.0:User:application", "value": "wiki.acme.test"}]}`
	e.do("PATCH", "/scim/v2/Users/"+m.ID, tok, enrol).want(t, http.StatusConflict, "enrol an unverified member")
	if _, err := e.store.Account(e.ctx, e.app.ID, "alice.smith@acme.test"); err == nil {
		t.Error("an account was enrolled for the unverified member")
	}
}
