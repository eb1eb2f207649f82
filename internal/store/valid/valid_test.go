package valid_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

func TestTimes(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		ok   bool
	}{
		{"zero", time.Time{}, true},
		{"now", time.Now(), true},
		{"latest", time.Unix(0, math.MaxInt64), true},
		{"earliest", time.Unix(0, math.MinInt64+1), true},
		{"after", time.Unix(0, math.MaxInt64).Add(time.Nanosecond), false},
		{"before", time.Unix(0, math.MinInt64+1).Add(-time.Nanosecond), false},
		{"year 9999", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := valid.InRange(tc.t); got != tc.ok {
				t.Fatalf("InRange = %v, want %v", got, tc.ok)
			}
			var r valid.Rules
			n := r.Time("at", tc.t, false)
			if err := r.Err(); (err == nil) != tc.ok || err != nil && !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("Time: %v", err)
			}
			if !tc.ok {
				return
			}
			if back := valid.FromNanos(n); !back.Equal(tc.t) || !tc.t.IsZero() && back.Location() != time.UTC {
				t.Fatalf("FromNanos(Nanos(%v)) = %v", tc.t, back)
			}
		})
	}
	// 0 means "not set", so the epoch itself reads back as unset.
	if got := valid.FromNanos(valid.Nanos(time.Unix(0, 0))); !got.IsZero() {
		t.Fatalf("the epoch reads back as %v", got)
	}
	var r valid.Rules
	r.Time("at", time.Time{}, true)
	if !errors.Is(r.Err(), store.ErrInvalid) {
		t.Fatalf("a required zero time: %v", r.Err())
	}
}

// TestFirstRuleWins: a record that breaks several rules reports the first,
// and later rules do not overwrite it.
func TestFirstRuleWins(t *testing.T) {
	var r valid.Rules
	if r.Err() != nil {
		t.Fatal("zero Rules has an error")
	}
	r.Need("a", "")
	first := r.Err()
	r.Need("b", "")
	r.Positive("c", 0)
	if r.Err() != first || !errors.Is(first, store.ErrInvalid) {
		t.Fatalf("Err = %v, want the first (%v)", r.Err(), first)
	}
}

