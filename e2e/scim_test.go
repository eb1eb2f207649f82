package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSCIMLeaver: an identity provider provisions a member with their
// account at the wiki over SCIM, against a real serve, then disables
// them as Entra ID does ("active": "False"); the CLI's account status
// (the lock check's decision) says lockdown. A token without the scim
// scope is refused, another tenant's token finds nothing, and the
// deletion leaves the account enrolled and locked.
func TestSCIMLeaver(t *testing.T) {
	in := newInst(t)
	in.start()
	in.ok("tenant", "create", "acme")
	in.ok("tenant", "create", "globex")
	in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", issuer)
	tok, _ := in.ok("api-token", "create", "--tenant", "acme", "--scope", "scim", "--name", "entra", "--json").json(t)["token"].(string)
	noScope, _ := in.ok("api-token", "create", "--tenant", "acme", "--role", "auditor", "--json").json(t)["token"].(string)
	other, _ := in.ok("api-token", "create", "--tenant", "globex", "--scope", "scim", "--json").json(t)["token"].(string)
	base := in.url + "/scim/v2"

	send := func(method, path, token, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var v map[string]any
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
			}
		}
		return res.StatusCode, v
	}

	code, list := send("GET", "/Users?filter="+url.QueryEscape(`userName eq "bob@acme.test"`), tok, "")
	if code != 200 || list["totalResults"] != float64(0) {
		t.Fatalf("query: %d %v", code, list)
	}
	code, user := send("POST", "/Users", tok, `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:NextLevel3ApplicationName:2.0:User"],
  "userName": "bob@acme.test", "externalId": "e-2", "name": {"givenName": "Bob", "familyName": "Ray"},
  "urn:ietf:params:scim:schemas:extension:NextLevel3ApplicationName:2.0:User": {"application": "wiki.acme.test", "accountId": "bob"}}`)
	id, _ := user["id"].(string)
	if code != 201 || id == "" {
		t.Fatalf("create: %d %v", code, user)
	}
	if code, _ := send("GET", "/Users/"+id, noScope, ""); code != 403 {
		t.Errorf("a token without the scim scope: %d", code)
	}
	if code, _ := send("GET", "/Users/"+id, other, ""); code != 404 {
		t.Errorf("another tenant's token: %d", code)
	}
	if code, _ := send("GET", "/Users/"+id, "", ""); code != 401 {
		t.Errorf("no token: %d", code)
	}

	st := in.ok("account", "status", "--app", issuer, "--account", "bob", "--json").json(t)
	if st["owner"] != "bob@acme.test" || st["status"] != "locked" {
		t.Fatalf("bob's account before: %v", st)
	}
	code, user = send("PATCH", "/Users/"+id, tok, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`)
	if code != 200 || user["active"] != false {
		t.Fatalf("disable: %d %v", code, user)
	}
	st = in.ok("account", "status", "--app", issuer, "--account", "bob", "--json").json(t)
	if st["locked"] != true || st["status"] != "lockdown" {
		t.Errorf("bob's account after disabling: %v", st)
	}
	if code, _ := send("DELETE", "/Users/"+id, tok, ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	st = in.ok("account", "status", "--app", issuer, "--account", "bob", "--json").json(t)
	if st["locked"] != true || st["owner"] != nil && st["owner"] != "" {
		t.Errorf("bob's account after deleting: %v", st)
	}

	// A leaver deleted while their account is unlocked: the DELETE alone
	// locks it (their open unlock is revoked).
	code, user = send("POST", "/Users", tok, `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:NextLevel3ApplicationName:2.0:User"],
  "userName": "carol@acme.test",
  "urn:ietf:params:scim:schemas:extension:NextLevel3ApplicationName:2.0:User": {"application": "wiki.acme.test", "accountId": "carol"}}`)
	carol, _ := user["id"].(string)
	if code != 201 || carol == "" {
		t.Fatalf("create carol: %d %v", code, user)
	}
	in.ok("account", "unlock", "--app", issuer, "--account", "carol", "--for", "1h")
	if st := in.ok("account", "status", "--app", issuer, "--account", "carol", "--json").json(t); st["locked"] != false {
		t.Fatalf("carol's account after unlocking: %v", st)
	}
	if code, _ := send("DELETE", "/Users/"+carol, tok, ""); code != 204 {
		t.Fatalf("delete carol: %d", code)
	}
	if st := in.ok("account", "status", "--app", issuer, "--account", "carol", "--json").json(t); st["locked"] != true {
		t.Errorf("carol's account after deleting her while unlocked: %v", st)
	}
}
