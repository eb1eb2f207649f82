package notify_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/mail"
	"github.com/deadbolt-dev/deadbolt/internal/mail/smtptest"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/webpush"
)

// noticeEnv is an owner with a passkey and an account, on a SQLite file
// that a test may close and open again, as a restarted process does.
type noticeEnv struct {
	t     *testing.T
	path  string
	store *sqlite.Store
	clock *clock.Fake
	app   store.Application
	owner store.Member
	smtp  *smtptest.Server
}

func newNoticeEnv(t *testing.T) *noticeEnv {
	t.Helper()
	ctx := t.Context()
	e := &noticeEnv{t: t, path: filepath.Join(t.TempDir(), "d.db"), clock: clock.NewFake(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)),
		smtp: smtptest.New(t, smtptest.Options{})}
	e.open()
	box, _ := seal.New(bytes.Repeat([]byte{9}, seal.KeySize))
	adm := &admin.Service{Store: e.store, Clock: e.clock, Box: box}
	tenant, _ := adm.CreateTenant(ctx, "test", "acme")
	var err error
	if e.app, err = adm.CreateApp(ctx, "test", admin.NewApp{TenantID: tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test"}); err != nil {
		t.Fatal(err)
	}
	acc := &access.Service{Store: e.store, Clock: e.clock}
	if _, err := acc.Enroll(ctx, "test", e.app, "alice", "alice@acme.test"); err != nil {
		t.Fatal(err)
	}
	e.owner, _ = e.store.MemberByEmail(ctx, tenant.ID, "alice@acme.test")
	e.update(func(tx store.Tx) error {
		return tx.CreatePasskey(ctx, store.Passkey{ID: "key", TenantID: tenant.ID, MemberID: e.owner.ID, Name: "laptop",
			Credential: []byte("{}"), CreatedAt: e.clock.Now()})
	})
	return e
}

func (e *noticeEnv) open() {
	e.t.Helper()
	s, err := sqlite.Open(context.Background(), e.path, sqlite.Options{AutoMigrate: true})
	if err != nil {
		e.t.Fatal(err)
	}
	e.store = s
	e.t.Cleanup(func() { s.Close() })
}

func (e *noticeEnv) update(fn func(tx store.Tx) error) {
	e.t.Helper()
	if err := e.store.Update(context.Background(), fn); err != nil {
		e.t.Fatal(err)
	}
}

