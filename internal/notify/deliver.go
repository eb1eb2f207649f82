package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// Delivery tuning.
const (
	// MaxAttempts is how often a message is tried before it is given up
	// (about 12 hours of backoff); given-up messages stay visible in
	// `deadbolt webhook list`.
	MaxAttempts = 20
	// Lease is how long a claimed message is reserved for its worker.
	Lease = 2 * time.Minute
	// Batch is how many messages one round claims.
	Batch = 50
)

// Deliverer sends outbox messages to their webhooks.
type Deliverer struct {
	Store  store.Store
	Box    *seal.Box
	Clock  clock.Clock
	Client *http.Client // default: 10 s timeout, no redirects
	Log    *slog.Logger
}

// Backoff is the wait after the given number of failed attempts: 5 s,
// doubling, at most an hour.
func Backoff(attempts int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// RunOnce claims the messages that are due and delivers them; it returns
// the number delivered. Failures of single deliveries are recorded on their
// messages, not returned.
func (d *Deliverer) RunOnce(ctx context.Context) (int, error) {
	now := d.Clock.Now()
	msgs, err := d.Store.ClaimOutbox(ctx, now, Lease, Batch)
	if err != nil {
		return 0, err
	}
	secrets := map[string]string{} // webhook ID → secret; "" when gone
	urls := map[string]string{}
	delivered := 0
	for _, m := range msgs {
		if _, ok := secrets[m.WebhookID]; !ok {
			secrets[m.WebhookID], urls[m.WebhookID] = d.endpoint(ctx, m.WebhookID)
		}
		res := store.OutboxResult{ID: m.ID}
		err := d.send(ctx, urls[m.WebhookID], secrets[m.WebhookID], m)
		res.At = d.Clock.Now()
		if err == nil {
			res.Delivered = true
			delivered++
		} else {
			res.Error = err.Error()
			if m.Attempts+1 < MaxAttempts {
				res.RetryAt = res.At.Add(Backoff(m.Attempts + 1))
			}
			d.log().Warn("webhook delivery failed", "webhook", m.WebhookID, "message", m.ID,
				"attempt", m.Attempts+1, "retry_at", res.RetryAt, "err", err)
		}
		if err := d.Store.FinishOutbox(ctx, res); err != nil {
			return delivered, err
		}
	}
	return delivered, nil
}

func (d *Deliverer) endpoint(ctx context.Context, id string) (secret, url string) {
	h, err := d.Store.Webhook(ctx, id)
	if err != nil {
		return "", ""
	}
	raw, err := d.Box.Open(h.SealedSecret, h.ID)
	if err != nil {
		d.log().Error("webhook secret does not open with this master key", "webhook", id)
		return "", ""
	}
	return string(raw), h.URL
}

var errNoEndpoint = errors.New("webhook is gone or its secret cannot be opened")

func (d *Deliverer) send(ctx context.Context, url, secret string, m store.OutboxMessage) error {
	if url == "" || secret == "" {
		return errNoEndpoint
	}
	var head struct {
		ID string `json:"id"`
	}
	json.Unmarshal(m.Payload, &head)
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(m.Payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "deadbolt-webhook/1")
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, m.Payload, d.Clock.Now()))
	req.Header.Set(webhook.HeaderEventID, head.ID)
	req.Header.Set(webhook.HeaderEventType, m.Type)
	resp, err := d.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}

func (d *Deliverer) client() *http.Client {
	if d.Client != nil {
		return d.Client
	}
	return &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}
