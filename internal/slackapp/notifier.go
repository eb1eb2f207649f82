package slackapp

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Requests shows a request as a member sees it: approval.Service.
type Requests interface {
	Show(ctx context.Context, tenantID, id string, viewer store.Member) (approval.Item, error)
	ShowOperation(ctx context.Context, tenantID, id string, viewer store.Member) (approval.OperationItem, error)
}

// Members reads members and their Slack links.
type Members interface {
	Member(ctx context.Context, id string) (store.Member, error)
	store.SlackReader
}

// Notifier is the outbox carrier of the member channel "slack": it posts
// an approver the message that asks for their vote. It is safe for
// concurrent use.
type Notifier struct {
	API       *slack.Client
	Members   Members
	Requests  Requests
	PortalURL string
}

// Deliver posts m, a request notice, to its member's Slack user as a
// direct message from the app. A request the member can no longer vote
// on (decided, run out, voted) is delivered by posting nothing. A member
// who unlinked Slack, or a message that is not a notice, is a permanent
// failure.
func (n *Notifier) Deliver(ctx context.Context, m store.OutboxMessage) error {
	note, err := notify.DecodeNotice(m)
	if err != nil {
		return err
	}
	if m.Type == notify.TypeRequestDecided {
		return fmt.Errorf("%w: Slack carries what approvers are asked, not outcomes", notify.ErrPermanent)
	}
	link, err := n.Members.SlackLink(ctx, m.MemberID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: the member unlinked Slack", notify.ErrPermanent)
	} else if err != nil {
		return err
	}
	if !link.Confirmed() {
		return fmt.Errorf("%w: the member's Slack link is not confirmed", notify.ErrPermanent)
	}
	member, err := n.Members.Member(ctx, m.MemberID)
	if err != nil {
		return err
	}
	text, blocks, err := n.message(ctx, m.TenantID, note, member)
	if errors.Is(err, store.ErrNotFound) || err == nil && blocks == nil {
		return nil // the request is gone, or the member can no longer vote: nothing to ask
	} else if err != nil {
		return err
	}
	_, _, err = n.API.PostMessageContext(ctx, link.UserID, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		return classify("chat.postMessage", err)
	}
	return nil
}

// message is the message that asks member to vote on the request of
// note: for an access request, with Approve and Deny; for an operation,
// with its title and a button to the portal, where it is voted on. No
// blocks when the member can no longer vote on it.
func (n *Notifier) message(ctx context.Context, tenantID string, note notify.Notice, member store.Member) (string, []slack.Block, error) {
	if note.Kind == notify.KindOperation {
		it, err := n.Requests.ShowOperation(ctx, tenantID, note.Request, member)
		if err != nil || !it.CanVote {
			return "", nil, err
		}
		return operationFallback(it), operationBlocks(it, n.PortalURL), nil
	}
	it, err := n.Requests.Show(ctx, tenantID, note.Request, member)
	if err != nil || !it.CanVote {
		return "", nil, err
	}
	return fallback(it), askBlocks(it, n.PortalURL), nil
}
