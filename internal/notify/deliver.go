package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

// Delivery tuning.
const (
	// MaxAttempts is how often a message is tried before it is given up
	// (about ten hours of backoff); given-up messages stay visible on the
	// portal's Deliveries page and in `deadbolt delivery list`.
	MaxAttempts = 20
	// Lease is how long a claimed message is reserved for its worker.
	Lease = 2 * time.Minute
	// Batch is how many messages one round claims.
	Batch = 50
)

// ErrPermanent marks a delivery failure that retrying cannot mend (a
// payload that is not a notice, a member with no browser left to push
// to): the message is given up at once.
var ErrPermanent = errors.New("permanent delivery failure")

// Carrier delivers the outbox messages of one member channel: mail.Notifier
// for email, webpush.Notifier for Web Push. Deliver returns nil once the
// message was handed over; an error wrapping ErrPermanent gives the message
// up; any other error is retried with Backoff, at most MaxAttempts times
// in all. It must be safe for concurrent use.
type Carrier interface {
	Deliver(ctx context.Context, m store.OutboxMessage) error
}

// DeliveryStore is what delivery needs of the store: the outbox's queue,
// and the webhooks messages are posted to.
type DeliveryStore interface {
	store.OutboxQueue
	store.ConfigReader
}

// Deliverer sends outbox messages: account events to their webhooks,
// signed, and notices to members through the carrier of their channel.
type Deliverer struct {
	Store DeliveryStore
	Box   *seal.Box
	Clock clock.Clock
	// Client posts webhooks. It must be an egress.Policy client, so that
	// the address dialled is checked; redirects are never followed,
	// whatever it says. Nil means egress.Policy{}.Client (public
	// addresses only) with a 10 s timeout.
	Client *http.Client
	// Mail and Push carry email and Web Push messages; nil means the
	// channel is not set up on this node, and its messages fail (and are
	// retried) until it is.
	Mail Carrier
	Push Carrier
	// Slack carries approvers' interactive Slack messages (package
	// slackapp); nil when Slack is not set up.
	Slack Carrier
	// Endpoints carry the witnesses' messages (store.ChannelWitness),
	// whose target is an endpoint named in the configuration, by that
	// name; a message to a name not here fails and is retried, as the
	// endpoint may be configured on another node. The SIEM endpoints'
	// messages (store.ChannelSIEM) are not claimed here: a Streamer
	// delivers them in batches.
	Endpoints map[string]Carrier
	Log       *slog.Logger
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

// RunOnce claims the messages that are due, on every channel but
// store.ChannelSIEM (see Streamer), and delivers
// them; it returns the number delivered. Failures of single deliveries are
// recorded on their messages (attempts, last error, next attempt or given
// up), not returned.
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
		var err error
		switch m.Channel {
		case store.ChannelWebhook:
			if _, ok := secrets[m.WebhookID]; !ok {
				secrets[m.WebhookID], urls[m.WebhookID] = d.endpoint(ctx, m.WebhookID)
			}
			err = d.send(ctx, urls[m.WebhookID], secrets[m.WebhookID], m)
		case store.ChannelEmail:
			err = carry(ctx, d.Mail, m)
		case store.ChannelPush:
			err = carry(ctx, d.Push, m)
		case store.ChannelSlack:
			err = carry(ctx, d.Slack, m)
		case store.ChannelWitness:
			if c := d.Endpoints[m.Endpoint]; c != nil {
				err = c.Deliver(ctx, m)
			} else {
				err = fmt.Errorf("%s endpoint %q is not configured on this node", m.Channel, m.Endpoint)
			}
		default:
			err = fmt.Errorf("%w: unknown channel %q", ErrPermanent, m.Channel)
		}
		res := result(m, err, d.Clock.Now())
		if res.Delivered {
			delivered++
		} else {
			d.log().Warn("delivery failed", "channel", m.Channel, "to", m.WebhookID+m.MemberID+m.Endpoint, "message", m.ID,
				"attempt", m.Attempts+1, "retry_at", res.RetryAt, "err", err, "detail", egress.Detail(err))
		}
		if err := d.Store.FinishOutbox(ctx, res); err != nil {
			return delivered, err
		}
	}
	return delivered, nil
}

// result is what an attempt at m that ended with err at the time at
// records: delivered, retried after Backoff, or given up (after
// MaxAttempts, or at once for ErrPermanent).
func result(m store.OutboxMessage, err error, at time.Time) store.OutboxResult {
	res := store.OutboxResult{ID: m.ID, At: at}
	if err == nil {
		res.Delivered = true
		return res
	}
	res.Error = clip(err.Error(), maxError)
	if m.Attempts+1 < MaxAttempts && !errors.Is(err, ErrPermanent) {
		res.RetryAt = at.Add(Backoff(m.Attempts + 1))
	}
	return res
}

// maxError bounds the error kept on a message. Webhook and push failures
// are kept as their class alone (egress.Failure): tenant admins read them,
// and a remote body or a dial error's detail would tell them about
// networks they must not probe.
const maxError = 500

// clip cuts s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// carry hands m to the carrier of its channel, if this node has one.
func carry(ctx context.Context, c Carrier, m store.OutboxMessage) error {
	if c == nil {
		return fmt.Errorf("%s notices are not set up on this node", m.Channel)
	}
	return c.Deliver(ctx, m)
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
	return egress.Send(d.client(), req)
}

// client is Client, or the default.
func (d *Deliverer) client() *http.Client {
	if d.Client == nil {
		return egress.Policy{}.Client(10 * time.Second)
	}
	return d.Client
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}
