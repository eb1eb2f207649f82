package store

import (
	"context"
	"time"
)

// SlackLink binds a member to their Slack user, so that a vote given from
// a Slack message is the member's: TeamID and UserID as Slack names them.
// A member has at most one link; a Slack user is linked to at most one
// member of a tenant. A link is pending (ConfirmedAt zero) until its
// Slack user confirms it from the direct message the app sent them: a
// pending link gets no approval messages and votes nothing.
type SlackLink struct {
	MemberID    string
	TenantID    string
	TeamID      string
	UserID      string
	CreatedAt   time.Time
	ConfirmedAt time.Time // zero while pending
}

// Confirmed reports whether the link's Slack user confirmed it.
func (l SlackLink) Confirmed() bool { return !l.ConfirmedAt.IsZero() }

// SlackReader reads members' Slack links. Not read by the lock check.
type SlackReader interface {
	// SlackLink returns the member's link; ErrNotFound when they have none.
	SlackLink(ctx context.Context, memberID string) (SlackLink, error)
	// SlackMember returns the link of the Slack user (teamID, userID) in
	// the tenant; ErrNotFound when no member of the tenant linked them.
	SlackMember(ctx context.Context, tenantID, teamID, userID string) (SlackLink, error)
}

// SlackTx changes members' Slack links inside a transaction.
type SlackTx interface {
	SlackReader
	// PutSlackLink links the member, replacing the link they had. A
	// Slack user already linked to another member of the tenant is
	// ErrConflict and changes nothing; the member must exist in its
	// tenant. It needs every field.
	PutSlackLink(ctx context.Context, l SlackLink) error
	// DeleteSlackLink removes the member's link and reports whether
	// there was one.
	DeleteSlackLink(ctx context.Context, memberID string) (bool, error)
}
