package scim_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// TestDeleteLocksLeaver: a SCIM DELETE of a member whose account is
// unlocked leaves that account locked, as docs/scim.md promises: the open
// grant is revoked, account.locked goes to the tenant's webhooks, and
// member.removed records the revocation.
func TestDeleteLocksLeaver(t *testing.T) {
	e := newEnv(t, "sqlite")
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
