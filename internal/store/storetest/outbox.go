package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// errRollback makes an Update roll back.
var errRollback = errors.New("roll back")

func newWebhook(tenantID string, events ...string) store.Webhook {
	return store.Webhook{ID: newID("webhook"), TenantID: tenantID, URL: "https://hooks.example.com/" + newID(""),
		SealedSecret: []byte{1, 2, 3}, Events: events, CreatedAt: t0}
}

func newMessage(w store.Webhook, created time.Time) store.OutboxMessage {
	return store.OutboxMessage{ID: newID("msg"), TenantID: w.TenantID, Channel: store.ChannelWebhook, WebhookID: w.ID,
		Type: "account.locked", Payload: []byte(`{"type":"account.locked"}`), CreatedAt: created}
}

// newNotice is an email or push message for member m.
func newNotice(m store.Member, channel string, created time.Time) store.OutboxMessage {
	return store.OutboxMessage{ID: newID("notice"), TenantID: m.TenantID, Channel: channel, MemberID: m.ID,
		Type: "request.raised", Payload: []byte(`{"account":"alice"}`), CreatedAt: created}
}

func testWebhooks(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	all := newWebhook(w.tenant.ID)
	some := newWebhook(w.tenant.ID, "account.locked", "account.unlocked")
	some.CreatedAt = at(time.Second)
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateWebhook", tx.CreateWebhook(t.Context(), all))
		return tx.CreateWebhook(t.Context(), some)
	})
	gives(t, "Webhook", some)(s.Webhook(t.Context(), some.ID))
	list, err := s.Webhooks(t.Context(), w.tenant.ID)
	must(t, "Webhooks", err)
	if len(list) != 2 || list[0].ID != all.ID || list[1].ID != some.ID || list[0].Events != nil {
		t.Fatalf("Webhooks = %+v", list)
	}
	_, err = s.Webhook(t.Context(), "nope")
	wantKind(t, "unknown webhook", err, store.ErrNotFound)

	runErrorCases(t, s, []errorCase{
		{"no url", func(tx store.Tx) error {
			h := newWebhook(w.tenant.ID)
			h.URL = ""
			return tx.CreateWebhook(t.Context(), h)
		}, store.ErrInvalid},
		{"unknown tenant", func(tx store.Tx) error { return tx.CreateWebhook(t.Context(), newWebhook("nope")) }, store.ErrInvalid},
		{"duplicate id", func(tx store.Tx) error { return tx.CreateWebhook(t.Context(), all) }, store.ErrConflict},
		{"message for unknown webhook", func(tx store.Tx) error {
			return tx.EnqueueOutbox(t.Context(), newMessage(newWebhook(w.tenant.ID), t0))
		}, store.ErrInvalid},
		{"delete unknown", func(tx store.Tx) error { return tx.DeleteWebhook(t.Context(), "nope") }, store.ErrNotFound},
	})

	// Deleting a webhook takes its messages with it.
	m := newMessage(some, t0)
	update(t, s, func(tx store.Tx) error { return tx.EnqueueOutbox(t.Context(), m) })
	update(t, s, func(tx store.Tx) error { return tx.DeleteWebhook(t.Context(), some.ID) })
	msgs, err := s.OutboxMessages(t.Context(), some.ID, 10)
	must(t, "OutboxMessages", err)
	if len(msgs) != 0 {
		t.Fatalf("messages of a deleted webhook remain: %+v", msgs)
	}
	claimed, err := s.ClaimOutbox(t.Context(), at(time.Hour), time.Minute, 10)
	must(t, "ClaimOutbox", err)
	if len(claimed) != 0 {
		t.Fatalf("claimed a deleted webhook's message: %+v", claimed)
	}
}

