package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// ErrNoSlackUser: the workspace has no (active, human) user with the
// member's email.
var ErrNoSlackUser = errors.New("no Slack user of this workspace has your email")

// Linker links members to their Slack users. It is safe for concurrent
// use.
type Linker struct {
	API   *slack.Client
	Store interface {
		store.Updater
	}
	Clock clock.Clock
}

// PendingFor is how long a pending link waits for its Slack user to
// confirm it; after that the confirm button is refused and the member
// links again.
const PendingFor = time.Hour

// ActionConfirmLink is the action ID of the button in the direct message
// that asks a Slack user to confirm a link; its value is linkValue.
const ActionConfirmLink = "deadbolt.confirm_link"

// ErrLinkRefused: a confirm press that does not confirm a pending link
// (another Slack user or team, a replaced, removed or expired link).
var ErrLinkRefused = errors.New("this link request is not yours, was replaced, or ran out")

// linkValue names one pending link: the member and when it was made, so
// that the button of a replaced request confirms nothing.
func linkValue(l store.SlackLink) string {
	return l.MemberID + "." + strconv.FormatInt(l.CreatedAt.UnixNano(), 10)
}

// Link finds the Slack user with m's email (users.lookupByEmail), stores a
// pending link to them (replacing m's link), and sends that Slack user a
// direct message with a "Confirm: this is me" button. The email alone
// proves nothing (whoever creates a member vouches for its email), so the
// link votes and receives approval messages only once that Slack user
// confirms it (Confirm). Only a verified email is looked up
// (store.ErrInvalid). A Slack user another member of the tenant linked is
// store.ErrConflict, unless that link is pending and ran out. It is
// audited as member.slack_linked with pending true.
func (l *Linker) Link(ctx context.Context, actor string, m store.Member) (store.SlackLink, error) {
	if !m.EmailVerified() {
		return store.SlackLink{}, fmt.Errorf("%w: confirm your email first: Slack is linked through a verified email only", store.ErrInvalid)
	}
	u, err := l.API.GetUserByEmailContext(ctx, m.Email)
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "users_not_found" {
		return store.SlackLink{}, fmt.Errorf("%w (%s)", ErrNoSlackUser, m.Email)
	} else if err != nil {
		return store.SlackLink{}, classify("users.lookupByEmail", err)
	}
	if u.ID == "" || u.TeamID == "" || u.Deleted || u.IsBot || (u.Profile.Email != "" && !strings.EqualFold(u.Profile.Email, m.Email)) {
		return store.SlackLink{}, fmt.Errorf("%w (%s)", ErrNoSlackUser, m.Email)
	}
	link := store.SlackLink{MemberID: m.ID, TenantID: m.TenantID, TeamID: u.TeamID, UserID: u.ID}
	var tenant store.Tenant
	err = l.Store.Update(ctx, func(tx store.Tx) error {
		link.CreatedAt = l.Clock.Now()
		var err error
		if tenant, err = tx.Tenant(ctx, m.TenantID); err != nil {
			return err
		}
		if old, err := tx.SlackMember(ctx, m.TenantID, u.TeamID, u.ID); err == nil && old.MemberID != m.ID &&
			!old.Confirmed() && link.CreatedAt.Sub(old.CreatedAt) > PendingFor {
			if _, err := tx.DeleteSlackLink(ctx, old.MemberID); err != nil { // a request that ran out holds no one
				return err
			}
		}
		if err := tx.PutSlackLink(ctx, link); errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: this Slack user is linked to another member; they unlink it first", store.ErrConflict)
		} else if err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, m.TenantID, actor, "member.slack_linked", "member:"+m.ID,
			map[string]any{"slack_team": link.TeamID, "slack_user": link.UserID, "pending": true}, link.CreatedAt)
	})
	if err != nil {
		return link, err
	}
	ask := fmt.Sprintf("deadbolt: %s (member %s of %s) asked to link this Slack account. Confirm only if this is you; the request runs out at %s.",
		m.Email, m.ID, tenant.Name, link.CreatedAt.Add(PendingFor).UTC().Format(time.RFC3339))
	confirm := slack.NewButtonBlockElement(ActionConfirmLink, linkValue(link),
		plain(fmt.Sprintf("Confirm: this is me (member %s of %s)", m.Email, tenant.Name), 75)).WithStyle(slack.StylePrimary)
	if _, _, err := l.API.PostMessageContext(ctx, u.ID, slack.MsgOptionText(notify.Line(ask, 500), false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(plain(ask, 500), nil, nil), slack.NewActionBlock("deadbolt.link", confirm))); err != nil {
		return link, classify("chat.postMessage", err)
	}
	return link, nil
}

// Confirm makes the pending link value names active, when the press came
// from the link's own Slack team and user, within PendingFor. It is
// audited as member.slack_link_confirmed. Anything else is ErrLinkRefused
// and changes nothing; a link confirmed already stays as it is.
func (l *Linker) Confirm(ctx context.Context, teamID, userID, value string) (store.SlackLink, error) {
	memberID, _, _ := strings.Cut(value, ".")
	var link store.SlackLink
	err := l.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		link, err = tx.SlackLink(ctx, memberID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrLinkRefused
		} else if err != nil {
			return err
		}
		now := l.Clock.Now()
		if linkValue(link) != value || link.TeamID != teamID || link.UserID != userID {
			return ErrLinkRefused
		}
		if link.Confirmed() {
			return nil
		}
		if now.Sub(link.CreatedAt) > PendingFor {
			return ErrLinkRefused
		}
		link.ConfirmedAt = now
		if err := tx.PutSlackLink(ctx, link); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, link.TenantID, "slack:"+teamID+"/"+userID, "member.slack_link_confirmed",
			"member:"+link.MemberID, map[string]any{"slack_team": link.TeamID, "slack_user": link.UserID}, now)
	})
	return link, err
}

// Unlink removes m's link, audited as member.slack_unlinked, and reports
// whether there was one. Messages already in Slack stay, and vote nothing
// any more.
func (l *Linker) Unlink(ctx context.Context, actor string, m store.Member) (bool, error) {
	var removed bool
	err := l.Store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.SlackLink(ctx, m.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if removed, err = tx.DeleteSlackLink(ctx, m.ID); err != nil || !removed {
			return err
		}
		return store.AppendAudit(ctx, tx, m.TenantID, actor, "member.slack_unlinked", "member:"+m.ID,
			map[string]any{"slack_team": old.TeamID, "slack_user": old.UserID}, l.Clock.Now())
	})
	return removed, err
}
