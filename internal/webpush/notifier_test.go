package webpush

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

func TestNotifier(t *testing.T) {
	ctx := context.Background()
	s := backends.SQLite(t)
	now := time.Now().UTC()
	tenant := store.Tenant{ID: "t1", Name: "acme", CreatedAt: now}
	alice := store.Member{ID: "m1", TenantID: "t1", Email: "alice@acme.test", Role: store.RoleMember,
		Channels: []string{store.ChannelPush}, CreatedAt: now}
	bob := store.Member{ID: "m2", TenantID: "t1", Email: "bob@acme.test", Role: store.RoleMember, CreatedAt: now}
	br := newBrowser(t)
	received := make(chan []byte, 4)
	live := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		received <- b
		w.WriteHeader(http.StatusCreated)
	}))
	defer live.Close()
	gone := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
	defer gone.Close()
	subs := []store.PushSubscription{
		{ID: "s-live", TenantID: "t1", MemberID: "m1", Endpoint: live.URL + "/a", P256dh: br.key.PublicKey().Bytes(), Auth: br.auth, CreatedAt: now},
		{ID: "s-gone", TenantID: "t1", MemberID: "m1", Endpoint: gone.URL + "/b", P256dh: br.key.PublicKey().Bytes(), Auth: br.auth, CreatedAt: now.Add(time.Second)},
		{ID: "s-bob", TenantID: "t1", MemberID: "m2", Endpoint: live.URL + "/c", P256dh: br.key.PublicKey().Bytes(), Auth: br.auth, CreatedAt: now},
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		tx.CreateTenant(ctx, tenant)
		tx.CreateMember(ctx, alice)
		tx.CreateMember(ctx, bob)
		for _, sub := range subs {
			if err := tx.PutPushSubscription(ctx, sub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := NewVAPID(make([]byte, 31+1), "mailto:x@acme.test")
	client := trusting(live, gone)
	n := &Notifier{Store: s, PortalURL: "https://lock.acme.test", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sender: &Sender{VAPID: v, Policy: egress.Policy{AllowPrivate: true}, Client: client}}
	notice := notify.Notice{Request: "r1", Application: "Wiki", Account: "alice", IP: "203.0.113.7", Location: "Madrid"}
	payload, _ := json.Marshal(notice)
	msg := func(member string) store.OutboxMessage {
		return store.OutboxMessage{ID: "o-" + member, TenantID: "t1", Channel: store.ChannelPush, MemberID: member,
			Type: notify.TypeRequestRaised, Payload: payload}
	}

	// Alice's live browser gets the notice; her gone one is forgotten, and
	// the delivery counts as done.
	if err := n.Deliver(ctx, msg("m1")); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	select {
	case body := <-received:
		var p Payload
		if err := json.Unmarshal(br.decrypt(t, body), &p); err != nil {
			t.Fatal(err)
		}
		if p.Tag != "r1" || p.URL != "https://lock.acme.test/" || p.Body != "Someone is signing in as alice at Wiki. From 203.0.113.7, Madrid. Open deadbolt to answer." {
			t.Fatalf("payload %+v", p)
		}
	default:
		t.Fatal("no push arrived")
	}
	if got, _ := s.PushSubscriptions(ctx, "m1"); len(got) != 1 || got[0].ID != "s-live" {
		t.Fatalf("subscriptions after a 410: %+v", got)
	}
	recs, _ := s.AuditRecords(ctx, "t1", 0, 10)
	if len(recs) != 1 || recs[0].Action != "push.unsubscribed" {
		t.Fatalf("forgetting is not audited: %+v", recs)
	}

	// A push service that refuses for now: the delivery fails, to be
	// retried.
	failing := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy: internal banner", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	client.Transport.(*http.Transport).TLSClientConfig.RootCAs.AddCert(failing.Certificate())
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.PutPushSubscription(ctx, store.PushSubscription{ID: "s-busy", TenantID: "t1", MemberID: "m2",
			Endpoint: failing.URL + "/d", P256dh: br.key.PublicKey().Bytes(), Auth: br.auth, CreatedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = n.Deliver(ctx, msg("m2"))
	if err == nil || errors.Is(err, notify.ErrPermanent) || !strings.Contains(err.Error(), "503") || strings.Contains(err.Error(), "banner") {
		t.Fatalf("Deliver to a busy push service: %v, want a retryable error naming the 503 and not the body", err)
	}
	// No browser left at all: given up at once.
	s.Update(ctx, func(tx store.Tx) error {
		tx.DeletePushSubscription(ctx, "s-busy")
		return tx.DeletePushSubscription(ctx, "s-bob")
	})
	if err := n.Deliver(ctx, msg("m2")); !errors.Is(err, notify.ErrPermanent) {
		t.Fatalf("Deliver with no browser: %v, want ErrPermanent", err)
	}
	// A payload that is not a notice cannot be retried into one.
	bad := msg("m1")
	bad.Payload = []byte("not json")
	if err := n.Deliver(ctx, bad); !errors.Is(err, notify.ErrPermanent) {
		t.Fatalf("Deliver of a bad payload: %v, want ErrPermanent", err)
	}
}

// TestApprovalPayloads: an approver's push names what is asked and by
// whom and opens the request's page; a requester's names the outcome; a
// decided notice never replaces the ask (their tags differ).
func TestApprovalPayloads(t *testing.T) {
	n := notify.Notice{Request: "r1", Application: "Bank", Account: "treasury", Kind: store.RequestAhead, By: "alice@acme.test",
		Link: "/approvals#request-r1"}
	ask := AskPayload(n, "https://lock.acme.test")
	if ask.Title != "Approval asked" || !strings.Contains(ask.Body, "access to treasury at Bank, asked by alice@acme.test") ||
		ask.URL != "https://lock.acme.test/approvals#request-r1" || ask.Tag != "r1" {
		t.Fatalf("ask payload %+v", ask)
	}
	n.Status, n.Link = store.RequestDenied, "/approvals#mine-r1"
	done := DecidedPayload(n, "https://lock.acme.test")
	if done.Title != "Request denied" || done.Body != "Your request for access to treasury at Bank was denied." ||
		done.URL != "https://lock.acme.test/approvals#mine-r1" || done.Tag == ask.Tag {
		t.Fatalf("decided payload %+v", done)
	}
}
