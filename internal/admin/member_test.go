package admin_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
)

// TestRecoveryNotifiesEveryChannel: a recovery is told to the member on
// every channel the deployment delivers and the member has, even one they
// turned off; a first link for a member without a passkey is no recovery.
func TestRecoveryNotifiesEveryChannel(t *testing.T) {
	svc, db := newService(t)
	svc.Notify = []string{store.ChannelEmail, store.ChannelPush}
	ctx := t.Context()
	tn, _ := svc.CreateTenant(ctx, "test", "acme")
	first, err := svc.Invite(ctx, admin.Operator("cli:root"), tn.ID, "alice@acme.test", "", "", time.Hour)
	if err != nil || first.Recovery {
		t.Fatalf("first invite: %+v, %v", first, err)
	}
	m := first.Member
	m.Channels = []string{} // chose no notices at all
	now := svc.Clock.Now()
	if err := svc.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		if err := tx.PutPushSubscription(ctx, store.PushSubscription{ID: "sub1", TenantID: tn.ID, MemberID: m.ID,
			Endpoint: "https://push.example/1", P256dh: []byte("k"), Auth: []byte("a"), CreatedAt: now}); err != nil {
			return err
		}
		return tx.CreatePasskey(ctx, store.Passkey{ID: "pk1", TenantID: tn.ID, MemberID: m.ID, Name: "laptop",
			Credential: []byte("{}"), CreatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	inv, err := svc.Invite(ctx, admin.Operator("cli:root"), tn.ID, "ALICE@acme.test", "", "", time.Hour)
	if err != nil || !inv.Recovery || len(inv.Notified) != 2 {
		t.Fatalf("recovery: %+v, %v", inv, err)
	}
	msgs, err := db.OutboxOfTenant(ctx, tn.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, msg := range msgs {
		if msg.Type == notify.TypeRecovery && msg.MemberID == m.ID {
			r, err := notify.DecodeRecovery(msg)
			if err != nil || r.By != "cli:root" || !r.Expires.Equal(inv.Invite.ExpiresAt) {
				t.Fatalf("recovery notice %+v, %v", r, err)
			}
			got[msg.Channel] = true
		}
	}
	if !got[store.ChannelEmail] || !got[store.ChannelPush] || len(got) != 2 {
		t.Fatalf("recovery notices on %v, want email and push", got)
	}
	// A lesser role issues no link; nothing is written.
	approver := m
	approver.Role = store.RoleApprover
	if _, err := svc.Invite(ctx, admin.AsMember(approver), tn.ID, "bob@acme.test", "", "", time.Hour); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("approver inviting: %v, want ErrForbidden", err)
	}
	if _, err := db.MemberByEmail(ctx, tn.ID, "bob@acme.test"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused invite created the member: %v", err)
	}
}

// TestLastOwnerUnderConcurrency: on PostgreSQL (read committed), two
// owners demoted at the same time by two transactions never leave the
// tenant without an owner.
func TestLastOwnerUnderConcurrency(t *testing.T) {
	ctx := t.Context()
	s, err := postgres.Open(ctx, pgtest.NewDatabase(t), postgres.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	svc := &admin.Service{Store: s, Clock: clock.Real{}}
	for round := range 10 {
		tn, err := svc.CreateTenant(ctx, "test", fmt.Sprintf("acme-%d", round))
		if err != nil {
			t.Fatal(err)
		}
		var owners []store.Member
		for _, email := range []string{"a@acme.test", "b@acme.test"} {
			inv, err := svc.Invite(ctx, admin.Operator("test"), tn.ID, email, "", store.RoleOwner, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			owners = append(owners, inv.Member)
		}
		var wg sync.WaitGroup
		for _, o := range owners {
			wg.Go(func() { svc.SetRole(ctx, admin.Operator("test"), o.ID, store.RoleAdmin) })
		}
		wg.Wait()
		ms, _ := s.Members(ctx, tn.ID)
		left := 0
		for _, m := range ms {
			if m.Role == store.RoleOwner {
				left++
			}
		}
		if left != 1 {
			t.Fatalf("round %d: %d owners left after two concurrent demotions, want 1", round, left)
		}
	}
}

// TestCreateMember: the one way members are made. Someone else's naming of
// an email verifies it; a member who registered themselves is a plain
// member with an unverified email, audited as such; bad input writes
// nothing.
func TestCreateMember(t *testing.T) {
	svc, db := newService(t)
	ctx := t.Context()
	tn, _ := svc.CreateTenant(ctx, "test", "acme")
	m, err := svc.CreateMember(ctx, "cli:root", admin.NewMember{TenantID: tn.ID, Email: " Carol@Acme.test ", Name: " Carol ", Role: store.RoleAdmin})
	if err != nil || m.Email != "carol@acme.test" || m.Name != "Carol" || m.Role != store.RoleAdmin || !m.EmailVerified() {
		t.Fatalf("created by an operator: %+v, %v", m, err)
	}
	var self store.Member
	err = db.Update(ctx, func(tx store.Tx) error {
		self, err = admin.CreateMemberTx(ctx, tx, "member:dan@acme.test", admin.NewMember{ID: "draft-1", TenantID: tn.ID,
			Email: "dan@acme.test", SelfRegistered: true}, svc.Clock.Now())
		return err
	})
	if err != nil || self.ID != "draft-1" || self.Role != store.RoleMember || self.EmailVerified() {
		t.Fatalf("self-registered: %+v, %v", self, err)
	}
	recs, err := db.AuditRecords(ctx, tn.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var via []any
	for _, r := range recs {
		if r.Action == "member.created" {
			var data map[string]any
			if err := json.Unmarshal(r.Data, &data); err != nil {
				t.Fatal(err)
			}
			via = append(via, data["via"])
		}
	}
	if len(via) != 2 || via[0] != nil || via[1] != "enablement" {
		t.Fatalf("member.created events say via %v", via)
	}
	for name, n := range map[string]admin.NewMember{
		"not an email":             {TenantID: tn.ID, Email: "erin"},
		"unknown role":             {TenantID: tn.ID, Email: "erin@acme.test", Role: "root"},
		"self-registered as admin": {TenantID: tn.ID, Email: "erin@acme.test", Role: store.RoleAdmin, SelfRegistered: true},
	} {
		if _, err := svc.CreateMember(ctx, "cli:root", n); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v, want store.ErrInvalid", name, err)
		}
	}
	if _, err := svc.CreateMember(ctx, "cli:root", admin.NewMember{TenantID: tn.ID, Email: "CAROL@acme.test"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the same email again: %v, want store.ErrConflict", err)
	}
	if ms, _ := db.Members(ctx, tn.ID); len(ms) != 2 {
		t.Fatalf("%d members, want the 2 created", len(ms))
	}
	if !admin.Administers(m) || admin.Administers(self) {
		t.Fatal("Administers: owners and admins only")
	}
}

// TestTokenAddsNoOwner: an API token adds admins, approvers and members
// of its own tenant, but no owner and nobody in another tenant.
func TestTokenAddsNoOwner(t *testing.T) {
	svc, db := newService(t)
	ctx := t.Context()
	tn, _ := svc.CreateTenant(ctx, "test", "acme")
	other, _ := svc.CreateTenant(ctx, "test", "globex")
	tok := admin.AsToken(tn.ID, "api-token:t1")
	if _, err := svc.AddMember(ctx, tok, admin.NewMember{TenantID: tn.ID, Email: "boss@acme.test", Role: store.RoleOwner}); !errors.Is(err, admin.ErrForbidden) {
		t.Fatalf("token adding an owner: %v, want ErrForbidden", err)
	}
	if _, err := db.MemberByEmail(ctx, tn.ID, "boss@acme.test"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused owner was created: %v", err)
	}
	if _, err := svc.AddMember(ctx, tok, admin.NewMember{TenantID: other.ID, Email: "x@globex.test"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("token adding to another tenant: %v, want ErrNotFound", err)
	}
	m, err := svc.AddMember(ctx, tok, admin.NewMember{TenantID: tn.ID, Email: "ann@acme.test", Role: store.RoleAdmin})
	if err != nil || m.Role != store.RoleAdmin {
		t.Fatalf("token adding an admin: %+v, %v", m, err)
	}
	if _, err := svc.AddMember(ctx, admin.Operator("cli:root"), admin.NewMember{TenantID: tn.ID, Email: "boss@acme.test", Role: store.RoleOwner}); err != nil {
		t.Fatalf("the operator adding an owner: %v", err)
	}
}

// TestOnlyOwnerRenamesOwner: an admin or a token does not rename an owner;
// an owner and the operator do, and an admin renames a plain member.
func TestOnlyOwnerRenamesOwner(t *testing.T) {
	svc, db := newService(t)
	ctx := t.Context()
	tn, _ := svc.CreateTenant(ctx, "test", "acme")
	boss, _ := svc.CreateMember(ctx, "test", admin.NewMember{TenantID: tn.ID, Email: "boss@acme.test", Name: "Boss", Role: store.RoleOwner})
	adm, _ := svc.CreateMember(ctx, "test", admin.NewMember{TenantID: tn.ID, Email: "adm@acme.test", Role: store.RoleAdmin})
	bob, _ := svc.CreateMember(ctx, "test", admin.NewMember{TenantID: tn.ID, Email: "bob@acme.test"})
	for _, by := range []admin.By{admin.AsMember(adm), admin.AsToken(tn.ID, "api-token:t1")} {
		if _, err := svc.RenameMember(ctx, by, boss.ID, "Pwned"); !errors.Is(err, admin.ErrForbidden) {
			t.Errorf("%s renaming an owner: %v, want ErrForbidden", by.Actor, err)
		}
	}
	if m, _ := db.Member(ctx, boss.ID); m.Name != "Boss" {
		t.Fatalf("the owner was renamed to %q", m.Name)
	}
	if _, err := svc.RenameMember(ctx, admin.AsMember(adm), bob.ID, "Bob"); err != nil {
		t.Errorf("an admin renaming a member: %v", err)
	}
	if _, err := svc.RenameMember(ctx, admin.AsMember(boss), boss.ID, "The Boss"); err != nil {
		t.Errorf("an owner renaming an owner: %v", err)
	}
}
