package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TypeBreakGlass is the type of the alert that an account was opened by
// break-glass, online or with an offline code.
const TypeBreakGlass = "account.break_glass"

// BreakGlass tells every admin of a tenant that an account was opened
// without approvals. Like a Notice it carries no secret: never a code.
type BreakGlass struct {
	Application string    `json:"application"`
	Account     string    `json:"account"`
	By          string    `json:"by"` // the audit actor, or the device for an offline code
	Reason      string    `json:"reason,omitempty"`
	Offline     bool      `json:"offline,omitempty"` // an offline code, reported later
	At          time.Time `json:"at"`                // when it was opened (an offline code: when the device used it)
	Until       time.Time `json:"until,omitempty"`   // when the online unlock ends
}

func (b *BreakGlass) clean() {
	b.Application = Line(b.Application, 200)
	b.Account = Line(b.Account, 512)
	b.By = Line(b.By, 200)
	b.Reason = Line(b.Reason, 500)
}

// DecodeBreakGlass reads the break-glass alert of an email or push
// message; a payload that is not one wraps ErrPermanent.
func DecodeBreakGlass(m store.OutboxMessage) (BreakGlass, error) {
	var b BreakGlass
	if m.Type != TypeBreakGlass {
		return b, fmt.Errorf("%w: message type %q is not a break-glass alert", ErrPermanent, m.Type)
	}
	if err := json.Unmarshal(m.Payload, &b); err != nil {
		return b, fmt.Errorf("%w: break-glass payload: %v", ErrPermanent, err)
	}
	b.clean()
	return b, nil
}

// EnqueueBreakGlass writes, inside tx, the alert b for member m on every
// one of channels (the member channels this deployment delivers), whatever
// m chose: admins hear of every break-glass. Push is skipped while m has
// no subscribed browser. It returns the channels it wrote to.
func EnqueueBreakGlass(ctx context.Context, tx NoticeTx, m store.Member, b BreakGlass, channels []string, now time.Time) ([]string, error) {
	b.clean()
	return enqueue(ctx, tx, m, TypeBreakGlass, b, channels, func(string) bool { return true }, now)
}
