package webpush

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Notice is a new unlock request to tell its account's owner about.
type Notice struct {
	OwnerID string
	App     store.Application
	Account string
	Request store.UnlockRequest
}

// Payload is the JSON the portal's service worker shows.
type Payload struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	Tag   string `json:"tag"` // the request ID: a refresh replaces the notice
	URL   string `json:"url"` // the portal page to open
}

// Notifier pushes new unlock requests to the browsers of owners who chose
// push. Notify queues and returns at once; Run delivers, one attempt per
// browser (a push service queues for offline browsers itself). A browser
// whose subscription is gone is forgotten. It is safe for concurrent use.
type Notifier struct {
	Sender    *Sender
	Store     store.Store
	PortalURL string
	Log       *slog.Logger

	once  sync.Once
	queue chan Notice
}

func (n *Notifier) init() { n.once.Do(func() { n.queue = make(chan Notice, 256) }) }

// Notify queues a notice; a full queue drops it with a log line.
func (n *Notifier) Notify(x Notice) {
	n.init()
	select {
	case n.queue <- x:
	default:
		n.Log.Warn("push queue full; notice dropped", "member", x.OwnerID, "request", x.Request.ID)
	}
}

// Run delivers queued notices until ctx ends.
func (n *Notifier) Run(ctx context.Context) {
	n.init()
	for {
		select {
		case <-ctx.Done():
			return
		case x := <-n.queue:
			n.deliver(ctx, x)
		}
	}
}

// Wants reports whether m chose push notices.
func Wants(m store.Member) bool { return slices.Contains(m.Channels, store.ChannelPush) }

// RequestPayload is what a notice about a new request says.
func RequestPayload(x Notice, portalURL string) Payload {
	from := []string{}
	for _, s := range []string{x.Request.IP, x.Request.Location, x.Request.Device} {
		if s != "" {
			from = append(from, s)
		}
	}
	app := x.App.Name
	if app == "" {
		app = x.App.Issuer
	}
	body := "Someone is signing in as " + x.Account + " at " + app + "."
	if len(from) > 0 {
		body += " From " + strings.Join(from, ", ") + "."
	}
	return Payload{Title: "Sign-in request", Body: body + " Open deadbolt to answer.", Tag: x.Request.ID, URL: portalURL + "/"}
}

func (n *Notifier) deliver(ctx context.Context, x Notice) {
	m, err := n.Store.Member(ctx, x.OwnerID)
	if err != nil || !Wants(m) {
		return
	}
	subs, err := n.Store.PushSubscriptions(ctx, m.ID)
	if err != nil {
		n.Log.Warn("push: read subscriptions", "member", m.ID, "err", err)
		return
	}
	payload, _ := json.Marshal(RequestPayload(x, n.PortalURL))
	for _, sub := range subs {
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := n.Sender.Send(sctx, sub, payload)
		cancel()
		switch {
		case err == nil:
			n.Log.Info("push sent", "member", m.ID, "request", x.Request.ID)
		case errors.Is(err, ErrGone), errors.Is(err, ErrEndpoint):
			n.forget(ctx, m, sub, err)
		default:
			n.Log.Warn("push not delivered", "member", m.ID, "request", x.Request.ID, "err", err)
		}
	}
}

// forget removes a subscription the push service no longer knows.
func (n *Notifier) forget(ctx context.Context, m store.Member, sub store.PushSubscription, why error) {
	err := n.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeletePushSubscription(ctx, sub.ID); err != nil {
			return err
		}
		_, err := tx.AppendAudit(ctx, audit.Event{TenantID: m.TenantID, Actor: "system:push", Action: "push.unsubscribed",
			Target: "member:" + m.ID, Data: map[string]any{"subscription": sub.ID, "reason": why.Error()}}, time.Now().UTC())
		return err
	})
	if err != nil {
		n.Log.Warn("push: forget subscription", "member", m.ID, "err", err)
	}
}