func testOutboxLifecycle(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	hook := newWebhook(w.tenant.ID)
	first, second, later := newMessage(hook, t0), newMessage(hook, at(time.Second)), newMessage(hook, at(2*time.Second))
	later.NextAttemptAt = at(time.Hour)
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateWebhook", tx.CreateWebhook(t.Context(), hook))
		for _, m := range []store.OutboxMessage{second, first, later} {
			if err := tx.EnqueueOutbox(t.Context(), m); err != nil {
				return err
			}
		}
		return nil
	})
	// A rolled-back change enqueues nothing.
	s.Update(t.Context(), func(tx store.Tx) error {
		tx.EnqueueOutbox(t.Context(), newMessage(hook, t0))
		return errRollback
	})

	now := at(time.Minute)
	claimed, err := s.ClaimOutbox(t.Context(), now, 30*time.Second, 10)
	must(t, "ClaimOutbox", err)
	if len(claimed) != 2 || claimed[0].ID != first.ID || claimed[1].ID != second.ID {
		t.Fatalf("claimed %+v, want the two due messages oldest first", claimed)
	}
	same(t, "claimed payload", claimed[0].Payload, first.Payload)
	if !claimed[0].NextAttemptAt.Equal(now.Add(30 * time.Second)) {
		t.Fatalf("claim did not push NextAttemptAt to the lease end: %v", claimed[0].NextAttemptAt)
	}
	// Claimed messages are not claimed again while the lease runs.
	again, err := s.ClaimOutbox(t.Context(), now.Add(10*time.Second), 30*time.Second, 10)
	must(t, "ClaimOutbox again", err)
	if len(again) != 0 {
		t.Fatalf("claimed twice within the lease: %+v", again)
	}
	// One delivered, one failed with a retry.
	must(t, "deliver", s.FinishOutbox(t.Context(), store.OutboxResult{ID: first.ID, At: now, Delivered: true}))
	must(t, "retry", s.FinishOutbox(t.Context(), store.OutboxResult{ID: second.ID, At: now, Error: "503", RetryAt: now.Add(time.Minute)}))
	wantKind(t, "finish unknown", s.FinishOutbox(t.Context(), store.OutboxResult{ID: "nope", At: now, Delivered: true}), store.ErrNotFound)

	// After the lease ran out the retried message is due again at RetryAt, the delivered one never.
	redo, err := s.ClaimOutbox(t.Context(), now.Add(2*time.Minute), 30*time.Second, 10)
	must(t, "ClaimOutbox after retry time", err)
	if len(redo) != 1 || redo[0].ID != second.ID || redo[0].Attempts != 1 || redo[0].LastError != "503" {
		t.Fatalf("after retry time claimed %+v", redo)
	}
	must(t, "give up", s.FinishOutbox(t.Context(), store.OutboxResult{ID: second.ID, At: now, Error: "gone"}))
	none, err := s.ClaimOutbox(t.Context(), at(24*time.Hour), 30*time.Second, 10)
	must(t, "ClaimOutbox after giving up", err)
	if len(none) != 1 || none[0].ID != later.ID {
		t.Fatalf("only the later message should remain due, got %+v", none)
	}
	msgs, err := s.OutboxMessages(t.Context(), hook.ID, 10)
	must(t, "OutboxMessages", err)
	byID := map[string]store.OutboxMessage{}
	for _, m := range msgs {
		byID[m.ID] = m
	}
	if len(msgs) != 3 || byID[first.ID].DeliveredAt.IsZero() || byID[second.ID].FailedAt.IsZero() || byID[second.ID].Attempts != 2 {
		t.Fatalf("OutboxMessages = %+v", msgs)
	}
	if msgs[0].ID != later.ID {
		t.Fatalf("OutboxMessages not newest first: %+v", msgs)
	}
}

