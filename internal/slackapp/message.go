package slackapp

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Action IDs of the message's buttons; each button's value is the
// request's ID.
const (
	ActionApprove = "deadbolt.approve"
	ActionDeny    = "deadbolt.deny"
	// ActionSign opens the portal's sign page; Slack still sends an
	// interaction for it, which votes nothing.
	ActionSign = "deadbolt.sign"
)

// blockVote is the block ID of the buttons.
const blockVote = "deadbolt.vote"

// plain is a plain-text object: every text that came from outside (a
// reason, an account name, a device) is shown as plain text on one line,
// so it cannot format the message, link or mention anyone.
func plain(s string, max int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, notify.Line(s, max), false, false)
}

// title says what is asked, in plain words.
func title(it approval.Item) string {
	app := it.App.Name
	if app == "" {
		app = it.App.Issuer
	}
	verb := "Access to"
	switch it.Request.Kind {
	case store.RequestExtend:
		verb = "Longer access to"
	case store.RequestSignin:
		verb = "Sign-in to"
	}
	return fmt.Sprintf("%s %s at %s", verb, it.Account.Name, app)
}

// facts are the request's facts, as the approver judges them.
func facts(it approval.Item) []*slack.TextBlockObject {
	q := it.Request
	who := "a sign-in that was blocked"
	if it.Requester != nil {
		who = it.Requester.Email
		if it.Requester.Name != "" {
			who = it.Requester.Name + " <" + it.Requester.Email + ">"
		}
	}
	out := []*slack.TextBlockObject{plain("Requested by: "+who, 300)}
	if q.Reason != "" {
		out = append(out, plain("Reason: "+q.Reason, 500))
	}
	if q.Duration > 0 {
		out = append(out, plain("For: "+q.Duration.String(), 100))
	}
	if !q.StartsAt.IsZero() {
		out = append(out, plain("Starting: "+q.StartsAt.UTC().Format(time.RFC3339), 100))
	}
	var where []string
	for _, s := range []string{q.IP, q.Location, q.Device} {
		if s != "" {
			where = append(where, s)
		}
	}
	if len(where) > 0 {
		out = append(out, plain("From: "+strings.Join(where, ", "), 300))
	}
	out = append(out, plain(fmt.Sprintf("Approvals: %d of %d", it.Approvals, it.Rule.Required), 100),
		plain("Expires: "+q.ExpiresAt.UTC().Format(time.RFC3339), 100))
	return out
}

// askBlocks is the message that asks an approver: the facts, and Approve
// and Deny, or under a policy that says sign a button to the portal's sign
// page (no vote can be signed in Slack).
func askBlocks(it approval.Item, portalURL string) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(title(it), 150)),
		slack.NewSectionBlock(nil, facts(it), nil),
	}
	if it.Rule.Sign {
		sign := slack.NewButtonBlockElement(ActionSign, it.Request.ID, plain("Review and sign in deadbolt", 75)).
			WithURL(portalURL + "/approvals/" + it.Request.ID + "/sign").WithStyle(slack.StylePrimary)
		blocks = append(blocks,
			slack.NewContextBlock("", plain("This policy needs a passkey-signed approval: sign it in the deadbolt portal.", 200)),
			slack.NewActionBlock(blockVote, sign))
		return blocks
	}
	approve := slack.NewButtonBlockElement(ActionApprove, it.Request.ID, plain("Approve", 75)).WithStyle(slack.StylePrimary)
	deny := slack.NewButtonBlockElement(ActionDeny, it.Request.ID, plain("Deny", 75)).WithStyle(slack.StyleDanger)
	open := slack.NewButtonBlockElement(ActionSign, it.Request.ID, plain("Open in deadbolt", 75)).
		WithURL(portalURL + "/approvals")
	return append(blocks, slack.NewActionBlock(blockVote, approve, deny, open))
}

// outcomeBlocks replaces the buttons of a message once its approver has
// voted or the request is no longer open.
func outcomeBlocks(it approval.Item, line string) []slack.Block {
	return []slack.Block{
		slack.NewHeaderBlock(plain(title(it), 150)),
		slack.NewSectionBlock(nil, facts(it), nil),
		slack.NewContextBlock("", plain(line, 300)),
	}
}

// fallback is the notification text of a message (what a phone shows).
func fallback(it approval.Item) string {
	return notify.Line("deadbolt: "+title(it)+" needs your approval", 300)
}

// operationBlocks asks an approver about an approval request for an
// operation: its title, application, subject, quorum and expiry, and a
// button to its place in the portal's inbox, where it is voted on. Its
// filled text and metadata stay in the portal.
func operationBlocks(it approval.OperationItem, portalURL string) []slack.Block {
	o := it.Request
	app := it.App.Name
	if app == "" {
		app = it.App.Issuer
	}
	facts := []*slack.TextBlockObject{plain("From: "+app, 300), plain("About: "+o.Subject, 300),
		plain(fmt.Sprintf("Approvals needed: %d", o.Approvals), 100), plain("Expires: "+o.ExpiresAt.UTC().Format(time.RFC3339), 100)}
	open := slack.NewButtonBlockElement(ActionSign, o.ID, plain("Review in deadbolt", 75)).
		WithURL(portalURL + "/approvals#operation-" + o.ID).WithStyle(slack.StylePrimary)
	return []slack.Block{
		slack.NewHeaderBlock(plain("Approval asked: "+o.Title, 150)),
		slack.NewSectionBlock(nil, facts, nil),
		slack.NewContextBlock("", plain("Approve or deny it in the deadbolt portal.", 200)),
		slack.NewActionBlock(blockVote, open),
	}
}

// operationFallback is the notification text of an operation's message.
func operationFallback(it approval.OperationItem) string {
	return notify.Line("deadbolt: "+it.Request.Title+" needs your approval", 300)
}
