package mail

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"slices"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// RequestRaised is a new unlock request to tell its account's owner about.
type RequestRaised struct {
	OwnerID string
	App     store.Application
	Account string
	Request store.UnlockRequest
}

// Members reads the member to notify.
type Members interface {
	Member(ctx context.Context, id string) (store.Member, error)
}

// Notifier emails members about new unlock requests, on the channel they
// chose (email is the default for members who never chose). Notify queues
// and returns at once; Run delivers. It is safe for concurrent use.
type Notifier struct {
	Sender    *Sender
	Members   Members
	PortalURL string
	Log       *slog.Logger
	// Backoff is the wait before each retry; nil means 5 s, 30 s, 2 min.
	Backoff []time.Duration

	once  sync.Once
	queue chan RequestRaised
}

const queueSize = 256

func (n *Notifier) init() { n.once.Do(func() { n.queue = make(chan RequestRaised, queueSize) }) }

// Notify queues a notification. A full queue drops it, with a log line:
// a burst of requests must never slow the lock check.
func (n *Notifier) Notify(r RequestRaised) {
	n.init()
	select {
	case n.queue <- r:
	default:
		n.Log.Warn("mail queue full; notification dropped", "member", r.OwnerID, "request", r.Request.ID)
	}
}

// Run delivers queued notifications until ctx ends.
func (n *Notifier) Run(ctx context.Context) {
	n.init()
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-n.queue:
			n.deliver(ctx, r)
		}
	}
}

// Wants reports whether m receives email notifications.
func Wants(m store.Member) bool {
	return m.Channels == nil || slices.Contains(m.Channels, store.ChannelEmail)
}

func (n *Notifier) deliver(ctx context.Context, r RequestRaised) {
	m, err := n.Members.Member(ctx, r.OwnerID)
	if err != nil {
		n.Log.Warn("mail: member not found", "member", r.OwnerID, "err", err)
		return
	}
	if !Wants(m) {
		return
	}
	msg, err := RequestMessage(m, r, n.PortalURL)
	if err != nil {
		n.Log.Error("mail: compose", "err", err)
		return
	}
	backoff := n.Backoff
	if backoff == nil {
		backoff = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute}
	}
	for attempt := 0; ; attempt++ {
		err := n.Sender.Send(ctx, msg)
		if err == nil {
			n.Log.Info("mail sent", "to", m.Email, "request", r.Request.ID)
			return
		}
		if attempt >= len(backoff) || ctx.Err() != nil {
			n.Log.Error("mail not delivered; giving up", "to", m.Email, "request", r.Request.ID, "attempts", attempt+1, "err", err)
			return
		}
		n.Log.Warn("mail not delivered; retrying", "to", m.Email, "in", backoff[attempt], "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff[attempt]):
		}
	}
}

type requestView struct {
	Name, Account, App, IP, Device, Location, Via, When, Expires, Portal string
}

var (
	requestText = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.Name}},

Someone is trying to sign in as {{.Account}} at {{.App}}. The account is locked, so deadbolt stopped them and asks you first.

  From:      {{.IP}}
  Device:    {{.Device}}
  Location:  {{.Location}}
  Via:       {{.Via}}
  When:      {{.When}}

If this is you, open deadbolt, approve the request, and sign in again:
{{.Portal}}

If it is not you, deny it there (or ignore this mail: the request expires at {{.Expires}} and the account stays locked).

deadbolt never asks for passwords or codes by email.
`))
	requestHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html><body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1b2230;line-height:1.5">
<p>Hello {{.Name}},</p>
<p>Someone is trying to sign in as <strong>{{.Account}}</strong> at <strong>{{.App}}</strong>. The account is locked, so deadbolt stopped them and asks you first.</p>
<table style="border-collapse:collapse">
<tr><td style="color:#5b6474;padding:2px 12px 2px 0">From</td><td>{{.IP}}</td></tr>
<tr><td style="color:#5b6474;padding:2px 12px 2px 0">Device</td><td>{{.Device}}</td></tr>
<tr><td style="color:#5b6474;padding:2px 12px 2px 0">Location</td><td>{{.Location}}</td></tr>
<tr><td style="color:#5b6474;padding:2px 12px 2px 0">Via</td><td>{{.Via}}</td></tr>
<tr><td style="color:#5b6474;padding:2px 12px 2px 0">When</td><td>{{.When}}</td></tr>
</table>
<p>If this is you, open deadbolt, approve the request, and sign in again:</p>
<p><a href="{{.Portal}}" style="display:inline-block;background:#2f6fde;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none">Open deadbolt</a></p>
<p>If it is not you, deny it there (or ignore this mail: the request expires at {{.Expires}} and the account stays locked).</p>
<p style="color:#5b6474;font-size:13px">deadbolt never asks for passwords or codes by email.</p>
</body></html>
`))
)

// RequestMessage composes the email about a new unlock request.
func RequestMessage(m store.Member, r RequestRaised, portalURL string) (Message, error) {
	or := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	v := requestView{
		Name: or(m.Name, m.Email), Account: r.Account, App: or(r.App.Name, r.App.Issuer),
		IP: or(r.Request.IP, "not given"), Device: or(r.Request.Device, "not given"),
		Location: or(r.Request.Location, "not given"), Via: or(r.Request.IntegrationType, "API"),
		When:    r.Request.UpdatedAt.UTC().Format("2 Jan 2006 15:04:05 UTC"),
		Expires: r.Request.ExpiresAt.UTC().Format("15:04:05 UTC"), Portal: portalURL + "/",
	}
	var text, html bytes.Buffer
	if err := requestText.Execute(&text, v); err != nil {
		return Message{}, err
	}
	if err := requestHTML.Execute(&html, v); err != nil {
		return Message{}, err
	}
	return Message{To: m.Email, Subject: fmt.Sprintf("Sign-in request: %s at %s", v.Account, v.App),
		Text: text.String(), HTML: html.String()}, nil
}
