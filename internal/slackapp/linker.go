package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
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

// Link finds the Slack user with m's email (users.lookupByEmail) and links
// m to them, replacing m's link. Only a verified email is looked up: a
// Slack user is never bound to an email nobody proved they hold
// (store.ErrInvalid). A Slack user another member of the tenant linked is
// store.ErrConflict. It is audited as member.slack_linked.
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
	err = l.Store.Update(ctx, func(tx store.Tx) error {
		link.CreatedAt = l.Clock.Now()
		if err := tx.PutSlackLink(ctx, link); errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: this Slack user is linked to another member; they unlink it first", store.ErrConflict)
		} else if err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, m.TenantID, actor, "member.slack_linked", "member:"+m.ID,
			map[string]any{"slack_team": link.TeamID, "slack_user": link.UserID}, link.CreatedAt)
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