// testOutboxChannels: email and push messages for members share the
// outbox with webhook messages — one claim, one result, one list for
// admins — and each channel names exactly its own kind of target.
func testOutboxChannels(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := newWorld(t, s)
	hook := newWebhook(w.tenant.ID)
	event := newMessage(hook, t0)
	mail := newNotice(w.member, store.ChannelEmail, at(time.Second))
	push := newNotice(w.member, store.ChannelPush, at(time.Second))
	elsewhere := newNotice(other.member, store.ChannelEmail, at(time.Second))
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateWebhook", tx.CreateWebhook(ctx, hook))
		for _, m := range []store.OutboxMessage{event, mail, push, elsewhere} {
			if err := tx.EnqueueOutbox(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})

	// The tenant's list: every channel, newest first (ties by ID, highest
	// first), nothing of another tenant.
	list, err := s.OutboxOfTenant(ctx, w.tenant.ID, 10)
	must(t, "OutboxOfTenant", err)
	notices := []store.OutboxMessage{mail, push}
	if push.ID > mail.ID {
		notices = []store.OutboxMessage{push, mail}
	}
	want := []store.OutboxMessage{notices[0], notices[1], event}
	for i := range want {
		want[i].NextAttemptAt = want[i].CreatedAt // due at once
	}
	same(t, "OutboxOfTenant", list, want)
	for _, m := range list {
		if m.State() != store.OutboxPending {
			t.Errorf("new message %s is %s, want pending", m.ID, m.State())
		}
	}
	// Paged one at a time from the last one seen: the same list, the
	// tie of one instant broken by ID.
	var paged []store.OutboxMessage
	for page, err := s.OutboxOfTenant(ctx, w.tenant.ID, 1); len(page) > 0; page, err = s.OutboxOfTenantBefore(ctx, w.tenant.ID, page[0], 1) {
		must(t, "OutboxOfTenantBefore", err)
		if paged = append(paged, page[0]); len(paged) > len(want) {
			break
		}
	}
	same(t, "OutboxOfTenantBefore page by page", paged, want)
	one, err := s.OutboxOfTenant(ctx, w.tenant.ID, 1)
	must(t, "OutboxOfTenant limit 1", err)
	if len(one) != 1 || one[0].ID != notices[0].ID {
		t.Fatalf("OutboxOfTenant limit 1 = %+v", one)
	}
	_, err = s.OutboxOfTenant(ctx, w.tenant.ID, 0)
	wantKind(t, "OutboxOfTenant limit 0", err, store.ErrInvalid)
	none, err := s.OutboxOfTenant(ctx, "nope", 10)
	must(t, "OutboxOfTenant of an unknown tenant", err)
	if none == nil || len(none) != 0 {
		t.Fatalf("OutboxOfTenant of an unknown tenant = %#v, want an empty list", none)
	}
	// A webhook's list holds its own messages only.
	ofHook, err := s.OutboxMessages(ctx, hook.ID, 10)
	must(t, "OutboxMessages", err)
	if len(ofHook) != 1 || ofHook[0].ID != event.ID {
		t.Fatalf("OutboxMessages = %+v", ofHook)
	}

	// One claim takes every channel, oldest first; results apply alike.
	now := at(time.Minute)
	claimed, err := s.ClaimOutbox(ctx, now, time.Minute, 10)
	must(t, "ClaimOutbox", err)
	channels := map[string]string{}
	for _, m := range claimed {
		channels[m.ID] = m.Channel + " " + m.WebhookID + m.MemberID
	}
	if len(claimed) != 4 || claimed[0].ID != event.ID || channels[mail.ID] != "email "+w.member.ID ||
		channels[push.ID] != "push "+w.member.ID || channels[event.ID] != "webhook "+hook.ID {
		t.Fatalf("claimed %+v", claimed)
	}
	must(t, "deliver mail", s.FinishOutbox(ctx, store.OutboxResult{ID: mail.ID, At: now, Delivered: true}))
	must(t, "retry push", s.FinishOutbox(ctx, store.OutboxResult{ID: push.ID, At: now, Error: "push service answered 503",
		RetryAt: now.Add(time.Minute)}))
	must(t, "give up elsewhere", s.FinishOutbox(ctx, store.OutboxResult{ID: elsewhere.ID, At: now, Error: "550 no such user"}))
	list, err = s.OutboxOfTenant(ctx, w.tenant.ID, 10)
	must(t, "OutboxOfTenant after attempts", err)
	byID := map[string]store.OutboxMessage{}
	for _, m := range list {
		byID[m.ID] = m
	}
	if m := byID[mail.ID]; m.State() != store.OutboxDelivered || !m.DeliveredAt.Equal(now) || m.Attempts != 1 || m.LastError != "" {
		t.Errorf("delivered mail: %+v", m)
	}
	if m := byID[push.ID]; m.State() != store.OutboxPending || m.Attempts != 1 || m.LastError != "push service answered 503" ||
		!m.NextAttemptAt.Equal(now.Add(time.Minute)) {
		t.Errorf("push to retry: %+v", m)
	}
	gaveUp, err := s.OutboxOfTenant(ctx, other.tenant.ID, 10)
	must(t, "OutboxOfTenant of the other tenant", err)
	if len(gaveUp) != 1 || gaveUp[0].State() != store.OutboxFailed || !gaveUp[0].FailedAt.Equal(now) || gaveUp[0].LastError != "550 no such user" {
		t.Errorf("given up: %+v", gaveUp)
	}

	// Deleting a webhook leaves the members' messages alone.
	update(t, s, func(tx store.Tx) error { return tx.DeleteWebhook(ctx, hook.ID) })
	list, err = s.OutboxOfTenant(ctx, w.tenant.ID, 10)
	must(t, "OutboxOfTenant after deleting the webhook", err)
	if len(list) != 2 || list[0].Channel == store.ChannelWebhook || list[1].Channel == store.ChannelWebhook {
		t.Fatalf("after deleting the webhook: %+v", list)
	}

	// Each channel names exactly its target, in the message's tenant.
	hook2 := newWebhook(w.tenant.ID)
	update(t, s, func(tx store.Tx) error { return tx.CreateWebhook(ctx, hook2) })
	enqueue := func(mod func(m *store.OutboxMessage)) func(tx store.Tx) error {
		return func(tx store.Tx) error {
			m := newNotice(w.member, store.ChannelEmail, t0)
			mod(&m)
			return tx.EnqueueOutbox(ctx, m)
		}
	}
	runErrorCases(t, s, []errorCase{
		{"no channel", enqueue(func(m *store.OutboxMessage) { m.Channel = "" }), store.ErrInvalid},
		{"unknown channel", enqueue(func(m *store.OutboxMessage) { m.Channel = "sms" }), store.ErrInvalid},
		{"email without member", enqueue(func(m *store.OutboxMessage) { m.MemberID = "" }), store.ErrInvalid},
		{"push without member", enqueue(func(m *store.OutboxMessage) { m.Channel, m.MemberID = store.ChannelPush, "" }), store.ErrInvalid},
		{"email naming a webhook too", enqueue(func(m *store.OutboxMessage) { m.WebhookID = hook2.ID }), store.ErrInvalid},
		{"webhook message naming a member", enqueue(func(m *store.OutboxMessage) {
			m.Channel, m.WebhookID = store.ChannelWebhook, hook2.ID
		}), store.ErrInvalid},
		{"webhook message without webhook", enqueue(func(m *store.OutboxMessage) {
			m.Channel, m.MemberID = store.ChannelWebhook, ""
		}), store.ErrInvalid},
		{"unknown member", enqueue(func(m *store.OutboxMessage) { m.MemberID = "nope" }), store.ErrInvalid},
		{"member of another tenant", enqueue(func(m *store.OutboxMessage) { m.MemberID = other.member.ID }), store.ErrInvalid},
		{"no payload", enqueue(func(m *store.OutboxMessage) { m.Payload = nil }), store.ErrInvalid},
		{"no type", enqueue(func(m *store.OutboxMessage) { m.Type = "" }), store.ErrInvalid},
		{"duplicate id", enqueue(func(m *store.OutboxMessage) { m.ID = mail.ID }), store.ErrConflict},
	})
	list, err = s.OutboxOfTenant(ctx, w.tenant.ID, 10)
	must(t, "OutboxOfTenant after failed enqueues", err)
	if len(list) != 2 {
		t.Fatalf("failed enqueues wrote messages: %+v", list)
	}
}

