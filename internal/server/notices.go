package server

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/live"
	"github.com/deadbolt-dev/deadbolt/internal/mail"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/webpush"
)

// notices is what hears about unlock requests: the live broker the
// portal's event streams listen to, the mail notifier when SMTP is
// configured, and the Web Push notifier.
type notices struct {
	broker  *live.Broker
	mail    *mail.Notifier
	push    *webpush.Notifier
	pushKey string // the VAPID public key browsers subscribe with
	stop    func()
}

// changed is the function given to access.Requests.
func (n *notices) changed(c access.RequestChange) {
	n.broker.Publish(c.OwnerID)
	if !c.Created {
		return
	}
	if n.mail != nil {
		n.mail.Notify(mail.RequestRaised{OwnerID: c.OwnerID, App: c.App, Account: c.Account.Name, Request: c.Request})
	}
	if n.push != nil {
		n.push.Notify(webpush.Notice{OwnerID: c.OwnerID, App: c.App, Account: c.Account.Name, Request: c.Request})
	}
}

// requestNotices builds the notifiers and starts their workers; stop ends
// them.
func requestNotices(cfg config.Config, d Deps) (*notices, error) {
	n := &notices{broker: &live.Broker{}}
	portalURL := portal.URL(cfg.EffectivePublicURL())
	if cfg.SMTP.Addr != "" {
		password := cfg.SMTP.Password
		if password == "" && cfg.SMTP.PasswordFile != "" {
			b, err := os.ReadFile(cfg.SMTP.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("smtp password file: %w", err)
			}
			password = strings.TrimSpace(string(b))
		}
		sender := &mail.Sender{Addr: cfg.SMTP.Addr, From: cfg.SMTP.From, Username: cfg.SMTP.Username, Password: password, TLS: cfg.SMTP.TLS}
		if err := sender.Check(); err != nil {
			return nil, err
		}
		n.mail = &mail.Notifier{Sender: sender, Members: d.Store, PortalURL: portalURL, Log: d.Log}
	}
	if d.Box != nil {
		seed, err := d.Box.Derive("deadbolt portal: web push VAPID key", 32)
		if err != nil {
			return nil, err
		}
		v, err := webpush.NewVAPID(seed, vapidSubject(cfg, portalURL))
		if err != nil {
			return nil, err
		}
		n.push = &webpush.Notifier{Sender: &webpush.Sender{VAPID: v, TTL: cfg.Portal.RequestTTL}, Store: d.Store,
			PortalURL: portalURL, Log: d.Log}
		n.pushKey = v.PublicKey()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if n.mail != nil {
		wg.Go(func() { n.mail.Run(ctx) })
	}
	if n.push != nil {
		wg.Go(func() { n.push.Run(ctx) })
	}
	n.stop = func() { cancel(); wg.Wait() }
	return n, nil
}

// vapidSubject is how push services can reach deadbolt's operator: the
// mail from-address when there is one, else the portal's https address.
func vapidSubject(cfg config.Config, portalURL string) string {
	if cfg.SMTP.From != "" {
		if i, j := strings.LastIndex(cfg.SMTP.From, "<"), strings.LastIndex(cfg.SMTP.From, ">"); i >= 0 && j > i {
			return "mailto:" + cfg.SMTP.From[i+1:j]
		}
		return "mailto:" + cfg.SMTP.From
	}
	if u, err := url.Parse(portalURL); err == nil && u.Scheme == "https" {
		return portalURL
	}
	return "mailto:deadbolt@localhost"
}