// raise is a lock check meeting alice's locked account from ip.
func (e *noticeEnv) raise(ip string) {
	e.t.Helper()
	ctx := e.t.Context()
	st, err := e.store.CheckState(ctx, e.app.ID, "alice")
	if err != nil {
		e.t.Fatal(err)
	}
	q := &access.Requests{Store: e.store, Clock: e.clock, Notify: []string{store.ChannelEmail, store.ChannelPush}}
	if err := q.Raise(ctx, e.app, st, check.Request{IP: ip, Device: "Firefox on Linux", Location: "Madrid, ES"}, e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *noticeEnv) deliverer() *notify.Deliverer {
	snd := &mail.Sender{Addr: e.smtp.Addr, From: "deadbolt <deadbolt@acme.test>", TLS: mail.TLSNone, Timeout: 5 * time.Second}
	return &notify.Deliverer{Store: e.store, Clock: e.clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Mail: &mail.Notifier{Sender: snd, Members: e.store, PortalURL: "https://lock.acme.test"}}
}

func (e *noticeEnv) outbox() []store.OutboxMessage {
	e.t.Helper()
	msgs, err := e.store.OutboxOfTenant(e.t.Context(), e.app.TenantID, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	return msgs
}

func (e *noticeEnv) runOnce(want int) {
	e.t.Helper()
	if n, err := e.deliverer().RunOnce(e.t.Context()); err != nil || n != want {
		e.t.Fatalf("RunOnce delivered %d, %v; want %d", n, err, want)
	}
}

// TestEmailNoticeSurvivesRestart: a new request writes its email notice to
// the outbox in the raise's transaction; the process stops before sending
// it, and after the restart the outbox job delivers it to a real SMTP
// socket.
func TestEmailNoticeSurvivesRestart(t *testing.T) {
	e := newNoticeEnv(t)
	e.raise("203.0.113.7")
	e.raise("203.0.113.8") // a refresh of the same request notifies nobody again
	msgs := e.outbox()
	// Alice never chose, so email only; and she has no browser for push.
	if len(msgs) != 1 || msgs[0].Channel != store.ChannelEmail || msgs[0].MemberID != e.owner.ID ||
		msgs[0].Type != notify.TypeRequestRaised || msgs[0].State() != store.OutboxPending {
		t.Fatalf("outbox after raising: %+v", msgs)
	}
	for _, secretish := range []string{"approve", "token", "secret"} {
		if bytes.Contains(msgs[0].Payload, []byte(secretish)) {
			t.Errorf("the notice holds %q: %s", secretish, msgs[0].Payload)
		}
	}

	// Stop before delivery; start again on the same file.
	e.store.Close()
	e.open()
	e.runOnce(1)
	got := e.smtp.Wait(t)
	for _, want := range []string{"alice@acme.test", "Subject: Sign-in request: alice at Wiki", "203.0.113.7", "Madrid, ES", "https://lock.acme.test/"} {
		if !strings.Contains(got.To+"\n"+got.Data, want) {
			t.Errorf("mail lacks %q:\n%s", want, got.Data)
		}
	}
	msgs = e.outbox()
	if len(msgs) != 1 || msgs[0].State() != store.OutboxDelivered || msgs[0].Attempts != 1 || !msgs[0].DeliveredAt.Equal(e.clock.Now()) {
		t.Fatalf("after delivery: %+v", msgs)
	}
	e.runOnce(0) // delivered once
}

// TestFailingSMTPIsRetried: an SMTP server that refuses for now leaves the
// message pending with its attempts and last error for admins to see, and
// the outbox retries it with backoff until it goes through.
func TestFailingSMTPIsRetried(t *testing.T) {
	e := newNoticeEnv(t)
	e.smtp.FailNext(2)
	e.raise("203.0.113.7")
	e.runOnce(0)
	m := e.outbox()[0]
	if m.State() != store.OutboxPending || m.Attempts != 1 || !strings.Contains(m.LastError, "451") ||
		!m.NextAttemptAt.Equal(e.clock.Now().Add(notify.Backoff(1))) {
		t.Fatalf("after a refused attempt: %+v", m)
	}
	e.runOnce(0) // not due yet: not even tried
	if m := e.outbox()[0]; m.Attempts != 1 {
		t.Fatalf("tried before its time: %+v", m)
	}
	e.clock.Advance(notify.Backoff(1))
	e.runOnce(0)
	if m := e.outbox()[0]; m.Attempts != 2 || !m.NextAttemptAt.Equal(e.clock.Now().Add(notify.Backoff(2))) {
		t.Fatalf("after the second refusal: %+v", m)
	}
	e.clock.Advance(notify.Backoff(2))
	e.runOnce(1)
	e.smtp.Wait(t)
	if m := e.outbox()[0]; m.State() != store.OutboxDelivered || m.Attempts != 3 {
		t.Fatalf("after delivery: %+v", m)
	}
}

// TestGivesUpAfterMaxAttempts: a server that never accepts makes the
// message fail for good after MaxAttempts, with its last error kept.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	e := newNoticeEnv(t)
	e.smtp.FailNext(notify.MaxAttempts + 5)
	e.raise("203.0.113.7")
	for i := range notify.MaxAttempts {
		e.runOnce(0)
		m := e.outbox()[0]
		if m.Attempts != i+1 {
			t.Fatalf("attempt %d: %+v", i+1, m)
		}
		e.clock.Set(m.NextAttemptAt)
	}
	m := e.outbox()[0]
	if m.State() != store.OutboxFailed || !strings.Contains(m.LastError, "451") || m.FailedAt.IsZero() {
		t.Fatalf("after %d attempts: %+v", notify.MaxAttempts, m)
	}
	e.clock.Advance(24 * time.Hour)
	e.runOnce(0)
	if m := e.outbox()[0]; m.Attempts != notify.MaxAttempts {
		t.Fatalf("tried again after giving up: %+v", m)
	}
}

// TestNoticeChannels: a notice goes on each channel the owner chose that
// the deployment delivers; push reaches the owner's browsers, and a member
// whose only browser is gone is given up at once, the browser forgotten.
func TestNoticeChannels(t *testing.T) {
	e := newNoticeEnv(t)
	ctx := t.Context()
	var pushes atomic.Int32
	status := atomic.Int32{}
	status.Store(http.StatusCreated)
	ps := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pushes.Add(1)
		w.WriteHeader(int(status.Load()))
	}))
	defer ps.Close()
	browser, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	rand.Read(auth)
	e.update(func(tx store.Tx) error {
		m, _ := tx.Member(ctx, e.owner.ID)
		m.Channels = []string{store.ChannelEmail, store.ChannelPush}
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		return tx.PutPushSubscription(ctx, store.PushSubscription{ID: "sub", TenantID: m.TenantID, MemberID: m.ID,
			Endpoint: ps.URL + "/push", P256dh: browser.PublicKey().Bytes(), Auth: auth, CreatedAt: e.clock.Now()})
	})
	v, _ := webpush.NewVAPID(make([]byte, 32), "mailto:ops@acme.test")
	client := ps.Client()
	d := e.deliverer()
	d.Push = &webpush.Notifier{Store: e.store, Clock: e.clock, PortalURL: "https://lock.acme.test",
		Sender: &webpush.Sender{VAPID: v, Policy: egress.Policy{AllowPrivate: true}, Client: client}}

	e.raise("203.0.113.7")
	byChannel := func() map[string]store.OutboxMessage {
		out := map[string]store.OutboxMessage{}
		for _, m := range e.outbox() { // newest first: keep the newest
			if _, ok := out[m.Channel]; !ok {
				out[m.Channel] = m
			}
		}
		return out
	}
	if got := byChannel(); len(got) != 2 || got[store.ChannelEmail].MemberID != e.owner.ID || got[store.ChannelPush].MemberID != e.owner.ID {
		t.Fatalf("outbox: %+v", got)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 2 || pushes.Load() != 1 {
		t.Fatalf("RunOnce = %d, %v; %d pushes", n, err, pushes.Load())
	}
	e.smtp.Wait(t)

	// The next request finds the browser gone: forgotten, and the push
	// given up at once (nothing is left to retry for).
	status.Store(http.StatusGone)
	e.update(func(tx store.Tx) error {
		st, _ := tx.CheckState(ctx, e.app.ID, "alice")
		_, err := tx.DecideRequest(ctx, mustPending(t, tx, st.Account.ID), store.RequestDenied, "test", "", e.clock.Now())
		return err
	})
	e.clock.Advance(time.Minute)
	e.raise("203.0.113.9")
	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	push := byChannel()[store.ChannelPush]
	if push.State() != store.OutboxFailed || push.Attempts != 1 || !strings.Contains(push.LastError, "no browser") {
		t.Fatalf("push to a gone browser: %+v", push)
	}
	if subs, _ := e.store.PushSubscriptions(ctx, e.owner.ID); len(subs) != 0 {
		t.Fatalf("gone subscription kept: %+v", subs)
	}

	// A node without a carrier for a channel keeps its messages for
	// later, with the reason.
	e.clock.Advance(time.Minute)
	e.update(func(tx store.Tx) error {
		st, _ := tx.CheckState(ctx, e.app.ID, "alice")
		_, err := tx.DecideRequest(ctx, mustPending(t, tx, st.Account.ID), store.RequestDenied, "test", "", e.clock.Now())
		return err
	})
	e.raise("203.0.113.10")
	d.Mail = nil
	if n, err := d.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("RunOnce without a mail carrier = %d, %v", n, err)
	}
	mail := byChannel()[store.ChannelEmail]
	if mail.State() != store.OutboxPending || !strings.Contains(mail.LastError, "not set up") {
		t.Fatalf("mail without a carrier: %+v", mail)
	}
}

func mustPending(t *testing.T, r store.Reader, accountID string) string {
	t.Helper()
	q, err := r.PendingRequest(context.Background(), accountID)
	if err != nil {
		t.Fatal(err)
	}
	return q.ID
}

// TestDecodeNotice: only notices decode, and what does not is permanent.
func TestDecodeNotice(t *testing.T) {
	for _, m := range []store.OutboxMessage{
		{Type: "account.locked", Payload: []byte(`{}`)},
		{Type: notify.TypeRequestRaised, Payload: []byte(`[`)},
	} {
		if _, err := notify.DecodeNotice(m); !errors.Is(err, notify.ErrPermanent) {
			t.Errorf("DecodeNotice(%s %s) = %v, want ErrPermanent", m.Type, m.Payload, err)
		}
	}
}
