package webpush

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

func TestNotifier(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
	err = s.Update(ctx, func(tx store.Tx) error {
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
	client := live.Client()
	client.Transport.(*http.Transport).TLSClientConfig.RootCAs.AddCert(gone.Certificate())
	n := &Notifier{Store: s, PortalURL: "https://lock.acme.test", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sender: &Sender{VAPID: v, Client: client, Check: func(string) error { return nil }}}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go n.Run(rctx)

	q := store.UnlockRequest{ID: "r1", IP: "203.0.113.7", Location: "Madrid"}
	app := store.Application{Name: "Wiki"}
	n.Notify(Notice{OwnerID: "m2", App: app, Account: "bob", Request: q}) // bob never chose push
	n.Notify(Notice{OwnerID: "m1", App: app, Account: "alice", Request: q})
	select {
	case body := <-received:
		var p Payload
		if err := json.Unmarshal(br.decrypt(t, body), &p); err != nil {
			t.Fatal(err)
		}
		if p.Tag != "r1" || p.URL != "https://lock.acme.test/" || p.Body != "Someone is signing in as alice at Wiki. From 203.0.113.7, Madrid. Open deadbolt to answer." {
			t.Fatalf("payload %+v", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no push arrived")
	}
	// The gone subscription is forgotten (after the live one was served).
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ := s.PushSubscriptions(ctx, "m1")
		if len(got) == 1 && got[0].ID == "s-live" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscriptions after a 410: %+v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-received:
		t.Fatal("bob, who chose no push, got one")
	case <-time.After(100 * time.Millisecond):
	}
}
