package notify

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Notices about requests that approvers decide (package approval): each
// approver who may vote is asked, and the requester hears the outcome.
// Both are Notices, written to the outbox in the transaction that creates
// or closes the request, and carried by the same carriers as the owner's
// TypeRequestRaised notice.
const (
	// TypeApprovalAsked is the type of the notice that asks an approver to
	// vote on a request.
	TypeApprovalAsked = "approval.asked"
	// TypeRequestDecided is the type of the notice that tells the
	// requester their request was approved, denied or ran out. It is an
	// outbox message to a member, not a webhook event: the webhook events
	// (account.locked, account.unlocked, approval.decided) are unchanged.
	TypeRequestDecided = "request.decided"
)

// KindOperation is Notice.Kind for an approval request for an operation
// (NL3 approvalRequest).
const KindOperation = "operation"

// EnqueueAsk writes, inside tx, the notice n (of TypeApprovalAsked) for
// approver m on each of channels that m chose, as EnqueueNotice does:
// push only to a member with a subscribed browser, Slack only to a member
// with a confirmed link, and email only to a verified address.
func EnqueueAsk(ctx context.Context, tx NoticeTx, m store.Member, n Notice, channels []string, now time.Time) ([]string, error) {
	n.clean()
	if n.Link == "" {
		n.Link = "/"
	}
	return enqueue(ctx, tx, m, TypeApprovalAsked, n, channels, verifiedWants(m), now)
}

// EnqueueDecided writes, inside tx, the notice n (of TypeRequestDecided,
// n.Status set) for requester m on each of channels that m chose, email
// only to a verified address. Slack is never used: its messages are
// approvers' ballots.
func EnqueueDecided(ctx context.Context, tx NoticeTx, m store.Member, n Notice, channels []string, now time.Time) ([]string, error) {
	n.clean()
	if n.Link == "" {
		n.Link = "/"
	}
	var chs []string
	for _, ch := range channels {
		if ch != store.ChannelSlack {
			chs = append(chs, ch)
		}
	}
	return enqueue(ctx, tx, m, TypeRequestDecided, n, chs, verifiedWants(m), now)
}

// verifiedWants is m.Wants, except that an email address nobody confirmed
// gets nothing: whoever registered it may not own it, and a notice names
// accounts, applications and people.
func verifiedWants(m store.Member) func(string) bool {
	return func(ch string) bool {
		return m.Wants(ch) && (ch != store.ChannelEmail || m.EmailVerified())
	}
}

// What words what n asks for, for a subject line or a push title:
// "access to treasury at Bank", "a sign-in to treasury at Bank",
// "\"Purchase\" for treasury at Bank".
func (n Notice) What() string {
	at := n.Account + " at " + n.Application
	switch n.Kind {
	case KindOperation:
		return "\"" + n.Title + "\" for " + at
	case store.RequestExtend:
		return "longer access to " + at
	case store.RequestAhead:
		return "access to " + at
	}
	return "a sign-in to " + at
}

// Outcome words a decided notice's status: "approved", "denied", "not
// answered in time".
func (n Notice) Outcome() string {
	if n.Status == store.RequestExpired {
		return "not answered in time"
	}
	return n.Status
}
