package webpush

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Payload is the JSON the portal's service worker shows.
type Payload struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	Tag   string `json:"tag"` // the request ID: a refresh replaces the notice
	URL   string `json:"url"` // the portal page to open
}

// Notifier is the Web Push carrier of the outbox (notify.Carrier): it
// pushes a notice to every browser the member subscribed. A browser whose
// subscription is gone is forgotten. Retries, and what admins see of
// failures, are the outbox's. It is safe for concurrent use.
type Notifier struct {
	Sender *Sender
	// Store reads the member's subscriptions and forgets one that is gone.
	Store interface {
		store.MemberReader
		store.PortalReader
		store.Updater
	}
	PortalURL string
	Clock     clock.Clock // dates the audit of a forgotten subscription; nil: the real clock
	Log       *slog.Logger
}

var _ notify.Carrier = (*Notifier)(nil)

// RequestPayload is what a notice about a new request says.
func RequestPayload(n notify.Notice, portalURL string) Payload {
	from := []string{}
	for _, s := range []string{n.IP, n.Location, n.Device} {
		if s != "" {
			from = append(from, s)
		}
	}
	body := "Someone is signing in as " + n.Account + " at " + n.Application + "."
	if len(from) > 0 {
		body += " From " + strings.Join(from, ", ") + "."
	}
	return Payload{Title: "Sign-in request", Body: body + " Open deadbolt to answer.", Tag: n.Request, URL: portalURL + "/"}
}

// AskPayload is what the notice that asks an approver to vote says.
func AskPayload(n notify.Notice, portalURL string) Payload {
	body := "Approve or deny " + n.What()
	if n.By != "" {
		body += ", asked by " + n.By
	}
	return Payload{Title: "Approval asked", Body: body + ". Open deadbolt to answer.", Tag: n.Request, URL: portalURL + n.Link}
}

// DecidedPayload is what the notice of a request's outcome says to its
// requester.
func DecidedPayload(n notify.Notice, portalURL string) Payload {
	return Payload{Title: "Request " + n.Outcome(), Body: "Your request for " + n.What() + " was " + n.Outcome() + ".",
		Tag: "decided-" + n.Request, URL: portalURL + n.Link}
}

// RecoveryPayload is what the notice of a recovery link says.
func RecoveryPayload(r notify.Recovery, portalURL string) Payload {
	return Payload{Title: "Recovery link issued",
		Body: r.By + " issued a link that registers a new passkey for your account. If you did not ask for it, tell your owners now.",
		Tag:  "recovery", URL: portalURL + "/passkeys"}
}

// BreakGlassPayload is what the alert of a break-glass says.
func BreakGlassPayload(b notify.BreakGlass, portalURL string) Payload {
	how := b.By + " opened it without approvals"
	if b.Offline {
		how = "an offline code opened it while deadbolt was unreachable"
	}
	return Payload{Title: "Break-glass: " + b.Account, Body: b.Account + " at " + b.Application + ": " + how + ".",
		Tag: "breakglass", URL: portalURL + "/"}
}

// PolicyAlertPayload is what the notice of an alert policy's execution or
// lift says.
func PolicyAlertPayload(a notify.PolicyAlert, portalURL string) Payload {
	body := fmt.Sprintf("%s applies to %d account(s)", a.Action, a.Count)
	if len(a.Accounts) > 0 {
		body += ", among them " + a.Accounts[0]
	}
	title := "Alert policy ran: " + a.Policy
	if a.Lifted {
		title, body = "Alert policy lifted: "+a.Policy, "its "+a.Action+" no longer applies"
	}
	return Payload{Title: title, Body: body + ".", Tag: "policy-" + a.PolicyID, URL: portalURL + "/"}
}

// Deliver implements notify.Carrier: one attempt to push m's notice to each
// of the member's browsers. It fails when any browser's push service
// refused it for now; the retry pushes to every browser again, and a
// browser that already has the notice replaces it (same tag), so the
// person sees it once. With no browser left it fails for good.
func (n *Notifier) Deliver(ctx context.Context, m store.OutboxMessage) error {
	p, err := notify.Word(m, notify.Wording[Payload]{
		Raised:      pushAs(RequestPayload, n.PortalURL),
		Asked:       pushAs(AskPayload, n.PortalURL),
		Decided:     pushAs(DecidedPayload, n.PortalURL),
		Recovery:    pushAs(RecoveryPayload, n.PortalURL),
		BreakGlass:  pushAs(BreakGlassPayload, n.PortalURL),
		PolicyAlert: pushAs(PolicyAlertPayload, n.PortalURL),
	})
	if err != nil {
		return err
	}
	member, err := n.Store.Member(ctx, m.MemberID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: member %s: %v", notify.ErrPermanent, m.MemberID, err)
	}
	if err != nil {
		return err
	}
	subs, err := n.Store.PushSubscriptions(ctx, member.ID)
	if err != nil {
		return err
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("%w: %v", notify.ErrPermanent, err)
	}
	sent := 0
	var failed []error
	for _, sub := range subs {
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := n.Sender.Send(sctx, sub, payload)
		cancel()
		switch {
		case err == nil:
			sent++
		case errors.Is(err, ErrGone), errors.Is(err, ErrEndpoint):
			if err := n.forget(ctx, member, sub, err); err != nil {
				failed = append(failed, err)
			}
		default:
			failed = append(failed, err)
		}
	}
	switch {
	case len(failed) > 0:
		return errors.Join(failed...)
	case sent == 0:
		return fmt.Errorf("%w: no browser of %s is subscribed to push", notify.ErrPermanent, member.Email)
	}
	return nil
}

// pushAs is payload, as a notify.Wording of a notice to the portal at
// portalURL.
func pushAs[N any](payload func(N, string) Payload, portalURL string) func(N) (Payload, error) {
	return func(n N) (Payload, error) { return payload(n, portalURL), nil }
}

// forget removes a subscription the push service no longer knows.
func (n *Notifier) forget(ctx context.Context, m store.Member, sub store.PushSubscription, why error) error {
	var now time.Time
	if n.Clock != nil {
		now = n.Clock.Now()
	} else {
		now = time.Now().UTC()
	}
	err := n.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeletePushSubscription(ctx, sub.ID); err != nil {
			return err
		}
		_, err := tx.AppendAudit(ctx, audit.Event{TenantID: m.TenantID, Actor: "system:push", Action: "push.unsubscribed",
			Target: "member:" + m.ID, Data: map[string]any{"subscription": sub.ID, "reason": why.Error()}}, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("webpush: forget subscription %s: %w", sub.ID, err)
	}
	if n.Log != nil {
		n.Log.Info("push subscription gone; forgotten", "member", m.ID, "subscription", sub.ID, "reason", why)
	}
	return nil
}
