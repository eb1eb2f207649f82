package slackapp

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
)

// Config is the deployment's Slack app.
type Config struct {
	// BotToken is the app's bot token (xoxb-…), with the scopes chat:write,
	// users:read and users:read.email.
	BotToken string
	// SigningSecret verifies the requests Slack sends to
	// /slack/interactions.
	SigningSecret string
	// APIURL is Slack's Web API ("https://slack.com/api/" when empty).
	APIURL string
	// PortalURL is the portal's address, for links to its pages.
	PortalURL string
}

// NewClient is a Slack Web API client whose every request goes through
// the egress policy p, redirects not followed.
func NewClient(c Config, p egress.Policy) *slack.Client {
	hc := p.Client(10 * time.Second)
	hc.CheckRedirect = egress.NoRedirects
	opts := []slack.Option{slack.OptionHTTPClient(hc)}
	if c.APIURL != "" {
		u := c.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slack.OptionAPIURL(u))
	}
	return slack.New(c.BotToken, opts...)
}

// ErrSlack marks a failed call to Slack's Web API.
var ErrSlack = errors.New("slack call failed")

// classify words a failed Slack call for the delivery record admins read:
// Slack's own error code (channel_not_found, invalid_auth, …) as it is,
// a transport failure as its egress class only.
func classify(op string, err error) error {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return fmt.Errorf("%w: %s: %s", ErrSlack, op, se.Err)
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return fmt.Errorf("%w: %s: rate limited", ErrSlack, op)
	}
	var st slack.StatusCodeError
	if errors.As(err, &st) {
		return fmt.Errorf("%w: %s: %w", ErrSlack, op, egress.Status(st.Code))
	}
	return fmt.Errorf("%w: %s: %w", ErrSlack, op, egress.Classify(err))
}
