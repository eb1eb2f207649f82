package admin_test

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/egress/egresstest"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// newService returns a service on a fresh database, and the database.
func newService(t *testing.T) (*admin.Service, store.Store) {
	t.Helper()
	s := backends.SQLite(t)
	box, _ := seal.New(bytes.Repeat([]byte{3}, seal.KeySize))
	// Names resolve without DNS: hooks.acme.test is public, the others
	// point inside.
	res := egresstest.Static{
		"hooks.acme.test":    {netip.MustParseAddr("93.184.215.14")},
		"intranet.acme.test": {netip.MustParseAddr("192.168.10.20")},
		"meta.acme.test":     {netip.MustParseAddr("fd00:ec2::254")},
	}
	return &admin.Service{Store: s, Clock: clock.NewFake(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)), Box: box,
		Egress: egress.Policy{Resolver: res}}, s
}

func TestCreateWebhook(t *testing.T) {
	svc, db := newService(t)
	ctx := t.Context()
	tn, err := svc.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		in     admin.NewWebhook
		want   []string // events stored; nil: all
		wantOK bool
	}{
		{"all events", admin.NewWebhook{URL: "https://hooks.acme.test/a"}, nil, true},
		{"empty entries are no events", admin.NewWebhook{URL: "https://hooks.acme.test/b", Events: []string{""}}, nil, true},
		{"some, trimmed, once each", admin.NewWebhook{URL: " http://93.184.215.14:8080/in ", Events: []string{" account.locked", "account.locked"}},
			[]string{"account.locked"}, true},
		{"unknown event", admin.NewWebhook{URL: "https://hooks.acme.test/c", Events: []string{"account.gone"}}, nil, false},
		{"relative URL", admin.NewWebhook{URL: "/hooks"}, nil, false},
		{"no host", admin.NewWebhook{URL: "https:///x"}, nil, false},
		{"other scheme", admin.NewWebhook{URL: "ftp://hooks.acme.test/"}, nil, false},
		{"too long", admin.NewWebhook{URL: "https://hooks.acme.test/" + strings.Repeat("a", 2048)}, nil, false},
		{"unknown tenant", admin.NewWebhook{TenantID: "nope", URL: "https://hooks.acme.test/d"}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in.TenantID == "" {
				tc.in.TenantID = tn.ID
			}
			w, secret, err := svc.CreateWebhook(ctx, "cli:root", tc.in)
			if !tc.wantOK {
				if !errors.Is(err, store.ErrInvalid) {
					t.Fatalf("CreateWebhook: %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.Webhook(ctx, w.ID)
			if err != nil || !slices.Equal(got.Events, tc.want) || got.URL != strings.TrimSpace(tc.in.URL) {
				t.Fatalf("stored %+v, %v", got, err)
			}
			if raw, err := svc.Box.Open(got.SealedSecret, got.ID); err != nil || string(raw) != secret || !strings.HasPrefix(secret, "whsec_") {
				t.Fatalf("secret %q does not open from the store: %v", secret, err)
			}
		})
	}
	hooks, _ := db.Webhooks(ctx, tn.ID)
	recs, _ := db.AuditRecords(ctx, tn.ID, 0, 100)
	created := 0
	for _, r := range recs {
		if r.Action == "webhook.created" {
			created++
		}
	}
	if len(hooks) != 3 || created != 3 {
		t.Fatalf("%d webhooks, %d audited; want 3 of each", len(hooks), created)
	}
}

// TestCreateWebhookRefusesNonPublicHosts: a tenant admin cannot point a
// webhook at deadbolt's own machine, the private network or a metadata
// service (finding: webhook SSRF) unless the operator allows private
// receivers; metadata addresses stay refused even then.
func TestCreateWebhookRefusesNonPublicHosts(t *testing.T) {
	svc, _ := newService(t)
	ctx := t.Context()
	tn, _ := svc.CreateTenant(ctx, "test", "acme")
	for _, tc := range []struct {
		url     string
		private bool // allowed with AllowPrivate
	}{
		{"http://127.0.0.1:8420/hook", true},
		{"http://127.0.0.1/", true},
		{"http://10.1.2.3/hook", true},
		{"http://[::1]:9000/", true},
		{"http://localhost:8080/", true},
		{"https://intranet.acme.test/hook", true},
		{"http://100.64.1.1/", true},
		{"http://169.254.169.254/latest/meta-data/", false},
		{"http://[fd00:ec2::254]/", false},
		{"https://meta.acme.test/", false},
		{"http://0.0.0.0:22/", false},
	} {
		t.Run(tc.url, func(t *testing.T) {
			svc.Egress.AllowPrivate = false
			_, _, err := svc.CreateWebhook(ctx, "test", admin.NewWebhook{TenantID: tn.ID, URL: tc.url})
			if !errors.Is(err, store.ErrInvalid) || !errors.Is(err, egress.ErrRefused) {
				t.Fatalf("CreateWebhook: %v, want ErrInvalid and ErrRefused", err)
			}
			svc.Egress.AllowPrivate = true
			_, _, err = svc.CreateWebhook(ctx, "test", admin.NewWebhook{TenantID: tn.ID, URL: tc.url})
			if (err == nil) != tc.private {
				t.Fatalf("with private receivers allowed: %v, want allowed %v", err, tc.private)
			}
		})
	}
}

func TestDeleteWebhook(t *testing.T) {
	svc, db := newService(t)
	ctx := t.Context()
	acme, _ := svc.CreateTenant(ctx, "test", "acme")
	globex, _ := svc.CreateTenant(ctx, "test", "globex")
	w, _, err := svc.CreateWebhook(ctx, "test", admin.NewWebhook{TenantID: acme.ID, URL: "https://hooks.acme.test/"})
	if err != nil {
		t.Fatal(err)
	}
	// Through another tenant's eyes it does not exist.
	if _, err := svc.DeleteWebhook(ctx, "member:eve", globex.ID, w.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete from another tenant: %v, want ErrNotFound", err)
	}
	if _, err := svc.DeleteWebhook(ctx, "test", "", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete unknown: %v, want ErrNotFound", err)
	}
	got, err := svc.DeleteWebhook(ctx, "cli:root", "", w.ID)
	if err != nil || got.URL != w.URL {
		t.Fatalf("delete: %+v, %v", got, err)
	}
	if _, err := db.Webhook(ctx, w.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	recs, _ := db.AuditRecords(ctx, acme.ID, 0, 100)
	last := recs[len(recs)-1]
	if last.Action != "webhook.deleted" || last.Actor != "cli:root" || last.Target != "webhook:"+w.ID {
		t.Fatalf("last audit record: %+v", last)
	}
}

// TestDeleteKey: only a revoked key is deleted, with its audit event.
func TestDeleteKey(t *testing.T) {
	svc, db := newService(t)
	ctx := t.Context()
	tn, _ := svc.CreateTenant(ctx, "test", "acme")
	app, err := svc.CreateApp(ctx, "test", admin.NewApp{TenantID: tn.ID, Name: "Wiki", Issuer: "https://wiki.acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	k, _, err := svc.CreateKey(ctx, "test", app, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeleteKey(ctx, "cli:root", k.KID); !errors.Is(err, store.ErrConflict) || !strings.Contains(store.Message(err), "revoke") {
		t.Fatalf("deleting an active key: %v", err)
	}
	if _, err := svc.RevokeKey(ctx, "cli:root", k.KID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeleteKey(ctx, "cli:root", k.KID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SigningKey(ctx, k.KID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := svc.DeleteKey(ctx, "cli:root", k.KID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	recs, _ := db.AuditRecords(ctx, tn.ID, 0, 100)
	if last := recs[len(recs)-1]; last.Action != "key.deleted" || last.Target != "key:"+k.KID || last.Actor != "cli:root" {
		t.Fatalf("last audit record: %+v", last)
	}
}
