package server

import (
	"net/http"

	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/slackapp"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// slackApp is the deployment's Slack app, when one is configured: the
// outbox carrier of approvers' messages, the linker behind the settings
// page and the interactions route.
type slackApp struct {
	notifier *slackapp.Notifier
	linker   *slackapp.Linker
	handler  *slackapp.Handler
}

// newSlackApp sets Slack up from the configuration, or returns nil when it
// has no bot token. Every call to Slack goes through the egress policy
// outbound (webhooks.allow_private lets a private api_url through).
func newSlackApp(cfg config.Config, d Deps, outbound egress.Policy, votes *approval.Service) (*slackApp, error) {
	if !cfg.Slack.Enabled() {
		return nil, nil
	}
	token, err := secret(cfg.Slack.BotToken, cfg.Slack.BotTokenFile, "slack bot token file")
	if err != nil {
		return nil, err
	}
	signing, err := secret(cfg.Slack.SigningSecret, cfg.Slack.SigningSecretFile, "slack signing secret file")
	if err != nil {
		return nil, err
	}
	c := slackapp.Config{BotToken: token, SigningSecret: signing, APIURL: cfg.Slack.APIURL,
		PortalURL: portal.URL(cfg.EffectivePublicURL())}
	api := slackapp.NewClient(c, outbound)
	linker := &slackapp.Linker{API: api, Store: d.Store, Clock: d.Clock}
	return &slackApp{
		notifier: &slackapp.Notifier{API: api, Members: d.Store, Requests: votes, PortalURL: c.PortalURL},
		linker:   linker,
		handler:  &slackapp.Handler{API: api, SigningSecret: signing, Store: d.Store, Votes: votes, Links: linker, Log: d.Log},
	}, nil
}

// channels adds Slack to the member channels approvers hear on.
func (s *slackApp) channels(base []string) []string {
	out := append([]string(nil), base...)
	if s != nil {
		out = append(out, store.ChannelSlack)
	}
	return out
}

// carrier is the outbox's Slack carrier; nil without Slack (a nil
// interface, so that the Deliverer sees no carrier).
func (s *slackApp) carrier() notify.Carrier {
	if s == nil {
		return nil
	}
	return s.notifier
}

// portalLinker is the settings page's linker; nil without Slack.
func (s *slackApp) portalLinker() portal.SlackLinker {
	if s == nil {
		return nil
	}
	return s.linker
}

// register adds POST /slack/interactions.
func (s *slackApp) register(mux *http.ServeMux) {
	if s != nil {
		s.handler.Register(mux)
	}
}