func TestRecords(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	far := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) // not storable
	app := store.Application{ID: "a1", TenantID: "t1", Name: "app", Issuer: "https://app", Unenrolled: store.UnenrolledAllow,
		FailMode: store.FailOpen, DefaultUnlock: time.Hour, MaxUnlock: time.Hour, Origins: []string{"https://app"}, CreatedAt: now}
	key := store.SigningKey{KID: "k1", AppID: "a1", TenantID: "t1", Algorithm: store.AlgHS256, SealedSecret: []byte{1}, CreatedAt: now}
	member := store.Member{ID: "m1", TenantID: "t1", Email: "a@b", Role: store.RoleMember, Channels: []string{store.ChannelPush}, CreatedAt: now}
	grant := store.Grant{ID: "g1", TenantID: "t1", AccountID: "ac1", GrantedBy: "x", Until: now.Add(time.Hour), CreatedAt: now}
	msg := store.OutboxMessage{ID: "o1", TenantID: "t1", Channel: store.ChannelWebhook, WebhookID: "w1", Type: "x", Payload: []byte("{}"), CreatedAt: now}
	req := store.UnlockRequest{ID: "q1", TenantID: "t1", AppID: "a1", AccountID: "ac1", UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
	passkey := store.Passkey{ID: "p1", TenantID: "t1", MemberID: "m1", Credential: []byte{1}, CreatedAt: now}
	tests := []struct {
		name string
		err  error
		ok   bool
	}{
		{"tenant", valid.Tenant(store.Tenant{ID: "t1", Name: "acme", CreatedAt: now}), true},
		{"tenant without name", valid.Tenant(store.Tenant{ID: "t1", CreatedAt: now}), false},
		{"application", valid.Application(app), true},
		{"application without issuer", valid.Application(with(app, func(a *store.Application) { a.Issuer = "" })), false},
		{"application origin spans lines", valid.Application(with(app, func(a *store.Application) { a.Origins = []string{"a\nb"} })), false},
		{"application update without created", valid.ApplicationUpdate(with(app, func(a *store.Application) { a.CreatedAt, a.Issuer = time.Time{}, "" })), true},
		{"application update, zero max unlock", valid.ApplicationUpdate(with(app, func(a *store.Application) { a.MaxUnlock = 0 })), false},
		{"application update, created out of range", valid.ApplicationUpdate(with(app, func(a *store.Application) { a.CreatedAt = far })), false},
		{"HS256 key", valid.SigningKey(key), true},
		{"HS256 key with a public key", valid.SigningKey(with(key, func(k *store.SigningKey) { k.PublicKey = []byte{1} })), false},
		{"ES256 key with a secret", valid.SigningKey(with(key, func(k *store.SigningKey) { k.Algorithm = store.AlgES256 })), false},
		{"member", valid.Member(member), true},
		{"member with an unknown channel", valid.Member(with(member, func(m *store.Member) { m.Channels = []string{"fax"} })), false},
		{"member update without tenant", valid.MemberUpdate(with(member, func(m *store.Member) { m.TenantID, m.CreatedAt = "", time.Time{} })), true},
		{"member update with an unknown role", valid.MemberUpdate(with(member, func(m *store.Member) { m.Role = "god" })), false},
		{"account", valid.Account(store.Account{ID: "ac1", TenantID: "t1", AppID: "a1", Name: "bob", CreatedAt: now}), true},
		{"account without created", valid.Account(store.Account{ID: "ac1", TenantID: "t1", AppID: "a1", Name: "bob"}), false},
		{"grant", valid.Grant(grant), true},
		{"grant until out of range", valid.Grant(with(grant, func(g *store.Grant) { g.Until = far })), false},
		{"check record", valid.CheckRecord(store.CheckRecord{ID: "c1", TenantID: "t1", AppID: "a1", Account: "bob", Status: "ok", At: now}), true},
		{"check record without status", valid.CheckRecord(store.CheckRecord{ID: "c1", TenantID: "t1", AppID: "a1", Account: "bob", At: now}), false},
		{"audit event", valid.AuditEvent(audit.Event{TenantID: "t1", Actor: "x", Action: "y"}, now), true},
		{"audit event without time", valid.AuditEvent(audit.Event{TenantID: "t1", Actor: "x", Action: "y"}, time.Time{}), false},
		{"webhook", valid.Webhook(store.Webhook{ID: "w1", TenantID: "t1", URL: "https://h", SealedSecret: []byte{1}, CreatedAt: now}), true},
		{"webhook event with a comma", valid.Webhook(store.Webhook{ID: "w1", TenantID: "t1", URL: "https://h", SealedSecret: []byte{1},
			Events: []string{"a,b"}, CreatedAt: now}), false},
		{"webhook message", valid.OutboxMessage(msg), true},
		{"webhook message naming a member", valid.OutboxMessage(with(msg, func(m *store.OutboxMessage) { m.MemberID = "m1" })), false},
		{"email message", valid.OutboxMessage(with(msg, func(m *store.OutboxMessage) { m.Channel, m.WebhookID, m.MemberID = store.ChannelEmail, "", "m1" })), true},
		{"message on an unknown channel", valid.OutboxMessage(with(msg, func(m *store.OutboxMessage) { m.Channel = "fax" })), false},
		{"outbox result", valid.OutboxResult(store.OutboxResult{ID: "o1", At: now}), true},
		{"outbox result without time", valid.OutboxResult(store.OutboxResult{ID: "o1"}), false},
		{"request", valid.Request(req), true},
		{"request expiring when raised", valid.Request(with(req, func(q *store.UnlockRequest) { q.ExpiresAt = q.UpdatedAt })), false},
		{"passkey", valid.Passkey(passkey), true},
		{"passkey without credential", valid.Passkey(with(passkey, func(p *store.Passkey) { p.Credential = nil })), false},
		{"passkey update without tenant", valid.PasskeyUpdate(with(passkey, func(p *store.Passkey) { p.TenantID, p.CreatedAt = "", time.Time{} })), true},
		{"session", valid.Session(store.Session{ID: "s1", TenantID: "t1", MemberID: "m1", CreatedAt: now, ExpiresAt: now}), true},
		{"session without expiry", valid.Session(store.Session{ID: "s1", TenantID: "t1", MemberID: "m1", CreatedAt: now}), false},
		{"invite", valid.Invite(store.Invite{ID: "i1", TenantID: "t1", MemberID: "m1", CreatedBy: "x", CreatedAt: now, ExpiresAt: now}), true},
		{"invite without creator", valid.Invite(store.Invite{ID: "i1", TenantID: "t1", MemberID: "m1", CreatedAt: now, ExpiresAt: now}), false},
		{"push subscription", valid.PushSubscription(store.PushSubscription{ID: "p1", TenantID: "t1", MemberID: "m1", Endpoint: "https://push",
			P256dh: []byte{1}, Auth: []byte{1}, CreatedAt: now}), true},
		{"push subscription without keys", valid.PushSubscription(store.PushSubscription{ID: "p1", TenantID: "t1", MemberID: "m1",
			Endpoint: "https://push", CreatedAt: now}), false},
		{"limit 1", valid.Limit(1), true},
		{"limit 0", valid.Limit(0), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ok && tc.err != nil {
				t.Fatalf("want no error, got %v", tc.err)
			}
			if !tc.ok && !errors.Is(tc.err, store.ErrInvalid) {
				t.Fatalf("want store.ErrInvalid, got %v", tc.err)
			}
		})
	}
}

// with returns a copy of v changed by f.
func with[T any](v T, f func(*T)) T {
	f(&v)
	return v
}
