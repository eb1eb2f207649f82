package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// Change is an account's new state, to announce.
type Change struct {
	App     store.Application
	Account string
	Locked  bool
	Until   time.Time // for an unlock: when it ends
}

// EnqueueTx is the part of a transaction that enqueues account events:
// the tenant's webhooks say where they go.
type EnqueueTx interface {
	store.ConfigReader
	store.OutboxTx
}

// Enqueue writes one outbox message per webhook of the tenant that wants
// the change's event type, inside tx. With no webhooks it writes nothing.
func Enqueue(ctx context.Context, tx EnqueueTx, c Change, now time.Time) error {
	return new(Announcer).Enqueue(ctx, tx, c, now)
}

// Announcer enqueues the changes of one tenant in one transaction as
// Enqueue does, reading the tenant and its webhooks once: for announcing
// many accounts at a time. Use it for one tenant and one transaction.
type Announcer struct {
	read   bool
	hooks  []store.Webhook
	tenant store.Tenant
}

// Enqueue is Enqueue for the Announcer's tenant.
func (an *Announcer) Enqueue(ctx context.Context, tx EnqueueTx, c Change, now time.Time) error {
	if !an.read {
		hooks, err := tx.Webhooks(ctx, c.App.TenantID)
		if err != nil {
			return err
		}
		if len(hooks) > 0 {
			if an.tenant, err = tx.Tenant(ctx, c.App.TenantID); err != nil {
				return err
			}
		}
		an.hooks, an.read = hooks, true
	}
	hooks, tenant := an.hooks, an.tenant
	if len(hooks) == 0 {
		return nil
	}
	ev := webhook.Event{ID: ids.New(), Type: webhook.TypeAccountUnlocked, At: now, Tenant: tenant.Name,
		Data: webhook.EventData{Application: c.App.Issuer, Account: c.Account, Locked: c.Locked}}
	if c.Locked {
		ev.Type = webhook.TypeAccountLocked
	} else if !c.Until.IsZero() {
		until := c.Until
		ev.Data.Until = &until
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("notify: encode event: %w", err)
	}
	for _, h := range hooks {
		if !wantsAccountEvent(h, ev.Type) {
			continue
		}
		m := store.OutboxMessage{ID: ids.New(), TenantID: h.TenantID, Channel: store.ChannelWebhook, WebhookID: h.ID,
			Type: ev.Type, Payload: payload, CreatedAt: now}
		if err := tx.EnqueueOutbox(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// EnqueueApproval writes, inside tx, the approval.decided event ev (its
// ID and type are set here) for each webhook of the tenant that names
// webhook.TypeApprovalDecided in its events; a webhook that names none
// gets account events only.
func EnqueueApproval(ctx context.Context, tx EnqueueTx, tenantID string, ev webhook.ApprovalEvent, now time.Time) error {
	hooks, err := tx.Webhooks(ctx, tenantID)
	if err != nil || len(hooks) == 0 {
		return err
	}
	ev.ID, ev.Type = ids.New(), webhook.TypeApprovalDecided
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("notify: encode event: %w", err)
	}
	for _, h := range hooks {
		if !slices.Contains(h.Events, ev.Type) {
			continue
		}
		m := store.OutboxMessage{ID: ids.New(), TenantID: h.TenantID, Channel: store.ChannelWebhook, WebhookID: h.ID,
			Type: ev.Type, Payload: payload, CreatedAt: now}
		if err := tx.EnqueueOutbox(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// wantsAccountEvent reports whether h receives account events of type
// typ: those it names, or every one when it names none.
func wantsAccountEvent(h store.Webhook, typ string) bool {
	return len(h.Events) == 0 || slices.Contains(h.Events, typ)
}
