package scim_test

import (
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// FuzzPatch sends any PATCH body to a user and to a group: the answer is
// never a server error, always SCIM's shape (env.do checks it), and a
// refused one changes nothing it should not (the member stays in its
// tenant, with its email).
func FuzzPatch(f *testing.F) {
	for _, seed := range []string{entraUpdate, entraDisable, entraEnable,
		`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "value": {"active": false}}]}`,
		`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "members[value eq \"x\" or value eq \"y\"]"}]}`,
		`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": "x"}]}]}`,
		`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "value": {"urn:ietf:params:scim:schemas:extension:NextLevel3ApplicationName:2.0:User": {"application": "nowhere"}}}]}`,
		`{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "userName"}]}`,
		`{}`, `[]`, `{"Operations": null}`,
	} {
		f.Add(seed)
	}
	e := newEnv(f, backends.SQLite(f))
	_, tok := e.token(e.tenant, "", "scim")
	created := e.do("POST", "/scim/v2/Users", tok, entraCreate)
	uid := created.str("id")
	gid := e.do("POST", "/scim/v2/Groups", tok, `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "fuzz"}`).str("id")
	if uid == "" || gid == "" {
		f.Fatalf("setup: %s", created.raw)
	}
	f.Fuzz(func(t *testing.T, body string) {
		e := *e
		e.t = t
		for _, path := range []string{"/scim/v2/Users/" + uid, "/scim/v2/Groups/" + gid} {
			if a := e.do("PATCH", path, tok, body); a.status >= 500 || a.status < 200 {
				t.Fatalf("PATCH %s %q: %d %s", path, body, a.status, a.raw)
			}
		}
		m, err := e.store.Member(e.ctx, uid)
		if err != nil || m.TenantID != e.tenant.ID || m.Email != "alice.smith@acme.test" {
			t.Fatalf("the member after %q: %+v, %v", body, m, err)
		}
	})
}
