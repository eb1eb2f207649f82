package admin_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestTemplates: a template names its approvers by email and its groups by
// name, stores their IDs, refuses what it cannot resolve or check, and
// fills its placeholders from metadata.
func TestTemplates(t *testing.T) {
	svc, _ := newService(t)
	ctx := t.Context()
	tn, _ := svc.CreateTenant(ctx, "test", "acme")
	other, _ := svc.CreateTenant(ctx, "test", "globex")
	inv, err := svc.Invite(ctx, admin.Operator("cli:root"), tn.ID, "cfo@acme.test", "", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Invite(ctx, admin.Operator("cli:root"), other.ID, "eve@globex.test", "", "", time.Hour); err != nil {
		t.Fatal(err)
	}
	fin, err := svc.CreateGroup(ctx, "test", tn.ID, "finance", "")
	if err != nil {
		t.Fatal(err)
	}
	tp, err := svc.CreateTemplate(ctx, "test", tn.ID, admin.NewTemplate{Key: "PURCHASE_APPROVAL", Title: "Purchase",
		Text: "Buy ${item} for ${amount}", Approvers: []string{"CFO@acme.test"}, ApproverGroups: []string{"finance"}})
	if err != nil {
		t.Fatal(err)
	}
	if tp.Mode != store.ModeApprove || len(tp.Approvers) != 1 || tp.Approvers[0] != inv.Member.ID || tp.ApproverGroups[0] != fin.ID {
		t.Fatalf("template: %+v", tp)
	}
	for name, nt := range map[string]admin.NewTemplate{
		"lower-case key":           {Key: "purchase", Title: "x"},
		"no title":                 {Key: "A", Title: " "},
		"bad mode":                 {Key: "A", Title: "x", Mode: "maybe"},
		"broken placeholder":       {Key: "A", Title: "x", Text: "Buy ${item"},
		"approver of other tenant": {Key: "A", Title: "x", Approvers: []string{"eve@globex.test"}},
		"unknown group":            {Key: "A", Title: "x", ApproverGroups: []string{"ops"}},
		"same key":                 {Key: "PURCHASE_APPROVAL", Title: "x"},
	} {
		if _, err := svc.CreateTemplate(ctx, "test", tn.ID, nt); err == nil {
			t.Errorf("%s: created", name)
		}
	}
	if ts, _ := svc.Templates(ctx, other.ID); len(ts) != 0 {
		t.Fatalf("another tenant sees %v", ts)
	}
	if err := svc.DeleteTemplate(ctx, "test", other.ID, "PURCHASE_APPROVAL"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete through another tenant: %v", err)
	}
	if got := admin.RenderTemplate(tp.Text, map[string]string{"item": "a laptop"}); got != "Buy a laptop for ${amount}" {
		t.Fatalf("rendered %q", got)
	}
	if err := svc.DeleteTemplate(ctx, "test", tn.ID, "PURCHASE_APPROVAL"); err != nil {
		t.Fatal(err)
	}
	if ts, _ := svc.Templates(ctx, tn.ID); len(ts) != 0 {
		t.Fatalf("after delete: %v", ts)
	}
}

// TestTemplateRefusesUnverifiedApprover: a member who registered through an
// enablement link and has not confirmed their email is not Bindable, so a
// template may not name them as an approver; the refusal names the email
// and why, and nothing is written. Once confirmed, the same template binds.
func TestTemplateRefusesUnverifiedApprover(t *testing.T) {
	svc, db := newService(t)
	ctx := t.Context()
	tn, _ := svc.CreateTenant(ctx, "test", "acme")
	m, err := svc.CreateMember(ctx, "enable-link", admin.NewMember{TenantID: tn.ID, Email: "cfo@acme.test", SelfRegistered: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.EmailVerified() {
		t.Fatal("setup: a self-registered member starts verified")
	}
	nt := admin.NewTemplate{Key: "PURCHASE_APPROVAL", Title: "Purchase", Approvers: []string{"cfo@acme.test"}}
	_, err = svc.CreateTemplate(ctx, "test", tn.ID, nt)
	if !errors.Is(err, admin.ErrEmailUnverified) || !strings.HasPrefix(err.Error(), `approver "cfo@acme.test"`) ||
		!strings.Contains(err.Error(), "not confirmed") {
		t.Fatalf("template naming an unverified member: %v, want ErrEmailUnverified naming the approver", err)
	}
	if ts, _ := svc.Templates(ctx, tn.ID); len(ts) != 0 {
		t.Fatalf("the refused template was stored: %+v", ts)
	}
	if err := db.Update(ctx, func(tx store.Tx) error {
		_, err := tx.VerifyEmail(ctx, m.ID, m.Email, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tp, err := svc.CreateTemplate(ctx, "test", tn.ID, nt)
	if err != nil || len(tp.Approvers) != 1 || tp.Approvers[0] != m.ID {
		t.Fatalf("after the member confirmed: %+v, %v", tp, err)
	}
}
