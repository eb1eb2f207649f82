package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TypeRequestRaised is the type of the notice about a new unlock request.
const TypeRequestRaised = "request.raised"

// Notice tells a member, by email or Web Push, that a lock check met a
// locked account they own and raised an unlock request. It is the payload
// of their outbox message, written in the raise's transaction; the carrier
// writes the mail or push text from it when it delivers. A notice carries
// no secret and no way to answer: answering takes a passkey in the portal.
type Notice struct {
	Request     string    `json:"request"`     // the request's ID
	Application string    `json:"application"` // its name, or its issuer when it has none
	Account     string    `json:"account"`
	IP          string    `json:"ip,omitempty"`
	Device      string    `json:"device,omitempty"`
	Location    string    `json:"location,omitempty"`
	Via         string    `json:"via,omitempty"` // the integration that checked
	At          time.Time `json:"at"`            // when the check raised it
	Expires     time.Time `json:"expires"`       // when it runs out

	// The fields below are set on the notices to approvers
	// (TypeApprovalAsked) and to requesters (TypeRequestDecided).

	// Kind is what was asked: store.RequestSignin, RequestAhead,
	// RequestExtend, or KindOperation.
	Kind string `json:"kind,omitempty"`
	// By is who asked: the requester's name or email, or the application
	// for an operation. Empty for a sign-in a lock check stopped.
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
	// For is how long the access asked lasts, as a Go duration ("2h0m0s").
	For string `json:"for,omitempty"`
	// Title is an operation's title (its template's, never the filled
	// text or the metadata, which may hold what a mail should not).
	Title string `json:"title,omitempty"`
	// Status is a decided request's: store.RequestApproved,
	// RequestDenied or RequestExpired.
	Status string `json:"status,omitempty"`
	// Link is the path of the request's page in the portal ("/approvals#request-ID");
	// carriers put the portal's URL in front. Empty: the portal's home.
	Link string `json:"link,omitempty"`
}

// NoticeOf is the notice about request r of account at app.
func NoticeOf(app store.Application, account string, r store.UnlockRequest) Notice {
	name := app.Name
	if name == "" {
		name = app.Issuer
	}
	n := Notice{Request: r.ID, Application: name, Account: account, IP: r.IP, Device: r.Device,
		Location: r.Location, Via: r.IntegrationType, At: r.UpdatedAt.UTC(), Expires: r.ExpiresAt.UTC()}
	n.clean()
	return n
}

// clean makes every text of the notice one plain line. The context comes
// from whoever called the lock check (userDevice, location, the account
// name), and a notice puts it in mail and push text, where a line break
// could write a paragraph of its own ("approve at https://…") and control
// characters could hide or reorder what the person reads.
func (n *Notice) clean() {
	n.Application = Line(n.Application, 200)
	n.Account = Line(n.Account, 512)
	n.IP = Line(n.IP, 100)
	n.Device = Line(n.Device, 200)
	n.Location = Line(n.Location, 200)
	n.Via = Line(n.Via, 50)
	n.Kind = Line(n.Kind, 20)
	n.By = Line(n.By, 300)
	n.Reason = Line(n.Reason, 500)
	n.For = Line(n.For, 50)
	n.Title = Line(n.Title, 200)
	n.Status = Line(n.Status, 20)
	if n.Link != "" && (!strings.HasPrefix(n.Link, "/") || strings.HasPrefix(n.Link, "//")) {
		n.Link = "/" // a path of this portal, never another site
	}
	n.Link = Line(n.Link, 300)
}

