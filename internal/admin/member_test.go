package admin_test

import (
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