func testOutboxClaimConcurrent(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	hook := newWebhook(w.tenant.ID)
	const n = 60
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateWebhook", tx.CreateWebhook(t.Context(), hook))
		for i := range n {
			if err := tx.EnqueueOutbox(t.Context(), newMessage(hook, at(time.Duration(i)))); err != nil {
				return err
			}
		}
		return nil
	})
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ms, err := s.ClaimOutbox(t.Context(), at(time.Hour), time.Hour, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d of %d messages claimed", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("message %s claimed %d times by concurrent workers", id, c)
		}
	}
}

// newSIEMMessage is a ChannelSIEM message of the tenant to endpoint.
func newSIEMMessage(tenantID, endpoint string, created time.Time) store.OutboxMessage {
	return store.OutboxMessage{ID: newID("siem"), TenantID: tenantID, Channel: store.ChannelSIEM, Endpoint: endpoint,
		Type: "audit.event", Payload: []byte(`{"seq":1}`), CreatedAt: created}
}

// testOutboxEndpointBatch: SIEM messages are claimed per endpoint, oldest
// first, and never by ClaimOutbox; FinishOutbox records a batch's results
// all or none.
func testOutboxEndpointBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	hook := newWebhook(w.tenant.ID)
	event := newMessage(hook, at(time.Second))
	var a []store.OutboxMessage // endpoint "a", oldest first
	for i := range 5 {
		a = append(a, newSIEMMessage(w.tenant.ID, "a", at(time.Duration(i)*time.Millisecond)))
	}
	b := newSIEMMessage(w.tenant.ID, "b", t0)
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateWebhook", tx.CreateWebhook(ctx, hook))
		for _, m := range []store.OutboxMessage{a[3], b, event, a[0], a[4], a[2], a[1]} {
			if err := tx.EnqueueOutbox(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	now := at(time.Minute)
	// ClaimOutbox leaves the SIEM messages to ClaimEndpoint.
	claimed, err := s.ClaimOutbox(ctx, now, time.Minute, 10)
	must(t, "ClaimOutbox", err)
	if len(claimed) != 1 || claimed[0].ID != event.ID {
		t.Fatalf("ClaimOutbox took %+v, want the webhook's message only", claimed)
	}
	ids := func(ms []store.OutboxMessage) (out []string) {
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	first, err := s.ClaimEndpoint(ctx, "a", now, time.Minute, 3)
	must(t, "ClaimEndpoint", err)
	same(t, "first claim of a", ids(first), ids(a[:3]))
	rest, err := s.ClaimEndpoint(ctx, "a", now, time.Minute, 10)
	must(t, "ClaimEndpoint again", err)
	same(t, "second claim of a (the first still leased)", ids(rest), ids(a[3:]))
	ofB, err := s.ClaimEndpoint(ctx, "b", now, time.Minute, 10)
	must(t, "ClaimEndpoint b", err)
	same(t, "claim of b", ids(ofB), []string{b.ID})
	_, err = s.ClaimEndpoint(ctx, "a", now, time.Minute, 0)
	wantKind(t, "ClaimEndpoint limit 0", err, store.ErrInvalid)

	// A batch naming a message that does not exist records nothing.
	bad := []store.OutboxResult{{ID: a[0].ID, At: now, Delivered: true}, {ID: "nope", At: now, Delivered: true}}
	wantKind(t, "finish a batch with an unknown message", s.FinishOutbox(ctx, bad...), store.ErrNotFound)
	wantKind(t, "finish a batch with an invalid result", s.FinishOutbox(ctx, bad[0], store.OutboxResult{ID: a[1].ID}), store.ErrInvalid)
	wantKind(t, "release unsent with no time", s.FinishOutbox(ctx, store.OutboxResult{ID: a[3].ID, At: now, Unsent: true}), store.ErrInvalid)
	list, err := s.OutboxOfTenant(ctx, w.tenant.ID, 10)
	must(t, "OutboxOfTenant", err)
	for _, m := range list {
		if m.Attempts != 0 {
			t.Fatalf("a failed batch recorded %+v", m)
		}
	}
	// One batch: delivered, retried, given up and released unsent alike.
	must(t, "finish a batch", s.FinishOutbox(ctx,
		store.OutboxResult{ID: a[0].ID, At: now, Delivered: true},
		store.OutboxResult{ID: a[1].ID, At: now, Error: "connection reset", RetryAt: now.Add(30 * time.Second)},
		store.OutboxResult{ID: a[2].ID, At: now, Error: "not JSON"},
		store.OutboxResult{ID: a[3].ID, At: now, Error: "not sent", RetryAt: now.Add(30 * time.Second), Unsent: true}))
	must(t, "finish nothing", s.FinishOutbox(ctx))
	list, err = s.OutboxOfTenant(ctx, w.tenant.ID, 10)
	must(t, "OutboxOfTenant after the batch", err)
	byID := map[string]store.OutboxMessage{}
	for _, m := range list {
		byID[m.ID] = m
	}
	if m := byID[a[0].ID]; m.State() != store.OutboxDelivered || m.Attempts != 1 || m.Endpoint != "a" {
		t.Errorf("delivered: %+v", m)
	}
	if m := byID[a[1].ID]; m.State() != store.OutboxPending || m.Attempts != 1 || !m.NextAttemptAt.Equal(now.Add(30*time.Second)) {
		t.Errorf("to retry: %+v", m)
	}
	if m := byID[a[2].ID]; m.State() != store.OutboxFailed || m.LastError != "not JSON" {
		t.Errorf("given up: %+v", m)
	}
	if m := byID[a[3].ID]; m.State() != store.OutboxPending || m.Attempts != 0 || m.LastError != "" || !m.NextAttemptAt.Equal(now.Add(30*time.Second)) {
		t.Errorf("released unsent (no attempt, due at its time): %+v", m)
	}
	// The retried and the released are due again at their time, oldest
	// first; the rest of the second claim is still leased.
	again, err := s.ClaimEndpoint(ctx, "a", now.Add(30*time.Second), time.Minute, 10)
	must(t, "ClaimEndpoint at the retry", err)
	same(t, "claim at the retry", ids(again), []string{a[1].ID, a[3].ID})
}

func testEndedGrants(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	ended := w.account(t, s, "ended", "")
	open := w.account(t, s, "open", "")
	revoked := w.account(t, s, "revoked", "")
	replaced := w.account(t, s, "replaced", "")
	gEnded := newGrant(ended, t0, at(time.Minute), false)
	put(t, s, gEnded)
	put(t, s, newGrant(open, t0, at(time.Hour), false))
	put(t, s, newGrant(revoked, t0, at(time.Minute), false))
	update(t, s, func(tx store.Tx) error {
		_, err := tx.RevokeCurrentGrant(t.Context(), revoked.ID, at(time.Second))
		return err
	})
	put(t, s, newGrant(replaced, t0, at(time.Minute), false))
	put(t, s, newGrant(replaced, at(time.Second), at(time.Hour), false)) // the ended one is no longer current

	got, err := s.EndedGrants(t.Context(), at(2*time.Minute), 10)
	must(t, "EndedGrants", err)
	if len(got) != 1 || got[0].ID != gEnded.ID {
		t.Fatalf("EndedGrants = %+v, want only the ended current grant", got)
	}
	// Exactly one of many concurrent announcers wins.
	wins := race(t, "AnnounceGrantEnd", 10, func(int) (bool, error) {
		return tryUpdate(t.Context(), s, func(tx store.Tx) (bool, error) {
			return tx.AnnounceGrantEnd(t.Context(), gEnded.ID, at(2*time.Minute))
		})
	})
	if wins != 1 {
		t.Fatalf("%d announcers won, want 1", wins)
	}
	got, err = s.EndedGrants(t.Context(), at(2*time.Minute), 10)
	must(t, "EndedGrants after announcing", err)
	if len(got) != 0 {
		t.Fatalf("announced grant listed again: %+v", got)
	}
	_, err = s.EndedGrants(t.Context(), t0, 0)
	wantKind(t, "limit 0", err, store.ErrInvalid)
}

func testLeases(t *testing.T, s store.Store) {
	ok := func(job, holder string, now time.Time, want bool) {
		t.Helper()
		got, err := s.TryLease(t.Context(), job, holder, now, time.Minute)
		must(t, "TryLease", err)
		if got != want {
			t.Fatalf("TryLease(%s, %s, +%v) = %v, want %v", job, holder, now.Sub(t0), got, want)
		}
	}
	ok("outbox", "node-a", t0, true)
	ok("outbox", "node-b", at(30*time.Second), false) // held
	ok("outbox", "node-a", at(50*time.Second), true)  // renewed until +110s
	ok("outbox", "node-b", at(100*time.Second), false)
	ok("expiry", "node-b", at(100*time.Second), true) // another job is free
	ok("outbox", "node-b", at(111*time.Second), true) // expired: taken over
	ok("outbox", "node-a", at(112*time.Second), false)

	// Concurrent contenders for a free job: exactly one wins.
	winners := race(t, "TryLease", 12, func(i int) (bool, error) {
		return s.TryLease(t.Context(), "race", newID("node")+string(rune('a'+i)), t0, time.Minute)
	})
	if winners != 1 {
		t.Fatalf("%d holders took one lease", winners)
	}
}

func testAccountLookups(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	a := w.account(t, s, "alice", w.member.ID)
	b := w.account(t, s, "bob", w.member.ID)
	w.account(t, s, "nobody's", "")
	gives(t, "AccountByID", a)(s.AccountByID(t.Context(), a.ID))
	_, err := s.AccountByID(t.Context(), "nope")
	wantKind(t, "unknown account", err, store.ErrNotFound)
	owned, err := s.AccountsOfOwner(t.Context(), w.member.ID, 10)
	must(t, "AccountsOfOwner", err)
	if len(owned) != 2 || (owned[0].ID != a.ID && owned[0].ID != b.ID) || owned[0].ID > owned[1].ID {
		t.Fatalf("AccountsOfOwner = %+v", owned)
	}
	one, err := s.AccountsOfOwner(t.Context(), w.member.ID, 1)
	must(t, "AccountsOfOwner limit", err)
	if len(one) != 1 {
		t.Fatalf("limit 1 gave %d", len(one))
	}
}
