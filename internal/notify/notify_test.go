package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/egress/egresstest"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// receiver is a real HTTP endpoint that verifies every delivery.
type receiver struct {
	t      *testing.T
	secret string
	clock  *clock.Fake
	mu     sync.Mutex
	status int
	events []webhook.Event
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(rc.secret, r.Header.Get(webhook.HeaderSignature), body, rc.clock.Now(), 0); err != nil {
		rc.t.Errorf("delivery with a bad signature: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	ev, err := webhook.ParseEvent(body)
	if err != nil || r.Header.Get(webhook.HeaderEventID) != ev.ID || r.Header.Get(webhook.HeaderEventType) != ev.Type {
		rc.t.Errorf("bad delivery: %v %v", err, r.Header)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.status != 0 && rc.status != 200 {
		w.WriteHeader(rc.status)
		io.WriteString(w, "internal banner: service v1.2 at 10.0.0.3")
		return
	}
	rc.events = append(rc.events, ev)
}

func (rc *receiver) got() []webhook.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhook.Event(nil), rc.events...)
}

func setup(t *testing.T) (*sqlite.Store, *clock.Fake, *access.Service, store.Application, *receiver, *notify.Deliverer) {
	t.Helper()
	ctx := context.Background()
	s := backends.SQLite(t)
	clk := clock.NewFake(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	box, _ := seal.New(bytes.Repeat([]byte{9}, seal.KeySize))
	adm := &admin.Service{Store: s, Clock: clk, Box: box}
	tenant, _ := adm.CreateTenant(ctx, "test", "acme")
	app, err := adm.CreateApp(ctx, "test", admin.NewApp{TenantID: tenant.ID, Name: "AWS", Issuer: "aws.acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{t: t, secret: webhook.NewSecret(), clock: clk}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	h := store.Webhook{ID: ids.New(), TenantID: tenant.ID, URL: srv.URL, CreatedAt: clk.Now()}
	h.SealedSecret, _ = box.Seal([]byte(rc.secret), h.ID)
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.CreateWebhook(ctx, h) }); err != nil {
		t.Fatal(err)
	}
	acc := &access.Service{Store: s, Clock: clk}
	if _, err := acc.Enroll(ctx, "test", app, "alice", ""); err != nil {
		t.Fatal(err)
	}
	// The receiver listens on loopback: private receivers are allowed
	// explicitly, as an operator would with --allow-private-webhooks.
	return s, clk, acc, app, rc, &notify.Deliverer{Store: s, Box: box, Clock: clk,
		Client: egress.Policy{AllowPrivate: true}.Client(5 * time.Second)}
}

func TestLockAndUnlockAreDeliveredSigned(t *testing.T) {
	ctx := context.Background()
	_, clk, acc, app, rc, d := setup(t)
	g, err := acc.Unlock(ctx, "test", app, "alice", access.Unlock{For: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if _, err := acc.Lock(ctx, "test", app, "alice"); err != nil {
		t.Fatal(err)
	}
	// A change that fails announces nothing.
	acc.Unlock(ctx, "test", app, "ghost", access.Unlock{})
	if n, err := d.RunOnce(ctx); err != nil || n != 2 {
		t.Fatalf("RunOnce delivered %d, %v; want 2", n, err)
	}
	evs := rc.got()
	if len(evs) != 2 || evs[0].Type != webhook.TypeAccountUnlocked || evs[1].Type != webhook.TypeAccountLocked {
		t.Fatalf("events = %+v", evs)
	}
	if evs[0].Data.Account != "alice" || evs[0].Data.Application != "aws.acme.test" || evs[0].Tenant != "acme" ||
		evs[0].Data.Until == nil || !evs[0].Data.Until.Equal(g.Until) {
		t.Fatalf("unlock event = %+v", evs[0])
	}
	if n, _ := d.RunOnce(ctx); n != 0 {
		t.Fatalf("delivered %d again", n)
	}
}

func TestFailedDeliveriesAreRetriedWithBackoff(t *testing.T) {
	ctx := context.Background()
	s, clk, acc, app, rc, d := setup(t)
	rc.status = http.StatusServiceUnavailable
	acc.Unlock(ctx, "test", app, "alice", access.Unlock{})
	if n, err := d.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	hooks, _ := s.Webhooks(ctx, app.TenantID)
	msgs, _ := s.OutboxMessages(ctx, hooks[0].ID, 10)
	if len(msgs) != 1 || msgs[0].Attempts != 1 || !msgs[0].NextAttemptAt.Equal(clk.Now().Add(notify.Backoff(1))) {
		t.Fatalf("after a failure: %+v", msgs)
	}
	// The stored error is the class of failure, never the receiver's body.
	if msgs[0].LastError != "status 503" {
		t.Fatalf("stored error %q, want %q", msgs[0].LastError, "status 503")
	}
	// Not due yet: nothing is sent.
	rc.status = 200
	if n, _ := d.RunOnce(ctx); n != 0 {
		t.Fatal("retried before its time")
	}
	clk.Advance(notify.Backoff(1))
	if n, _ := d.RunOnce(ctx); n != 1 || len(rc.got()) != 1 {
		t.Fatalf("retry delivered %d", n)
	}
	if notify.Backoff(1) != 5*time.Second || notify.Backoff(3) != 20*time.Second || notify.Backoff(30) != time.Hour {
		t.Fatal("backoff schedule changed")
	}
}

func TestEndedUnlocksAreAnnouncedOnce(t *testing.T) {
	ctx := context.Background()
	s, clk, acc, app, rc, d := setup(t)
	acc.Unlock(ctx, "test", app, "alice", access.Unlock{For: time.Minute})
	e := &notify.Expiry{Store: s, Clock: clk}
	if n, _ := e.RunOnce(ctx); n != 0 {
		t.Fatal("announced an unlock that is still open")
	}
	clk.Advance(2 * time.Minute)
	if n, err := e.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("Expiry.RunOnce = %d, %v", n, err)
	}
	if n, _ := e.RunOnce(ctx); n != 0 {
		t.Fatal("announced twice")
	}
	d.RunOnce(ctx)
	evs := rc.got()
	if len(evs) != 2 || evs[1].Type != webhook.TypeAccountLocked {
		t.Fatalf("events = %+v", evs)
	}
	recs, _ := s.AuditRecords(ctx, app.TenantID, 0, 100)
	last, _ := json.Marshal(recs[len(recs)-1])
	if recs[len(recs)-1].Action != "account.relocked" {
		t.Fatalf("relock not audited: %s", last)
	}
}

// TestWebhookDialTimePolicy: a webhook whose name resolved to a public
// address when it was created and resolves to loopback when it is
// delivered (DNS rebinding) is refused at dial time, and the delivery
// records only "refused by policy"; with private receivers allowed it is
// delivered.
func TestWebhookDialTimePolicy(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow_private=%v", allow), func(t *testing.T) {
			ctx := t.Context()
			s, _, acc, app, rc, d := setup(t)
			adm := &admin.Service{Store: s, Clock: clock.NewFake(time.Now()), Box: d.Box}
			old, _ := s.Webhooks(ctx, app.TenantID)
			if _, err := adm.DeleteWebhook(ctx, "test", "", old[0].ID); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			u, _ := url.Parse(srv.URL)
			res := &egresstest.Rebinding{First: netip.MustParseAddr("93.184.215.14"), Then: netip.MustParseAddr("127.0.0.1")}
			// Created through the same check a tenant admin's request goes
			// through, which the name passes.
			adm.Egress = egress.Policy{Resolver: res}
			h, secret, err := adm.CreateWebhook(ctx, "test", admin.NewWebhook{TenantID: app.TenantID,
				URL: "http://hooks.rebind.test:" + u.Port() + "/deadbolt"})
			if err != nil {
				t.Fatalf("CreateWebhook: %v", err)
			}
			rc.secret = secret
			d.Client = egress.Policy{Resolver: res, AllowPrivate: allow}.Client(5 * time.Second)
			if _, err := acc.Unlock(ctx, "test", app, "alice", access.Unlock{}); err != nil {
				t.Fatal(err)
			}
			n, err := d.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			msgs, _ := s.OutboxMessages(ctx, h.ID, 10)
			if len(msgs) != 1 {
				t.Fatalf("outbox: %+v", msgs)
			}
			if !allow {
				if n != 0 || len(rc.got()) != 0 || msgs[0].LastError != egress.ClassRefused {
					t.Fatalf("delivered %d (%d received); stored error %q, want %q", n, len(rc.got()), msgs[0].LastError, egress.ClassRefused)
				}
				return
			}
			if n != 1 || len(rc.got()) != 1 || msgs[0].DeliveredAt.IsZero() {
				t.Fatalf("with private receivers allowed: delivered %d, received %d, %+v", n, len(rc.got()), msgs[0])
			}
		})
	}
}
