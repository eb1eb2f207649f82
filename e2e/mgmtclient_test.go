package e2e

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/client/mgmt"
)

// TestManagementClient drives a real serve through the typed management
// client (client/mgmt) with one API token: it creates an application,
// enrolls and unlocks an account, finds it by state, locks it, and reads
// its own changes back from the audit trail and its export. An auditor's
// token is refused a write with the typed error.
func TestManagementClient(t *testing.T) {
	in := newInst(t)
	in.start()
	in.ok("tenant", "create", "acme")
	tok, _ := in.ok("api-token", "create", "--tenant", "acme", "--role", "admin", "--name", "e2e", "--json").json(t)["token"].(string)
	ctx := context.Background()
	c := mgmt.New(in.url, tok)

	me, err := c.Whoami(ctx)
	if err != nil || me.Tenant != "acme" || me.Role != "admin" {
		t.Fatalf("whoami: %+v, %v", me, err)
	}
	app, err := c.WithIdempotencyKey("wiki-1").CreateApplication(ctx, mgmt.NewApplication{Name: "Wiki", Issuer: "https://wiki.acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.WithIdempotencyKey("wiki-1").CreateApplication(ctx, mgmt.NewApplication{Name: "Wiki", Issuer: "https://wiki.acme.test"})
	if err != nil || again.ID != app.ID {
		t.Fatalf("replayed creation: %+v, %v (first %s)", again, err, app.ID)
	}
	acct, err := c.Enroll(ctx, mgmt.Enrollment{Application: app.Issuer, Account: "alice", Owner: "alice@acme.test"})
	if err != nil || !acct.Locked {
		t.Fatalf("enroll: %+v, %v", acct, err)
	}
	if acct, err = c.Unlock(ctx, acct.ID, mgmt.Unlock{ForSeconds: 900, Reason: "e2e"}); err != nil || acct.Locked || acct.Until == nil {
		t.Fatalf("unlock: %+v, %v", acct, err)
	}
	open, err := c.ListAccounts(ctx, mgmt.Query{"state": "unlocked", "limit": "10"})
	if err != nil || len(open.Items) != 1 || open.Items[0].ID != acct.ID {
		t.Fatalf("unlocked accounts: %+v, %v", open, err)
	}
	if acct, err = c.Lock(ctx, acct.ID); err != nil || !acct.Locked {
		t.Fatalf("lock: %+v, %v", acct, err)
	}
	mine, err := c.ListAudit(ctx, mgmt.Query{"actor": "api-token:" + me.TokenID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range mine.Items {
		actions = append(actions, r.Action)
	}
	for _, want := range []string{"application.created", "account.enrolled", "account.unlocked", "account.locked"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit trail of the token lacks %s: %v", want, actions)
		}
	}
	var export bytes.Buffer
	if err := c.ExportAudit(ctx, mgmt.Query{"actor": "api-token:" + me.TokenID}, &export); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(export.String(), "\n"); n != len(mine.Items) {
		t.Errorf("export has %d lines, the list %d records", n, len(mine.Items))
	}

	auditorTok, _ := in.ok("api-token", "create", "--tenant", "acme", "--role", "auditor", "--name", "ro", "--json").json(t)["token"].(string)
	_, err = mgmt.New(in.url, auditorTok).Lock(ctx, acct.ID)
	var apiErr *mgmt.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 403 || apiErr.Code != "insufficient_scope" {
		t.Errorf("auditor locking: %v", err)
	}
}
