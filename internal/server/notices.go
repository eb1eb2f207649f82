package server

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/live"
	"github.com/deadbolt-dev/deadbolt/internal/mail"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
)

// requestNotices builds what hears about unlock requests: the live broker
// the portal's event streams listen to, and, when SMTP is configured, the
// mail notifier that tells an owner about each new request. It returns the
// function to give access.Requests and the one that stops the notifier.
func requestNotices(cfg config.Config, d Deps) (*live.Broker, func(access.RequestChange), func(), error) {
	broker := &live.Broker{}
	if cfg.SMTP.Addr == "" {
		return broker, func(c access.RequestChange) { broker.Publish(c.OwnerID) }, func() {}, nil
	}
	password := cfg.SMTP.Password
	if password == "" && cfg.SMTP.PasswordFile != "" {
		b, err := os.ReadFile(cfg.SMTP.PasswordFile)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("smtp password file: %w", err)
		}
		password = strings.TrimSpace(string(b))
	}
	sender := &mail.Sender{Addr: cfg.SMTP.Addr, From: cfg.SMTP.From, Username: cfg.SMTP.Username, Password: password, TLS: cfg.SMTP.TLS}
	if err := sender.Check(); err != nil {
		return nil, nil, nil, err
	}
	n := &mail.Notifier{Sender: sender, Members: d.Store, PortalURL: portal.URL(cfg.EffectivePublicURL()), Log: d.Log}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	changed := func(c access.RequestChange) {
		broker.Publish(c.OwnerID)
		if c.Created {
			n.Notify(mail.RequestRaised{OwnerID: c.OwnerID, App: c.App, Account: c.Account.Name, Request: c.Request})
		}
	}
	return broker, changed, func() { cancel(); <-done }, nil
}
