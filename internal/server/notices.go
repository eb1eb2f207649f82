package server

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/live"
	"github.com/deadbolt-dev/deadbolt/internal/mail"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webpush"
)

// notices is what tells owners about unlock requests: the live broker the
// portal's event streams listen to (in memory: it only wakes open pages),
// and the carriers of the durable notices — email when SMTP is configured,
// Web Push when there is a master key — that the outbox job delivers.
type notices struct {
	broker   *live.Broker
	mail     notify.Carrier // nil: no SMTP
	push     notify.Carrier // nil: no Web Push
	channels []string       // the member channels set up, for access.Requests.Notify
	pushKey  string         // the VAPID public key browsers subscribe with
}

// changed is the function given to access.Requests: every change wakes the
// owner's open pages.
func (n *notices) changed(c access.RequestChange) {
	n.broker.Publish(c.OwnerID)
}

// requestNotices builds the carriers the configuration sets up.
func requestNotices(cfg config.Config, d Deps) (*notices, error) {
	n := &notices{broker: &live.Broker{}}
	portalURL := portal.URL(cfg.EffectivePublicURL())
	if cfg.SMTP.Addr != "" {
		password, err := secret(cfg.SMTP.Password, cfg.SMTP.PasswordFile, "smtp password file")
		if err != nil {
			return nil, err
		}
		sender := &mail.Sender{Addr: cfg.SMTP.Addr, From: cfg.SMTP.From, Username: cfg.SMTP.Username, Password: password, TLS: cfg.SMTP.TLS}
		if err := sender.Check(); err != nil {
			return nil, err
		}
		n.mail = &mail.Notifier{Sender: sender, Members: d.Store, PortalURL: portalURL}
		n.channels = append(n.channels, store.ChannelEmail)
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
			PortalURL: portalURL, Clock: d.Clock, Log: d.Log}
		n.channels = append(n.channels, store.ChannelPush)
		n.pushKey = v.PublicKey()
	}
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

// secret is value, or else the trimmed contents of file (named what in
// errors) when one is named: how secrets are configured, never in YAML.
func secret(value, file, what string) (string, error) {
	if value != "" || file == "" {
		return value, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	return strings.TrimSpace(string(b)), nil
}
