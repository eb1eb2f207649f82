package portal

import (
	"errors"
	"net/http"
	"slices"

	"github.com/deadbolt-dev/deadbolt/internal/slackapp"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func (p *Portal) settingsPage(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	subs, err := p.d.Store.PushSubscriptions(r.Context(), s.member.ID)
	if err != nil {
		return err
	}
	var slackLink *store.SlackLink
	if l, err := p.d.Store.SlackLink(r.Context(), s.member.ID); err == nil {
		slackLink = &l
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	p.render(w, r, http.StatusOK, "settings", map[string]any{"Title": "Notifications", "Member": s.member,
		"Email": p.d.Mail && s.member.Wants(store.ChannelEmail), "Mail": p.d.Mail, "Push": s.member.Wants(store.ChannelPush),
		"PushKey": p.d.PushKey, "Subscriptions": subs, "Notice": notice(r),
		"Slack": p.d.Slack != nil, "SlackLink": slackLink})
	return nil
}

// slackLink links the member to the Slack user with their verified email.
func (p *Portal) slackLink(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if p.d.Slack == nil {
		return &pageError{Status: http.StatusNotFound, Title: "Slack is not set up",
			Message: "This server has no Slack app, so there is nothing to link. Nothing was changed."}
	}
	if _, err := p.d.Slack.Link(r.Context(), s.actor(), s.member); err != nil {
		switch {
		case errors.Is(err, slackapp.ErrNoSlackUser), errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrConflict):
			return &pageError{Status: http.StatusBadRequest, Title: "Slack not linked", Message: err.Error() + ". Nothing was changed.", Cause: err}
		case errors.Is(err, slackapp.ErrSlack):
			return &pageError{Status: http.StatusBadGateway, Title: "Slack not linked",
				Message: "deadbolt could not ask Slack (" + err.Error() + "). Try again later; nothing was changed.", Cause: err}
		}
		return err
	}
	return seeOther(w, r, "/settings?done=slack")
}

// slackUnlink removes the member's Slack link.
func (p *Portal) slackUnlink(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if p.d.Slack == nil {
		return &pageError{Status: http.StatusNotFound, Title: "Slack is not set up",
			Message: "This server has no Slack app. Nothing was changed."}
	}
	if _, err := p.d.Slack.Unlink(r.Context(), s.actor(), s.member); err != nil {
		return err
	}
	return seeOther(w, r, "/settings?done=slack-unlinked")
}

// settingsSave stores the member's channel choice. Push can be chosen
// once a browser subscribed (the push section of the page). On a server
// that sends no email the page offers no email, and the member's choice
// about it is left as it was.
func (p *Portal) settingsSave(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	channels := []string{}
	if r.FormValue("email") != "" {
		channels = append(channels, store.ChannelEmail)
	}
	if r.FormValue("push") != "" {
		channels = append(channels, store.ChannelPush)
	}
	ctx := r.Context()
	err = p.d.Store.Update(ctx, func(tx store.Tx) error {
		m, err := tx.Member(ctx, s.member.ID)
		if err != nil {
			return err
		}
		if !p.d.Mail {
			channels = slices.DeleteFunc(channels, func(c string) bool { return c == store.ChannelEmail })
			if m.Wants(store.ChannelEmail) {
				channels = append([]string{store.ChannelEmail}, channels...)
			}
		}
		m.Channels, m.UpdatedAt = channels, p.now()
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, m.TenantID, s.actor(), "member.channels", "member:"+m.ID,
			map[string]any{"channels": channels}, m.UpdatedAt)
	})
	if err != nil {
		return err
	}
	return seeOther(w, r, "/settings?done=saved")
}
