package notify

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Delivery is an outbox message as admins see it, with its receiver named.
type Delivery struct {
	store.OutboxMessage
	// To names the receiver: the webhook's URL, or the member's email.
	To string
}

// DeliveriesReader reads what Deliveries shows: the outbox, and the
// webhooks and members its messages went to.
type DeliveriesReader interface {
	store.OutboxReader
	store.ConfigReader
	store.MemberReader
}

// Deliveries lists a tenant's latest outbox messages on every channel,
// newest first, at most limit of them, delivered, pending and failed
// alike: the portal's Deliveries page and `deadbolt delivery list`.
func Deliveries(ctx context.Context, r DeliveriesReader, tenantID string, limit int) ([]Delivery, error) {
	msgs, err := r.OutboxOfTenant(ctx, tenantID, limit)
	if err != nil {
		return nil, err
	}
	hooks, err := r.Webhooks(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	members, err := r.Members(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, h := range hooks {
		names[h.ID] = h.URL
	}
	for _, m := range members {
		names[m.ID] = m.Email
	}
	out := make([]Delivery, 0, len(msgs))
	for _, m := range msgs {
		to := names[m.WebhookID+m.MemberID] // one of them is empty
		if to == "" {
			to = m.WebhookID + m.MemberID
		}
		out = append(out, Delivery{OutboxMessage: m, To: to})
	}
	return out, nil
}