// Line returns s as one plain line of at most max characters (runes):
// line breaks, tabs, control and bidirectional-override characters become
// spaces, runs of spaces one, and a longer text is cut with "…". Notices
// and mail use it for every text that came from outside.
func Line(s string, max int) string {
	var b strings.Builder
	space, n := false, 0
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Bidi_Control, r) ||
			unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			space = b.Len() > 0
			continue
		}
		if n >= max {
			b.WriteString("…")
			return b.String()
		}
		if space {
			if n+1 >= max {
				b.WriteString("…")
				return b.String()
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// DecodeNotice reads the notice of an email, push or Slack message: one of
// TypeRequestRaised, TypeApprovalAsked or TypeRequestDecided (the carrier
// words it by m.Type). A payload that is not a notice cannot become one by
// retrying: the error wraps ErrPermanent.
func DecodeNotice(m store.OutboxMessage) (Notice, error) {
	var n Notice
	if m.Type != TypeRequestRaised && m.Type != TypeApprovalAsked && m.Type != TypeRequestDecided {
		return n, fmt.Errorf("%w: message type %q is not a notice", ErrPermanent, m.Type)
	}
	if err := json.Unmarshal(m.Payload, &n); err != nil {
		return n, fmt.Errorf("%w: notice payload: %v", ErrPermanent, err)
	}
	n.clean() // notices written before they were cleaned at the source
	return n, nil
}

// NoticeTx is the part of a transaction that enqueues notices to a
// member: push goes only to the browsers the member subscribed, Slack only
// to a member who linked a Slack user.
type NoticeTx interface {
	store.PortalReader
	store.SlackReader
	store.OutboxTx
}

// EnqueueNotice writes, inside tx, one outbox message with notice n for
// member m on each of channels (the member channels this deployment
// delivers) that m chose. Push is skipped while m has no subscribed
// browser, Slack while m has no confirmed Slack link. It writes nothing when
// m chose none of them.
func EnqueueNotice(ctx context.Context, tx NoticeTx, m store.Member, n Notice, channels []string, now time.Time) error {
	_, err := enqueue(ctx, tx, m, TypeRequestRaised, n, channels, m.Wants, now)
	return err
}

// TypeRecovery is the type of the notice that someone issued a recovery
// link for a member: a one-time link that registers a new passkey for a
// member who has one already.
const TypeRecovery = "member.recovery"

// Recovery tells a member that a recovery link was issued for them, so
// that a link they did not ask for does not go unnoticed. Like a Notice it
// carries no secret: never the link itself.
type Recovery struct {
	By      string    `json:"by"`      // who issued it, as the audit names them
	At      time.Time `json:"at"`      // when
	Expires time.Time `json:"expires"` // when the link stops working
}

// DecodeRecovery reads the recovery notice of an email or push message; a
// payload that is not one wraps ErrPermanent.
func DecodeRecovery(m store.OutboxMessage) (Recovery, error) {
	var r Recovery
	if m.Type != TypeRecovery {
		return r, fmt.Errorf("%w: message type %q is not a recovery notice", ErrPermanent, m.Type)
	}
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		return r, fmt.Errorf("%w: recovery payload: %v", ErrPermanent, err)
	}
	return r, nil
}

// EnqueueRecovery writes, inside tx, the recovery notice r for member m
// on every one of channels (the member channels this deployment delivers),
// whatever m chose: a security notice is not optional. Push is skipped
// while m has no subscribed browser. It returns the channels it wrote to.
func EnqueueRecovery(ctx context.Context, tx NoticeTx, m store.Member, r Recovery, channels []string, now time.Time) ([]string, error) {
	return enqueue(ctx, tx, m, TypeRecovery, r, channels, func(string) bool { return true }, now)
}

// enqueue writes one message of type typ with payload v for m on each of
// channels that wants allows (push only when m has a subscribed browser),
// and returns the channels it wrote to.
func enqueue(ctx context.Context, tx NoticeTx, m store.Member, typ string, v any, channels []string, wants func(string) bool, now time.Time) ([]string, error) {
	var payload []byte
	var written []string
	for _, ch := range channels {
		if ch != store.ChannelSlack && !wants(ch) { // Slack is chosen by linking it
			continue
		}
		if ch == store.ChannelPush {
			subs, err := tx.PushSubscriptions(ctx, m.ID)
			if err != nil {
				return nil, err
			}
			if len(subs) == 0 {
				continue
			}
		}
		if ch == store.ChannelSlack {
			if l, err := tx.SlackLink(ctx, m.ID); errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			} else if !l.Confirmed() { // a pending link hears nothing
				continue
			}
		}
		if payload == nil {
			var err error
			if payload, err = json.Marshal(v); err != nil {
				return nil, fmt.Errorf("notify: encode %s: %w", typ, err)
			}
		}
		msg := store.OutboxMessage{ID: ids.New(), TenantID: m.TenantID, Channel: ch, MemberID: m.ID,
			Type: typ, Payload: payload, CreatedAt: now}
		if err := tx.EnqueueOutbox(ctx, msg); err != nil {
			return nil, err
		}
		written = append(written, ch)
	}
	return written, nil
}
