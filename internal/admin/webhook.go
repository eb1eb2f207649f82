package admin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// WebhookEvents are the event types a webhook can ask for. A webhook that
// asks for none gets the account events; approval.decided only goes to
// webhooks that name it.
var WebhookEvents = []string{webhook.TypeAccountLocked, webhook.TypeAccountUnlocked, webhook.TypeApprovalDecided}

// NewWebhook describes a webhook to create.
type NewWebhook struct {
	TenantID string
	// URL is where deliveries are POSTed: an absolute http or https URL.
	URL string
	// Events lists the event types delivered (of WebhookEvents); none
	// means the account events (approval.decided must be named).
	Events []string
}

// CreateWebhook adds a webhook that receives the tenant's account events,
// and returns it with its signing secret. The secret is stored only
// sealed under the master key: show it to the user once. Bad input is
// store.ErrInvalid, naming the field; so is a URL whose host the Egress
// policy refuses (loopback, private, metadata, ... addresses, or a name
// that resolves to one).
func (s *Service) CreateWebhook(ctx context.Context, actor string, n NewWebhook) (store.Webhook, string, error) {
	u, err := s.webhookURL(ctx, n.URL)
	if err != nil {
		return store.Webhook{}, "", err
	}
	var events []string
	for _, e := range n.Events {
		switch e = strings.TrimSpace(e); {
		case e == "" || slices.Contains(events, e):
		case slices.Contains(WebhookEvents, e):
			events = append(events, e)
		default:
			return store.Webhook{}, "", invalid("events: unknown event %q (want %s)", e, strings.Join(WebhookEvents, " or "))
		}
	}
	secret := webhook.NewSecret()
	w := store.Webhook{ID: ids.New(), TenantID: n.TenantID, URL: u, Events: events, CreatedAt: s.Clock.Now()}
	if w.SealedSecret, err = s.Box.Seal([]byte(secret), w.ID); err != nil {
		return store.Webhook{}, "", err
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateWebhook(ctx, w); err != nil {
			return fmt.Errorf("webhook for %s: %w", w.URL, err)
		}
		data := map[string]any{"url": w.URL, "events": events}
		if events == nil {
			data["events"] = []string{}
		}
		return store.AppendAudit(ctx, tx, w.TenantID, actor, "webhook.created", "webhook:"+w.ID, data, w.CreatedAt)
	})
	if err != nil {
		return store.Webhook{}, "", err
	}
	return w, secret, nil
}

// webhookURL checks and normalises a webhook's URL.
func (s *Service) webhookURL(ctx context.Context, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > 2048 {
		return "", invalid("url must be an absolute http(s) URL of at most 2048 characters, not %q", raw)
	}
	if err := s.Egress.CheckHost(ctx, u.Hostname()); err != nil {
		var re *egress.RefusedError
		if errors.As(err, &re) && re.Liftable {
			return "", fmt.Errorf("%w: url: %w; deadbolt sends webhooks only to public addresses unless the operator "+
				"allows private receivers (serve --allow-private-webhooks, config webhooks.allow_private)", store.ErrInvalid, err)
		}
		return "", fmt.Errorf("%w: url: %w; deadbolt never sends webhooks there", store.ErrInvalid, err)
	}
	return u.String(), nil
}

// DeleteWebhook removes a webhook and its outbox messages, with its audit
// event. When tenantID is set, a webhook of another tenant is
// store.ErrNotFound, as is one that does not exist; the operator's CLI,
// which answers for every tenant, passes "".
func (s *Service) DeleteWebhook(ctx context.Context, actor, tenantID, id string) (store.Webhook, error) {
	var h store.Webhook
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if h, err = tx.Webhook(ctx, id); err == nil && tenantID != "" && h.TenantID != tenantID {
			err = store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("webhook %q: %w", id, err)
		}
		if err := tx.DeleteWebhook(ctx, h.ID); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, h.TenantID, actor, "webhook.deleted", "webhook:"+h.ID,
			map[string]any{"url": h.URL}, s.Clock.Now())
	})
	return h, err
}
